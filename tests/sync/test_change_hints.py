"""Change hints: an incremental ``--all-streams`` run reads the gradebook only of the
courses Moodle says changed, and the register it leaves equals a full run's."""

from __future__ import annotations

from urllib.parse import parse_qs

from connectors.moodle.functions import GRADES_FUNCTION
from connectors.moodle.simulator import SimulatedMoodle
from tests.sync.helpers import config_for, reset_register, served, snapshot
from tests.sync.test_sync_simulator import sync_json

#: The gradebook's reads: the user report, or the companion plugin's reader page by page.
GRADEBOOK = {"gradereport_user_get_grade_items", GRADES_FUNCTION}


def record_calls(sim: SimulatedMoodle) -> list[tuple[str, dict[str, list[str]]]]:
    """Every web-service call the site answers from now on: function and form fields."""
    calls: list[tuple[str, dict[str, list[str]]]] = []
    answer = sim.handle

    def handle(method, path, headers=None, body=b""):  # type: ignore[no-untyped-def]
        fields = parse_qs((body or b"").decode())
        calls.append(((fields.get("wsfunction") or [""])[0], fields))
        return answer(method, path, headers, body)

    sim.handle = handle  # type: ignore[method-assign]
    return calls


def gradebook_courses(calls: list[tuple[str, dict[str, list[str]]]]) -> list[int]:
    return sorted({int(fields["courseid"][0]) for name, fields in calls if name in GRADEBOOK})


def regrade_one(sim: SimulatedMoodle) -> int:
    """A teacher changes one assignment grade; the course it belongs to."""
    state = sim.state
    grades = [g for per_user in state.assign_grades.values() for g in per_user.values()]
    newest = max(g.timemodified for g in grades)
    grade = grades[len(grades) // 2]
    grade.grade, grade.timemodified = (grade.grade or 0) + 1, newest + 1
    return state.assignments[grade.assignment].courseid


def test_incremental_run_rereads_only_the_changed_course(tmp_path, db_url) -> None:
    with served("demo") as (sim, url):
        config = config_for(tmp_path, db_url, url, sim.token)
        first = sync_json(config, "--full")
        calls = record_calls(sim)
        quiet = sync_json(config, "--all-streams")
        assert gradebook_courses(calls) == []
        assert quiet["streams"]["gradebook"]["created"] == 0
        assert quiet["requests"] < first["requests"]

        calls.clear()
        course = regrade_one(sim)
        changed = sync_json(config, "--all-streams")
        assert gradebook_courses(calls) == [course]
        assert changed["streams"]["gradebook"]["updated"] >= 1
        incremental = snapshot(db_url)

        reset_register(db_url)
        sync_json(config, "--full")
    assert snapshot(db_url) == incremental
