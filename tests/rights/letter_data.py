"""A learner as Moodle 4.5 shows one, for the letter tests: the log events a real course
writes, a course total and an oral exam graded on a scale, a suspended and an ended
enrolment with grades, custom profile fields and phones written as one run of digits."""

from __future__ import annotations

from datetime import date
from itertools import count

import sqlalchemy as sa

from bridge.store.models import (
    LmsCourse,
    LmsEnrolment,
    LmsGrade,
    LmsGradeItem,
)
from tests.rights.conftest import Register, lms_person, log_entry, ts

UID = 11
COURSE = 100 + UID
#: (event class, component, action, target, crud) of what Moodle logged about the learner.
EVENTS = (
    ("\\core\\event\\notification_sent", "core", "sent", "notification", "c"),
    ("\\core\\event\\role_assigned", "core", "assigned", "role", "c"),
    ("\\core\\event\\group_member_added", "core", "added", "group_member", "c"),
    (
        "\\assignsubmission_file\\event\\assessable_uploaded",
        "assignsubmission_file",
        "uploaded",
        "assessable",
        "c",
    ),
    ("\\mod_assign\\event\\submission_created", "mod_assign", "created", "submission", "c"),
    ("\\core\\event\\course_viewed", "core", "viewed", "course", "r"),
    ("\\core\\event\\user_loggedin", "core", "loggedin", "user", "r"),
    ("\\core\\event\\message_sent", "core", "sent", "message", "c"),
    ("\\mod_assign\\event\\submission_graded", "mod_assign", "graded", "submission", "u"),
    ("\\mod_forum\\event\\subscription_created", "mod_forum", "created", "subscription", "c"),
    ("\\local_unknown\\event\\thing_frobbed", "local_unknown", "frobbed", "thing", "u"),
)
#: What the Finnish letter says for each of EVENTS, in order.
EVENTS_FI = (
    "ilmoitus lähetettiin",
    "kurssirooli annettiin",
    "lisäys kurssin ryhmään",
    "lisäsit tehtävään tiedoston",
    "tehtäväpalautus aloitettiin",
    "katsoit kurssia",
    "kirjauduit sisään",
    "viesti lähetettiin",
    "tehtäväsi arvioitiin",
    "keskustelualue: luonti",
    "verkkokurssijärjestelmä: muutos",
)


def learner(register: Register) -> None:
    """Aino Virtanen with every part of the letter filled the way Moodle fills it."""
    lms_person(register, 1, uid=UID, course_end=date(2024, 6, 1), activity=date(2024, 5, 1))
    ids = count(1000)
    rows: list[object] = []
    for name, component, action, target, crud in EVENTS:
        rows.append(
            log_entry(
                UID,
                COURSE,
                next(ids),
                ts(date(2024, 5, 2)),
                event_name=name,
                component=component,
                action=action,
                target=target,
                crud=crud,
                ip="192.0.2.7",
                origin="web",
            )
        )
    # An oral exam graded 7 on a 0–10 scale in the first course.
    rows += [
        LmsGradeItem(
            connector="moodle",
            lms_item_id=900,
            lms_course_id=COURSE,
            name="Suullinen koe",
            item_type="mod",
            grade_min=0.0,
            grade_max=10.0,
            content_hash="h",
        ),
        LmsGrade(
            connector="moodle",
            lms_item_id=900,
            lms_user_id=UID,
            lms_course_id=COURSE,
            grade=7.0,
            graded_at=ts(date(2024, 5, 20)),
            content_hash="h",
        ),
    ]
    # A course whose enrolment is suspended and one whose enrolment has ended (gone).
    for course, name, status in (
        (201, "Putkihitsaus", "suspended"),
        (202, "Työturvallisuus", None),
    ):
        rows.append(
            LmsCourse(
                connector="moodle",
                lms_course_id=course,
                shortname=f"C{course}",
                fullname=name,
                content_hash="h",
            )
        )
        if status:
            rows.append(
                LmsEnrolment(
                    connector="moodle",
                    lms_course_id=course,
                    lms_user_id=UID,
                    roles=["student"],
                    status=status,
                    groups=[],
                    content_hash="h",
                )
            )
        rows += [
            LmsGradeItem(
                connector="moodle",
                lms_item_id=course,
                lms_course_id=course,
                name=None,
                item_type="course",
                grade_min=0.0,
                grade_max=5.0,
                content_hash="h",
            ),
            LmsGrade(
                connector="moodle",
                lms_item_id=course,
                lms_user_id=UID,
                lms_course_id=course,
                grade=3.0,
                content_hash="h",
            ),
        ]
    register.add(*rows)
    # What the controller and the person wrote themselves is in Finnish, as it would be.
    config = register.config.read_text(encoding="utf-8")
    register.config.write_text(config.replace("Moodle hosting", "Moodlen ylläpito"))
    with register.sessions() as session, session.begin():
        for statement, values in (
            (
                "UPDATE persons SET first_name = 'Aino', last_name = 'Virtanen', "
                "phone = :phone, profession = 'Hitsaaja' WHERE id = 1",
                {"phone": "+358506243562"},
            ),
            (
                "UPDATE lms_accounts SET first_name = 'Aino', last_name = 'Virtanen', "
                "phone1 = :phone, city = 'Espoo', country = 'FI', institution = 'Kraatz', "
                "custom_fields = :custom",
                {
                    "phone": "0401234567",
                    "custom": '{"employer": "Esimerkki Oy", "studentno": "20001", "shoe": "42"}',
                },
            ),
            (
                "UPDATE lms_courses SET fullname = 'Hitsauksen perusteet' WHERE lms_course_id = :c",
                {"c": COURSE},
            ),
            (
                "UPDATE lms_grade_items SET name = NULL, grade_max = 5 WHERE lms_item_id = :i",
                {"i": UID},
            ),
            ("UPDATE lms_messages SET text = 'Hyvä työ, Aino!'", {}),
            ("UPDATE lms_submissions SET online_text = 'Hitsasin sauman TIG-menetelmällä.'", {}),
            ("UPDATE lms_assignments SET name = 'Essee saumoista'", {}),
            ("UPDATE consents SET evidence = 'verkkolomake'", {}),
        ):
            session.execute(sa.text(statement), values)
