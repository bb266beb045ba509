"""``bridge check`` for Moodle: is the site set up the way the bridge needs it?

``core_webservice_get_site_info`` answers even when the service account cannot
work (reference 1.9), so the site info alone proves little. The diagnosis
therefore goes in three steps:

1. the site info: the connection, Moodle's version, the service's functions
   (compared with what the enabled streams and push modes call) and whether the
   account is a site admin;
2. one system-context read of the account's own record: it fails with the plain
   error code (``usernotfullysetup``, ``forcepasswordchangenotice``, ...) when the
   account is broken, where course-level calls only say ``errorcoursecontextnotvalid``;
3. one cheap read per capability group (reference 6): a call that fails when the
   group's capability is missing and otherwise returns next to nothing.

Write capabilities are not probed: the only way to test them is to change data.
Every failing check carries the fix in Moodle's terms (menu path, capability,
function, setting).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from connectors.base import Check, CheckReport, ConnectorError
from connectors.moodle import functions as fn
from connectors.moodle import plugin
from connectors.moodle.client import MoodleClient
from connectors.moodle.config import MoodleConfig
from connectors.moodle.errors import (
    AccessException,
    ContextNotValid,
    FunctionNotInstalled,
    MissingCapability,
    MoodleError,
    ServiceUserNotUsable,
)
from connectors.moodle.parse import SiteInfo, parse_site_info

ROLE = (
    "the service user's role (Site administration > Users > Permissions > Define roles > "
    "LMS registry bridge), assigned at system level"
)
SERVICE = (
    "the token's external service (Site administration > Server > Web services > External "
    "services > LMS registry bridge > Functions > Add functions)"
)
PRIVACY_SETTINGS = "Site administration > Users > Privacy and policies > Privacy settings"
SETUP_GUIDE = "docs/moodle-setup.md"

#: Streams whose reads enter courses (``moodle/course:view``).
COURSE_STREAMS = frozenset(
    {"enrolments", "gradebook", "assignments", "submissions", "assignment_grades", "messages"}
)
#: Capabilities that only a write could prove, per push setting (reference 6.2).
WRITE_CAPABILITIES: dict[str, tuple[str, ...]] = {
    "always": ("moodle/user:update",),
    "suspend_and_unenrol": ("enrol/manual:unenrol",),
    "delete_user": ("moodle/user:delete",),
    "privacy_request": (
        "tool/dataprivacy:requestdeleteforotheruser",
        "tool/dataprivacy:makedatarequestsforchildren",
    ),
}
#: ``sinceid`` of the plugin probe: beyond any real log id, so the answer is empty.
_BEYOND_EVERY_LOG_ID = 2**62
#: ``since`` of the assignment-grades probe: a time no grade has, so the answer is empty.
_FAR_FUTURE = 2**31 - 1
#: The guest account (``$CFG->siteguest``); its messages are nobody's.
_GUEST_ID = 1
#: Courses searched for one assignment to probe.
_ASSIGNMENT_SEARCH_COURSES = 10


def allow(capabilities: Sequence[str]) -> str:
    """The fix for missing capabilities."""
    return f"Allow {', '.join(capabilities)} in {ROLE} ({SETUP_GUIDE}, step 4)."


def unprobed_capabilities(config: MoodleConfig) -> tuple[str, ...]:
    """Write capabilities the push settings need; ``bridge check`` cannot test them safely."""
    keys = ("always", config.revoke_access, config.erasure)
    return tuple(c for key in keys for c in WRITE_CAPABILITIES.get(key, ()))


def needed_functions(config: MoodleConfig) -> dict[str, list[str]]:
    """Function → what needs it, for the enabled streams and the configured push modes.

    The companion plugin's function is left out: its own check tells "not installed"
    from "not in the service".
    """
    needs: dict[str, list[str]] = {fn.SITE_INFO: ["the bridge"]}

    def add(functions: Sequence[str], why: str) -> None:
        for name in functions:
            needs.setdefault(name, []).append(why)

    for stream in config.streams:
        add(
            [f for f in fn.STREAM_FUNCTIONS.get(stream, ()) if f != fn.LOG_FUNCTION],
            f"stream {stream}",
        )
    add(fn.RECTIFY_FUNCTIONS, "rectification")
    add(fn.REVOKE_FUNCTIONS.get(config.revoke_access, ()), f"revoke_access={config.revoke_access}")
    add(fn.ERASURE_FUNCTIONS.get(config.erasure, ()), f"erasure={config.erasure}")
    return needs


@dataclass
class _Diagnosis:
    """One run of the checks; later probes reuse what earlier ones found."""

    client: MoodleClient
    config: MoodleConfig
    site: SiteInfo
    checks: list[Check] = field(default_factory=list)
    account_ok: bool | None = None  # None: the system-context probe could not run
    course_ids: list[int] = field(default_factory=list)
    #: The course probe met ``errorcoursecontextnotvalid``: later ones share its cause.
    course_blocked: bool = False
    course_id: int | None = None
    other_user_id: int | None = None

    def add(
        self,
        name: str,
        ok: bool,
        detail: str = "",
        fix: str | None = None,
        *,
        warning: bool = False,
    ) -> None:
        self.checks.append(Check(name, ok, detail, None if ok else fix, warning))

    def has(self, function: str) -> bool:
        return function in self.site.functions

    def skipped(self, name: str, function: str) -> None:
        """A probe whose function is missing: the ``functions`` check already fails for it."""
        self.add(
            name,
            False,
            f"not probed: {function} is not in the service",
            f"Add {function} to {SERVICE}.",
            warning=True,
        )

    def attempt(
        self, name: str, capabilities: Sequence[str], function: str, params: Mapping[str, Any]
    ) -> tuple[bool, Any]:
        """Call ``function``; on failure record a failed check ``name`` with its fix.

        Returns whether the call answered, and its answer.
        """
        if not self.has(function):
            self.skipped(name, function)
            return False, None
        try:
            return True, self.client.call(function, dict(params))
        except ConnectorError as exc:
            detail = f"{', '.join(capabilities)}: {exc}" if capabilities else str(exc)
            self.add(name, False, detail, self.fix_for(exc, capabilities, function))
            return False, None

    def probe(
        self,
        name: str,
        capabilities: Sequence[str],
        function: str,
        params: Mapping[str, Any],
        judge: Callable[[Any], str | None] | None = None,
        detail: str = "",
    ) -> Any:
        """:meth:`attempt`, recording a passed check when the call answers.

        ``judge`` inspects the answer and returns a failure reason, for functions
        that report missing rights as warnings rather than errors. Returns the
        answer, or None when the probe failed.
        """
        answered, answer = self.attempt(name, capabilities, function, params)
        if not answered:
            return None
        caps = ", ".join(capabilities)
        reason = judge(answer) if judge else None
        if reason:
            self.add(name, False, f"{caps}: {reason}", self.context_fix(capabilities))
            return None
        self.add(name, True, f"{caps} ({detail})" if detail else caps)
        return answer

    def fix_for(self, exc: ConnectorError, capabilities: Sequence[str], function: str) -> str:
        if isinstance(exc, MissingCapability):
            return allow(capabilities)
        if isinstance(exc, ContextNotValid):
            return self.context_fix(capabilities)
        if isinstance(exc, AccessException):
            return f"Add {function} to {SERVICE}. If it is there: {exc.fix}"
        if isinstance(exc, FunctionNotInstalled):
            return f"{function} is not installed on this Moodle site: {exc.fix}"
        if isinstance(exc, MoodleError) and exc.errorcode == "disabled":  # messaging is off
            return (
                "Turn on Site administration > General > Messaging > Enable messaging "
                "system (messaging)."
            )
        return getattr(exc, "fix", None) or "See the error above."

    def context_fix(self, capabilities: Sequence[str]) -> str:
        """The fix for ``errorcoursecontextnotvalid`` (and module-level refusals).

        Moodle gives the same code for a missing ``moodle/course:view`` and for a
        service account that is not fully set up (reference 1.9); the system-context
        probe of :func:`_account` tells them apart, so the fix names both and says
        which one that probe points to.
        """
        access = [
            "moodle/course:view",
            "moodle/course:viewhiddencourses",
            "moodle/course:viewhiddenactivities",
        ]
        role = allow([*access, *(c for c in capabilities if c not in access)])
        if self.course_blocked:
            return f"The same cause as the first check above that could not enter a course. {role}"
        self.course_blocked = True
        account = (
            "the service account is not fully set up (first name, last name, email, required "
            "profile fields; no forced password change; auth = webservice; Site administration "
            f"> Users > Accounts > Browse list of users, {SETUP_GUIDE} step 3)"
        )
        if self.account_ok:
            return (
                "Moodle would not let the service user into the course: the role lacks "
                f"moodle/course:view, or {account}. The account passed the system-context "
                f"probe, so it is the capability: {role}"
            )
        return (
            f"Moodle would not let the service user into the course. Either the role lacks "
            f"moodle/course:view: {role} Or {account}."
        )


# --------------------------------------------------------------------------- the checks


def diagnose(client: MoodleClient, config: MoodleConfig) -> CheckReport:
    """Run every check that applies to ``config``; never raises for a Moodle failure."""
    try:
        site = parse_site_info(client.call(fn.SITE_INFO))
    except ConnectorError as exc:
        fix = getattr(exc, "fix", None) or "See the error above."
        return CheckReport(None, (Check("connection", False, str(exc), fix),))
    except (ValueError, AttributeError) as exc:
        detail = f"{fn.SITE_INFO}: unexpected answer: {exc}"
        fix = "Check that the configured URL is the Moodle site's wwwroot."
        return CheckReport(None, (Check("connection", False, detail, fix),))
    run = _Diagnosis(client, config, site)
    release = site.release or site.version or "version unknown"
    run.add("connection", True, f"Moodle {release}, service user id {site.service_user_id}")
    _site_admin(run)
    _functions(run)
    _account(run)
    if run.account_ok is not False:  # a broken account fails every probe the same way
        _probes(run)
    return CheckReport(site.version, tuple(run.checks))


def _site_admin(run: _Diagnosis) -> None:
    admin = run.site.is_site_admin
    run.add(
        "service user is not a site admin",
        not admin,
        "the token's user is a site admin: it passes every capability check"
        if admin
        else "the token's user is not a site admin",
        "Use a dedicated account that is not a site admin (Site administration > Users > "
        "Permissions > Site administrators), with the role of "
        f"{SETUP_GUIDE} step 4, and create the token for it.",
        warning=True,
    )


def _functions(run: _Diagnosis) -> None:
    needs = needed_functions(run.config)
    missing = sorted(set(needs) - run.site.functions)
    if not missing:
        run.add("functions", True, f"all {len(needs)} functions the bridge calls are there")
        return
    detail = "missing: " + "; ".join(f"{f} ({', '.join(needs[f])})" for f in missing)
    run.add(
        "functions",
        False,
        detail,
        f"Add {', '.join(missing)} to {SERVICE}. A function Moodle does not offer there is "
        "not installed on this site (upgrade Moodle).",
    )


def _account(run: _Diagnosis) -> None:
    """A system-context read of the account itself: tells a broken account from a capability."""
    me = str(run.site.service_user_id)
    if run.has("core_user_get_users_by_field"):
        function, params = "core_user_get_users_by_field", {"field": "id", "values": [me]}
    elif run.has("core_user_get_users"):
        function, params = "core_user_get_users", {"criteria": [{"key": "id", "value": me}]}
    else:
        run.add("service account", False, "not probed: no user reader in the service", warning=True)
        return
    try:
        run.client.call(function, params)
    except ServiceUserNotUsable as exc:
        run.account_ok = False
        run.add("service account", False, f"{exc}; the capability probes are skipped", exc.fix)
        return
    except ConnectorError as exc:
        run.add("service account", False, str(exc), run.fix_for(exc, (), function))
        return
    run.account_ok = True
    run.add("service account", True, f"usable in the system context ({function})")


def _probes(run: _Diagnosis) -> None:
    streams = set(run.config.streams)
    if "users" in streams:
        _site_roster(run)
    if streams & COURSE_STREAMS or run.config.revoke_access == "suspend_and_unenrol":
        _course(run)
    if "gradebook" in streams:
        _gradebook(run)
    if "messages" in streams:
        _messages(run)
    if streams & {"submissions", "assignment_grades"}:
        _assignments(run)
    if run.config.erasure == "privacy_request":
        _data_requests(run)
    if "logs" in streams:
        _plugin(run)


def _roster_params(course_id: int, count: int) -> dict[str, Any]:
    options = [{"name": "limitnumber", "value": count}, {"name": "userfields", "value": "id"}]
    return {"courseid": course_id, "options": options}


def _ids(answer: Any) -> list[int]:
    rows = answer if isinstance(answer, list) else []
    return [r["id"] for r in rows if isinstance(r, Mapping) and isinstance(r.get("id"), int)]


def _site_roster(run: _Diagnosis) -> None:
    """The front-page roster trick the users stream relies on (reference 2.8)."""
    answer = run.probe(
        "site roster",
        ["moodle/site:viewparticipants"],
        "core_enrol_get_enrolled_users",
        _roster_params(run.site.site_id, 3),
    )
    others = [i for i in _ids(answer) if i not in (_GUEST_ID, run.site.service_user_id)]
    run.other_user_id = run.other_user_id or next(iter(others), None)


def _course(run: _Diagnosis) -> None:
    """One real course: the course-level probes that follow all use it."""
    answered, answer = run.attempt(
        "course access",
        ["moodle/category:viewcourselist"],
        "core_course_get_courses_by_field",
        {},
    )
    if not answered:
        return
    courses = answer.get("courses") if isinstance(answer, Mapping) else None
    ids = sorted(c["id"] for c in courses or () if isinstance(c.get("id"), int))
    run.course_ids = [i for i in ids if i != run.site.site_id]
    if not run.course_ids:
        run.add("course access", False, "not probed: the site has no course yet", warning=True)
        return
    run.course_id = run.course_ids[0]
    answer = run.probe(
        "course access",
        ["moodle/course:view", "moodle/course:viewparticipants"],
        "core_enrol_get_enrolled_users",
        _roster_params(run.course_id, 1),
        detail=f"course {run.course_id}",
    )
    enrolled = [i for i in _ids(answer) if i != run.site.service_user_id]
    if enrolled:
        run.other_user_id = enrolled[0]  # a real participant is the better probe subject


def _gradebook(run: _Diagnosis) -> None:
    if run.course_id is None:
        return
    params = {"courseid": run.course_id, "userid": run.other_user_id or 0}
    run.probe(
        "gradebook",
        ["gradereport/user:view", "moodle/grade:viewall"],
        "gradereport_user_get_grade_items",
        params,
    )


def _messages(run: _Diagnosis) -> None:
    if run.course_id is not None:
        pairs = [{"courseid": run.course_id, "capabilities": [fn.TEACHER_CAPABILITY]}]
        run.probe(
            "teacher lookup",
            ["moodle/role:review"],
            "core_enrol_get_enrolled_users_with_capability",
            {"coursecapabilities": pairs, "options": [{"name": "userfields", "value": "id"}]},
        )
    if run.other_user_id is None:
        run.add(
            "messages", False, "not probed: no other user to read the messages of", warning=True
        )
        return
    run.probe(
        "messages",
        ["moodle/site:readallmessages"],
        "core_message_get_conversations",
        {"userid": run.other_user_id, "limitnum": 1},
        detail=f"conversations of user {run.other_user_id}",
    )


def _no_access_warning(answer: Any) -> str | None:
    """``mod_assign_*`` report missing rights as warning code "1", not as an error."""
    warnings = answer.get("warnings") if isinstance(answer, Mapping) else None
    refused = [w for w in warnings or () if str(w.get("warningcode")) == "1"]
    return f"Moodle refused: {refused[0].get('message')}" if refused else None


def _assignments(run: _Diagnosis) -> None:
    name, caps = "assignments", ["mod/assign:viewgrades"]  # or mod/assign:grade (ref. 2.15)
    listing = "mod_assign_get_assignments"
    course_ids = run.course_ids[:_ASSIGNMENT_SEARCH_COURSES]
    if not course_ids:
        return  # the course probe already says why
    params = {"courseids": course_ids, "includenotenrolledcourses": 1}
    answered, answer = run.attempt(name, ["mod/assign:view"], listing, params)
    if not answered:
        return
    courses = answer.get("courses") if isinstance(answer, Mapping) else None
    ids = [a.get("id") for c in courses or () for a in c.get("assignments") or ()]
    assignment = next((i for i in ids if isinstance(i, int)), None)
    if assignment is None:
        reason = _no_access_warning(answer) or "no assignment in the first courses"
        run.add(name, False, f"not probed: {reason}", warning=True)
        return
    if run.has("mod_assign_get_submissions"):  # before=1: no rows, but rights are checked
        function = "mod_assign_get_submissions"
        params = {"assignmentids": [assignment], "since": 0, "before": 1}
    else:
        function = "mod_assign_get_grades"
        params = {"assignmentids": [assignment], "since": _FAR_FUTURE}
    run.probe(
        name, caps, function, params, judge=_no_access_warning, detail=f"assignment {assignment}"
    )


def _data_requests(run: _Diagnosis) -> None:
    """Erasure through data requests needs the setting and the DPO role mapping (CONTRACTS 6)."""
    answered, answer = run.attempt(
        "data requests",
        ["tool/dataprivacy:managedatarequests"],
        "tool_dataprivacy_get_access_information",
        {},
    )
    if not answered:
        return
    answer = answer if isinstance(answer, Mapping) else {}
    problems, fixes = [], []
    if not answer.get("cancontactdpo"):
        problems.append("'Contact the privacy officer' is off")
        fixes.append(
            f"Turn on Contact the privacy officer (tool_dataprivacy | "
            f"contactdataprotectionofficer) in {PRIVACY_SETTINGS}."
        )
    if not answer.get("canmanagedatarequests"):
        problems.append("the service user is not a privacy officer")
        fixes.append(
            f"{allow(['tool/dataprivacy:managedatarequests'])} Then tick the role in Privacy "
            f"officer role mapping (tool_dataprivacy | dporoles) in {PRIVACY_SETTINGS}."
        )
    detail = "; ".join(problems) or "contact the privacy officer on; privacy officer role mapped"
    run.add("data requests", not problems, detail, " ".join(fixes))


def _plugin(run: _Diagnosis) -> None:
    """The plugin function with an empty answer: proves the plugin and both its capabilities."""
    name, function = "companion plugin", fn.LOG_FUNCTION
    install = (
        f"Install the companion plugin {plugin.COMPONENT} ({SETUP_GUIDE}, step 2: "
        f"make package-plugin, then Site administration > Plugins > Install plugins) "
        f"and add {function} to {SERVICE}. Until then the sync skips the logs stream."
    )
    try:
        run.client.call(function, {"sinceid": _BEYOND_EVERY_LOG_ID, "limit": 1})
    except FunctionNotInstalled:
        run.add(name, False, f"{plugin.COMPONENT} is not installed: the logs are skipped", install)
        return
    except AccessException as exc:
        run.add(
            name, False, f"{function} is not in the service: {exc}", f"Add {function} to {SERVICE}."
        )
        return
    except ConnectorError as exc:
        caps = plugin.LOG_CAPABILITIES
        run.add(name, False, f"{', '.join(caps)}: {exc}", run.fix_for(exc, caps, function))
        return
    run.add(name, True, f"{plugin.COMPONENT} installed; {', '.join(plugin.LOG_CAPABILITIES)}")
