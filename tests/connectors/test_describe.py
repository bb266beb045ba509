"""Every terminal error is worded one way wherever it is shown: the message, then its fix."""

from __future__ import annotations

from connectors.base import StreamUnavailable, TerminalError, describe


def test_a_terminal_error_is_described_with_its_fix() -> None:
    error = StreamUnavailable("companion plugin not installed", fix="Install the plugin.")
    assert describe(error) == "companion plugin not installed (fix: Install the plugin.)"


def test_an_error_without_a_fix_is_its_message_alone() -> None:
    assert describe(TerminalError("unknown answer")) == "unknown answer"


def test_a_caller_that_knows_a_better_fix_replaces_the_errors_own() -> None:
    error = TerminalError("refused", fix="Ask the administrator.")
    assert describe(error, "Turn the setting on.") == "refused (fix: Turn the setting on.)"
