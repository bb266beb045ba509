"""``[connectors.NAME]`` with ``kind = "canvas"``: the Canvas keys belong to the connector
package's own model, a Moodle-only key is an error there, and so is a bad value."""

from __future__ import annotations

from pathlib import Path

from bridge.settings import load_settings
from connectors.canvas.config import CanvasSettings
from tests.cli import run
from tests.connectors.canvas.helpers import write_canvas_config


def config(tmp_path: Path, extra: str = "") -> Path:
    return write_canvas_config(tmp_path, f"sqlite:///{tmp_path}/r.sqlite3",
                               "https://canvas.example.fi", "7~token", extra)


def test_the_canvas_keys_are_validated_by_the_connectors_own_model(tmp_path: Path) -> None:
    path = config(tmp_path, 'account_id = "1"\nunenrol_task = "deactivate"\n')
    section = load_settings(path).connectors["canvas"]
    assert section.kind == "canvas" and isinstance(section.options, CanvasSettings)
    assert section.options.account_id == "1" and section.options.unenrol_task == "deactivate"
    assert section.schedule["logs"].interval.total_seconds() == 15 * 60  # Canvas's default


def test_a_moodle_only_key_or_a_bad_value_is_an_error_naming_it(tmp_path: Path) -> None:
    for line, named in (("max_form_fields = 1000\n", "max_form_fields"),
                        ('unenrol_task = "delete"\n', "unenrol_task"),
                        ('account_id = "root"\n', "account_id")):
        outcome = run("config", "check", config=config(tmp_path, line))
        assert outcome.exit_code == 2, line
        assert f"connectors.canvas.{named}" in outcome.stderr, outcome.stderr
