"""What Moodle kept after an erasure: the read-back that confirms the deletion also asks the
companion plugin which rows still name the deleted user id, the confirmation keeps the
counts in the erasure record, and the confirmed receipt lists each place with why it
stays. It never says Moodle deleted everything; without the plugin's function it says
that nothing was read back (CONTRACTS 6)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from connectors.moodle.functions import REMAINS_FUNCTION
from connectors.moodle.remains import parse_remains
from tests.pushback.conftest import SiteFactory
from tests.pushback.helpers import Site

pytestmark = [pytest.mark.registry]

PRIVACY = 'erasure = "privacy_request"\n'
FULL_DELETION_CLAIMS = ("every plugin", "all its parts", "kaikista osistaan")


def _erase_and_confirm(site: Site) -> tuple[int, int]:
    """Erase a learner, let Moodle's cron run, read back: (person id, LMS user id)."""
    person_id, _, uid = site.students()[0]
    site.json("subject", "erase", "--person", str(person_id), "--yes")
    assert site.push_once()["waiting"] == 1
    assert site.sim.run_cron()["processed"]
    site.ok("push", "run", "--once")
    return person_id, uid


def _views(site: Site, uid: int) -> None:
    """The learner's own log rows: the first context again before a second one, as real
    course views go. Moodle 4.5 hands the log store only the contexts before the first
    repeated one, so the rows in the second stay."""
    for course in (9001, 9001, 9002, 9002):
        site.sim.state.log("\\core\\event\\course_viewed", crud="r", userid=uid,
                           contextlevel=50, contextinstanceid=course, courseid=course)


def _lms_part(site: Site, person_id: int) -> dict[str, Any]:
    receipt = site.json("subject", "receipt", "--person", str(person_id))
    assert receipt["status"] == "confirmed"
    [lms] = [s for s in receipt["systems"] if "mode" in s]
    return dict(lms)


def test_the_confirmed_receipt_lists_what_moodle_still_holds_and_why(
    make_site: SiteFactory, tmp_path: Path
) -> None:
    site = make_site(connector_extra=PRIVACY)
    _views(site, site.students()[0][2])
    person_id, uid = _erase_and_confirm(site)

    # What Moodle holds now, asked independently of the connector.
    held = parse_remains(site.ws(REMAINS_FUNCTION, userid=uid), uid)
    with site.engine.connect() as connection:
        [stored] = connection.execute(
            sa.text("SELECT lms_remains FROM erasure_records WHERE person_id = :p"),
            {"p": person_id},
        ).scalars()
    stored = stored if isinstance(stored, dict) else json.loads(stored)
    assert list(stored.values()) == [held]  # the confirmation kept the read-back's counts

    lms = _lms_part(site, person_id)
    listed = {row["place"]: row for row in lms["kept_in_lms"]}
    # Moodle's fault left rows of the learner's own actions: said, and why.
    assert held["log_userid"] > 0 and listed["log_userid"]["rows"] == held["log_userid"]
    assert listed["log_userid"]["why"] == "skipped"
    assert listed["log_deletion_event"]["why"] == "by_design"
    assert listed["user_row"]["notes"]["username_kept"] == 1
    others = held["log_relateduserid"] - held["log_deletion_event"]
    assert listed.get("log_relateduserid", {}).get("rows", 0) == others
    # Every place with rows is listed, and no place without.
    assert all(row["rows"] > 0 for row in lms["kept_in_lms"])
    assert "submissions" not in listed and held["submissions"] == 0
    assert not any(claim in str(lms) for claim in FULL_DELETION_CLAIMS)

    for lang, title, skipped in (
        ("fi", "Mitä Moodleen jäi (luettu poiston jälkeen)", "Moodlen tietosuojapoisto ohitti"),
        ("en", "What Moodle kept (read back after the deletion)", "privacy deletion skipped"),
    ):
        letter = tmp_path / f"receipt-{lang}.html"
        site.ok("subject", "receipt", "--person", str(person_id), "--format", "html",
                "--out", str(letter), "--lang", lang)
        html = letter.read_text(encoding="utf-8")
        assert title in html and skipped in html
        assert "showed your data erased" not in html and "tietosi poistetuiksi" not in html
        assert f"<td>{held['log_userid']}</td>" in html
        assert not any(claim in html for claim in FULL_DELETION_CLAIMS)


def test_without_the_plugins_function_the_receipt_says_nothing_was_read_back(
    make_site: SiteFactory, tmp_path: Path
) -> None:
    site = make_site(connector_extra=PRIVACY)
    site.sim.remove_function(REMAINS_FUNCTION)
    person_id, _ = _erase_and_confirm(site)
    lms = _lms_part(site, person_id)
    assert lms["kept_in_lms"] is None and lms["remains"].startswith("not read back")
    letter = tmp_path / "receipt.html"
    site.ok("subject", "receipt", "--person", str(person_id), "--format", "html",
            "--out", str(letter), "--lang", "en")
    html = letter.read_text(encoding="utf-8")
    assert "What Moodle kept after the deletion was not read back" in html
    assert not any(claim in html for claim in FULL_DELETION_CLAIMS)


def test_before_confirmation_the_receipt_claims_no_full_deletion(make_site: SiteFactory) -> None:
    site = make_site(connector_extra=PRIVACY)
    person_id, _, _ = site.students()[0]
    erased = site.json("subject", "erase", "--person", str(person_id), "--yes")
    [lms] = [s for s in erased["systems"] if "mode" in s]
    assert "read back" in lms["remains"]
    assert not any(claim in lms["remains"] for claim in FULL_DELETION_CLAIMS)
