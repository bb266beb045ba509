"""Test and demo controls: what an admin, a teacher or cron would do on the site.

Each public method of ``Controls`` is also reachable as ``POST
/_simulator/<method>`` with the keyword arguments as a JSON object; only the
simulator has these endpoints. Results are JSON-friendly.
"""

from __future__ import annotations

import copy
import random
from typing import Any

from connectors.moodle.functions import (
    PRIVACY_STATUS_CANCELLED,
    PRIVACY_STATUS_REJECTED,
)
from connectors.moodle.simulator import lifecycle, names, plugin_setup
from connectors.moodle.simulator.access import Token
from connectors.moodle.simulator.activity import course_students, course_teacher, message_sent
from connectors.moodle.simulator.app import MoodleApp
from connectors.moodle.simulator.dataset import People
from connectors.moodle.simulator.faults import FaultInjector
from connectors.moodle.simulator.model import User
from connectors.moodle.simulator.state import (
    ADMIN_ID,
    CONTEXT_COURSE,
    CONTEXT_MODULE,
    CONTEXT_USER,
    SITE_ID,
    SiteState,
)

PRIVACY_STATUS_COMPLETE = 5

#: ``break_service_user`` reasons and what each one does to the account or token.
BREAKAGES = ("usernotfullysetup", "forcepasswordchange", "sitepolicynotagreed",
             "policynotagreed", "suspended", "nologin", "tokenexpired", "restrictedcontext",
             "norestuse", "servicedisabled")

class Controls:
    """Mixed into ``SimulatedMoodle``; expects ``state``, ``faults``, ``token``, ``seed`` and
    ``app``."""

    state: SiteState
    app: MoodleApp
    faults: FaultInjector
    token: str
    seed: int
    _snapshot: tuple[User, Token, set[str], tuple[str, bool]] | None = None
    _rng: random.Random | None = None

    def dispatch(self, action: str, arguments: dict[str, Any]) -> Any:
        """Run a control by name (the HTTP endpoints come through here)."""
        if action not in control_actions():
            raise LookupError(f"unknown simulator control: {action}")
        return getattr(self, action)(**arguments)

    @property
    def rng(self) -> random.Random:
        if self._rng is None:
            self._rng = random.Random(f"controls:{self.seed}")
        return self._rng

    # ------------------------------------------------------------------ cron

    def run_cron(self) -> dict[str, list[int]]:
        """Ad-hoc privacy tasks: approved delete requests 3 -> 10, exports 3 -> 8."""
        return {"processed": lifecycle.run_cron(self.state)}

    def run_context_cleanup(self) -> dict[str, list[int]]:
        """``\\core\\task\\context_cleanup_task``: deleted ids become unreadable by id."""
        return {"cleaned": lifecycle.run_context_cleanup(self.state)}

    # ------------------------------------------------------------------ faults

    def set_faults(self, rate: float | None = None, kinds: list[str] | None = None,
                   delay: float | None = None, seed: int | None = None) -> dict[str, Any]:
        self.faults.configure(rate, kinds, delay, seed)
        return {"rate": self.faults.rate, "kinds": list(self.faults.kinds),
                "delay": self.faults.delay, "seed": self.faults.seed}

    # ------------------------------------------------------------------ people

    def _user(self, userid: int) -> User:
        user = self.state.live_user(userid)
        if user is None:
            raise ValueError(f"no live user {userid}")
        return user

    def reactivate_user(self, userid: int) -> dict[str, Any]:
        """An admin unsuspends someone by hand (drift: Moodle no longer matches the register)."""
        user = self._user(userid)
        user.suspended = False
        user.timemodified = self.state.now()
        lifecycle.log_user_updated(self.state, user, ADMIN_ID, origin="web")
        return {"userid": userid, "suspended": False}

    def delete_users(self, userids: list[int]) -> dict[str, list[int]]:
        """An admin deletes accounts (Moodle's ``delete_user()``: the rows stay, anonymised)."""
        for userid in userids:
            lifecycle.delete_user(self.state, self._user(userid), ADMIN_ID, origin="web")
        return {"deleted": sorted(userids)}

    def delete_users_after(self, function: str, calls: int, userids: list[int]) -> dict[str, Any]:
        """Delete ``userids`` once ``function`` has answered ``calls`` more times: the site
        changing between two pages of a listing, as on a busy site."""
        if calls < 1:
            raise ValueError("calls must be at least 1")
        for userid in userids:
            self._user(userid)
        remaining = [calls]

        def hook(name: str) -> bool:
            if name != function:
                return False
            remaining[0] -= 1
            if remaining[0]:
                return False
            self.delete_users(userids)
            return True

        self.app.after_call.append(hook)
        return {"function": function, "calls": calls, "userids": sorted(userids)}

    def suspend_enrolment(self, userid: int, courseid: int) -> dict[str, Any]:
        """A teacher suspends one course enrolment (what ``enrol_manual_enrol_users`` does)."""
        enrolments = self.state.enrolments_of(userid, courseid)
        if not enrolments:
            raise ValueError(f"user {userid} is not enrolled in course {courseid}")
        for enrolment in enrolments:
            enrolment.status = 1
        return {"userid": userid, "courseid": courseid, "status": 1}

    def add_students(self, count: int = 1, courseid: int | None = None) -> dict[str, list[int]]:
        """New people enrolled as students (manual), so an incremental sync has news."""
        state = self.state
        courseid = courseid or min(c for c in state.courses if c != SITE_ID)
        if courseid not in state.courses or courseid == SITE_ID:
            raise ValueError(f"no course {courseid}")
        now = state.now()
        people = People(state, self.rng, now)
        people.taken.update(u.username for u in state.users.values())
        added = []
        for _ in range(count):
            user = people.person(teacher=False)
            enrolment = state.enrol(user.id, courseid, timestart=now - 60, timecreated=now)
            state.log("\\core\\event\\user_created", crud="c", userid=ADMIN_ID,
                      contextlevel=CONTEXT_USER, contextinstanceid=user.id,
                      relateduserid=user.id, objecttable="user", objectid=user.id, origin="web")
            state.log("\\core\\event\\user_enrolment_created", crud="c", userid=ADMIN_ID,
                      contextlevel=CONTEXT_COURSE, contextinstanceid=courseid, courseid=courseid,
                      relateduserid=user.id, objecttable="user_enrolments",
                      objectid=enrolment.id, other={"enrol": "manual"}, origin="web")
            added.append(user.id)
        return {"userids": added}

    def touch(self, count: int = 3) -> dict[str, list[int]]:
        """Fresh activity: edited submissions, new grades and messages, profile edits."""
        state, rng, now = self.state, self.rng, self.state.now()
        touched: dict[str, list[int]] = {"submissions": [], "grades": [], "messages": [],
                                         "users": []}
        assignments = sorted(state.assignments)
        for _ in range(count if assignments else 0):
            assignment = state.assignments[rng.choice(assignments)]
            students = course_students(state, assignment.courseid)
            if not students:
                continue
            userid, teacher = rng.choice(students), course_teacher(state, assignment.courseid)
            text = names.SUBMISSION_TEXTS[rng.randrange(len(names.SUBMISSION_TEXTS))]
            submission = state.submissions[assignment.id].get(userid)
            if submission is None:
                submission = state.add_submission(assignment.id, userid, "submitted", now, now,
                                                  text=text)
            submission.status, submission.text, submission.timemodified = "submitted", text, now
            points = rng.randint(assignment.grade, assignment.grade * 2) / 2
            grade = state.assign_grades[assignment.id].get(userid) or state.add_assign_grade(
                assignment.id, userid, points, teacher, now)
            grade.grade, grade.grader, grade.timemodified = points, teacher, now
            grade.feedback = "<p>Päivitetty arvio.</p>"
            conversation = next(
                (state.conversations[c] for c in state.user_conversations[teacher]
                 if set(state.conversations[c].members) == {teacher, userid}), None,
            ) or state.add_conversation(1, (teacher, userid))
            message = state.add_message(conversation.id, userid,
                                        "<p>Palautin päivitetyn version.</p>", now)
            user = state.users[userid]
            user.lastaccess = user.timemodified = now
            state.log("\\mod_assign\\event\\assessable_submitted", crud="u", userid=userid,
                      contextlevel=CONTEXT_MODULE, contextinstanceid=assignment.id,
                      courseid=assignment.courseid, edulevel=2,
                      objecttable="assign_submission", objectid=submission.id, origin="web")
            _, eventname, fields = message_sent(message.id, userid, teacher, now)
            state.log(eventname, origin="web", **fields)
            for key, value in (("submissions", submission.id), ("grades", grade.id),
                               ("messages", message.id), ("users", userid)):
                touched[key].append(value)
        return touched

    # ------------------------------------------------------------------ service setup

    def remove_function(self, name: str) -> dict[str, list[str]]:
        self.state.config.service_functions.discard(name)
        return {"functions": sorted(self.state.config.token_functions())}

    def add_function(self, name: str) -> dict[str, list[str]]:
        self.state.config.service_functions.add(name)
        return {"functions": sorted(self.state.config.token_functions())}

    def plugin_setup(self, mode: str | list[str] = "", check: bool = False) -> dict[str, Any]:
        """``php local/registrybridge/cli/setup.php [--mode=...] [--check]``: the token's
        service and role become the companion plugin's for the modes (``plugin_setup.py``)."""
        modes = plugin_setup.parse_modes(mode, self.state.config.setup_modes)
        return plugin_setup.run_setup(self.state, modes, check=bool(check))

    def remove_capability(self, capability: str) -> dict[str, list[str]]:
        """Take a capability away from the service user's role."""
        caps = self.state.capabilities[self.state.service_userid]
        caps.discard(capability)
        return {"capabilities": sorted(caps)}

    def grant_capability(self, capability: str) -> dict[str, list[str]]:
        caps = self.state.capabilities[self.state.service_userid]
        caps.add(capability)
        return {"capabilities": sorted(caps)}

    def set_plugin_installed(self, installed: bool = True) -> dict[str, bool]:
        """Install or uninstall the companion plugin (``local_registrybridge``)."""
        self.state.config.plugin_installed = bool(installed)
        return {"installed": self.state.config.plugin_installed}

    def disable_webservices(self, protocol_only: bool = False) -> dict[str, bool]:
        """Web services off (or only REST off): every call answers 403."""
        if protocol_only:
            self.state.config.rest_enabled = False
        else:
            self.state.config.enablewebservices = False
        return {"enablewebservices": self.state.config.enablewebservices,
                "rest": self.state.config.rest_enabled}

    def enable_webservices(self) -> dict[str, bool]:
        self.state.config.enablewebservices = self.state.config.rest_enabled = True
        return {"enablewebservices": True, "rest": True}

    def configure(self, **settings: Any) -> dict[str, Any]:
        """Change admin settings, e.g. ``contactdataprotectionofficer``, ``debug``."""
        config = self.state.config
        for name, value in settings.items():
            if name.startswith("_") or not hasattr(config, name):
                raise ValueError(f"unknown setting: {name}")
            setattr(config, name, value)
        values = {name: getattr(config, name) for name in settings}
        return {k: sorted(v) if isinstance(v, set) else v for k, v in values.items()}

    def create_token(self, userid: int) -> dict[str, str]:
        """A token of the bridge's service for another user (e.g. to watch it being refused)."""
        self._user(userid)
        token = f"{userid:08x}" + self.token[8:]
        self.state.add_token(token, userid)
        return {"token": token}

    def break_service_user(self, reason: str, courseid: int | None = None) -> dict[str, str]:
        """Put the service account into a broken state ``bridge check`` must diagnose."""
        if reason not in BREAKAGES:
            raise ValueError(f"unknown reason {reason!r}; choose one of {BREAKAGES}")
        state = self.state
        user = state.users[state.service_userid]
        token = state.tokens[self.token]
        if self._snapshot is None:
            self._snapshot = (copy.deepcopy(user), copy.deepcopy(token),
                              set(state.capabilities[user.id]),
                              (state.config.sitepolicy, state.config.service_enabled))
        actions = {
            "usernotfullysetup": lambda: setattr(user, "email", ""),
            "forcepasswordchange": lambda: setattr(user, "forcepasswordchange", True),
            "sitepolicynotagreed": lambda: self._policy(user, auth="manual"),
            "policynotagreed": lambda: self._policy(user, auth=user.auth),
            "suspended": lambda: setattr(user, "suspended", True),
            "nologin": lambda: setattr(user, "auth", "nologin"),
            "tokenexpired": lambda: setattr(token, "validuntil", 1),
            "restrictedcontext": lambda: setattr(token, "courseid", courseid or 2),
            "norestuse": lambda: state.capabilities[user.id].discard("webservice/rest:use"),
            "servicedisabled": lambda: setattr(state.config, "service_enabled", False),
        }
        actions[reason]()
        return {"broken": reason}

    def _policy(self, user: User, auth: str) -> None:
        self.state.config.sitepolicy = f"{self.state.config.wwwroot}/sitepolicy.html"
        user.auth, user.policyagreed = auth, 0

    def restore_service_user(self) -> dict[str, bool]:
        """Undo every ``break_service_user``: account, token, capabilities, policy, service."""
        if self._snapshot is not None:
            user, token, capabilities, (sitepolicy, service_enabled) = self._snapshot
            state = self.state
            state.users[user.id] = user
            state.tokens[token.token] = token
            state.capabilities[user.id] = capabilities
            state.config.sitepolicy, state.config.service_enabled = sitepolicy, service_enabled
            self._snapshot = None
        return {"restored": True}

    # ------------------------------------------------------------------ privacy officer

    def file_request(self, userid: int, type: int, comments: str = "",
                     timecreated: int | None = None) -> dict[str, Any]:
        """A learner files their own data request on Moodle's Data privacy page (1 export,
        2 delete), now or at ``timecreated`` (a request filed while no one was looking)."""
        request = lifecycle.new_request(self.state, type, self._user(userid).id, userid,
                                        comments=comments)
        if timecreated is not None:
            request.timecreated = request.timemodified = timecreated
        return {"requestid": request.id, "status": request.status}

    def _set_request_status(self, requestid: int, status: int, *, dpo: bool) -> dict[str, Any]:
        request = self.state.requests.get(requestid)
        if request is None:
            raise ValueError(f"no data request {requestid}")
        request.status = status
        request.timemodified = self.state.now()
        if dpo:
            request.dpo = ADMIN_ID
        return {"requestid": requestid, "status": status}

    def deny_request(self, requestid: int) -> dict[str, Any]:
        """The privacy officer rejects a request in Moodle's UI (status 7)."""
        return self._set_request_status(requestid, PRIVACY_STATUS_REJECTED, dpo=True)

    def cancel_request(self, requestid: int) -> dict[str, Any]:
        """The requester cancels (status 6, no DPO)."""
        return self._set_request_status(requestid, PRIVACY_STATUS_CANCELLED, dpo=False)

    def complete_request(self, requestid: int) -> dict[str, Any]:
        """The privacy officer marks a request complete (status 5)."""
        result = self._set_request_status(requestid, PRIVACY_STATUS_COMPLETE, dpo=True)
        self.state.requests[requestid].dpocomment = (
            "Your enquiry has been marked as complete by the privacy officer.")
        return result


def control_actions() -> frozenset[str]:
    """Every public control method: the names ``POST /_simulator/<action>`` accepts."""
    return frozenset(name for name, value in vars(Controls).items()
                     if callable(value) and not name.startswith("_") and name != "dispatch")
