"""Fixtures of the Moodle connector tests: mocked HTTP, the fake site and its users."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import responses

from tests.connectors.moodle.fake_accounts import Accounts
from tests.connectors.moodle.fake_moodle import FakeMoodle


@pytest.fixture
def rsps() -> Iterator[responses.RequestsMock]:
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        yield mock


@pytest.fixture
def strict_rsps() -> Iterator[responses.RequestsMock]:
    """Like ``rsps``, and fails the test when an answer it was given goes unused."""
    with responses.RequestsMock() as mock:
        yield mock


@pytest.fixture
def moodle(rsps: responses.RequestsMock) -> FakeMoodle:
    return FakeMoodle(rsps)


@pytest.fixture
def accounts(moodle: FakeMoodle) -> Accounts:
    return Accounts(moodle)
