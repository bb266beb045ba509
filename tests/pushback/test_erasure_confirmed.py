"""An erasure becomes *confirmed* when the push worker's read-back verifies the deletion in
Moodle: the privacy officer is told (log line, `bridge status`, e-mail), the linked request
notes it and can be closed, and the receipt issued from then on says confirmed with the
date; before, it says requested, never more than was read back (CONTRACTS 6)."""

from __future__ import annotations

import logging
from datetime import date
from email import message_from_bytes
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from bridge.services.audit import Actor
from bridge.services.audit.identity import DAEMON
from bridge.services.ops.erasure_notices import tell_confirmed
from bridge.store.models import AuditEntry
from jobs import push as push_job
from jobs.context import JobContext
from tests.pushback.conftest import SiteFactory
from tests.pushback.helpers import ACTOR, Site
from tests.smtp_sink import SMTP_SINK, SinkServer

pytestmark = [pytest.mark.registry]

NOTICES = "bridge.services.ops.erasure_notices"


def _erase_with_request(site: Site) -> tuple[int, int, int]:
    """Erase a learner for an erasure request: (person id, LMS user id, request id)."""
    person_id, _, uid = site.students()[0]
    opened = site.json("request", "open", "--person", str(person_id), "--type", "erasure",
                       "--received", date.today().isoformat())
    site.json("subject", "erase", "--person", str(person_id), "--yes", "--request",
              str(opened["id"]))
    return person_id, uid, int(opened["id"])


def _receipt(site: Site, person_id: int) -> dict[str, Any]:
    return dict(site.json("subject", "receipt", "--person", str(person_id)))


def _erasures(site: Site) -> dict[str, Any]:
    return dict(site.json("status")["erasures"])


def test_the_privacy_request_completed_by_cron_confirms_the_erasure(
    make_site: SiteFactory, tmp_path: Path
) -> None:
    site = make_site(connector_extra='erasure = "privacy_request"\n')
    person_id, uid, request_id = _erase_with_request(site)

    assert site.push_once()["waiting"] == 1  # suspended; the request awaits Moodle's cron
    before = _receipt(site, person_id)
    assert before["status"] == "requested" and before["confirmed_at"] is None
    assert before["systems"][1]["state"].startswith("requested")
    waiting = _erasures(site)
    assert waiting["awaiting_confirmation"] == 1 and waiting["confirmed"] == []

    assert site.sim.run_cron()["processed"]
    ran = site.ok("push", "run", "--once")
    assert f"erasure of person {person_id} confirmed" in ran.stdout
    # An ordinary success warns of nothing: the daemon logs the confirmation at INFO, which
    # this command does not show (its own line above says it).
    assert "WARNING" not in ran.stderr and NOTICES not in ran.stderr
    assert site.moodle_user(uid) is None

    status = _erasures(site)
    assert status["awaiting_confirmation"] == 0 and status["unacknowledged"] == 1
    [listed] = status["confirmed"]
    assert (listed["person_id"], listed["request_id"]) == (person_id, request_id)
    [request] = site.json("request", "list", "--person", str(person_id))["requests"]
    assert request["artefact"]["erasure_confirmed_at"] == listed["confirmed_at"]

    after = _receipt(site, person_id)
    assert after["status"] == "confirmed" and after["confirmed_at"] == listed["confirmed_at"]
    lms = after["systems"][1]
    assert lms["state"].startswith("confirmed") and lms["confirmed_at"]
    assert after["systems"][0] == before["systems"][0]
    # Issuing the confirmed receipt takes the confirmation on: status no longer lists it.
    assert _erasures(site)["unacknowledged"] == 0
    site.ok("request", "close", str(request_id), "--outcome", "erased; receipt sent")

    letter = tmp_path / "confirmed.html"
    site.ok("subject", "receipt", "--request", str(request_id), "--format", "html",
            "--out", str(letter), "--lang", "en")
    html = letter.read_text(encoding="utf-8")
    assert "The online-course system confirmed the erasure of your data on" in html
    assert "does not yet include that confirmation" not in html
    # Told once: a later pass (the daemon's, after more pushes) tells nobody again.
    assert tell_confirmed(site.sessions, site.settings, ACTOR) == []


def test_the_daemon_confirms_a_deleted_account_and_mails_the_privacy_officer(
    tmp_path: Path, db_url: str, smtp_sink: SinkServer, caplog: pytest.LogCaptureFixture
) -> None:
    from contextlib import ExitStack

    from tests.pushback.helpers import served_site

    with ExitStack() as stack:
        site = stack.enter_context(served_site(
            tmp_path, db_url, connector_extra='erasure = "delete_user"\n',
            extra=SMTP_SINK.format(port=smtp_sink.server_address[1]),
        ))
        assert site.sync("--full")["status"] == "ok"
        person_id, uid, request_id = _erase_with_request(site)
        assert smtp_sink.messages == []  # nothing confirmed yet, nothing mailed
        daemon = JobContext(site.settings, site.sessions, site.settings.connector_token,
                            Actor(DAEMON, "admin"))
        caplog.clear()
        root = logging.getLogger()
        root.addHandler(caplog.handler)  # the CLI runs above replaced the root's handlers
        try:
            with caplog.at_level(logging.INFO, logger=NOTICES):
                assert push_job.run(daemon).done == 1  # the daemon's push job
        finally:
            root.removeHandler(caplog.handler)
        assert site.moodle_user(uid) is None
        with site.sessions() as session:  # the job's one audit row, with counts
            [row] = session.scalars(
                sa.select(AuditEntry).where(AuditEntry.action == "erasure confirmations")
            ).all()
        assert row.operator == DAEMON and row.details == {"confirmed": 1, "mailed_to": 1}
        [told] = [r for r in caplog.records if r.name == NOTICES]
        assert told.levelno == logging.INFO
        assert f"person {person_id} (request {request_id})" in told.getMessage()

        [raw] = smtp_sink.messages
        mail = message_from_bytes(raw)
        assert mail["To"] == "heini.nyman@kraatz.fi"
        assert "1 erasure(s) confirmed" in mail["Subject"]
        body = str(mail.get_payload())
        assert f"person {person_id:>6}  request {request_id:>6}  confirmed" in body
        receipt = _receipt(site, person_id)
        assert receipt["status"] == "confirmed"
        assert receipt["systems"][1]["mode"] == "delete_user"
        assert tell_confirmed(site.sessions, site.settings, ACTOR) == []
        assert len(smtp_sink.messages) == 1  # told once
