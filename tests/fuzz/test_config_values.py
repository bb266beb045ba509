"""Generated configuration values through the loader: each file loads or ends in one
:class:`ConfigError` naming file, key and line, never another exception.

Every key type gets hostile values: durations and schedules (huge, negative, unit-less,
cron with fields out of range), URLs, business IDs, country codes, page sizes,
booleans given as text, nested tables where scalars belong, and unknown keys.
"""

from __future__ import annotations

import copy
import tomllib
from pathlib import Path
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from bridge.errors import ConfigError
from bridge.settings import load_settings
from tests.configs import write_config
from tests.fuzz.counting import count_case, seeded
from tests.fuzz.toml_text import Inline, dumps

DURATIONS = ["5s", "999999999d", "-5s", "0s", "1.5h", "10", "", "h", "1e400s", "5 minutes"]
SCHEDULES = [
    *DURATIONS,
    "cron: 99 * * * *",
    "cron: * * * * *",
    "cron: */0 * * * *",
    "cron:",
    "cron: 0 0 31 2 *",
    "cron: a b c d e",
    "cron: 1 2 3 4 5 6 7",
]
TEXTS = ["", "x" * 5000, "a\x00b", "\u202egnp.exe", "[/b]", "名前", "\x1b[2J", "http://", "ftp://x"]
NUMBERS = [0, -1, 2**63, 2**31, 10**30, 1.5, float("inf"), float("nan")]
SCALARS = [True, "yes", "true", "0", [], [1, "a"], Inline(a=1), Inline(), *NUMBERS, *TEXTS]

#: Key path → values worth trying there (besides every other scalar).
KEYS: dict[tuple[str, ...], list[Any]] = {
    ("connectors", "moodle", "timeout"): DURATIONS,
    ("connectors", "moodle", "schedule", "users"): SCHEDULES,
    ("connectors", "moodle", "url"): ["https://", "moodle.test", "https://[::1", "http://x:99999"],
    ("connectors", "moodle", "hosting_country"): ["fi", "XX", "FIN", "", "Ü"],
    ("connectors", "moodle", "verify_tls"): ["false", "no", 1],
    ("connectors", "moodle", "page_sizes", "users"): NUMBERS,
    ("connectors", "moodle", "streams"): [["users", "nosuch"], "users", [["users"]]],
    ("connectors", "moodle", "max_form_fields"): NUMBERS,
    ("controller", "business_id"): ["0104505-8", "1234567-1", "FI01045059", "0104505-9 "],
    ("controller", "contact_email"): ["not-an-email", "a" * 300 + "@x.fi"],
    ("daemon", "lease_ttl"): DURATIONS,
    ("daemon", "reconcile"): SCHEDULES,
    ("daemon", "full_sync"): SCHEDULES,
    ("daemon", "metrics_port"): [0, 70000, -1, "9100"],
    ("daemon", "log_format"): ["json", "xml"],
    ("database", "url"): ["", "nosuch://x", "sqlite://", 5],
    ("operators", "tester"): ["root", "admin ", ""],
    ("retention", "auto_run"): ["true", 2],
    ("nosuch",): [Inline(a=1)],
    ("connectors", "moodle", "nosuch"): [1],
    ("daemon", "nosuch"): ["1h"],
}


def base(directory: Path) -> dict[str, Any]:
    path = write_config(directory, f"sqlite:///{directory}/r.sqlite3", extra='[daemon]\n')
    return tomllib.loads(path.read_text(encoding="utf-8"))


@seeded(200)
@given(data=st.data())
def test_every_generated_value_loads_or_names_file_key_and_line(
    data: st.DataObject, tmp_path: Path
) -> None:
    count_case("config values")
    key = data.draw(st.sampled_from(sorted(KEYS)), label="key")
    value = data.draw(st.sampled_from(KEYS[key] + SCALARS), label="value")
    config = copy.deepcopy(base(tmp_path))
    table = config
    for part in key[:-1]:
        existing = table.get(part)
        table[part] = existing if isinstance(existing, dict) else {}
        table = table[part]
    table[key[-1]] = value
    file = tmp_path / "fuzzed.toml"
    file.write_text(dumps(config), encoding="utf-8")
    try:
        load_settings(file)
    except ConfigError as exc:
        assert exc.file == str(file)
        assert exc.key, f"no key named for {key}={value!r}: {exc}"
        assert exc.line is not None, f"no line named for {key}={value!r}: {exc}"
        assert "\n" not in str(exc), "a configuration error is one line"


def test_a_duration_no_timedelta_can_hold_names_its_key(tmp_path: Path) -> None:
    config = base(tmp_path)
    config["connectors"]["moodle"]["schedule"] = {"users": 2**63}
    file = tmp_path / "fuzzed.toml"
    file.write_text(dumps(config), encoding="utf-8")
    try:
        load_settings(file)
    except ConfigError as exc:
        assert exc.key == "connectors.moodle.schedule.users"
        assert "out of range" in str(exc) and exc.line is not None
    else:
        raise AssertionError("a duration of 2**63 seconds loaded")
