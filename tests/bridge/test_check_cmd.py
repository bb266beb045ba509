"""`bridge check` over HTTP against the simulator: ✓/✗ lines, fixes, exit codes, --json."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from bridge.cli.commands.check import hosting_check
from connectors.moodle.simulator import SimulatedMoodle
from connectors.moodle.simulator.server import running_server
from tests.cli import Outcome, run
from tests.configs import write_config


@pytest.fixture
def sim() -> SimulatedMoodle:
    return SimulatedMoodle("tiny", seed=1)


@pytest.fixture
def served(sim: SimulatedMoodle) -> Iterator[str]:
    with running_server(sim) as url:
        yield url


def check(tmp_path: Path, db_url: str, url: str, token: str, *args: str) -> Outcome:
    config = write_config(tmp_path, db_url, moodle_url=url, token=token)
    return run("check", *args, config=config)


def line(outcome: Outcome, name: str) -> str:
    """The output line of one check."""
    [found] = [x for x in outcome.stdout.splitlines() if x.strip()[2:].startswith(f"{name}")]
    return found


def fix_after(outcome: Outcome, name: str) -> str:
    lines = outcome.stdout.splitlines()
    following = lines[lines.index(line(outcome, name)) + 1]
    assert following.strip().startswith("fix: "), following
    return following


def test_a_full_token_passes_with_exit_0(
    tmp_path: Path, db_url: str, sim: SimulatedMoodle, served: str
) -> None:
    outcome = check(tmp_path, db_url, served, sim.token)
    assert outcome.exit_code == 0, outcome.stdout + outcome.stderr
    assert "moodle: ready" in outcome.stdout
    assert "✗" not in outcome.stdout and "fix:" not in outcome.stdout
    assert line(outcome, "companion plugin").strip().startswith("✓")
    assert line(outcome, "hosting country").strip() == "✓ hosting country: FI is in the EU/EEA"


def test_a_missing_function_fails_with_its_fix(
    tmp_path: Path, db_url: str, sim: SimulatedMoodle, served: str
) -> None:
    sim.remove_function("core_message_get_conversations")
    outcome = check(tmp_path, db_url, served, sim.token)
    assert outcome.exit_code == 1
    assert line(outcome, "functions").strip().startswith("✗ functions: missing: ")
    fix = fix_after(outcome, "functions")
    # The plugin's set-up first, the manual step of the guide's appendix second.
    assert fix.strip().startswith("fix: Run php local/registrybridge/cli/setup.php")
    assert "add core_message_get_conversations to the token's external service" in fix
    assert line(outcome, "messages").strip().startswith("! messages: not probed")


def test_a_missing_capability_fails_with_its_fix(
    tmp_path: Path, db_url: str, sim: SimulatedMoodle, served: str
) -> None:
    sim.remove_capability("moodle/site:readallmessages")
    outcome = check(tmp_path, db_url, served, sim.token)
    assert outcome.exit_code == 1
    assert line(outcome, "messages").strip().startswith("✗ messages:")
    fix = fix_after(outcome, "messages")
    assert fix.strip().startswith("fix: Run php local/registrybridge/cli/setup.php")
    assert "allow moodle/site:readallmessages in the service user's role" in fix
    assert "moodle: 1 check(s) failed" in outcome.stderr


def test_missing_course_view_fails_with_both_causes(
    tmp_path: Path, db_url: str, sim: SimulatedMoodle, served: str
) -> None:
    sim.remove_capability("moodle/course:view")
    outcome = check(tmp_path, db_url, served, sim.token)
    assert outcome.exit_code == 1
    assert "errorcoursecontextnotvalid" in line(outcome, "course access")
    fix = fix_after(outcome, "course access")
    assert "moodle/course:view" in fix and "not fully set up" in fix


def test_a_missing_plugin_fails_with_its_fix(
    tmp_path: Path, db_url: str, sim: SimulatedMoodle, served: str
) -> None:
    sim.set_plugin_installed(False)
    outcome = check(tmp_path, db_url, served, sim.token)
    assert outcome.exit_code == 1
    assert line(outcome, "companion plugin").strip().startswith("✗ companion plugin:")
    fix = fix_after(outcome, "companion plugin")
    assert "Install the companion plugin local_registrybridge" in fix
    assert "make package-plugin" in fix


def test_an_invalid_token_fails_with_its_fix_and_no_traceback(
    tmp_path: Path, db_url: str, served: str
) -> None:
    outcome = check(tmp_path, db_url, served, "0" * 32)
    assert outcome.exit_code == 1
    assert "✗ connection:" in line(outcome, "connection") and "invalidtoken" in outcome.stdout
    assert "Manage tokens" in fix_after(outcome, "connection")
    assert "Traceback" not in outcome.stdout + outcome.stderr


def test_web_services_switched_off_fail_with_their_fix(
    tmp_path: Path, db_url: str, sim: SimulatedMoodle, served: str
) -> None:
    sim.disable_webservices()
    outcome = check(tmp_path, db_url, served, sim.token)
    assert outcome.exit_code == 1
    assert "Enable web services" in fix_after(outcome, "connection")


def test_json_is_the_last_line_with_the_documented_shape(
    tmp_path: Path, db_url: str, sim: SimulatedMoodle, served: str
) -> None:
    sim.set_plugin_installed(False)
    outcome = check(tmp_path, db_url, served, sim.token, "--json", "--connector", "moodle")
    assert outcome.exit_code == 1
    payload = json.loads(outcome.last_line)
    assert {"ok", "moodle_version", "checks"} <= set(payload)
    assert payload["ok"] is False and payload["moodle_version"] == "2024090300"
    for item in payload["checks"]:
        assert {"name", "ok", "fix", "detail", "warning"} <= set(item)
        assert item["fix"] is None if item["ok"] else True
    plugin = next(c for c in payload["checks"] if c["name"] == "companion plugin")
    assert plugin["ok"] is False and "local_registrybridge" in plugin["fix"]
    assert payload["connectors"] == {"moodle": {"ok": False, "moodle_version": "2024090300"}}


def test_json_of_a_full_token(
    tmp_path: Path, db_url: str, sim: SimulatedMoodle, served: str
) -> None:
    payload = json.loads(check(tmp_path, db_url, served, sim.token, "--json").last_line)
    assert payload["ok"] is True
    assert all(c["ok"] for c in payload["checks"])


def test_an_unknown_connector_is_a_usage_error(tmp_path: Path, db_url: str) -> None:
    outcome = check(tmp_path, db_url, "https://moodle.test", "x", "--connector", "canvas")
    assert outcome.exit_code == 2 and "no connector named 'canvas'" in outcome.stderr


def test_a_viewer_may_run_the_check(
    tmp_path: Path, db_url: str, sim: SimulatedMoodle, served: str
) -> None:
    config = write_config(tmp_path, db_url, moodle_url=served, token=sim.token, roles=())
    outcome = run("check", config=config)
    assert outcome.exit_code == 0, outcome.stderr


def test_hosting_outside_the_eu_is_a_warning() -> None:
    """The configuration refuses such a site already; the check line is a second reminder."""
    outside = hosting_check("US")
    assert (outside.ok, outside.warning) == (False, True) and "EU/EEA" in outside.detail
    assert outside.fix
    assert hosting_check("SE").ok
