"""What the companion plugin's set-up (1.4) makes of the simulated site.

The real plugin declares the bridge's service in ``db/services.php`` and creates its role
on install; ``php local/registrybridge/cli/setup.php`` then turns on web services and REST,
repairs the service user, maps the role as privacy officer and authorises the user with a
token (``classes/local/setup.php``). :func:`run_setup` does the same to the simulated site:
the token's service becomes the plugin's, with exactly the functions of the modes (as
``core_webservice_get_site_info`` lists them on a real Moodle 4.5, recorded in
``tests/fixtures/moodle-live``), and the service user's role exactly the modes'
capabilities. Run twice, it changes nothing the second time; ``check`` only reports.

The simulator's default site is unchanged: a service made by hand with every function the
bridge calls. The lists here mirror the plugin's; ``tests/plugin`` compares them.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from connectors.moodle.simulator.state import SiteState

MODES = ("suspend", "delete_user", "suspend_and_unenrol")

#: The service of the default modes (revoke_access = suspend, erasure = privacy_request).
SERVICE_FUNCTIONS = frozenset({
    "core_course_get_courses_by_field", "core_course_get_updates_since",
    "core_enrol_get_enrolled_users", "core_enrol_get_enrolled_users_with_capability",
    "core_enrol_get_users_courses", "core_message_get_conversation_messages",
    "core_message_get_conversations", "core_user_get_users", "core_user_get_users_by_field",
    "core_user_update_users", "core_webservice_get_site_info",
    "gradereport_user_get_grade_items", "local_registrybridge_get_digests",
    "local_registrybridge_get_grades", "local_registrybridge_get_log_entries",
    "local_registrybridge_get_user_remains", "mod_assign_get_assignments",
    "mod_assign_get_grades", "mod_assign_get_submissions",
    "tool_dataprivacy_approve_data_request", "tool_dataprivacy_create_data_request",
    "tool_dataprivacy_deny_data_request", "tool_dataprivacy_get_access_information",
    "tool_dataprivacy_get_data_request", "tool_dataprivacy_get_data_requests",
})  # fmt: skip
MODE_FUNCTIONS = {"suspend": frozenset(), "delete_user": frozenset({"core_user_delete_users"}),
                  "suspend_and_unenrol": frozenset({"enrol_manual_unenrol_users"})}  # fmt: skip

#: The role of the default modes: 31 capabilities.
ROLE_CAPABILITIES = frozenset({
    "gradereport/user:view", "local/registrybridge:readlogs", "mod/assign:view",
    "mod/assign:viewgrades", "moodle/category:viewcourselist",
    "moodle/category:viewhiddencategories", "moodle/course:enrolreview",
    "moodle/course:useremail", "moodle/course:view", "moodle/course:viewhiddenactivities",
    "moodle/course:viewhiddencourses", "moodle/course:viewhiddenuserfields",
    "moodle/course:viewparticipants", "moodle/course:viewsuspendedusers",
    "moodle/grade:viewall", "moodle/grade:viewhidden", "moodle/role:review",
    "moodle/site:accessallgroups", "moodle/site:readallmessages", "moodle/site:viewfullnames",
    "moodle/site:viewparticipants", "moodle/site:viewuseridentity", "moodle/user:update",
    "moodle/user:viewalldetails", "moodle/user:viewdetails", "moodle/user:viewhiddendetails",
    "report/log:view", "tool/dataprivacy:makedatarequestsforchildren",
    "tool/dataprivacy:managedatarequests", "tool/dataprivacy:requestdeleteforotheruser",
    "webservice/rest:use",
})  # fmt: skip
MODE_CAPABILITIES = {"suspend": frozenset(), "delete_user": frozenset({"moodle/user:delete"}),
                     "suspend_and_unenrol": frozenset({"enrol/manual:unenrol"})}  # fmt: skip
#: Kept where an administrator allowed it, never added, not reported.
OPTIONAL_CAPABILITIES = frozenset({"moodle/site:maintenanceaccess"})


def parse_modes(text: str | Iterable[str], stored: Iterable[str] = ()) -> tuple[str, ...]:
    """``--mode``: a comma-separated list (or a list); empty: the modes of the last run."""
    names = [m.strip() for m in (text.split(",") if isinstance(text, str) else text)]
    names = [m for m in names if m] or list(stored)
    unknown = sorted(set(names) - set(MODES))
    if unknown:
        raise ValueError(f"unknown mode {unknown[0]!r} ({', '.join(MODES)})")
    return tuple(m for m in MODES if m == "suspend" or m in names)


def service_functions(modes: Iterable[str]) -> set[str]:
    return set(SERVICE_FUNCTIONS).union(*(MODE_FUNCTIONS[m] for m in modes))


def role_capabilities(modes: Iterable[str]) -> set[str]:
    return set(ROLE_CAPABILITIES).union(*(MODE_CAPABILITIES[m] for m in modes))


def run_setup(state: SiteState, modes: tuple[str, ...], check: bool = False) -> dict[str, Any]:
    """Compare the site with what the modes need; repair each difference unless ``check``.

    Returns the modes and the differences found (``changed`` when repaired).
    """
    config = state.config
    found: list[str] = []

    def differ(text: str, wrong: bool, repair: Callable[[], object]) -> None:
        if wrong:
            found.append(text)
            if not check:
                repair()

    differ("the companion plugin is not installed", not config.plugin_installed,
           lambda: setattr(config, "plugin_installed", True))
    differ("web services are disabled", not config.enablewebservices,
           lambda: setattr(config, "enablewebservices", True))
    differ("the REST protocol is disabled", not config.rest_enabled,
           lambda: setattr(config, "rest_enabled", True))
    differ("the service is disabled", not config.service_enabled,
           lambda: setattr(config, "service_enabled", True))
    functions = service_functions(modes)
    differ("the service's functions differ", set(config.service_functions) != functions,
           lambda: setattr(config, "service_functions", set(functions)))
    caps = state.capabilities.setdefault(state.service_userid, set())
    wanted = role_capabilities(modes) | (caps & OPTIONAL_CAPABILITIES)
    differ("the role's capabilities differ", caps != wanted,
           lambda: (caps.clear(), caps.update(wanted)))
    _service_user(state, differ)
    differ("'Contact the privacy officer' is off", not config.contactdataprotectionofficer,
           lambda: setattr(config, "contactdataprotectionofficer", True))
    differ("the role is not a privacy officer role", not config.dpo_role_mapped,
           lambda: setattr(config, "dpo_role_mapped", True))
    if not check:
        config.setup_modes = modes
    return {"modes": list(modes), "check" if check else "changed": found}


#: ``differ(text, wrong, repair)``: records a difference and repairs it unless checking.
Differ = Callable[[str, bool, Callable[[], object]], None]


def _service_user(state: SiteState, differ: Differ) -> None:
    """The account (web services authentication, active, complete) and a valid token of it."""
    user = state.users[state.service_userid]
    differ("the service user is suspended", user.suspended,
           lambda: setattr(user, "suspended", False))
    differ("the service user's authentication is not webservice", user.auth != "webservice",
           lambda: setattr(user, "auth", "webservice"))
    differ("the service user must change its password", user.forcepasswordchange,
           lambda: setattr(user, "forcepasswordchange", False))
    differ("the service user has no e-mail address", not user.email,
           lambda: setattr(user, "email", f"{user.username}@example.invalid"))
    now = state.now()
    for token in state.tokens.values():
        if token.userid == user.id:
            expired = bool(token.validuntil) and token.validuntil <= now
            differ("no valid token", expired or token.courseid is not None,
                   lambda t=token: (setattr(t, "validuntil", 0), setattr(t, "courseid", None)))
