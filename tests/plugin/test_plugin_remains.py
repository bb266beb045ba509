"""The companion plugin's ``local_registrybridge_get_user_remains`` against what the
connector reads, the simulator's copy and the answer recorded on a real Moodle 4.5 after a
privacy request completed: places, keys and types agree, and the connector hands the
counts up in ``LmsState.remains``."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

from connectors.base import LmsState
from connectors.moodle import functions
from connectors.moodle import plugin as contract
from connectors.moodle.parse import SiteInfo
from connectors.moodle.remains import parse_remains, with_remains
from connectors.moodle.simulator import SimulatedMoodle
from tests.plugin import php
from tests.plugin.recorded import Answering
from tests.plugin.test_plugin_contract import assert_declared_as_read_class

CLASS_FILE = "classes/external/get_user_remains.php"
LIVE = Path(__file__).resolve().parents[1] / "fixtures" / "moodle-live"
FUNCTION = functions.REMAINS_FUNCTION


def _recorded(case: str) -> Any:
    path = LIVE / f"{FUNCTION}__{case}.json"
    return json.loads(path.read_text(encoding="utf-8"))["response"]["json"]


def _php_places() -> list[str]:
    source = php.read(CLASS_FILE)
    start = source.index("protected const PLACES = [")
    return re.findall(r"^        '(\w+)' => \[", source[start:source.index("];", start)], re.M)


def test_declared_where_moodles_autoloader_finds_it() -> None:
    assert_declared_as_read_class(FUNCTION, CLASS_FILE, contract.REMAINS_CAPABILITIES)
    assert FUNCTION in functions.PLUGIN_FUNCTIONS and FUNCTION in functions.all_functions()


def test_one_parameter_and_the_keys_the_connector_reads() -> None:
    source = php.read(CLASS_FILE)
    parameters = php.items(php.function_body(source, "execute_parameters"))
    assert [p.key for p in parameters] == list(contract.REMAINS_PARAMETERS)
    assert php.signature(source, "execute") == list(contract.REMAINS_PARAMETERS)
    returned = php.items(php.function_body(source, "execute_returns"))
    assert [r.key for r in php.top_level(returned)] == list(contract.REMAINS_RESULT_KEYS)
    assert [p.key for p in php.children(returned, "places")] == list(
        contract.REMAINS_PLACE_FIELDS)
    assert [u.key for u in php.children(returned, "user")] == list(contract.REMAINS_USER_FIELDS)
    assert _php_places() == list(contract.REMAINS_PLACES)


def test_checks_its_capability_at_system_level_and_changes_nothing() -> None:
    source = php.read(CLASS_FILE)
    body = php.function_body(source, "execute")
    assert "context_system::instance()" in body and "self::validate_context($context)" in body
    (capability,) = contract.REMAINS_CAPABILITIES
    assert f"require_capability('{capability}', $context)" in body
    masked = php.mask(source)
    for write in ("insert_record", "update_record", "delete_record", "set_field", "->execute("):
        assert write not in masked, write
    # Counts and flags only: no column value of the user row leaves the function.
    assert re.search(r"'(username|email|firstname)' =>", php.function_body(source, "user_row")) \
        is None


def test_the_simulator_answers_in_the_shape_moodle_answered() -> None:
    recorded = _recorded("after_privacy_request_completed")
    sim = SimulatedMoodle("sample-site")
    answer = sim.call(FUNCTION, userid=5)
    assert list(answer) == list(recorded) == list(contract.REMAINS_RESULT_KEYS)
    assert [p["place"] for p in answer["places"]] == [p["place"] for p in recorded["places"]]
    assert all(list(p) == list(contract.REMAINS_PLACE_FIELDS) for p in answer["places"])
    assert {k: type(v) for k, v in answer["user"].items()} == {
        k: type(v) for k, v in recorded["user"].items()}
    assert parse_remains(answer, 5)["user_row"] is True


def test_the_real_answer_after_a_completed_privacy_request_is_read() -> None:
    """Moodle 4.5, learner 6 after request status 10: the log store's fault left 14 rows by
    userid; 22 rows of others' actions name them, the deletion event among them."""
    remains = parse_remains(_recorded("after_privacy_request_completed"), 6)
    assert remains["log_userid"] == 14 and remains["log_relateduserid"] == 22
    assert remains["log_deletion_event"] == 1 and remains["forum_posts_blanked"] == 1
    assert remains["submissions"] == remains["grade_grades"] == remains["messages_sent"] == 0
    assert remains["user_deleted"] is True and remains["user_username_anonymised"] is False
    assert remains["user_email_anonymised"] is True and remains["user_profile_fields_kept"] == 3
    before = parse_remains(_recorded("live_user_before_erasure"), 5)
    assert before["user_deleted"] is False and before["submissions"] > 0


def test_an_answer_about_another_user_or_missing_places_is_refused() -> None:
    recorded = _recorded("after_privacy_request_completed")
    with pytest.raises(ValueError):
        parse_remains(recorded, 7)
    with pytest.raises(ValueError):
        parse_remains({**recorded, "places": recorded["places"][1:]}, 6)



def test_the_connector_hands_the_counts_up_only_where_the_service_has_the_function() -> None:
    client = Answering(_recorded("after_privacy_request_completed"))
    gone = LmsState(6, exists=False)
    with_function = SiteInfo(site_id=1, service_user_id=9, functions=frozenset({FUNCTION}))
    read = with_remains(client, lambda: with_function, gone)  # type: ignore[arg-type]
    assert read.remains is not None and read.remains["log_userid"] == 14
    assert (read.exists, client.calls) == (False, 1)
    without = SiteInfo(site_id=1, service_user_id=9, functions=frozenset())
    assert with_remains(client, lambda: without, gone).remains is None  # type: ignore[arg-type]
    assert client.calls == 1
