"""How erasure's sweep recognises a person in bookkeeping text: whole words in any case,
in plain text or JSON (escaped or not), and never a short name inside another word."""

from __future__ import annotations

from bridge.services.rights.residue import Identifiers
from bridge.store.models import LmsAccount, Person


def identifiers() -> Identifiers:
    person = Person(first_name="Ella", last_name="Mäkinen", email="ella.makinen@example.fi")
    account = LmsAccount(
        connector="moodle",
        lms_user_id=7,
        username="emakinen",
        first_name="Ella",
        last_name="Mäkinen",
        email="Ella.Makinen@example.fi",
    )
    return Identifiers.of(person, [account])


def test_names_emails_and_usernames_are_found_in_any_case_and_json() -> None:
    who = identifiers()
    assert who.lms_ids == (("moodle", 7),)
    # Moodle escapes non-ASCII in its JSON: an old excerpt holds the \\u spelling.
    assert who.named_in('answer is not JSON ([{"userfullname": "M\\u00e4kinen"')
    assert who.named_in('"M\\u00c4KINEN"')
    assert who.named_in({"gradebook": {"error": "… MÄKINEN …"}})
    assert who.named_in("asked by ella.makinen@example.fi")
    assert who.named_in(["login emakinen refused"])


def test_a_name_inside_another_word_is_not_a_match() -> None:
    who = identifiers()
    assert not who.named_in("Cinderella Mäkinenkatu 3")
    assert not who.named_in({"status": "ok", "fetched": 7})
    assert not who.named_in(None)
