"""``core_webservice_get_site_info`` and the companion plugin's log reader."""

from __future__ import annotations

import bisect
import hashlib
import itertools
from typing import Any

from connectors.moodle.functions import LOG_FUNCTION
from connectors.moodle.simulator import access, errors
from connectors.moodle.simulator.handlers.registry import Call, ws_function
from connectors.moodle.simulator.handlers.render import picture_urls
from connectors.moodle.simulator.model import LogRow
from connectors.moodle.simulator.state import SITE_ID
from connectors.moodle.simulator.validation import Int, ListOf, Text

ADVANCED_FEATURES = (
    ("usecomments", 1), ("usetags", 1), ("enablenotes", 1), ("messaging", 1),
    ("enableblogs", 1), ("enablecompletion", 1), ("enablebadges", 1),
    ("messagingallusers", 0), ("enablecustomreports", 1), ("enableglobalsearch", 0),
    ("mnet_dispatcher_mode", 0), ("enablecompetencies", 1),
)


@ws_function("core_webservice_get_site_info", serviceshortnames=ListOf(Text(), []))
def get_site_info(call: Call) -> dict[str, Any]:
    """No ``require_login()`` here: it answers even when the account is broken."""
    state, user, config = call.state, call.user, call.state.config
    features = [{"name": name, "value": int(config.messaging) if name == "messaging" else value}
                for name, value in ADVANCED_FEATURES]
    key = hashlib.md5(f"{call.token.token}:{user.id}".encode()).hexdigest()
    return {
        "sitename": config.sitename, "username": user.username, "firstname": user.firstname,
        "lastname": user.lastname, "fullname": user.fullname, "lang": user.lang or "en",
        "userid": user.id, "siteurl": config.wwwroot,
        "userpictureurl": picture_urls(state)["profileimageurl"],
        "functions": [{"name": name, "version": access.component_version(name)}
                      for name in sorted(config.token_functions())],
        "downloadfiles": 1, "uploadfiles": 0, "release": access.RELEASE,
        "version": access.CORE_VERSION, "mobilecssurl": "", "advancedfeatures": features,
        "usercanmanageownfiles": True, "userquota": 104857600,
        "usermaxuploadfilesize": 2097152, "userhomepage": 1, "userprivateaccesskey": key,
        "siteid": SITE_ID, "sitecalendartype": "gregorian", "usercalendartype": "gregorian",
        "userissiteadmin": state.is_site_admin(user.id), "theme": "boost",
        "limitconcurrentlogins": 0, "policyagreed": user.policyagreed,
    }


#: The companion plugin's defaults (``moodle-plugin/local_registrybridge``).
DEFAULT_LOG_LIMIT = 1000
MAX_LOG_LIMIT = 5000


def _entry(row: LogRow) -> dict[str, Any]:
    return {
        "id": row.id, "eventname": row.eventname, "component": row.component,
        "action": row.action, "target": row.target, "objecttable": row.objecttable,
        "objectid": row.objectid, "crud": row.crud, "edulevel": row.edulevel,
        "contextid": row.contextid, "contextlevel": row.contextlevel,
        "contextinstanceid": row.contextinstanceid, "userid": row.userid,
        "courseid": row.courseid, "relateduserid": row.relateduserid,
        "anonymous": bool(row.anonymous), "other": row.other, "timecreated": row.timecreated,
        "origin": row.origin, "ip": row.ip, "realuserid": row.realuserid,
    }


@ws_function(LOG_FUNCTION, sinceid=Int(), limit=Int(DEFAULT_LOG_LIMIT), courseid=Int(0),
             userid=Int(0))
def get_log_entries(call: Call) -> dict[str, Any]:
    """``local_registrybridge_get_log_entries``, as the companion plugin implements it.

    Keyset by id: rows with ``id > sinceid`` ascending, at most ``limit`` (capped
    at 5000); ``userid`` matches the actor or the affected user. A page ends at
    the first row younger than the lag (``config.log_lag``, 60 s like the
    plugin), with ``hasmore`` false. ``lastid`` is the last id returned, or
    ``sinceid`` when none.
    """
    call.system_context()
    call.require("local/registrybridge:readlogs")
    call.require("report/log:view")
    params = call.params
    if params["limit"] < 1:
        raise errors.invalid_parameter("limit must be at least 1")
    limit = min(params["limit"], MAX_LOG_LIMIT)
    cutoff = call.now() - call.state.config.log_lag
    anonymous_ok = call.has("moodle/site:viewanonymousevents")
    logs = call.state.logs
    start = bisect.bisect_right(logs, params["sinceid"], key=lambda r: r.id)
    entries: list[dict[str, Any]] = []
    lastid, hasmore = params["sinceid"], False
    for row in itertools.islice(logs, start, None):
        if (params["courseid"] and row.courseid != params["courseid"]) or (
                params["userid"] and params["userid"] not in (row.userid, row.relateduserid)) or (
                row.anonymous and not anonymous_ok):
            continue
        if row.timecreated > cutoff:
            break
        if len(entries) == limit:
            hasmore = True
            break
        entries.append(_entry(row))
        lastid = row.id
    return {"entries": entries, "lastid": lastid, "hasmore": hasmore}
