"""The companion plugin (moodle-plugin/local_registrybridge) against what the bridge calls.

The PHP sources are read with regular expressions, so these tests run without PHP;
``test_php_lint`` runs ``php -l`` on every file when PHP is installed.
"""

from __future__ import annotations

import dataclasses
import re
import shutil
import subprocess
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pytest

from connectors.moodle import functions, parse
from connectors.moodle import plugin as contract
from tests.plugin import php

CLASS_FILE = "classes/external/get_log_entries.php"
GPL_LINES = (
    "// This file is part of Moodle - https://moodle.org/",
    "// Moodle is free software: you can redistribute it and/or modify",
    "// it under the terms of the GNU General Public License as published by",
    "// the Free Software Foundation, either version 3 of the License, or",
    "// (at your option) any later version.",
)
#: Files Moodle runs directly (the set-up script and page), not included by Moodle.
ENTRY_POINTS = frozenset({"cli/setup.php", "setup.php"})
INT_FIELDS = {
    "id", "objectid", "edulevel", "contextid", "contextlevel", "contextinstanceid", "userid",
    "courseid", "relateduserid", "timecreated", "realuserid",
}  # fmt: skip


def _param(value: str) -> str:
    found = re.search(r"\b(PARAM_[A-Z]+)\b", value)
    assert found, f"no PARAM_ type in {value!r}"
    return found.group(1)


def _function_declarations() -> str:
    """The ``$functions`` array of db/services.php (the ``$services`` array follows it)."""
    return php.read("db/services.php").split("$services =", 1)[0]


def _services() -> list[php.Item]:
    return php.top_level(php.items(_function_declarations()))


def service_fields(function: str) -> dict[str, str]:
    """The scalar settings of ``function``'s entry in db/services.php, strings unquoted."""
    source = _function_declarations()
    fields = {}
    for item in php.children(php.items(source), function):
        quoted = re.match(r"\s*'((?:[^'\\]|\\.)*)'\s*,", item.value)
        fields[item.key] = quoted.group(1) if quoted else item.value.split(",")[0].strip()
    return fields


def assert_declared_as_read_class(
    function: str, class_file: str, capabilities: tuple[str, ...]
) -> None:
    """``function`` is a read whose class Moodle's autoloader finds at ``class_file``,
    documented with exactly ``capabilities``."""
    fields = service_fields(function)
    name = class_file.removeprefix("classes/external/").removesuffix(".php")
    assert fields["classname"] == f"local_registrybridge\\external\\{name}"
    assert (fields["methodname"], fields["type"]) == ("execute", "read")
    declared = {c.strip() for c in fields["capabilities"].split(",")}
    assert declared == set(capabilities)
    path = fields["classname"].removeprefix(f"{contract.COMPONENT}\\").replace("\\", "/")
    assert f"classes/{path}.php" == class_file
    assert re.search(rf"\nclass {name} extends external_api \{{", php.read(class_file))


# --------------------------------------------------------------------------- the files


def test_plugin_has_the_standard_files() -> None:
    for relative in (
        "version.php", "db/services.php", "db/access.php", "settings.php",
        "lang/en/local_registrybridge.php", CLASS_FILE, "classes/privacy/provider.php",
        "README.md",
    ):  # fmt: skip
        assert (php.PLUGIN_DIR / relative).is_file(), relative
    assert php.PLUGIN_DIR.name == contract.COMPONENT


@pytest.mark.parametrize("path", php.php_files(), ids=lambda p: str(p.relative_to(php.PLUGIN_DIR)))
def test_php_file_has_gpl_header_and_internal_guard(path: Path) -> None:
    source = path.read_text(encoding="utf-8")
    assert source.startswith("<?php\n"), "must start with <?php"
    head = source[:1200]
    for line in GPL_LINES:
        assert line in head, f"GPL boilerplate line missing: {line}"
    if path.relative_to(php.PLUGIN_DIR).as_posix() in ENTRY_POINTS:
        # A page or script Moodle runs directly: it loads Moodle itself; the guard would stop it.
        assert re.search(r"^require\(__DIR__ \. '(/\.\.)+/config\.php'\);$", source, re.M)
        assert "MOODLE_INTERNAL" not in source
    else:
        assert "defined('MOODLE_INTERNAL') || die();" in source
    assert "@package    local_registrybridge" in source
    assert "?>" not in source, "Moodle files never close the PHP tag"


def test_version_php() -> None:
    source = php.read("version.php")
    assert f"$plugin->component = '{contract.COMPONENT}';" in source
    assert re.search(r"\$plugin->version\s*=\s*20\d{8};", source)
    assert re.search(r"\$plugin->requires\s*=\s*2022112800;", source), "requires Moodle 4.1"
    assert re.search(r"\$plugin->supported\s*=\s*\[401,\s*405\];", source)
    assert re.search(r"\$plugin->maturity\s*=\s*MATURITY_(ALPHA|BETA|RC|STABLE);", source)
    assert re.search(r"\$plugin->release\s*=\s*'[^']+';", source)


def test_capability_definition() -> None:
    source = php.read("db/access.php")
    block = re.search(
        rf"'{re.escape(contract.READ_LOGS_CAPABILITY)}'\s*=>\s*\[(.*?)\n    \],", source, re.S
    )
    assert block, f"{contract.READ_LOGS_CAPABILITY} not defined in db/access.php"
    body = block.group(1)
    assert re.search(r"'riskbitmask'\s*=>\s*RISK_PERSONAL\b", body)
    assert re.search(r"'captype'\s*=>\s*'read'", body)
    assert re.search(r"'contextlevel'\s*=>\s*CONTEXT_SYSTEM\b", body)
    assert re.search(r"'archetypes'\s*=>\s*\[\s*\]", body), "no archetype gets the capability"
    assert len(re.findall(r"^    '[a-z]+/[a-z_]+:\w+'\s*=>", source, re.M)) == 1


# --------------------------------------------------------------------------- the function


def test_declared_functions_are_the_ones_the_connector_calls() -> None:
    assert [s.key for s in _services()] == list(functions.PLUGIN_FUNCTIONS)
    assert functions.STREAM_FUNCTIONS["logs"] == (functions.LOG_FUNCTION,)
    fields = service_fields(functions.LOG_FUNCTION)
    assert fields["classname"] == "local_registrybridge\\external\\get_log_entries"
    assert fields["methodname"] == "execute"
    assert fields["type"] == "read"
    declared = {c.strip() for c in fields["capabilities"].split(",")}
    assert declared == set(contract.LOG_CAPABILITIES)
    # The class named there is where Moodle's autoloader looks for it.
    path = fields["classname"].removeprefix(f"{contract.COMPONENT}\\").replace("\\", "/")
    assert f"classes/{path}.php" == CLASS_FILE
    source = php.read(CLASS_FILE)
    assert "namespace local_registrybridge\\external;" in source
    assert re.search(r"\nclass get_log_entries extends external_api \{", source)


def test_parameters_are_exactly_what_the_connector_sends() -> None:
    source = php.read(CLASS_FILE)
    declared = php.items(php.function_body(source, "execute_parameters"))
    assert [p.key for p in declared] == list(contract.LOG_PARAMETERS)
    by_name = {p.key: p.value for p in declared}
    for name in contract.LOG_PARAMETERS:
        assert _param(by_name[name]) == "PARAM_INT", name
    assert "VALUE_DEFAULT" not in by_name["sinceid"], "sinceid is required"
    assert re.search(r"VALUE_DEFAULT,\s*self::DEFAULT_LIMIT\b", by_name["limit"])
    assert re.search(r"const DEFAULT_LIMIT = 1000;", source)
    for name in ("courseid", "userid"):
        assert re.search(r"VALUE_DEFAULT,\s*0\)", by_name[name]), f"{name} defaults to 0"
    # Moodle passes the parameters positionally, in execute_parameters() order.
    assert php.signature(source, "execute") == list(contract.LOG_PARAMETERS)


def test_return_keys_are_what_the_connector_reads() -> None:
    source = php.read(CLASS_FILE)
    returned = php.items(php.function_body(source, "execute_returns"))
    assert [r.key for r in php.top_level(returned)] == list(contract.LOG_RESULT_KEYS)
    entry = php.children(returned, "entries")
    assert [e.key for e in entry] == list(contract.LOG_ENTRY_FIELDS)
    top = {r.key: r.value for r in php.top_level(returned)}
    assert "new external_multiple_structure(" in top["entries"]
    assert _param(top["lastid"]) == "PARAM_INT"
    assert _param(top["hasmore"]) == "PARAM_BOOL"
    for item in entry:
        nullable = "NULL_ALLOWED" in re.sub(r"NULL_NOT_ALLOWED", "", item.value)
        assert "NULL_NOT_ALLOWED" in item.value or nullable, (
            f"{item.key}: say whether null is allowed"
        )
        assert nullable == (item.key in contract.LOG_NULLABLE_FIELDS), item.key
        expected = (
            "PARAM_INT" if item.key in INT_FIELDS
            else "PARAM_BOOL" if item.key == "anonymous" else "PARAM_RAW"
        )  # fmt: skip
        assert _param(item.value) == expected, item.key


def test_exported_row_has_the_declared_keys() -> None:
    source = php.read(CLASS_FILE)
    exported = php.items(php.function_body(source, "export_row"))
    assert [e.key for e in exported] == list(contract.LOG_ENTRY_FIELDS)
    assert re.search(r"'anonymous' => !empty\(\$row->anonymous\)", source)
    assert re.search(r"'other' => self::other_as_json\(", source)
    result = php.items(php.function_body(source, "execute"))
    assert [r.key for r in result if r.key in contract.LOG_RESULT_KEYS] == list(
        contract.LOG_RESULT_KEYS
    )


def test_function_checks_both_capabilities_at_system_level() -> None:
    body = php.function_body(php.read(CLASS_FILE), "execute")
    assert "self::validate_parameters(self::execute_parameters()" in body
    assert "\\context_system::instance()" in body
    assert "self::validate_context($context)" in body
    for capability in contract.LOG_CAPABILITIES:
        assert f"require_capability('{capability}', $context)" in body, capability


def test_reads_through_the_log_manager_keyset_by_id_with_lag() -> None:
    source = php.read(CLASS_FILE)
    assert "get_log_manager()->get_readers('\\core\\log\\sql_reader')" in source
    assert "\\core\\log\\sql_internal_table_reader" in source
    body = php.function_body(source, "execute")
    assert "'id > :sinceid'" in body
    assert "'id ASC'" in body
    assert "$limit + 1" in body
    assert "time() - self::lag()" in body


def test_settings_defaults_match_the_class() -> None:
    settings = php.read("settings.php")
    source = php.read(CLASS_FILE)
    lag = re.search(r"const DEFAULT_LAG = (\d+);", source)
    maximum = re.search(r"const DEFAULT_MAX_LIMIT = (\d+);", source)
    assert lag and maximum
    assert lag.group(1) == "60"
    assert re.search(
        rf"'local_registrybridge/lag',.*?\n\s*{lag.group(1)}, 1\)\);", settings, re.S
    ), "lag setting default"
    assert re.search(
        rf"'local_registrybridge/maxlimit',.*?\n\s*{maximum.group(1)}, PARAM_INT\)\);",
        settings,
        re.S,
    ), "maxlimit setting default"
    # The connector's default page fits under the plugin's default maximum.
    from connectors.moodle.config import PageSizes

    page = PageSizes.model_fields.get("logs")
    if page is not None and isinstance(page.default, int):
        assert page.default <= int(maximum.group(1))


# --------------------------------------------------------------------------- strings, privacy


def _used_string_keys() -> set[str]:
    keys: set[str] = set()
    for path in php.php_files():
        source = path.read_text(encoding="utf-8")
        keys.update(
            re.findall(
                r"(?:get_string|lang_string)\(\s*'([^']+)',\s*'local_registrybridge'", source
            )
        )
        keys.update(re.findall(r"moodle_exception\(\s*'([^']+)',\s*'local_registrybridge'", source))
    return keys


def test_every_string_the_plugin_uses_exists() -> None:
    strings = php.lang_strings()
    required = {"pluginname", "registrybridge:readlogs", "privacy:metadata:lms_registry_bridge"}
    required |= _used_string_keys()
    missing = sorted(required - strings.keys())
    assert not missing, f"missing language strings: {missing}"
    keys = list(strings)
    assert keys == sorted(keys), "Moodle keeps language strings in alphabetical order"


def test_privacy_provider_declares_the_external_location() -> None:
    source = php.read("classes/privacy/provider.php")
    assert "\\core_privacy\\local\\metadata\\provider" in source
    assert "null_provider" not in source.replace("A null provider", "")
    # Moodle's privacy registry wants a request provider next to the metadata provider.
    assert "\\core_privacy\\local\\request\\plugin\\provider" in source
    assert "add_external_location_link('lms_registry_bridge'" in source
    body = php.function_body(source, "get_metadata")
    fields = re.findall(r"'(\w+)'", body.split("];")[0])
    assert fields, "no exported fields listed"
    assert set(fields) <= set(contract.LOG_ENTRY_FIELDS)
    assert set(contract.LOG_ENTRY_FIELDS) - set(fields) == {"id"}, "every personal field declared"
    strings = php.lang_strings()
    for field in fields:
        assert f"privacy:metadata:lms_registry_bridge:{field}" in strings, field


# --------------------------------------------------------------------------- the bridge's side


class _Recording(dict[str, Any]):
    """A dict that remembers which keys were read."""

    def __init__(self, data: Mapping[str, Any]) -> None:
        super().__init__(data)
        self.read: set[str] = set()

    def get(self, key: str, default: Any = None) -> Any:
        self.read.add(key)
        return super().get(key, default)

    def __getitem__(self, key: str) -> Any:
        self.read.add(key)
        return super().__getitem__(key)

    def __contains__(self, key: object) -> bool:
        if isinstance(key, str):
            self.read.add(key)
        return super().__contains__(key)


def _entry(**overrides: Any) -> dict[str, Any]:
    entry: dict[str, Any] = {
        "id": 7, "eventname": "\\core\\event\\course_viewed", "component": "core",
        "action": "viewed", "target": "course", "objecttable": None, "objectid": None,
        "crud": "r", "edulevel": 2, "contextid": 30, "contextlevel": 50,
        "contextinstanceid": 2, "userid": 5, "courseid": 2, "relateduserid": None,
        "anonymous": False, "other": "null", "timecreated": 1795641382, "origin": "web",
        "ip": "192.0.2.10", "realuserid": None,
    }  # fmt: skip
    entry.update(overrides)
    assert set(entry) == set(contract.LOG_ENTRY_FIELDS)
    return entry


def test_connector_parses_a_plugin_entry_and_reads_only_its_fields() -> None:
    raw = _Recording(_entry(objecttable="assign_submission", objectid=4, relateduserid=6))
    record = parse.parse_log_entry(raw)
    assert record.lms_log_id == 7 and record.object_id == 4 and record.related_user_id == 6
    assert raw.read <= set(contract.LOG_ENTRY_FIELDS), raw.read - set(contract.LOG_ENTRY_FIELDS)
    # ... and uses every one of them.
    assert raw.read == set(contract.LOG_ENTRY_FIELDS)


def test_connector_accepts_every_nullable_field_as_null() -> None:
    nulls = {name: None for name in contract.LOG_NULLABLE_FIELDS}
    record = parse.parse_log_entry(_entry(**nulls))
    assert record.course_id is None and record.ip is None and record.other is None


def test_simulator_implements_the_same_function() -> None:
    from connectors.moodle.simulator.handlers import REGISTRY
    from connectors.moodle.simulator.model import LogRow

    assert list(REGISTRY[functions.LOG_FUNCTION].params) == list(contract.LOG_PARAMETERS)
    assert tuple(f.name for f in dataclasses.fields(LogRow)) == contract.LOG_ENTRY_FIELDS


# --------------------------------------------------------------------------- php -l


@pytest.mark.parametrize("path", php.php_files(), ids=lambda p: str(p.relative_to(php.PLUGIN_DIR)))
def test_php_lint(path: Path) -> None:
    executable = shutil.which("php")
    if executable is None:
        pytest.skip("php is not installed (apt-get install php-cli): php -l not run")
    result = subprocess.run(
        [executable, "-l", str(path)], capture_output=True, text=True, timeout=60, check=False
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "No syntax errors detected" in result.stdout
