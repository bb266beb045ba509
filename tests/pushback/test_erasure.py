"""Erasure test: after `bridge subject erase`, the pushes and Moodle's cron, no register table
holds any of the person's values except rows a recorded hold covers; a full sync does not
bring the person back; the receipt names each system and holds no erased value."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, timedelta

import pytest
import sqlalchemy as sa

from bridge.store.models import AuditEntry, LegalHold, LmsAccount, Person
from connectors.moodle.simulator import SimulatedMoodle
from connectors.moodle.simulator.activity import course_students, course_teacher
from tests.pushback.conftest import SiteFactory
from tests.pushback.helpers import OPERATOR, Finding, person_of, scan

pytestmark = [pytest.mark.registry, pytest.mark.slow]


@dataclass
class Marked:
    """A learner given values found nowhere else, so that a scan cannot confuse them."""

    lms_user_id: int = 0
    first_name: str = "Zyxalvina"
    last_name: str = "Qworpenheimo"
    email: str = "zyx.qworpenheimo@example.fi"
    username: str = "zyxqworp"
    phone: str = "+358 40 987 6543"
    phone_digits: str = "409876543"
    submission: str = "Essee kuljetusketjun riskeistä, merkki QX-SUBM-7731"
    message: str = "Hei opettaja, merkki QX-MSG-4410 liittyy palautukseeni"

    def values(self) -> list[str]:
        return [
            self.first_name, self.last_name, self.email, self.username, self.phone,
            self.phone_digits, "QX-SUBM-7731", "QX-MSG-4410",
        ]

    def prepare(self, sim: SimulatedMoodle) -> None:
        state, now = sim.state, sim.state.now()
        assignment = state.assignments[min(state.assignments)]
        userid = min(
            u for u in course_students(state, assignment.courseid) if not state.users[u].suspended
        )
        user = state.users[userid]
        user.firstname, user.lastname, user.email = self.first_name, self.last_name, self.email
        user.username, user.phone1 = self.username, self.phone
        user.customfields.pop("phone", None)
        state.add_submission(
            assignment.id, userid, "submitted", now - 3600, now - 3600, text=self.submission
        )
        teacher = course_teacher(state, assignment.courseid)
        conversation = state.add_conversation(1, (userid, teacher))
        state.add_message(conversation.id, userid, self.message, now - 1800)
        self.lms_user_id = userid


#: Register rows a hold keeps, by category: table -> the column naming the person.
HELD_ROWS = {
    "invoicing": {"persons": "id", "customer_relationships": "person_id",
                  "person_organisations": "person_id"},
}


def uncovered(findings: list[Finding], hold: str | None, person_id: int) -> list[Finding]:
    covered = HELD_ROWS.get(hold or "", {})
    return [
        f for f in findings
        if not (f.table in covered and f.row[covered[f.table]] == person_id)
    ]


@pytest.mark.parametrize(
    ("mode", "hold"),
    [("privacy_request", None), ("delete_user", None), ("privacy_request", "invoicing")],
)
def test_erasure_leaves_no_personal_value_behind(
    make_site: SiteFactory, mode: str, hold: str | None
) -> None:
    marked = Marked()
    site = make_site(connector_extra=f'erasure = "{mode}"\n', prepare=marked.prepare)
    uid = marked.lms_user_id
    person_id = person_of(site, uid)
    before = scan(site.engine, marked.values())
    found_in = {f.table for f in before}
    assert {"persons", "lms_accounts", "lms_submissions", "lms_messages"} <= found_in, found_in
    if hold:
        with site.sessions() as session, session.begin():
            session.add(LegalHold(person_id=person_id, category=hold, reason="Kirjanpitolaki 2:10",
                                  until=date.today() + timedelta(days=365), created_by="tester"))

    receipt = site.json("subject", "erase", "--person", str(person_id), "--yes")
    first = site.push_once()
    if mode == "privacy_request":
        assert first["waiting"] == 1 and site.suspended(uid)  # access ends before cron
        assert site.sim.run_cron()["processed"]
        assert site.push_once()["done"] == 1
    else:
        assert first["done"] == 1
    assert site.moodle_user(uid) is None
    assert {c.state for c in site.commands()} == {"done"}

    left = uncovered(scan(site.engine, marked.values()), hold, person_id)
    assert left == [], [(f.table, f.column, f.value) for f in left]
    with site.sessions() as session:
        person = session.get(Person, person_id)
        assert person is not None and person.status == "erased"
        if hold:  # the hold keeps the identity (invoicing records) and says so
            assert person.last_name == marked.last_name
            assert [k["category"] for k in receipt["systems"][0]["kept"]] == [hold] * 3
        else:
            assert (person.first_name, person.email, person.phone) == (None, None, None)
        audit = session.scalars(
            sa.select(AuditEntry.action).where(AuditEntry.person_id == person_id)
        ).all()
        assert "subject erase" in audit

    # The receipt: every system, who, when, the controller, and no erased value.
    assert [s["system"].split(":")[0] for s in receipt["systems"]] == [
        "register", "LMS connector moodle"
    ]
    assert receipt["systems"][1]["mode"] == mode and receipt["systems"][1]["remains"]
    assert receipt["operator"] == OPERATOR and receipt["erased_at"]
    assert receipt["controller"]["business_id"] == "0104505-9"
    text = json.dumps(receipt, ensure_ascii=False).casefold()
    assert not [v for v in marked.values() if v.casefold() in text]
    assert site.ok("audit", "verify").exit_code == 0

    # A full sync does not bring the person back (suppression), whatever Moodle still holds.
    assert site.sync("--full")["status"] == "ok"
    left = uncovered(scan(site.engine, marked.values()), hold, person_id)
    assert left == [], [(f.table, f.column, f.value) for f in left]
    with site.sessions() as session:
        assert session.scalars(
            sa.select(LmsAccount).where(LmsAccount.lms_user_id == uid)
        ).first() is None
    assert site.bridge("subject", "erase", "--person", str(person_id), "--yes").exit_code == 2
