"""One run of ``bridge check`` for Moodle: the checks found so far and how a failure's fix is
worded. Shared by the site checks in :mod:`connectors.moodle.checks` and the capability
probes in :mod:`connectors.moodle.probes`, so every failure names its fix the same way
(menu path, capability, function) and later probes reuse what earlier ones found.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from connectors.base import Check, ConnectorError
from connectors.moodle.client import MoodleClient
from connectors.moodle.config import MoodleConfig
from connectors.moodle.errors import (
    AccessException,
    ContextNotValid,
    FunctionNotInstalled,
    MissingCapability,
    MoodleError,
)
from connectors.moodle.parse import SiteInfo

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
#: What lets the service user into a course at all (reference 6.2).
COURSE_VIEW = "moodle/course:view"

#: The names Moodle's ``nopermissions`` message gives the probed capabilities ("Sorry, but
#: you do not currently have permissions to do that (View grades of other users)."), in
#: English, the service user's language on a site set up by the guide.
CAPABILITY_TITLES = {
    "moodle/site:viewparticipants": "View participants",
    "moodle/course:viewparticipants": "View participants",
    "gradereport/user:view": "View your own grade report",
    "moodle/grade:viewall": "View grades of other users",
    "moodle/role:review": "Review permissions for others",
    "moodle/site:readallmessages": "Read all messages on site",
    "mod/assign:view": "View assignment",
    "mod/assign:viewgrades": "View grades",
    "mod/assign:grade": "Grade assignment",
    "report/log:view": "View course logs",
    "local/registrybridge:readlogs": (
        "Read the site log through the LMS registry bridge web service"
    ),
    "tool/dataprivacy:managedatarequests": "Manage data requests",
}
#: The companion plugin's set-up (1.4): it repairs whatever of the Moodle side differs, so
#: each fix names it first and the manual step of the guide's appendix second.
SETUP_SCRIPT = "php local/registrybridge/cli/setup.php"
SETUP_USER = "lms_registry_bridge"
PLUGIN_SERVICE = "the plugin's service"
SETUP_PAGE = "Site administration > Plugins > Local plugins > LMS registry bridge: set-up"
#: The set-up's modes beyond its default, by the bridge setting that needs them.
SETUP_MODES = {("erasure", "delete_user"): "delete_user",
               ("revoke_access", "suspend_and_unenrol"): "suspend_and_unenrol"}  # fmt: skip


def setup_command(config: MoodleConfig | None = None) -> str:
    """The set-up script, with the ``--mode`` the configured push modes need."""
    modes = [mode for (key, value), mode in SETUP_MODES.items()
             if config is not None and getattr(config, key, None) == value]  # fmt: skip
    if not modes:
        return SETUP_SCRIPT
    # Spelt out rather than built on SETUP_SCRIPT, so that the test of hints (every flag a
    # message names exists) sees whose option --mode is.
    return "php local/registrybridge/cli/setup.php --mode=" + ",".join(modes)


def repair(what: str, config: MoodleConfig | None = None) -> str:
    """The first fix on the Moodle side: the plugin's set-up, from a shell or its page."""
    return (
        f"Run {setup_command(config)} on the Moodle server (or Set up / repair on {SETUP_PAGE}): "
        f"it repairs {what}."
    )


def by_hand(fix: str, step: str) -> str:
    """The second fix: for a site set up by hand, the guide's manual step."""
    return f"Set up by hand: {fix} ({SETUP_GUIDE}, step {step})."


def allow(capabilities: Sequence[str]) -> str:
    """The fix for missing capabilities."""
    caps = ", ".join(capabilities)
    return f"{repair('the role')} {by_hand(f'allow {caps} in {ROLE}', 'A4')}"


def add_functions(functions: Sequence[str], config: MoodleConfig | None = None) -> str:
    """The fix for functions missing from the token's service."""
    add = f"add {', '.join(functions)} to {SERVICE}"
    return f"{repair(PLUGIN_SERVICE, config)} {by_hand(add, 'A6')}"


def missing_among(capabilities: Sequence[str], exc: ConnectorError) -> list[str]:
    """The one of ``capabilities`` whose name Moodle's message gives, or all of them."""
    message = getattr(exc, "message", "")
    named = [c for c in capabilities if f"({CAPABILITY_TITLES.get(c, c)})" in message]
    return named if len(named) == 1 else list(capabilities)



@dataclass
class Diagnosis:
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
            add_functions([function], self.config),
            warning=True,
        )

    def attempt(
        self,
        name: str,
        capabilities: Sequence[str],
        function: str,
        params: Mapping[str, Any],
        *,
        course_id: int | None = None,
    ) -> tuple[bool, Any]:
        """Call ``function``; on failure record a failed check ``name`` with its fix.

        ``course_id``: the course a course-level call enters; a refusal to enter it names
        ``moodle/course:view`` rather than the capabilities the call itself checks.
        Returns whether the call answered, and its answer.
        """
        if not self.has(function):
            self.skipped(name, function)
            return False, None
        try:
            return True, self.client.call(function, dict(params))
        except ConnectorError as exc:
            if course_id is not None and self.refused_entry(exc):
                detail = (
                    f"{COURSE_VIEW}: Moodle would not let the service user into course "
                    f"{course_id} ({function}: {getattr(exc, 'errorcode', None)})"
                )
                self.add(name, False, detail, self.context_fix(capabilities))
                return False, None
            named = missing_among(capabilities, exc) if isinstance(exc, MissingCapability) else (
                capabilities
            )
            detail = f"{', '.join(named)}: {exc}" if named else str(exc)
            self.add(name, False, detail, self.fix_for(exc, capabilities, function))
            return False, None

    def refused_entry(self, exc: ConnectorError) -> bool:
        """Whether a course-level call failed because Moodle would not let the account in.

        ``errorcoursecontextnotvalid`` says so; ``requireloginerror`` too once the account
        has passed the system-context probe: it is ``require_login()`` on the course, which
        some functions (``gradereport_user_get_grade_items``) do not wrap in the code.
        """
        if isinstance(exc, ContextNotValid):
            return True
        return self.account_ok is True and getattr(exc, "errorcode", None) == "requireloginerror"

    def probe(
        self,
        name: str,
        capabilities: Sequence[str],
        function: str,
        params: Mapping[str, Any],
        judge: Callable[[Any], str | None] | None = None,
        detail: str = "",
        course_id: int | None = None,
    ) -> Any:
        """:meth:`attempt`, recording a passed check when the call answers.

        ``judge`` inspects the answer and returns a failure reason, for functions
        that report missing rights as warnings rather than errors. Returns the
        answer, or None when the probe failed.
        """
        answered, answer = self.attempt(name, capabilities, function, params, course_id=course_id)
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
        if isinstance(exc, MissingCapability) and capabilities:
            return allow(missing_among(capabilities, exc))
        if isinstance(exc, ContextNotValid):
            return self.context_fix(capabilities)
        if isinstance(exc, AccessException):
            return f"{add_functions([function], self.config)} If it is there: {exc.fix}"
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
        probe (``_account`` in :mod:`connectors.moodle.checks`) tells them apart, so
        the fix names both and says which one that probe points to.
        """
        access = [
            COURSE_VIEW,
            "moodle/course:viewhiddencourses",
            "moodle/course:viewhiddenactivities",
        ]
        role = allow([*access, *(c for c in capabilities if c not in access)])
        if self.course_blocked:
            return f"The same cause as the first check above that could not enter a course. {role}"
        self.course_blocked = True
        account = (
            "the service account is not fully set up (first name, last name, email, required "
            f"profile fields; no forced password change; auth = webservice: {SETUP_SCRIPT} "
            "repairs it; set up by hand: Site administration > Users > Accounts > Browse list "
            f"of users, {SETUP_GUIDE} step A3)"
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
