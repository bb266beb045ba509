"""The request pipeline of ``webservice/rest/server.php``, shared by both front ends.

``MoodleApp.handle(method, path, headers, body)`` returns ``(status, headers,
body)``. The order of checks is Moodle's: site switches (403), token, token
user, REST capability, function name, function installed, function in the
service, parameters, then the function itself. Every successful call writes a
``\\core\\event\\webservice_function_called`` log row, as Moodle does.
"""

from __future__ import annotations

import json
import threading
import traceback
from collections.abc import Callable, Mapping
from typing import Any
from urllib.parse import urlsplit

from connectors.moodle.simulator import errors, protocol
from connectors.moodle.simulator.access import Token
from connectors.moodle.simulator.faults import FaultInjector
from connectors.moodle.simulator.handlers import REGISTRY, Call, WsFunction
from connectors.moodle.simulator.model import User
from connectors.moodle.simulator.protocol import Response
from connectors.moodle.simulator.state import SiteState
from connectors.moodle.simulator.validation import validate_parameters

REST_PATH = "/webservice/rest/server.php"
CONTROL_PREFIX = "/_simulator/"

ControlDispatcher = Callable[[str, dict[str, Any]], Any]


def _header(headers: Mapping[str, str], name: str) -> str:
    wanted = name.lower()
    return next((v for k, v in headers.items() if k.lower() == wanted), "")


class MoodleApp:
    """One simulated site behind one URL. Calls are serialised: one request at a time."""

    def __init__(self, state: SiteState, faults: FaultInjector,
                 controls: ControlDispatcher | None = None) -> None:
        self.state = state
        self.faults = faults
        self.controls = controls
        self.lock = threading.RLock()
        #: Called with each successfully answered function's name; a hook that returns
        #: True is done and dropped (the site changing between two pages of a listing).
        self.after_call: list[Callable[[str], bool]] = []

    def handle(self, method: str, path: str, headers: Mapping[str, str],
               body: bytes | None) -> Response:
        body = body or b""
        url = urlsplit(path)
        if url.path.startswith(CONTROL_PREFIX):
            return self._control(method, url.path[len(CONTROL_PREFIX):], body)
        if url.path != REST_PATH:
            return protocol.html_page(404, "Not Found")
        config = self.state.config
        if not (config.enablewebservices and config.rest_enabled):
            return protocol.forbidden()
        fault = self.faults.decide(method, path, body)
        if fault:
            return self.faults.respond(fault)
        with self.lock:
            try:
                return self._rest(method, url.query, _header(headers, "content-type"), body)
            except Exception:  # a simulator bug: loud on stderr, a PHP fatal page for the client
                traceback.print_exc()
                return protocol.html_page(500, "Internal Server Error (simulator bug)")

    # ------------------------------------------------------------------ REST

    def _rest(self, method: str, query: str, content_type: str, body: bytes) -> Response:
        config = self.state.config
        raw = protocol.decode_request(query, body if method == "POST" else b"", content_type,
                                      config.max_input_vars)
        fmt = raw.pop("moodlewsrestformat", "xml")
        fmt = fmt if fmt in ("json", "xml") else "xml"
        token = raw.pop("wstoken", None)
        name = raw.pop("wsfunction", None)
        for key in [k for k in raw if k.startswith("moodlewssetting")]:
            del raw[key]
        try:
            tok, user = self._authenticate(token)
            function = self._function(name)
            params = validate_parameters(function.params, raw)
            result = function.handler(Call(self.state, tok, user, params))
        except errors.MoodleError as error:
            return protocol.failure(error, fmt, debug=config.debug)
        self.state.log("\\core\\event\\webservice_function_called", crud="r", userid=user.id,
                       other={"function": function.name})
        self.after_call = [hook for hook in self.after_call if not hook(function.name)]
        return protocol.success(result, fmt)

    def _authenticate(self, token: Any) -> tuple[Token, User]:
        state = self.state
        tok = state.tokens.get(token) if isinstance(token, str) else None
        if tok is None:
            raise errors.invalid_token()
        if tok.validuntil and tok.validuntil < state.now():
            del state.tokens[tok.token]
            raise errors.access_exception(
                "Invalid token - token expired - check validuntil time for the token")
        user = state.users[tok.userid]
        for refused, code in ((user.deleted, "wsaccessuserdeleted"),
                              (user.suspended, "wsaccessusersuspended"),
                              (user.auth == "nologin", "wsaccessusernologin")):
            if refused:
                raise errors.moodle_exception(
                    code, f"Refused web service access for {code[len('wsaccessuser'):]} "
                          f"username: {user.username}")
        if "webservice/rest:use" not in state.capabilities_of(user.id):
            raise errors.access_exception("Missing capability webservice/rest:use")
        return tok, user

    def _function(self, name: Any) -> WsFunction:
        config = self.state.config
        if not isinstance(name, str) or not name:
            raise errors.invalid_parameter("Missing wsfunction")
        if name not in config.installed_functions():
            raise errors.missing_record("external_functions")
        if not config.service_enabled or name not in config.token_functions():
            raise errors.access_exception(f"Access to the function {name}() is not allowed.")
        return REGISTRY[name]

    # ------------------------------------------------------------------ controls

    def _control(self, method: str, action: str, body: bytes) -> Response:
        if self.controls is None:
            return protocol.html_page(404, "Not Found")
        if method != "POST":
            return protocol.json_response(405, {"error": "use POST with a JSON object"})
        try:
            arguments = json.loads(body or b"{}")
            if not isinstance(arguments, dict):
                raise ValueError("the body must be a JSON object")
            with self.lock:
                result = self.controls(action, arguments)
        except LookupError as error:
            return protocol.json_response(404, {"error": str(error)})
        except (ValueError, TypeError) as error:
            return protocol.json_response(400, {"error": str(error)})
        return protocol.json_response(200, {"ok": True, "result": result})
