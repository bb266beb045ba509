"""The gradebook through the companion plugin's reader: every course in pages the bridge
bounds (``page_sizes.grades``), never the user report whose cost grows with the course;
the same grades as the user report gives, and those of learners whose enrolment is
suspended or has ended too (issue 26, item 1)."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest
import sqlalchemy as sa

from bridge.store.db import make_engine
from connectors.moodle.functions import GRADES_FUNCTION
from tests.sync.helpers import config_for, reset_register, served
from tests.sync.test_change_hints import record_calls
from tests.sync.test_sync_simulator import sync_json

pytestmark = [pytest.mark.registry, pytest.mark.slow]

REPORT = "gradereport_user_get_grade_items"
PAGE = 7
GRADE_COLUMNS = ("lms_item_id", "lms_user_id", "lms_course_id", "grade", "feedback",
                 "graded_at", "hidden", "overridden")  # fmt: skip


def grades(db_url: str) -> set[tuple[object, ...]]:
    engine = make_engine(db_url)
    try:
        with engine.connect() as connection:
            table = sa.table("lms_grades", *map(sa.column, GRADE_COLUMNS))
            return {tuple(row) for row in connection.execute(sa.select(table))}
    finally:
        engine.dispose()


def test_grades_come_in_bounded_pages_and_match_the_user_report(
    tmp_path: Path, db_url: str
) -> None:
    with served("demo") as (sim, url):
        state = sim.state
        graded = next(g for per_user in state.assign_grades.values() for g in per_user.values()
                      if g.grade is not None)
        course = state.assignments[graded.assignment].courseid
        sim.suspend_enrolment(graded.userid, course)  # the report leaves this learner out
        config = config_for(tmp_path, db_url, url, sim.token,
                            connector_extra=f"page_sizes = {{ grades = {PAGE} }}\n")

        calls = record_calls(sim)
        sync_json(config, "--full", "--streams", "gradebook")
        stored = grades(db_url)
        assert not [name for name, _ in calls if name == REPORT]
        pages = [fields for name, fields in calls if name == GRADES_FUNCTION]
        assert {f["limit"][0] for f in pages} == {str(PAGE)}
        per_course = Counter(f["courseid"][0] for f in pages)
        assert max(per_course.values()) > 1  # a course's grades came in several pages
        assert set(per_course) == {str(c) for c, items in state.course_items.items() if items}

        reset_register(db_url)
        sim.remove_function(GRADES_FUNCTION)  # a service without the reader: the report
        calls.clear()
        sync_json(config, "--full", "--streams", "gradebook")
        reported = grades(db_url)
        assert [name for name, _ in calls if name == REPORT]

    assert reported and reported < stored  # every reported grade, the same values
    only_stored = stored - reported
    assert (graded.assignment, graded.userid) != ()
    assert any(row[1] == graded.userid and row[2] == course for row in only_stored)
    active = {
        (c, u) for c, per_user in state.course_enrolments.items() for u, enrolments in
        per_user.items() if any(e.is_active(state.now()) for e in enrolments)
    }  # fmt: skip
    assert not any((row[2], row[1]) in active and row[1] != graded.userid for row in only_stored)
