"""The naive baseline: a full read of a Moodle site the way a plain admin script does it.

The performance target compares the bridge's full sync with "the naive script an admin
writes": one web-service request at a time, per user where Moodle's functions take a user.
This script is that baseline, written with ``requests`` only (no Moodle client library), so
that the comparison can be re-run. It reads what the bridge's full sync reads, stream by
stream (``connectors/moodle/functions.py``), and writes nothing:

- site info (``core_webservice_get_site_info``);
- courses: ``core_course_get_courses_by_field``, all courses in one call;
- enrolments: per course, ``core_enrol_get_enrolled_users`` (the whole roster in one call);
- users: the front-page roster (course 1: every account), then per user
  ``core_user_get_users_by_field`` with that one id;
- gradebook: per course and per enrolled user, ``gradereport_user_get_grade_items``;
- assignments: per course, ``mod_assign_get_assignments``;
- submissions, assignment_grades: per assignment, ``mod_assign_get_submissions`` and
  ``mod_assign_get_grades``;
- messages: per course, the teachers (``core_enrol_get_enrolled_users_with_capability``,
  ``mod/assign:grade``); per teacher ``core_message_get_conversations``, and per conversation
  ``core_message_get_conversation_messages`` as that teacher;
- logs: ``local_registrybridge_get_log_entries`` pages (sinceid, limit 1000) until
  ``hasmore`` is false.

Every request waits for the previous answer. The timeout is long (600 s by default) so that
no slow answer is cut off. A Moodle error answer (JSON with ``exception``), an HTTP error or
an answer that is not JSON is counted in ``errors`` and the script goes on.

Prints progress on stderr and, as its last stdout line, one JSON object:
{"site": "live", "requests", "wall_s", "records", "errors", "requests_by_function",
 "records_by_stream", "seconds_by_stream", "slowest_request_s", "slowest_function",
 "users", "courses", "assignments", "teachers", "conversations", "error_functions"}

``records`` counts the rows in the answers (accounts, courses, roster entries, grade items
per user, assignments, submissions, grades, conversations, messages, log entries).

Usage: python benchmarks/naive_baseline.py --url URL --token-file FILE [--timeout 600]
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections import Counter
from pathlib import Path
from typing import Any

import requests

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from connectors.moodle.encoding import encode_params  # noqa: E402
from connectors.moodle.functions import LOG_FUNCTION  # noqa: E402

TEACHER_CAPABILITY = "mod/assign:grade"
LOG_PAGE = 1000


class Site:
    """One Moodle site, read one request at a time; counts requests, errors and time."""

    def __init__(self, url: str, token: str, timeout: float) -> None:
        self.endpoint = url.rstrip("/") + "/webservice/rest/server.php"
        self.token = token
        self.timeout = timeout
        self.session = requests.Session()
        self.requests: Counter[str] = Counter()
        self.errors: Counter[str] = Counter()
        self.slowest = (0.0, "")

    def call(self, function: str, **params: Any) -> Any:
        """The decoded answer, or None after an error (counted, never raised)."""
        data = [("wstoken", self.token), ("wsfunction", function),
                ("moodlewsrestformat", "json"), *encode_params(params)]
        self.requests[function] += 1
        started = time.perf_counter()
        try:
            response = self.session.post(self.endpoint, data=data, timeout=self.timeout)
            response.raise_for_status()
            answer = response.json()
        except (requests.RequestException, ValueError) as exc:
            self.errors[function] += 1
            print(f"  {function}: {type(exc).__name__}", file=sys.stderr)
            return None
        finally:
            elapsed = time.perf_counter() - started
            self.slowest = max(self.slowest, (elapsed, function))
        if isinstance(answer, dict) and "exception" in answer:
            self.errors[function] += 1
            print(f"  {function}: {answer.get('errorcode')}: {answer.get('message')}",
                  file=sys.stderr)
            return None
        return answer


def rows(answer: Any, key: str | None = None) -> list[Any]:
    """The list ``answer[key]`` (or ``answer`` itself), empty when the answer is not one."""
    if key is not None:
        answer = answer.get(key) if isinstance(answer, dict) else None
    return answer if isinstance(answer, list) else []


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--url", required=True, help="the Moodle site (read-only)")
    parser.add_argument("--token-file", type=Path, required=True, help="the token's file")
    parser.add_argument("--timeout", type=float, default=600.0,
                        help="seconds one request may take (default 600)")
    args = parser.parse_args()
    site = Site(args.url, args.token_file.read_text().strip(), args.timeout)
    records: Counter[str] = Counter()
    seconds: dict[str, float] = {}
    started = time.perf_counter()
    mark = started

    def done(stream: str) -> None:
        nonlocal mark
        now = time.perf_counter()
        seconds[stream] = round(now - mark, 2)
        mark = now
        print(f"{stream}: {records[stream]} records, {seconds[stream]} s, "
              f"{site.requests.total()} requests so far", file=sys.stderr)

    info = site.call("core_webservice_get_site_info") or {}
    front_page = int(info.get("siteid") or 1)
    done("site_info")

    listing = site.call("core_course_get_courses_by_field")
    courses = [c for c in rows(listing, "courses") if c.get("id") != front_page]
    records["courses"] += len(courses)
    done("courses")

    rosters: dict[int, list[dict[str, Any]]] = {}
    for course in courses:
        rosters[course["id"]] = rows(site.call("core_enrol_get_enrolled_users",
                                               courseid=course["id"]))
        records["enrolments"] += len(rosters[course["id"]])
    done("enrolments")

    accounts = rows(site.call("core_enrol_get_enrolled_users", courseid=front_page))
    user_ids = sorted({u["id"] for u in accounts if "id" in u})
    for user_id in user_ids:
        answer = site.call("core_user_get_users_by_field", field="id", values=[user_id])
        records["users"] += len(rows(answer))
    done("users")

    for course_id, roster in rosters.items():
        for user in roster:
            answer = site.call("gradereport_user_get_grade_items",
                               courseid=course_id, userid=user["id"])
            records["gradebook"] += sum(len(rows(g, "gradeitems"))
                                        for g in rows(answer, "usergrades"))
    done("gradebook")

    assignment_ids: list[int] = []
    for course in courses:
        answer = site.call("mod_assign_get_assignments", courseids=[course["id"]],
                           includenotenrolledcourses=1)
        for entry in rows(answer, "courses"):
            assignment_ids += [a["id"] for a in rows(entry, "assignments")]
    records["assignments"] = len(assignment_ids)
    done("assignments")

    for stream, function, key in (("submissions", "mod_assign_get_submissions", "submissions"),
                                  ("assignment_grades", "mod_assign_get_grades", "grades")):
        for assignment_id in assignment_ids:
            answer = site.call(function, assignmentids=[assignment_id])
            records[stream] += sum(len(rows(a, key)) for a in rows(answer, "assignments"))
        done(stream)

    teachers: set[int] = set()
    for course in courses:
        answer = site.call("core_enrol_get_enrolled_users_with_capability",
                           coursecapabilities=[{"courseid": course["id"],
                                                "capabilities": [TEACHER_CAPABILITY]}])
        teachers.update(u["id"] for entry in rows(answer) for u in rows(entry, "users"))
    conversations = 0
    for teacher in sorted(teachers):
        listed = rows(site.call("core_message_get_conversations", userid=teacher),
                      "conversations")
        conversations += len(listed)
        records["messages"] += len(listed)
        for conversation in listed:
            answer = site.call("core_message_get_conversation_messages",
                               currentuserid=teacher, convid=conversation["id"])
            records["messages"] += len(rows(answer, "messages"))
    done("messages")

    since_id = 0
    while True:
        answer = site.call(LOG_FUNCTION, sinceid=since_id, limit=LOG_PAGE)
        if not isinstance(answer, dict):
            break
        records["logs"] += len(rows(answer, "entries"))
        last_id = int(answer.get("lastid") or since_id)
        if not answer.get("hasmore") or last_id <= since_id:
            break
        since_id = last_id
    done("logs")

    wall_s = time.perf_counter() - started
    print(json.dumps({
        "site": "live",
        "requests": site.requests.total(),
        "wall_s": round(wall_s, 2),
        "records": records.total(),
        "errors": site.errors.total(),
        "requests_by_function": dict(site.requests),
        "records_by_stream": dict(records),
        "seconds_by_stream": seconds,
        "slowest_request_s": round(site.slowest[0], 2),
        "slowest_function": site.slowest[1] or None,
        "users": len(user_ids),
        "courses": len(courses),
        "assignments": len(assignment_ids),
        "teachers": len(teachers),
        "conversations": conversations,
        "error_functions": dict(site.errors),
    }))


if __name__ == "__main__":
    main()
