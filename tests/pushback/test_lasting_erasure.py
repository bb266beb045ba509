"""What an erasure erased never comes back (CONTRACTS 6): after `bridge subject erase`, the
pushes and Moodle's deletion, no sync of any stream, full or incremental, writes a record of
the person again, on the shapes Moodle leaves: their one-to-one conversation lists the
teacher alone and keeps the teacher's replies, log rows name them as related user. What
other people wrote stays in the register."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest
import sqlalchemy as sa

from bridge.store import models
from bridge.store.models import LmsAccount, LmsLogEntry, LmsMessage
from connectors.moodle.simulator import SimulatedMoodle
from connectors.moodle.simulator.activity import course_students, course_teacher
from connectors.moodle.simulator.state import CONTEXT_COURSE
from tests.pushback.conftest import SiteFactory
from tests.pushback.helpers import Site, person_of

pytestmark = [pytest.mark.registry, pytest.mark.slow]

#: Tables with one column naming an LMS user.
BY_USER = [
    models.LmsAccount,
    models.LmsEnrolment,
    models.LmsGrade,
    models.LmsSubmission,
    models.LmsAssignmentGrade,
]


@dataclass
class Circle:
    """A learner with a teacher and a classmate: a one-to-one conversation with the
    teacher, a group conversation of the three, a submission and log rows about them."""

    learner: int = 0
    teacher: int = 0
    classmate: int = 0
    one_to_one: int = 0
    group: int = 0

    def prepare(self, sim: SimulatedMoodle) -> None:
        state, now = sim.state, sim.state.now()
        assignment = state.assignments[min(state.assignments)]
        course = assignment.courseid
        active = [u for u in course_students(state, course) if not state.users[u].suspended]
        self.learner, self.classmate = sorted(active)[:2]
        self.teacher = course_teacher(state, course)
        state.add_submission(assignment.id, self.learner, "submitted", now - 7200, now - 7200,
                             text="<p>Essee.</p>")
        one = state.add_conversation(1, (self.learner, self.teacher))
        state.add_message(one.id, self.learner, "<p>Palautin esseen.</p>", now - 3600)
        state.add_message(one.id, self.teacher, "<p>Kiitos, luen sen.</p>", now - 3000)
        group = state.add_conversation(2, (self.teacher, self.learner, self.classmate), "Ryhmä Q")
        state.add_message(group.id, self.teacher, "<p>Tervetuloa ryhmään.</p>", now - 2800)
        state.add_message(group.id, self.learner, "<p>Kiitos!</p>", now - 2700)
        state.add_message(group.id, self.classmate, "<p>Hei kaikki.</p>", now - 2600)
        self.one_to_one, self.group = one.id, group.id
        state.log("\\core\\event\\course_viewed", crud="r", userid=self.learner,
                  contextlevel=CONTEXT_COURSE, contextinstanceid=course, courseid=course,
                  origin="web", timecreated=now - 2500)
        state.log("\\core\\event\\user_graded", crud="u", userid=self.teacher,
                  contextlevel=CONTEXT_COURSE, contextinstanceid=course, courseid=course,
                  relateduserid=self.learner, origin="web", timecreated=now - 2400)
        state.log("\\core\\event\\user_graded", crud="u", userid=self.teacher,
                  contextlevel=CONTEXT_COURSE, contextinstanceid=course, courseid=course,
                  relateduserid=self.classmate, origin="web", timecreated=now - 2300)

    def teacher_writes(self, sim: SimulatedMoodle, text: str) -> None:
        sim.state.add_message(self.one_to_one, self.teacher, f"<p>{text}</p>",
                              sim.state.now() - 1)

    def classmate_writes(self, sim: SimulatedMoodle, text: str) -> None:
        sim.state.add_message(self.group, self.classmate, f"<p>{text}</p>", sim.state.now() - 1)


def about(site: Site, circle: Circle) -> dict[str, int]:
    """Rows of the register that belong to the learner, per table."""
    uid = circle.learner
    found: dict[str, int] = {}
    with site.sessions() as session:
        for model in BY_USER:
            found[model.__tablename__] = session.scalar(
                sa.select(sa.func.count()).select_from(model).where(model.lms_user_id == uid)
            ) or 0
        found["lms_log_entries"] = session.scalar(
            sa.select(sa.func.count()).select_from(LmsLogEntry).where(
                sa.or_(LmsLogEntry.user_id == uid, LmsLogEntry.related_user_id == uid))) or 0
        messages = session.execute(
            sa.select(LmsMessage.lms_conversation_id, LmsMessage.from_user_id,
                      LmsMessage.member_ids)).all()
    found["lms_messages"] = sum(
        1 for conversation, sender, members in messages
        if conversation == circle.one_to_one or sender == uid or uid in (members or [])
    )
    return {table: n for table, n in found.items() if n}


def senders_in(site: Site, conversation: int) -> list[int]:
    with site.sessions() as session:
        return sorted(session.scalars(
            sa.select(LmsMessage.from_user_id).where(
                LmsMessage.lms_conversation_id == conversation)))


def classmate_rows(site: Site, circle: Circle) -> dict[str, Any]:
    """The classmate's own data, which the learner's erasure must leave alone."""
    with site.sessions() as session:
        return {
            "account": session.scalar(sa.select(sa.func.count()).select_from(LmsAccount).where(
                LmsAccount.lms_user_id == circle.classmate)),
            "logs": session.scalar(sa.select(sa.func.count()).select_from(LmsLogEntry).where(
                LmsLogEntry.related_user_id == circle.classmate)),
        }


def deleted_in_moodle(site: Site, mode: str) -> None:
    """The pushes and, for a privacy request, Moodle's cron: the deletion is read back."""
    first = site.push_once()
    if mode == "privacy_request":
        assert first["waiting"] == 1
        assert site.sim.run_cron()["processed"]
        assert site.push_once()["done"] == 1
    else:
        assert first["done"] == 1


def erased(make_site: SiteFactory, mode: str) -> tuple[Site, Circle, dict[str, Any]]:
    """A synced site whose learner is then erased (not yet deleted in Moodle); returns
    the site, the circle and the classmate's rows before the erasure."""
    circle = Circle()
    site = make_site(connector_extra=f'erasure = "{mode}"\n', prepare=circle.prepare)
    before = about(site, circle)
    assert {"lms_accounts", "lms_enrolments", "lms_submissions", "lms_messages",
            "lms_log_entries"} <= set(before), before
    assert senders_in(site, circle.one_to_one) == sorted((circle.learner, circle.teacher))
    group = senders_in(site, circle.group)
    assert circle.classmate in group and circle.teacher in group
    classmate_before = classmate_rows(site, circle)
    receipt = site.json("subject", "erase", "--person", str(person_of(site, circle.learner)),
                        "--yes")
    assert receipt["systems"][0]["erased"]["lms_messages"] >= 3  # 2 one-to-one, 1 group
    assert about(site, circle) == {}
    return site, circle, classmate_before


def others_untouched(site: Site, circle: Circle, classmate_before: dict[str, Any],
                     classmate_messages: int) -> None:
    """The group keeps the teacher's and the classmate's messages; the classmate keeps
    their account and the log rows about them."""
    group = senders_in(site, circle.group)
    assert circle.learner not in group
    assert group.count(circle.classmate) == classmate_messages and circle.teacher in group
    assert classmate_rows(site, circle) == classmate_before


@pytest.mark.parametrize("mode", ["privacy_request", "delete_user"])
def test_no_sync_after_moodles_deletion_brings_back_what_an_erasure_erased(
    make_site: SiteFactory, mode: str
) -> None:
    site, circle, classmate_before = erased(make_site, mode)
    deleted_in_moodle(site, mode)
    state = site.sim.state
    # The shapes Moodle leaves: the one-to-one conversation lists the teacher alone and
    # keeps the teacher's messages; log rows naming the learner as related user stay.
    assert state.conversations[circle.one_to_one].members == (circle.teacher,)
    assert any(m.useridfrom == circle.teacher for m in state.messages[circle.one_to_one])
    assert any(r.relateduserid == circle.learner and r.userid != circle.learner
               for r in state.logs)

    full = site.sync("--full", "--all-streams")
    assert full["status"] == "ok"
    assert about(site, circle) == {}
    assert full["streams"]["messages"]["created"] == 0
    circle.teacher_writes(site.sim, "Vielä yksi viesti.")
    assert site.sync("--all-streams")["status"] == "ok"
    assert site.sync("--full", "--all-streams")["status"] == "ok"
    assert about(site, circle) == {}
    others_untouched(site, circle, classmate_before, 1)


def test_no_incremental_sync_before_moodles_deletion_brings_back_the_erased(
    make_site: SiteFactory,
) -> None:
    """Between the erasure and Moodle's cron the learner is suspended but still a member:
    the teacher's new reply to them stays out, the classmate's new group message comes."""
    site, circle, classmate_before = erased(make_site, "privacy_request")
    circle.teacher_writes(site.sim, "Vastaus esseeseesi.")
    circle.classmate_writes(site.sim, "Tavataanko maanantaina?")
    assert site.sync("--all-streams")["status"] == "ok"
    assert about(site, circle) == {}
    deleted_in_moodle(site, "privacy_request")
    assert site.sync("--all-streams")["status"] == "ok"
    assert site.sync("--full", "--all-streams")["status"] == "ok"
    assert about(site, circle) == {}
    others_untouched(site, circle, classmate_before, 2)
