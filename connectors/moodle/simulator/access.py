"""Who may call what: site settings, the token's service, capabilities, contexts.

This is the simulated half of ``webservice/lib.php`` and ``require_login()``:
the checks that make ``bridge check`` worth having. Everything here is data
that the controls (``control.py``) change to break or repair the site.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from connectors.moodle import functions as bridge_functions
from connectors.moodle.simulator import errors
from connectors.moodle.simulator.model import Course, User

CORE_VERSION = "2024090300"
RELEASE = "4.5dev+ (Build: 20240903)"

#: Component versions shown in ``functions[].version`` of the site info.
COMPONENT_VERSIONS: dict[str, str] = {
    "gradereport": "2024042200",
    "enrol": "2024042200",
    "tool": "2024042200",
    "mod": "2024082100",
    "local": "2026112500",
}

#: Functions the simulator implements besides the bridge's own list.
EXTRA_FUNCTIONS = (
    "core_course_get_courses", "tool_dataprivacy_get_data_requests", "core_course_check_updates",
    "tool_dataprivacy_deny_data_request",
)

#: Real Moodle functions the simulator does not implement: they exist on the
#: site (so calling one is ``accessexception``, not ``invalidrecord``) but are
#: never in the simulated token's service.
OTHER_INSTALLED_FUNCTIONS = frozenset(
    {
        "core_course_create_courses",
        "core_course_get_categories",
        "core_enrol_get_course_enrolment_methods",
        "core_enrol_submit_user_enrolment_form",
        "core_enrol_unenrol_user_enrolment",
        "core_grades_get_gradeitems",
        "core_grades_get_feedback",
        "core_grades_get_gradable_users",
        "core_grades_get_grade_tree",
        "core_message_get_messages",
        "core_reportbuilder_list_reports",
        "core_reportbuilder_retrieve_report",
        "core_reportbuilder_set_filters",
        "enrol_manual_enrol_users",
        "gradereport_overview_get_course_grades",
        "gradereport_user_get_grades_table",
        "mod_assign_get_user_flags",
        "mod_assign_get_user_mappings",
        "tool_dataprivacy_bulk_approve_data_requests",
        "tool_dataprivacy_bulk_deny_data_requests",
        "tool_dataprivacy_cancel_data_request",
        "tool_dataprivacy_mark_complete",
        "tool_policy_get_user_acceptances",
        "tool_policy_set_acceptances_status",
    }
)


#: Functions the simulator implements that only the companion plugin's service holds
#: (``plugin_setup.py``), not the default one: the bridge's optional reads.
SETUP_ONLY_FUNCTIONS = ("core_enrol_get_users_courses",)


def default_service_functions() -> set[str]:
    """The functions of the bridge's service as the set-up guide lists them (the companion
    plugin's answer only while the plugin is installed)."""
    return set(bridge_functions.all_functions()) | set(EXTRA_FUNCTIONS)


#: Capabilities of the bridge's system role (reference section 6.2) with the
#: descriptions ``nopermissions`` messages quote.
CAPABILITIES: dict[str, str] = {
    "webservice/rest:use": "Use REST protocol",
    "moodle/course:view": "View courses without participation",
    "moodle/course:viewhiddencourses": "View hidden courses",
    "moodle/course:viewhiddenactivities": "View hidden activities",
    "moodle/category:viewhiddencategories": "See hidden categories",
    "moodle/category:viewcourselist": "View course list",
    "moodle/course:update": "Update course settings",
    "moodle/user:viewdetails": "View user profiles",
    "moodle/user:viewalldetails": "View user full information",
    "moodle/user:viewhiddendetails": "View hidden details of users",
    "moodle/course:viewhiddenuserfields": "View hidden user fields",
    "moodle/site:viewfullnames": "Always see full names of users",
    "moodle/site:viewuseridentity": "See user identity in lists",
    "moodle/course:useremail": "Enable/disable email address",
    "moodle/site:viewparticipants": "View participants",
    "moodle/course:viewparticipants": "View participants",
    "moodle/course:enrolreview": "Review course enrolments",
    "moodle/role:review": "Review permissions for others",
    "moodle/site:accessallgroups": "Access all groups",
    "moodle/course:viewsuspendedusers": "View suspended users",
    "gradereport/user:view": "View your own grade report",
    "moodle/grade:viewall": "View grades of other users",
    "moodle/grade:viewhidden": "View hidden grades for owner",
    "mod/assign:view": "View assignment",
    "mod/assign:viewgrades": "View grades",
    "mod/assign:grade": "Grade assignment",
    "moodle/site:readallmessages": "Read all messages on site",
    "report/log:view": "View course logs",
    "local/registrybridge:readlogs":
        "Read the site log through the LMS registry bridge web service",
    "moodle/user:update": "Update user profiles",
    "moodle/user:delete": "Delete users",
    "enrol/manual:unenrol": "Unenrol users from the course",
    "tool/dataprivacy:managedatarequests": "Manage data requests",
    "tool/dataprivacy:requestdeleteforotheruser": "Request data deletion on behalf of another user",
    "tool/dataprivacy:makedatarequestsforchildren": "Make data requests for minors",
}

#: Capabilities students and teachers hold in their courses (used by the
#: ``withcapability`` filters and ``core_enrol_get_enrolled_users_with_capability``).
ROLE_CAPABILITIES: dict[str, frozenset[str]] = {
    "editingteacher": frozenset(
        {"mod/assign:grade", "moodle/course:update", "moodle/grade:viewall", "mod/assign:view"}
    ),
    "teacher": frozenset({"mod/assign:grade", "moodle/grade:viewall", "mod/assign:view"}),
    "student": frozenset({"mod/assign:submit", "mod/assign:view", "moodle/course:view"}),
}
ROLES: dict[int, str] = {3: "editingteacher", 4: "teacher", 5: "student"}
ROLE_IDS: dict[str, int] = {name: roleid for roleid, name in ROLES.items()}


@dataclass
class Token:
    token: str
    userid: int
    #: Course the token is restricted to (``None`` = system context).
    courseid: int | None = None
    validuntil: int = 0


@dataclass
class SiteConfig:
    """The admin settings the simulated site's behaviour depends on."""

    sitename: str = "Oppimo Learning (simulated)"
    wwwroot: str = "http://127.0.0.1:8088"
    enablewebservices: bool = True
    rest_enabled: bool = True
    service_enabled: bool = True
    service_functions: set[str] = field(default_factory=default_service_functions)
    plugin_installed: bool = True
    debug: bool = False
    max_input_vars: int = 5000
    contactdataprotectionofficer: bool = True
    dpo_role_mapped: bool = True
    automaticdeletionrequests: bool = True
    sitepolicy: str = ""
    messaging: bool = True
    #: The companion plugin's ``lag``: log rows younger than this are not served yet.
    log_lag: int = 60
    #: ``showuseridentity``: identity fields shown next to the email.
    showuseridentity: tuple[str, ...] = ("email",)
    #: The modes the companion plugin's set-up last ran with (``plugin_setup.py``).
    setup_modes: tuple[str, ...] = ()

    def installed_functions(self) -> set[str]:
        names = default_service_functions() | set(OTHER_INSTALLED_FUNCTIONS)
        names |= set(SETUP_ONLY_FUNCTIONS)
        if not self.plugin_installed:
            names -= set(bridge_functions.PLUGIN_FUNCTIONS)
        return names

    def token_functions(self) -> set[str]:
        """The token's service functions as the site info lists them."""
        return set(self.service_functions) & self.installed_functions()


def component_version(function: str) -> str:
    prefix = function.split("_", 1)[0]
    return COMPONENT_VERSIONS.get(prefix, CORE_VERSION)


def login_failure(user: User, config: SiteConfig) -> tuple[str, str] | None:
    """Why ``require_login()`` would refuse the token's user, as (code, message)."""
    if not (user.email and user.firstname and user.lastname):
        return "usernotfullysetup", "User not fully set-up"
    if user.forcepasswordchange:
        return (
            "forcepasswordchangenotice",
            "You cannot proceed without changing your password, however there is no "
            "available page for changing it. Please contact your Moodle Administrator.",
        )
    if config.sitepolicy and user.auth != "webservice" and not user.policyagreed:
        return (
            "sitepolicynotagreed",
            f'Site policy not agreed: <a href="{config.sitepolicy}">Click here to open '
            "the site policy.</a>",
        )
    return None


RESTRICTED = "Sorry, execution of external function violates context restriction."
NOT_ACCESSIBLE = "Course or activity not accessible."


def check_system_context(token: Token, user: User, config: SiteConfig) -> None:
    """``validate_context(system)``: the plain error codes."""
    if token.courseid is not None:
        raise errors.moodle_exception("restrictedcontextexception", RESTRICTED)
    failure = login_failure(user, config)
    if failure:
        raise errors.moodle_exception(*failure)


def course_context_failure(
    token: Token, user: User, config: SiteConfig, capabilities: set[str], course: Course
) -> str | None:
    """Why the course context cannot be entered, or ``None`` when it can."""
    if token.courseid is not None and token.courseid != course.id:
        return RESTRICTED
    failure = login_failure(user, config)
    if failure:
        return failure[1]
    if course.id != 1 and "moodle/course:view" not in capabilities:
        return NOT_ACCESSIBLE
    if not course.visible and "moodle/course:viewhiddencourses" not in capabilities:
        return NOT_ACCESSIBLE
    return None


def course_context_error(course_id: int, reason: str) -> errors.MoodleError:
    return errors.moodle_exception(
        "errorcoursecontextnotvalid",
        f"You cannot execute functions in the course context (course id:{course_id}). "
        f"The context error message was: {reason}",
    )
