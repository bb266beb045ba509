"""The companion plugin's gradebook reader (``local_registrybridge_get_grades``) against
what the connector sends and reads, and against the simulator's copy of it."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from connectors.moodle import functions, parse
from connectors.moodle import plugin as contract
from tests.plugin import php
from tests.plugin.test_plugin_contract import assert_declared_as_read_class

CLASS_FILE = "classes/external/get_grades.php"


def _param(value: str) -> str:
    found = re.search(r"\b(PARAM_[A-Z]+)\b", value)
    assert found, f"no PARAM_ type in {value!r}"
    return found.group(1)


def test_declared_where_moodles_autoloader_finds_it() -> None:
    assert_declared_as_read_class(
        functions.GRADES_FUNCTION, CLASS_FILE, contract.GRADES_CAPABILITIES
    )


def test_parameters_are_exactly_what_the_connector_sends() -> None:
    source = php.read(CLASS_FILE)
    declared = php.items(php.function_body(source, "execute_parameters"))
    assert [p.key for p in declared] == list(contract.GRADES_PARAMETERS)
    by_name = {p.key: p.value for p in declared}
    assert all(_param(by_name[n]) == "PARAM_INT" for n in contract.GRADES_PARAMETERS)
    assert "VALUE_DEFAULT" not in by_name["courseid"], "courseid is required"
    assert re.search(r"VALUE_DEFAULT,\s*0\)", by_name["sinceid"])
    assert re.search(r"VALUE_DEFAULT,\s*get_log_entries::DEFAULT_LIMIT\)", by_name["limit"])
    assert php.signature(source, "execute") == list(contract.GRADES_PARAMETERS)


def test_return_keys_are_what_the_connector_reads() -> None:
    source = php.read(CLASS_FILE)
    returned = php.items(php.function_body(source, "execute_returns"))
    assert [r.key for r in php.top_level(returned)] == list(contract.GRADES_RESULT_KEYS)
    items = [i.key for i in php.children(returned, "items")]
    grades = [g.key for g in php.children(returned, "grades")]
    assert items == list(contract.GRADES_ITEM_FIELDS)
    assert grades == list(contract.GRADES_GRADE_FIELDS)
    exported_item = php.items(php.function_body(source, "export_item"))
    exported_grade = php.items(php.function_body(source, "export_grade"))
    assert [e.key for e in exported_item] == list(contract.GRADES_ITEM_FIELDS)
    assert [e.key for e in exported_grade] == list(contract.GRADES_GRADE_FIELDS)


def test_reads_a_bounded_page_of_stored_grades_in_the_course() -> None:
    body = php.function_body(php.read(CLASS_FILE), "execute")
    assert "\\context_course::instance($params['courseid'])" in body
    assert "self::validate_context($context)" in body
    assert "require_capability('moodle/grade:viewall', $context)" in body
    assert "has_capability('moodle/grade:viewhidden', $context)" in body
    assert "gg.id > :sinceid" in body and "ORDER BY gg.id ASC" in body
    assert "$limit + 1" in body and "get_log_entries::max_limit()" in body
    assert "gg.finalgrade IS NOT NULL OR gg.feedback IS NOT NULL" in body
    assert "grade_regrade_final_grades($params['courseid'])" in body  # as the user report


def _grade(**overrides: object) -> dict[str, object]:
    grade = {"id": 41, "itemid": 7, "userid": 5, "finalgrade": 8.5, "feedback": "Hyvä",
             "dategraded": 1795641382, "hidden": False, "overridden": True}  # fmt: skip
    grade.update(overrides)
    assert set(grade) == set(contract.GRADES_GRADE_FIELDS)
    return grade


def test_the_connector_parses_an_item_and_a_grade_as_the_report_path_does() -> None:
    item = {"id": 7, "itemname": "Essee", "itemtype": "mod", "itemmodule": "assign",
            "iteminstance": 3, "grademax": 10, "grademin": 0}  # fmt: skip
    assert set(item) == set(contract.GRADES_ITEM_FIELDS)
    cell = {**item, "graderaw": 8.5, "feedback": "Hyvä", "gradedategraded": 1795641382,
            "gradeishidden": False, "gradeisoverridden": True}  # fmt: skip
    from_report = parse.parse_gradebook_row(cell, course_id=2, user_id=5)
    from_plugin = [
        parse.parse_gradebook_row(item, course_id=2, shape="item"),
        parse.parse_gradebook_row(_grade(), course_id=2, shape="grade"),
    ]
    assert from_report == from_plugin  # the same records, whichever way they were read
    empty = parse.parse_gradebook_row(_grade(finalgrade=None, feedback=None), course_id=2,
                                      shape="grade")
    assert empty.grade is None and empty.feedback is None  # type: ignore[union-attr]


def test_simulator_implements_the_same_function() -> None:
    from connectors.moodle.simulator.handlers import REGISTRY

    assert list(REGISTRY[functions.GRADES_FUNCTION].params) == list(contract.GRADES_PARAMETERS)


LIVE = Path(__file__).resolve().parents[1] / "fixtures" / "moodle-live"


def _recorded(case: str) -> dict[str, Any]:
    path = LIVE / f"{functions.GRADES_FUNCTION}__{case}.json"
    return json.loads(path.read_text(encoding="utf-8"))["response"]["json"]


def test_pages_recorded_on_a_real_moodle_keep_the_contract_and_parse() -> None:
    first, following = _recorded("first_page"), _recorded("next_page")
    for page in (first, following):
        assert list(page) == list(contract.GRADES_RESULT_KEYS)
        for grade in page["grades"]:
            assert list(grade) == list(contract.GRADES_GRADE_FIELDS)
            parse.parse_gradebook_row(grade, course_id=2, shape="grade")
        assert page["grades"] and page["lastid"] == page["grades"][-1]["id"]
    assert first["items"] and not following["items"]  # the items come with the first page
    assert first["hasmore"] and following["grades"][0]["id"] > first["lastid"]
    for item in first["items"]:
        assert list(item) == list(contract.GRADES_ITEM_FIELDS)
        parse.parse_gradebook_row(item, course_id=2, shape="item")


def test_the_simulator_answers_in_the_recorded_shape() -> None:
    from connectors.moodle.simulator import SimulatedMoodle

    sim = SimulatedMoodle("tiny", seed=1)
    course = next(c for c, items in sim.state.course_items.items() if items)
    answer = sim.call(functions.GRADES_FUNCTION, courseid=course, limit=3)
    recorded = _recorded("first_page")
    assert list(answer) == list(recorded)
    assert [list(i) for i in answer["items"][:1]] == [list(recorded["items"][0])]
    assert [list(g) for g in answer["grades"][:1]] == [list(recorded["grades"][0])]
