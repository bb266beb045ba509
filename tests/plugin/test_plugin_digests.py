"""The companion plugin's fingerprints (``local_registrybridge_get_digests``) against what
the connector reads and against the simulator's copy: every table a stream depends on is
fingerprinted by both, and the answer is what the connector parses."""

from __future__ import annotations

import json
import re
from pathlib import Path

from connectors.moodle import functions
from connectors.moodle import plugin as contract
from connectors.moodle.digests import STREAM_TABLES, TableDigests
from connectors.moodle.parse import SiteInfo
from connectors.moodle.simulator.handlers.digests import _TABLES as SIMULATED_TABLES
from tests.plugin import php
from tests.plugin.recorded import Answering
from tests.plugin.test_plugin_contract import assert_declared_as_read_class

CLASS_FILE = "classes/external/get_digests.php"
LIVE = Path(__file__).resolve().parents[1] / "fixtures" / "moodle-live"


def _php_tables() -> list[str]:
    """The keys of the class's TABLES constant, in order."""
    source = php.read(CLASS_FILE)
    body = source[source.index("protected const TABLES = ["):source.index("];", source.index(
        "protected const TABLES = ["))]
    return re.findall(r"^        '(\w+)' => \[", body, re.M)


def test_declared_where_moodles_autoloader_finds_it() -> None:
    assert_declared_as_read_class(
        functions.DIGEST_FUNCTION, CLASS_FILE, contract.DIGEST_CAPABILITIES
    )


def test_no_parameters_and_the_keys_the_connector_reads() -> None:
    source = php.read(CLASS_FILE)
    assert php.items(php.function_body(source, "execute_parameters")) == []
    assert php.signature(source, "execute") == []
    returned = php.items(php.function_body(source, "execute_returns"))
    assert [r.key for r in php.top_level(returned)] == list(contract.DIGEST_RESULT_KEYS)
    assert [d.key for d in php.children(returned, "digests")] == list(contract.DIGEST_ENTRY_FIELDS)


def test_checks_its_capability_at_system_level() -> None:
    body = php.function_body(php.read(CLASS_FILE), "execute")
    assert "context_system::instance()" in body and "self::validate_context($context)" in body
    (capability,) = contract.DIGEST_CAPABILITIES
    assert f"require_capability('{capability}', $context)" in body


def test_every_table_a_stream_depends_on_is_fingerprinted_by_plugin_and_simulator() -> None:
    needed = {table for tables in STREAM_TABLES.values() for table in tables}
    assert set(_php_tables()) == needed
    assert set(SIMULATED_TABLES) == needed


def test_the_caller_is_left_out_of_the_tables_its_own_calls_change() -> None:
    source = php.read(CLASS_FILE)
    for table, column in (("user", "id"), ("user_lastaccess", "userid")):
        declared = rf"^        '{table}' => \[[^\n]*(\n {{12}}[^\n]*)*'caller' => '{column}'\]"
        assert re.search(declared, source, re.M)


def test_the_answer_recorded_on_a_real_moodle_is_read_and_keeps_the_contract() -> None:
    recorded = json.loads((LIVE / f"{functions.DIGEST_FUNCTION}__normal.json").read_text(
        encoding="utf-8"))["response"]["json"]
    assert list(recorded) == list(contract.DIGEST_RESULT_KEYS)
    assert all(list(entry) == list(contract.DIGEST_ENTRY_FIELDS) for entry in recorded["digests"])
    client = Answering(recorded)
    site = SiteInfo(site_id=1, service_user_id=9, functions=frozenset({functions.DIGEST_FUNCTION}))
    tables = TableDigests(client, lambda: site).tables()  # type: ignore[arg-type]
    assert tables is not None and set(tables) == set(_php_tables())
    assert client.calls == 1
    assert TableDigests(client, lambda: site).tables() == tables  # the same site, the same

