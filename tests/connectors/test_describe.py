"""Every error is worded one way wherever it is shown: the message, then its fix; the
connectors' errors sit beneath the product's one root."""

from __future__ import annotations

from bridge.errors import BridgeError, UsageError
from connectors.base import (
    PushResult,
    StreamUnavailable,
    TerminalError,
    TransientError,
    Unreachable,
    describe,
)


def test_a_terminal_error_is_described_with_its_fix() -> None:
    error = StreamUnavailable("companion plugin not installed", fix="Install the plugin.")
    assert describe(error) == "companion plugin not installed (fix: Install the plugin.)"


def test_an_error_without_a_fix_is_its_message_alone() -> None:
    assert describe(TerminalError("unknown answer")) == "unknown answer"


def test_a_caller_that_knows_a_better_fix_replaces_the_errors_own() -> None:
    error = TerminalError("refused", fix="Ask the administrator.")
    assert describe(error, "Turn the setting on.") == "refused (fix: Turn the setting on.)"


def test_a_connectors_errors_share_the_products_one_root_and_exit_code() -> None:
    for error in (TerminalError("x"), TransientError("x"), Unreachable(url="u", cause="c")):
        assert isinstance(error, BridgeError) and error.exit_code == 1


def test_each_branch_tells_a_person_what_to_do() -> None:
    assert TerminalError("refused", fix="Fix it.").described() == "refused (fix: Fix it.)"
    assert TransientError("timeout").described() == "timeout (try again later)"
    unreachable = Unreachable(url="https://lms.example", cause="refused", lms="Moodle")
    assert unreachable.described() == describe(unreachable)
    assert "check that Moodle is running" in unreachable.described()
    assert UsageError("no such file").described() == "no such file"


def test_one_mapping_from_a_connector_error_to_a_push_result() -> None:
    terminal = PushResult.from_error(TerminalError("refused", fix="Fix it."), "Better fix.")
    assert (terminal.outcome, terminal.reason) == ("terminal_error", "refused (fix: Better fix.)")
    unreachable = Unreachable(url="https://lms.example", cause="refused")
    assert PushResult.from_error(unreachable).reason == describe(unreachable)
    assert PushResult.from_error(unreachable).outcome == "transient_error"
    transient = PushResult.from_error(TransientError("timeout"), "ignored")
    assert (transient.outcome, transient.reason) == ("transient_error", "timeout")
