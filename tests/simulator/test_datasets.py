"""Generated sites are deterministic, plausible, and answer in the recorded shapes."""

from __future__ import annotations

import hashlib
import re
import time
from typing import Any

import pytest

from connectors.moodle.simulator import SimulatedMoodle, build_dataset
from connectors.moodle.simulator.access import ROLE_IDS
from connectors.moodle.simulator.handlers.site import _entry
from connectors.moodle.simulator.state import SiteState
from tests.simulator import scenarios
from tests.simulator.shapes import differences, merge, shape_of

NOW = 1_800_000_000


def fingerprint(state: SiteState) -> str:
    parts: list[Any] = [
        [(u.id, u.username, u.firstname, u.lastname, u.email, u.suspended, u.auth, u.city,
          sorted(u.customfields.items())) for u in state.users.values()],
        [(c.id, c.shortname, c.visible) for c in state.courses.values()],
        [(e.userid, e.courseid, e.roleid, e.method, e.status, e.timeend)
         for e in state.enrolments.values()],
        [(s.id, s.userid, s.status, s.timemodified, s.text) for a in state.submissions.values()
         for s in a.values()],
        [(g.id, g.userid, g.grade) for a in state.assign_grades.values() for g in a.values()],
        [(m.id, m.useridfrom, m.timecreated) for ms in state.messages.values() for m in ms],
        [(r.id, r.eventname, r.timecreated) for r in state.logs],
    ]
    return hashlib.sha256(repr(parts).encode()).hexdigest()


@pytest.mark.parametrize("size", ["tiny", "demo", "sample-site", "bench-real"])
def test_the_same_seed_builds_the_same_site(size: str) -> None:
    assert fingerprint(build_dataset(size, 5, now=NOW)) == fingerprint(
        build_dataset(size, 5, now=NOW))


def test_another_seed_builds_another_site() -> None:
    assert fingerprint(build_dataset("demo", 1, now=NOW)) != fingerprint(
        build_dataset("demo", 2, now=NOW))


@pytest.mark.parametrize("size", ["tiny", "demo", "sample-site"])
def test_every_site_has_guest_admin_and_a_webservice_account(size: str) -> None:
    state = build_dataset(size, now=NOW)
    assert (state.users[1].username, state.users[2].username) == ("guest", "admin")
    service = state.users[state.service_userid]
    assert (service.username, service.auth) == ("bridge_svc", "webservice")


def test_the_demo_site_has_what_the_demo_needs() -> None:
    state = build_dataset("demo", now=NOW)
    people = [u for u in state.users.values() if u.id > 3]
    assert 45 <= len(state.users) <= 55
    assert len(state.courses) == 6  # five courses and the front page
    teachers = {e.userid for e in state.enrolments.values() if e.roleid in (3, 4)}
    assert len(teachers) == 2
    for user in people:
        assert re.fullmatch(r"[a-z]+\.[a-z]+\d*", user.username), user.username
        assert user.email == f"{user.username}@example.fi"
    assert len({u.username for u in people}) == len(people)
    submissions = [s for a in state.submissions.values() for s in a.values()]
    assert submissions and all(s.text.startswith("<p>") for s in submissions)
    assert any(a for a in state.assign_grades.values())
    assert any(c.type == 1 and set(c.members) & teachers and state.messages[c.id]
               for c in state.conversations.values())
    assert len(state.logs) > 100


def test_every_enrolment_state_exists_even_on_the_tiny_site() -> None:
    state = build_dataset("tiny", now=NOW)
    enrolments = list(state.enrolments.values())
    assert any(e.status == 1 for e in enrolments)
    assert any(0 < e.timeend < NOW for e in enrolments)
    assert any(u.suspended for u in state.users.values())
    assert any(u.auth == "nologin" for u in state.users.values())


@pytest.mark.slow
def test_the_10k_benchmark_site_is_quick_to_build() -> None:
    started = time.perf_counter()
    state = build_dataset("bench-10k", now=NOW)
    assert time.perf_counter() - started < 10
    assert len(state.users) > 10_000 and len(state.courses) == 51


# -------------------------------------------------- bench-real: the measured site as data

#: The real Moodle 4.5 that ``bench-real`` is shaped like (seeded, then grown with Moodle's
#: test-course generator): grade rows are its ``grade_grades``, one per item of the course
#: for each learner with any grade.
REAL_SITE = {"users": 1_023, "enrolments": 2_454, "submissions": 10_874, "messages": 731,
             "grade_rows": 103_333, "logs": 32_137}


@pytest.fixture(scope="module")
def bench_real() -> SiteState:
    return build_dataset("bench-real", now=NOW)


def learners(state: SiteState) -> dict[str, list[int]]:
    student = ROLE_IDS["student"]
    return {course.shortname: sorted(u for u, es in state.course_enrolments[course.id].items()
                                     if any(e.roleid == student for e in es))
            for course in state.courses.values() if course.id != 1}


def test_bench_real_has_the_courses_of_the_measured_site(bench_real: SiteState) -> None:
    state = bench_real
    by_course = learners(state)
    seeded = learners(build_dataset("sample-site", now=NOW))
    assert list(by_course) == [*seeded, "PERFM1", "PERFM2", "PERFS1", "PERFS2", "PERFS3",
                               "PERFS4"]
    assert all(by_course[short] == seeded[short] for short in seeded)
    big = by_course["PERFM1"]
    assert len(big) == 1_000 and by_course["PERFM2"] == big
    assert all(state.users[u].username.startswith("tool_generator_") for u in big)
    for short in ("PERFS1", "PERFS2", "PERFS3", "PERFS4"):
        assert by_course[short] == big[:100]
    assignments = {c.shortname: len(state.course_assignments(c.id))
                   for c in state.courses.values() if c.id != 1}
    assert [assignments[f"PERFM{n}"] for n in (1, 2)] == [100, 100]
    assert [assignments[f"PERFS{n}"] for n in (1, 2, 3, 4)] == [10] * 4
    perfm1 = next(c for c in state.courses.values() if c.shortname == "PERFM1")
    assert len(state.course_items[perfm1.id]) == 101  # 100 assignments and the course total


def test_bench_real_counts_are_those_of_the_measured_site(bench_real: SiteState) -> None:
    state = bench_real
    graded: dict[int, set[int]] = {}
    for assignment in state.assignments.values():
        graded.setdefault(assignment.courseid, set()).update(state.assign_grades[assignment.id])
    for itemid, userid in state.gradebook:
        graded.setdefault(state.grade_items[itemid].courseid, set()).add(userid)
    counts = {
        "users": len(state.users), "enrolments": len(state.enrolments),
        "submissions": sum(len(s) for s in state.submissions.values()),
        "messages": sum(len(m) for m in state.messages.values()),
        "grade_rows": sum(len(users) * len(state.course_items[courseid])
                          for courseid, users in graded.items()),
    }
    for name, count in counts.items():
        assert count == pytest.approx(REAL_SITE[name], rel=0.01), name
    # The real log also holds the generator's other modules and the calls made to the site.
    assert REAL_SITE["logs"] / 3 < len(state.logs) < REAL_SITE["logs"]


def test_bench_real_gradebook_reads_are_as_large_as_the_real_ones() -> None:
    sim = SimulatedMoodle("bench-real", now=NOW, clock=lambda: NOW + 60)
    course = next(c.id for c in sim.state.courses.values() if c.shortname == "PERFM1")
    learner = learners(sim.state)["PERFM1"][0]
    report = sim.call("gradereport_user_get_grade_items", courseid=course, userid=learner)
    assert len(report["usergrades"][0]["gradeitems"]) == 101
    rows, since, hasmore = [], 0, True
    while hasmore:
        page = sim.call("local_registrybridge_get_grades", courseid=course, sinceid=since,
                        limit=2_000)
        rows += page["grades"]
        since, hasmore = page["lastid"], page["hasmore"]
    assert len(rows) == 500 * 6  # every second learner: 5 assignment grades and the total
    assert {r["userid"] for r in rows} == set(learners(sim.state)["PERFM1"][::2])


def test_log_entries_have_the_log_store_columns() -> None:
    columns = [c["column_name"] for c in
               scenarios.load("logstore_standard_log__rows")["response"]["json"]["columns"]]
    state = build_dataset("tiny", now=NOW)
    assert list(_entry(state.logs[0])) == columns


# -------------------------------------------------- generated data in the recorded shapes


def recorded_shape(function: str) -> Any:
    """The merged shape of every successful recorded answer of a function."""
    answers = [scenarios.load(p.stem)["response"].get("json")
               for p in sorted(scenarios.FIXTURES.glob(f"{function}__*.json"))]
    shapes = [shape_of(a) for a in answers
              if a is not None and not (isinstance(a, dict) and "exception" in a)]
    merged = shapes[0]
    for shape in shapes[1:]:
        merged = merge(merged, shape)
    return merged


def demo_calls(sim: SimulatedMoodle) -> list[tuple[str, dict[str, Any]]]:
    state = sim.state
    courses = [c for c in state.courses if c != 1]
    plain = [a.id for a in state.assignments.values() if not a.file_submissions]
    teacher = min(e.userid for e in state.enrolments.values() if e.roleid == 3)
    conversation = next(c.id for c in state.conversations.values() if c.type == 1)
    sim.call("tool_dataprivacy_create_data_request", type=2, foruserid=max(state.users))
    return [
        ("core_webservice_get_site_info", {}),
        ("core_user_get_users_by_field", {"field": "id", "values": list(state.users)}),
        ("core_user_get_users", {"criteria": [{"key": "email", "value": "%"}]}),
        ("core_course_get_courses_by_field", {}),
        *[("core_enrol_get_enrolled_users", {"courseid": c}) for c in courses],
        *[("gradereport_user_get_grade_items", {"courseid": c}) for c in courses],
        ("mod_assign_get_assignments", {"courseids": courses, "includenotenrolledcourses": 1}),
        ("mod_assign_get_submissions", {"assignmentids": plain}),
        ("mod_assign_get_grades", {"assignmentids": list(state.assignments)}),
        ("core_message_get_conversations", {"userid": teacher}),
        ("core_message_get_conversation_messages", {"currentuserid": teacher,
                                                    "convid": conversation}),
        ("tool_dataprivacy_get_data_requests", {}),
        ("tool_dataprivacy_get_access_information", {}),
    ]


def test_the_demo_site_answers_in_the_recorded_shapes() -> None:
    sim = SimulatedMoodle("demo", now=NOW, clock=lambda: NOW + 60)
    problems = []
    for function, params in demo_calls(sim):
        answer = sim.call(function, **params)
        problems += [f"{function}: {p}" for p in
                     differences(recorded_shape(function), shape_of(answer))]
    assert not problems, "\n".join(problems)


def test_file_submissions_carry_external_files() -> None:
    sim = SimulatedMoodle("demo", now=NOW)
    with_files = [a.id for a in sim.state.assignments.values() if a.file_submissions]
    answer = sim.call("mod_assign_get_submissions", assignmentids=with_files)
    files = [f for a in answer["assignments"] for s in a["submissions"] for p in s["plugins"]
             if p["type"] == "file" for area in p["fileareas"] for f in area["files"]]
    assert files and set(files[0]) == {"filename", "filepath", "filesize", "fileurl",
                                       "timemodified", "mimetype", "isexternalfile"}


def test_the_sample_site_holds_the_recorded_messages() -> None:
    """8 one-to-one, 4 in the group conversation, 2 self notes; two deleted by one side."""
    state = build_dataset("sample-site", now=NOW)
    by_type: dict[int, set[int]] = {1: set(), 2: set(), 3: set()}
    for conversation in state.conversations.values():
        by_type[conversation.type] |= {m.id for m in state.messages[conversation.id]}
    assert by_type == {1: {1, 2, 3, 4, 5, 6, 7, 10}, 2: {9, 11, 12, 13}, 3: {8, 14}}
    assert state.conversations[29].members == (3, 5, 8, 6)
    assert state.message_deletions == {(5, 2), (3, 9)}
    sim = SimulatedMoodle("sample-site", now=NOW, clock=lambda: NOW + 60)
    teacher = sim.call("core_message_get_conversation_messages", currentuserid=3, convid=29)
    student = sim.call("core_message_get_conversation_messages", currentuserid=8, convid=29)
    assert [m["id"] for m in teacher["messages"]] == [11, 12, 13]  # as recorded
    assert [m["id"] for m in student["messages"]] == [9, 11, 12, 13]
