"""`bridge demo`: every step runs for real, and an available step that fails fails the demo."""

from __future__ import annotations

import re
from pathlib import Path

from bridge.cli.demo.run import exit_code, run_demo
from bridge.cli.demo.steps import Demo
from bridge.cli.main import cli
from tests.configs import write_config


def test_demo_runs_every_step(capsys) -> None:
    assert run_demo(cli, "demo") == 0
    printed = capsys.readouterr().out
    assert "not available yet" not in printed
    assert "0 created or updated, 0 rows written" in printed
    assert "suspended and verified" in printed
    assert re.search(r"erasure-receipt\.html \(\d+ bytes, mode 600\)", printed)


def test_a_failing_available_step_fails_the_demo(tmp_path: Path, db_url: str) -> None:
    demo = Demo(cli, tmp_path, "https://moodle.test", sim=None)
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
