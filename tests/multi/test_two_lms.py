"""One register, two LMSs: a person with an account in each is one person; a withdrawal
revokes both accounts, each verified by read-back and shown per connector by `bridge
status`; the access export lists both accounts' data under their systems; an erasure
erases both. The two LMSs are two Moodle sites, so that any second connector (whatever its
kind) meets the same register and commands."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa

from bridge.store.models import LmsAccount, Person
from tests.multi.sites import SECOND, TwoSites, two_sites
from tests.pushback.helpers import scan

pytestmark = [pytest.mark.registry, pytest.mark.slow]

NAMES = ("moodle", SECOND)


@pytest.fixture
def sites(tmp_path: Path, db_url: str) -> Iterator[TwoSites]:
    with two_sites(tmp_path, db_url) as served:
        synced = served.first.sync("--full")
        assert {name: run["status"] for name, run in synced["runs"].items()} == {
            "moodle": "ok", SECOND: "ok"
        }
        yield served


def shared_person(sites: TwoSites) -> int:
    """The one person both accounts are linked to."""
    with sites.first.sessions() as session:
        accounts = session.scalars(
            sa.select(LmsAccount).where(
                sa.tuple_(LmsAccount.connector, LmsAccount.lms_user_id).in_(
                    list(sites.accounts.items())
                )
            )
        ).all()
        assert sorted(a.connector for a in accounts) == sorted(NAMES)
        people = {a.person_id for a in accounts}
        assert len(people) == 1 and None not in people, people
        matching = session.scalars(
            sa.select(Person.id).where(Person.email_normalised == sites.shared.email.casefold())
        ).all()
        assert matching == list(people)
        return int(matching[0])


def test_a_person_in_both_lmss_is_one_person_and_withdrawal_revokes_both(
    sites: TwoSites,
) -> None:
    person_id = shared_person(sites)
    register = sites.first
    checked = register.ok("check").stdout
    assert all(name in checked for name in NAMES), checked

    withdrawn = register.json(
        "consent", "withdraw", "--person", str(person_id), "--purpose", "service",
        "--reason", "the learner asked by e-mail", "--now",
    )
    assert sorted(p["connector"] for p in withdrawn["pushes"]) == sorted(NAMES)
    assert withdrawn["delivered"]["complete"] is True
    for name in NAMES:  # read back from each site, independently of the connectors
        user = sites.lms_user(name)
        assert user is not None and user["suspended"] is True, (name, user)

    status = register.json("status")
    for name in NAMES:
        push = status["connectors"][name]["push"]
        assert (push["verified"], push["pending"], push["failed"]) == (1, 0, 0), (name, push)
        assert push["last_verified_at"]
    text = register.ok("status").stdout
    for name in NAMES:
        assert f"{name}: last run" in text and "pushes 1 verified" in text
    # A second sync of both sites changes nothing for the person: still one, still withdrawn.
    assert register.sync("--all-streams")["runs"].keys() == set(NAMES)
    assert shared_person(sites) == person_id


def test_the_access_export_lists_both_accounts_under_their_systems(
    sites: TwoSites, tmp_path: Path
) -> None:
    person_id = shared_person(sites)
    register = sites.first
    target = tmp_path / "export.json"
    register.ok("subject", "export", "--person", str(person_id), "--format", "json",
                "--out", str(target))
    export = json.loads(target.read_text(encoding="utf-8"))
    accounts = {a["connector"]: a for a in export["categories"]["lms_data"]["items"]}
    assert set(accounts) == set(NAMES)
    assert {a["kind"] for a in accounts.values()} == {"moodle"}
    for name, text in zip(NAMES, sites.shared.texts, strict=True):
        assert accounts[name]["lms_user_id"] == sites.accounts[name]
        assert text in json.dumps(accounts[name], ensure_ascii=False), name
        other = sites.shared.texts[1 - NAMES.index(name)]
        assert other not in json.dumps(accounts[name], ensure_ascii=False), name

    letter = tmp_path / "letter.html"
    register.ok("subject", "export", "--person", str(person_id), "--format", "html",
                "--lang", "en", "--out", str(letter))
    html = letter.read_text(encoding="utf-8")
    for text in sites.shared.texts:
        assert text in html
    assert sites.shared.email.lower() in html.lower()
    # Two connectors of one kind read apart by their configured names.
    assert SECOND in html


def test_an_erasure_erases_both_accounts(sites: TwoSites) -> None:
    person_id = shared_person(sites)
    register = sites.first
    receipt = register.json("subject", "erase", "--person", str(person_id), "--yes")
    systems = [s["system"].split(":")[0] for s in receipt["systems"]]
    assert systems == ["register", "LMS connector moodle", f"LMS connector {SECOND}"]

    first = register.push_once()
    assert first["waiting"] == 2, first  # suspended at once, privacy requests approved
    assert all(sites.lms_user(name)["suspended"] for name in NAMES)  # type: ignore[index]
    sites.run_cron()
    assert register.push_once()["done"] == 2
    assert [sites.lms_user(name) for name in NAMES] == [None, None]
    assert {c.state for c in register.commands()} == {"done"}

    values = [sites.shared.first_name, sites.shared.last_name, sites.shared.email,
              *sites.shared.texts]
    assert scan(register.engine, values) == []
    with register.sessions() as session:
        person = session.get(Person, person_id)
        assert person is not None and person.status == "erased"
    # Neither site's full sync brings the person back.
    assert set(register.sync("--full")["runs"]) == set(NAMES)
    assert scan(register.engine, values) == []
    status = register.json("status")
    assert all(status["connectors"][n]["push"]["failed"] == 0 for n in NAMES)
