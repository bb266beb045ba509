"""`bridge demo`: every step runs for real, and an available step that fails fails the demo.
The simulator comes from the connector kind `--lms` names, so a second kind's demo needs
nothing of the demo but its connector's ``simulator()``."""

from __future__ import annotations

import re
from collections.abc import Mapping
from importlib.metadata import EntryPoint
from pathlib import Path
from typing import ClassVar

import pytest

from bridge.cli.demo.run import exit_code, run_demo
from bridge.cli.demo.steps import Demo
from bridge.cli.main import cli
from connectors.moodle.connector import MoodleConnector
from connectors.moodle.simulator.kit import MoodleSimulator
from connectors.simulation import LmsSimulator
from tests.cli import run
from tests.configs import write_config


def test_demo_runs_every_step(capsys) -> None:
    assert run_demo(cli, "demo") == 0
    printed = capsys.readouterr().out
    assert "not available" not in printed
    assert "0 created or updated, 0 rows written" in printed
    assert "suspended and verified" in printed
    assert re.search(r"erasure-receipt\.html \(\d+ bytes, mode 600\)", printed)


def test_a_failing_available_step_fails_the_demo(tmp_path: Path, db_url: str) -> None:
    demo = Demo(cli, tmp_path, "moodle", simulator=None, site=None)
    demo.config = write_config(tmp_path, db_url)
    demo.step(
        "sync a connector that does not exist",
        ("sync",),
        lambda: demo.run("sync", "--connector", "nowhere"),
    )
    demo.step("a command this version lacks", ("no-such-command",), lambda: None)
    assert [o.status for o in demo.outcomes] == ["failed", "not available yet"]
    assert exit_code(demo.outcomes) == 1
    assert exit_code(demo.outcomes[1:]) == 0


# ---------------------------------------------------------------------- a second kind


class OtherSimulator(MoodleSimulator):
    """Another LMS's simulator, as a second kind offers it: it cannot erase."""

    lms_name = "Otherlms"
    demo_unavailable: ClassVar[Mapping[str, str]] = {
        "erase": "this LMS has no erasure the bridge can ask for"
    }


class OtherConnector(MoodleConnector):
    @classmethod
    def simulator(cls) -> LmsSimulator:
        return OtherSimulator()


class NoSimulator(MoodleConnector):
    @classmethod
    def simulator(cls) -> None:
        return None


@pytest.fixture
def kinds(monkeypatch: pytest.MonkeyPatch) -> None:
    """Three installed kinds: moodle, otherlms (with a simulator) and bare (without)."""
    group = "bridge.connectors"
    installed = [
        EntryPoint("moodle", "connectors.moodle.connector:MoodleConnector", group),
        EntryPoint("otherlms", f"{__name__}:OtherConnector", group),
        EntryPoint("bare", f"{__name__}:NoSimulator", group),
    ]
    monkeypatch.setattr(
        "bridge.settings.connector_kinds.entry_points", lambda group: list(installed)
    )


def test_the_demo_serves_the_simulator_of_the_kind_lms_names(kinds: None) -> None:
    outcome = run("demo", "--lms", "otherlms", "--size", "tiny", config=None)
    assert outcome.exit_code == 0, outcome.stdout + outcome.stderr
    printed = outcome.stdout
    assert "simulated Otherlms (tiny)" in printed
    assert "3. Check the Otherlms connector" in printed
    assert "Otherlms user" in printed and "suspended and verified" in printed
    assert "not available with Otherlms: this LMS has no erasure" in printed
    assert re.search(r"7\. Erase a person, with receipt\s*│\s*not available", printed)


def test_an_unknown_kind_or_one_without_a_simulator_is_named(kinds: None) -> None:
    unknown = run("demo", "--lms", "nowhere", config=None)
    assert unknown.exit_code == 2
    assert "unknown connector kind 'nowhere' (installed: bare, moodle, otherlms)" in (
        unknown.stderr
    )
    assert "Traceback" not in unknown.stderr
    bare = run("simulator", "serve", "--lms", "bare", config=None)
    assert bare.exit_code == 2
    assert "the bare connector offers no simulator (kinds with one: moodle, otherlms)" in (
        bare.stderr
    )


def test_the_simulator_command_names_the_sizes_of_the_kind_it_serves() -> None:
    outcome = run("simulator", "serve", "--size", "huge", config=None)
    assert outcome.exit_code == 2
    assert "'huge' is not a size of the Moodle simulator (tiny, demo, bench-10k" in (
        outcome.stderr
    )
