"""Durations out of bounds, cron schedules APScheduler cannot parse and binary files are
refused by `bridge config check` in one line naming file, key and line (exit 2)."""

from __future__ import annotations

from pathlib import Path

import pytest

from bridge.settings.cron import cron_trigger
from bridge.settings.durations import parse_schedule
from tests.cli import run
from tests.configs import write_config


def check(tmp_path: Path, *, extra: str = "", connector_extra: str = "",
          raw: bytes | None = None) -> tuple[int, list[str]]:
    config = write_config(tmp_path, f"sqlite:///{tmp_path / 'r.sqlite3'}", extra=extra,
                          connector_extra=connector_extra)
    if raw is not None:
        config.write_bytes(raw)
    outcome = run("config", "check", config=config)
    return outcome.exit_code, outcome.stderr.strip().splitlines()


@pytest.mark.parametrize(
    ("connector_extra", "extra", "key", "message"),
    [
        ('timeout = "999999999d"', "", "connectors.moodle.timeout",
         "999999999d is out of bounds: give between 1s and 10m"),
        ('timeout = "99999999999999999d"', "", "connectors.moodle.timeout", "far too long"),
        ('timeout = "0s"', "", "connectors.moodle.timeout", "between 1s and 10m"),
        ("", '[daemon]\nlease_ttl = "400d"\n', "daemon.lease_ttl", "between 1s and 1d"),
        ("", '[daemon]\nheartbeat_interval = "1h"\n', "daemon.heartbeat_interval",
         "between 1s and 10m"),
        ("", '[daemon]\nreconcile = "cron: 99 * * * *"\n', "daemon.reconcile",
         "the last value (99) is higher than the maximum value (59)"),
        ("", '[daemon]\nfull_sync = "cron: 0 3 * * 8"\n', "daemon.full_sync", "weekday 8"),
        ("", '[daemon]\nreminders = "cron: 0 8 * *"\n', "daemon.reminders", "five fields"),
        ("", '[daemon]\nretention = "10s"\n', "daemon.retention", "between 1m and 366d"),
        ('[connectors.moodle.schedule]\nusers = "cron: 0 0 * 13 *"', "",
         "connectors.moodle.schedule.users", "maximum value (12)"),
    ],
)
def test_bad_durations_and_schedules_name_key_and_line(
    tmp_path, connector_extra, extra, key, message
) -> None:
    code, lines = check(tmp_path, extra=extra, connector_extra=connector_extra)
    assert code == 2 and len(lines) == 1, lines
    assert f"bridge.toml: {key} (line " in lines[0] and message in lines[0]


def test_values_inside_the_bounds_pass(tmp_path) -> None:
    code, lines = check(tmp_path, connector_extra='timeout = "10m"', extra=(
        '[daemon]\nlease_ttl = "1d"\nfull_sync = "cron: 0 3 * * 7"\nreconcile = "6h"\n'))
    assert code == 0, lines


@pytest.mark.parametrize(
    ("raw", "where"),
    [
        (b"SQLite format 3\x00\x10\x00\x01\x01\x00@  \xff\xfe", "line 1"),
        (b'[register]\nname = "caf\xe9"\n', "line 2"),
        (b'[register]\nname = "a"\x00\n', "line 2"),
    ],
)
def test_a_binary_config_file_is_one_line(tmp_path, raw, where) -> None:
    code, lines = check(tmp_path, raw=raw)
    assert code == 2 and len(lines) == 1, lines
    assert f"bridge.toml: {where}: " in lines[0]
    assert "UTF-8" in lines[0] or "NUL" in lines[0]


def test_the_check_and_the_daemon_read_a_cron_line_the_same_way() -> None:
    """Sunday is 0 and 7 for the check, the daemon's trigger and the sync due times."""
    schedule = parse_schedule("cron: 0 3 * * 7")
    assert schedule.cron is not None
    assert str(cron_trigger(schedule.cron).fields[4]) == "sun"
    with pytest.raises(ValueError, match="weekday 9"):
        parse_schedule("cron: 0 3 * * 9")


def test_a_missing_register_section_is_named_as_missing(tmp_path) -> None:
    """``register`` is also a method of the settings' metaclass: without the section the
    message once quoted that method instead of saying the section is missing."""
    code, lines = check(tmp_path, raw=b'[controller]\nname = "Koulutus Oy"\n')
    assert code == 2 and len(lines) == 1, lines
    assert "register: missing: this key is required" in lines[0]
    assert "bound method" not in lines[0]
