"""The table of web-service functions and what a handler gets to work with."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from connectors.moodle.simulator import access, errors
from connectors.moodle.simulator.access import Token
from connectors.moodle.simulator.model import Course, User
from connectors.moodle.simulator.state import SiteState
from connectors.moodle.simulator.validation import Desc


@dataclass
class Call:
    """One web-service call: the site, the token's user and validated parameters."""

    state: SiteState
    token: Token
    user: User
    params: dict[str, Any]

    @property
    def capabilities(self) -> set[str]:
        return self.state.capabilities_of(self.user.id)

    def now(self) -> int:
        return self.state.now()

    def has(self, capability: str) -> bool:
        return capability in self.capabilities

    def require(self, capability: str) -> None:
        """``require_capability()``: ``nopermissions`` quoting the capability's description."""
        if not self.has(capability):
            raise errors.nopermissions(access.CAPABILITIES.get(capability, capability), capability)

    def system_context(self) -> None:
        access.check_system_context(self.token, self.user, self.state.config)

    def course(self, courseid: int) -> Course:
        course = self.state.courses.get(courseid)
        if course is None:
            raise errors.missing_record("course")
        return course

    def course_context_failure(self, course: Course) -> str | None:
        return access.course_context_failure(
            self.token, self.user, self.state.config, self.capabilities, course
        )

    def course_context(self, course: Course) -> None:
        """``validate_context(course)``: every failure is ``errorcoursecontextnotvalid``."""
        reason = self.course_context_failure(course)
        if reason:
            raise access.course_context_error(course.id, reason)


@dataclass(frozen=True)
class WsFunction:
    name: str
    params: dict[str, Desc]
    handler: Callable[[Call], Any]


REGISTRY: dict[str, WsFunction] = {}


Handler = Callable[[Call], Any]


def ws_function(name: str, **params: Desc) -> Callable[[Handler], Handler]:
    """Register a handler under a Moodle function name with its parameter description."""

    def register(handler: Handler) -> Handler:
        REGISTRY[name] = WsFunction(name, params, handler)
        return handler

    return register
