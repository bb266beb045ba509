"""A seeded Canvas account: users with logins, courses, enrolments, work, talk and clicks.

Sizes follow Moodle's simulator (``tiny``, ``demo`` and ``bench-10k``: 10,000 learners in
50 courses) so that benchmarks of the two connectors compare like with like. Every object
carries the fields Canvas's JSON has for it (``lib/api/v1/*.rb``), as plain dicts that the
simulator serves as they are.
"""

from __future__ import annotations

import random
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

Obj = dict[str, Any]

ACCOUNT_ID = 1
#: The integration user whose token the bridge uses (an account admin, not a person).
ADMIN_ID = 1
ADMIN_LOGIN = "bridge-integration"
EPOCH = datetime(2026, 9, 1, 8, 0, tzinfo=UTC)
FIRST = ("Aino", "Eero", "Helmi", "Juho", "Kaisa", "Lauri", "Maija", "Olli", "Saara", "Ville")
LAST = ("Virtanen", "Korhonen", "Mäkinen", "Nieminen", "Hämäläinen", "Laine", "Heikkinen")


@dataclass(frozen=True)
class Size:
    students: int
    teachers: int
    courses: int
    assignments_per_course: int
    conversations_per_teacher: int
    page_views_per_student: int


SIZES: dict[str, Size] = {
    "tiny": Size(6, 1, 2, 2, 2, 3),
    "demo": Size(45, 2, 5, 3, 5, 4),
    "bench-10k": Size(10_000, 25, 50, 3, 8, 2),
}


def when(minutes: int) -> str:
    """Canvas's ISO-8601 UTC form of a time ``minutes`` after the dataset's start."""
    return (EPOCH + timedelta(minutes=minutes)).strftime("%Y-%m-%dT%H:%M:%SZ")


@dataclass
class Account:
    """Everything the simulated account holds, by id."""

    name: str = "Example Institute"
    users: dict[int, Obj] = field(default_factory=dict)
    logins: dict[int, Obj] = field(default_factory=dict)
    courses: dict[int, Obj] = field(default_factory=dict)
    enrollments: dict[int, Obj] = field(default_factory=dict)
    assignments: dict[int, Obj] = field(default_factory=dict)
    submissions: dict[int, Obj] = field(default_factory=dict)
    conversations: dict[int, Obj] = field(default_factory=dict)
    page_views: dict[int, list[Obj]] = field(default_factory=dict)
    #: Account reports by id, and their finished files by attachment id.
    reports: dict[int, Obj] = field(default_factory=dict)
    files: dict[int, bytes] = field(default_factory=dict)
    #: Status reads a report answers ``running`` before it is ``complete``.
    report_polls: int = 1
    next_id: int = 1000
    _index: dict[tuple[str, str], dict[Any, list[Obj]]] = field(default_factory=dict)

    def by(self, table: str, key: str, value: Any) -> list[Obj]:
        """The rows of ``table`` whose ``key`` is ``value`` (an index built on first use,
        so a bench-sized account answers per-user and per-course listings at once)."""
        index = self._index.get((table, key))
        if index is None:
            index = {}
            for _, row in sorted(getattr(self, table).items()):
                index.setdefault(row[key], []).append(row)
            self._index[(table, key)] = index
        return index.get(value, [])

    def changed(self) -> None:
        """Rows were added or removed: the indexes are built again on next use."""
        self._index.clear()

    def new_id(self) -> int:
        self.next_id += 1
        return self.next_id

    def add_user(self, user_id: int, first: str, last: str, login: str, email: str,
                 last_login: str | None) -> Obj:
        user = {"id": user_id, "name": f"{first} {last}", "sortable_name": f"{last}, {first}",
                "short_name": f"{first} {last}", "first_name": first, "last_name": last,
                "sis_user_id": f"SIS{user_id:06d}", "integration_id": None,
                "login_id": login, "email": email, "last_login": last_login,
                "workflow_state": "registered", "locale": None, "created_at": when(0)}
        self.users[user_id] = user
        login_id = self.new_id()
        self.logins[login_id] = {
            "id": login_id, "user_id": user_id, "account_id": ACCOUNT_ID, "unique_id": login,
            "sis_user_id": user["sis_user_id"], "integration_id": None,
            "authentication_provider_id": None, "authentication_provider_type": None,
            "workflow_state": "active", "declared_user_type": None, "created_at": when(0)}
        return user

    def enrol(self, course_id: int, user_id: int, kind: str, state: str = "active") -> Obj:
        enrollment_id = self.new_id()
        enrollment: Obj = {
            "id": enrollment_id, "course_id": course_id, "user_id": user_id, "type": kind,
            "role": kind, "role_id": 3 if kind == "StudentEnrollment" else 4,
            "enrollment_state": state, "course_section_id": course_id,
            "root_account_id": ACCOUNT_ID, "created_at": when(0), "updated_at": when(0),
            "last_activity_at": when(60) if state == "active" else None,
            "start_at": None, "end_at": None, "total_activity_time": 0,
            "html_url": f"/courses/{course_id}/users/{user_id}"}
        if kind == "StudentEnrollment":
            enrollment["grades"] = {"html_url": f"/courses/{course_id}/grades/{user_id}",
                                    "current_score": None, "final_score": None,
                                    "current_grade": None, "final_grade": None}
        self.enrollments[enrollment_id] = enrollment
        return enrollment


def build_account(size: str = "tiny", seed: int = 1) -> Account:
    """The seeded account of ``size``: the same seed always gives the same account."""
    spec = SIZES[size]
    rng = random.Random(seed)
    account = Account()
    account.add_user(ADMIN_ID, "Integration", "User", ADMIN_LOGIN, "bridge@example.org", None)
    teachers = [_person(account, 100 + n, rng, "teacher") for n in range(spec.teachers)]
    students = [_person(account, 10_000 + n, rng, "student") for n in range(spec.students)]
    for c in range(spec.courses):
        course_id = 200 + c
        account.courses[course_id] = {
            "id": course_id, "name": f"Course {c + 1}", "course_code": f"C{c + 1:03d}",
            "account_id": ACCOUNT_ID, "root_account_id": ACCOUNT_ID, "start_at": when(0),
            "end_at": when(60 * 24 * 120), "workflow_state": "available",
            "term": {"id": 1, "name": "Default Term", "start_at": None, "end_at": None},
            "uuid": str(uuid.UUID(int=rng.getrandbits(128))), "enrollment_term_id": 1,
            "grading_standard_id": None, "sis_course_id": None, "created_at": when(0)}
        account.enrol(course_id, teachers[c % len(teachers)]["id"], "TeacherEnrollment")
    for n, student in enumerate(students):
        course_ids = sorted(rng.sample(sorted(account.courses), min(2, spec.courses)))
        for k, course_id in enumerate(course_ids[: 1 + n % 2]):
            state = "active" if (n + k) % 9 else rng.choice(("invited", "inactive", "completed"))
            account.enrol(course_id, student["id"], "StudentEnrollment", state)
    _work(account, spec, rng)
    _talk(account, spec, teachers, rng)
    _clicks(account, spec, students, rng)
    return account


def _person(account: Account, user_id: int, rng: random.Random, kind: str) -> Obj:
    first, last = rng.choice(FIRST), rng.choice(LAST)
    login = f"{first}.{last}.{user_id}".lower()
    return account.add_user(user_id, first, last, login, f"{login}@example.org",
                            when(rng.randrange(60 * 24 * 30)) if kind else None)


def _work(account: Account, spec: Size, rng: random.Random) -> None:
    for course_id in sorted(account.courses):
        for a in range(spec.assignments_per_course):
            assignment_id = account.new_id()
            account.assignments[assignment_id] = {
                "id": assignment_id, "course_id": course_id, "name": f"Assignment {a + 1}",
                "due_at": when(60 * 24 * (7 + 7 * a)), "lock_at": None, "unlock_at": None,
                "points_possible": 10.0, "grading_type": "points",
                "submission_types": ["online_text_entry"], "anonymous_grading": False,
                "group_category_id": None, "updated_at": when(a), "created_at": when(0),
                "published": True, "assignment_group_id": course_id,
                "description": f"<p>Write about topic {a + 1}.</p>",
                "html_url": f"/courses/{course_id}/assignments/{assignment_id}"}
        learners = [e for e in account.enrollments.values()
                    if e["course_id"] == course_id and e["type"] == "StudentEnrollment"]
        course_assignments = [x for x in account.assignments.values()
                              if x["course_id"] == course_id]
        for enrollment in learners:
            total = 0.0
            for assignment in course_assignments:
                graded = rng.random() < 0.5
                score = float(rng.randrange(4, 11)) if graded else None
                total += score or 0.0
                submission_id = account.new_id()
                account.submissions[submission_id] = {
                    "id": submission_id, "assignment_id": assignment["id"],
                    "user_id": enrollment["user_id"], "body": f"<p>My answer {submission_id}</p>",
                    "score": score, "grade": None if score is None else f"{score:g}",
                    "entered_score": score,
                    "entered_grade": None if score is None else f"{score:g}",
                    "missing": False, "seconds_late": 0, "url": None,
                    "submitted_at": when(600), "graded_at": when(900) if graded else None,
                    "workflow_state": "graded" if graded else "submitted", "attempt": 1,
                    "grader_id": 100 if graded else None,
                    "submission_type": "online_text_entry", "late": False, "excused": None,
                    "html_url": f"/courses/{course_id}/assignments/{assignment['id']}"
                                f"/submissions/{enrollment['user_id']}"}
            maximum = 10.0 * len(course_assignments) or 1.0
            enrollment["grades"].update(current_score=round(100 * total / maximum, 1),
                                        final_score=round(100 * total / maximum, 1))


def _talk(account: Account, spec: Size, teachers: list[Obj], rng: random.Random) -> None:
    for teacher in teachers:
        taught = {e["course_id"] for e in account.enrollments.values()
                  if e["user_id"] == teacher["id"]}
        learners = sorted({e["user_id"] for e in account.enrollments.values()
                           if e["course_id"] in taught and e["type"] == "StudentEnrollment"})
        for learner in learners[: spec.conversations_per_teacher]:
            conversation_id = account.new_id()
            members = sorted((teacher["id"], learner))
            messages = [{"id": account.new_id(), "author_id": author, "created_at": when(k),
                         "body": text, "generated": False, "media_comment": None,
                         "forwarded_messages": [], "attachments": [],
                         "participating_user_ids": members}
                        for k, (author, text) in enumerate(
                            ((learner, "Could I have more time?"), (teacher["id"], "Yes.")))]
            account.conversations[conversation_id] = {
                "id": conversation_id, "subject": "Question", "members": members,
                "messages": messages[::-1]}  # Canvas lists the newest first


#: The clicks of the learners spread over this many minutes (two days), so that the newest
#: hour, the activity log's overlap, holds some learners' clicks, not everyone's.
CLICK_SPREAD_MIN = 2 * 24 * 60


def _clicks(account: Account, spec: Size, students: list[Obj], rng: random.Random) -> None:
    enrolled: dict[int, int] = {e["user_id"]: e["course_id"] for e in account.enrollments.values()}
    for n, student in enumerate(students):
        course_id = enrolled.get(student["id"])
        start = 100 + (n * 7) % CLICK_SPREAD_MIN  # learners click at different times
        views = []
        for k in range(spec.page_views_per_student if course_id else 0):
            views.append({
                "id": str(uuid.UUID(int=rng.getrandbits(128))), "url": f"/courses/{course_id}",
                "context_type": "Course", "asset_type": None, "controller": "courses",
                "action": "show", "interaction_seconds": 5.0, "created_at": when(start + k),
                "user_agent": "Mozilla/5.0", "participated": False, "contributed": False,
                "remote_ip": "192.0.2.10", "app_name": None, "http_method": "get",
                "render_time": 0.05, "user_request": True,
                "links": {"user": student["id"], "context": course_id, "asset": None,
                          "real_user": None, "account": ACCOUNT_ID}})
        account.page_views[student["id"]] = views[::-1]  # newest first, as Canvas lists them
