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
   group's capability is missing and otherwise returns next to nothing (the probes
   are in :mod:`connectors.moodle.probes`).

Write capabilities are not probed: the only way to test them is to change data.
Every failing check carries the fix in Moodle's terms (menu path, capability,
function, setting).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from connectors.base import Check, CheckReport, ConnectorError
from connectors.moodle import functions as fn
from connectors.moodle.client import MoodleClient
from connectors.moodle.config import MoodleConfig
from connectors.moodle.diagnosis import (
    SETUP_GUIDE,
    SETUP_SCRIPT,
    SETUP_USER,
    Diagnosis,
    add_functions,
)
from connectors.moodle.digests import STREAM_TABLES
from connectors.moodle.errors import ServiceUserNotUsable
from connectors.moodle.input_vars import check_form_fields
from connectors.moodle.parse import parse_site_info
from connectors.moodle.probes import run_probes

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
    add(fn.LEARNER_REQUEST_FUNCTIONS, "learners' own data requests")
    add(fn.REVOKE_FUNCTIONS.get(config.revoke_access, ()), f"revoke_access={config.revoke_access}")
    add(fn.ERASURE_FUNCTIONS.get(config.erasure, ()), f"erasure={config.erasure}")
    return needs



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
    run = Diagnosis(client, config, site)
    release = site.release or site.version or "version unknown"
    run.add("connection", True, f"Moodle {release}, service user id {site.service_user_id}")
    _site_admin(run)
    _functions(run)
    _plugin_reads(run)
    _account(run)
    if run.account_ok is not False:  # a broken account fails every probe the same way
        run_probes(run)
    if run.account_ok:
        check_form_fields(run)
    return CheckReport(site.version, tuple(run.checks))


def _site_admin(run: Diagnosis) -> None:
    admin = run.site.is_site_admin
    run.add(
        "service user is not a site admin",
        not admin,
        "the token's user is a site admin: it passes every capability check"
        if admin
        else "the token's user is not a site admin",
        f"Use the account {SETUP_SCRIPT} makes ({SETUP_USER}, not a site admin) and the token "
        "it writes. Set up by hand: a dedicated account that is not a site admin (Site "
        "administration > Users > Permissions > Site administrators), with the role of "
        f"{SETUP_GUIDE} step A4, and a token for it.",
        warning=True,
    )


def _functions(run: Diagnosis) -> None:
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
        f"{add_functions(missing, run.config)} A function Moodle does not offer there is "
        "not installed on this site (upgrade Moodle).",
    )


@dataclass(frozen=True, slots=True)
class _PluginRead:
    """An optional function of the companion plugin, and what a site without it pays."""

    name: str
    function: str
    since: str
    streams: frozenset[str] | None  # None: whatever the streams (an erasure's read-back)
    present: str
    absent: str


_PLUGIN_READS = (
    _PluginRead(
        "gradebook reader", fn.GRADES_FUNCTION, "1.1", frozenset({"gradebook"}),
        "a page of grades at a time",
        "each course's gradebook is one gradereport_user_get_grade_items call, whose cost "
        "grows with the course (about 100 s for 1,000 learners on Moodle 4.5, longer than "
        "the default timeout)",
    ),
    _PluginRead(
        "change fingerprints", fn.DIGEST_FUNCTION, "1.2",
        frozenset(STREAM_TABLES),
        "a stream none of whose tables changed since its last read is skipped",
        "a run in which nothing changed lists every user, roster, assignment and "
        "conversation again (about half of a full sync's time on a site with two "
        "1,000-learner courses)",
    ),
    _PluginRead(
        "erasure read-back", fn.REMAINS_FUNCTION, "1.3", None,
        "after an erasure the receipt lists what Moodle still holds about the person",
        "an erasure's receipt cannot say what Moodle kept after its deletion (it says the "
        "remains were not read back)",
    ),
)


def _plugin_reads(run: Diagnosis) -> None:
    """The companion plugin's reads that spare the site the heaviest work: the user report
    of a whole course, and listing everything again to find that nothing changed."""
    for read in _PLUGIN_READS:
        if read.streams is not None and not read.streams & set(run.config.streams):
            continue
        if read.function in run.site.functions:
            run.add(read.name, True, f"{read.function}: {read.present}")
            continue
        run.add(
            read.name,
            False,
            read.absent,
            f"Install the companion plugin ({read.since} or later; {SETUP_GUIDE} step 1). "
            f"{add_functions([read.function], run.config)}",
            warning=True,
        )


def _account(run: Diagnosis) -> None:
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
