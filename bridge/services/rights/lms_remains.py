"""What an LMS kept of an erased person, as the receipt tells it: per place, the rows its
read-back after the deletion still counted, and why they stay (CONTRACTS 6).

The connector reports counts only (``LmsState.remains``); this turns them into the
receipt's list, each place with one of three reasons: kept *by design* (the LMS keeps it
on purpose), *skipped* (the LMS's own deletion left it: on Moodle 4.5 a core fault hands
a privacy provider only some of the person's contexts, or the Data registry protects a
context), or *not removed* (the deletion did not reach it). A place with no rows is not
listed; nothing is said to be deleted that the read-back did not show gone, and when
nothing was read back the receipt says so instead of repeating the LMS's promise.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

#: What each erasure mode leaves in Moodle before anything is read back (reference 3.2,
#: 3.5; CONTRACTS 6): the receipt says this until the read-back confirms the deletion.
MODE_LIMITS = {
    "privacy_request": "Moodle's privacy providers delete the user's data plugin by plugin; "
    "what they leave is read back before the receipt says confirmed. By design the user row "
    "stays (marked deleted, the name kept), so do the data request record, the deletion log "
    "event with the old username and e-mail, and log rows naming the user as related user; "
    "contexts protected in Moodle's Data registry, and on Moodle 4.5 contexts a core fault "
    "skips, keep their data too",
    "delete_user": "Moodle keeps names, city, country, phone, address, description, "
    "submissions, forum posts, messages and logs of a deleted user",
}

#: What a confirmed receipt says of an LMS part, with and without a read-back of the rest.
READ_BACK = "read back after the deletion: kept_in_lms lists every place that still holds rows"
NOT_READ_BACK = (
    "not read back: the LMS was not asked what still names the person after the deletion, "
    "so this receipt says nothing of it (for Moodle: add the companion plugin's "
    "local_registrybridge_get_user_remains to the bridge's service)"
)

#: A place's name in the person's words: code → (fi, en).
PLACES: dict[str, tuple[str, str]] = {
    "log_userid": (
        "lokimerkinnät omista toimistasi",
        "log entries of your own actions",
    ),
    "log_relateduserid": (
        "lokimerkinnät muiden toimista, joissa sinut mainitaan (esimerkiksi opettajan arviointi)",
        "log entries of other people's actions that name you (e.g. a teacher grading you)",
    ),
    "log_deletion_event": (
        "poiston oma lokimerkintä (sisältää vanhan käyttäjätunnuksesi ja sähköpostiosoitteesi)",
        "the deletion's own log entry (it holds your old username and e-mail address)",
    ),
    "forum_posts_blanked": (
        "keskustelualueen viestit, joiden otsikko ja teksti on tyhjennetty",
        "forum posts whose subject and text were blanked",
    ),
    "forum_posts": ("keskustelualueen viestit tekstineen", "forum posts with their text"),
    "messages_sent": ("lähettämäsi viestit", "messages you sent"),
    "conversation_memberships": ("jäsenyydet keskusteluissa", "memberships of conversations"),
    "files": ("tiedostot", "files"),
    "grade_grades": ("arvosanat", "grades"),
    "grade_history": ("arvosanojen muutoshistoria", "the history of your grades"),
    "submissions": ("tehtäväpalautukset", "assignment submissions"),
    "privacy_requests": ("poistopyyntösi tiedot", "the record of your deletion request"),
    "user_row": ("käyttäjätilisi rivi, merkittynä poistetuksi", "your account row, marked deleted"),
}

#: Why a place stays: code → (fi, en).
WHY: dict[str, tuple[str, str]] = {
    "by_design": (
        "Moodle säilyttää nämä tarkoituksella",
        "Moodle keeps these by design",
    ),
    "skipped": (
        "Moodlen tietosuojapoisto ohitti nämä (Moodle 4.5:n virhe tai tietorekisterissä "
        "suojattu konteksti)",
        "Moodle's privacy deletion skipped these (a fault of Moodle 4.5, or a context its "
        "Data registry protects)",
    ),
    "not_removed": ("Moodlen poisto ei poistanut näitä", "Moodle's deletion did not remove these"),
}

#: What the account row still holds: flag → (fi, en), said when the flag shows it.
ROW_NOTES: dict[str, tuple[str, str]] = {
    "username_kept": (
        "käyttäjätunnus sisältää yhä vanhan sähköpostiosoitteesi",
        "the username still holds your old e-mail address",
    ),
    "email_hashed": (
        "sähköpostiosoite on korvattu tiivisteellä",
        "the e-mail address was replaced by a hash",
    ),
    "profile_fields_kept": (
        "{n} profiilitietoa (kuten nimesi) on yhä tallessa",
        "{n} profile values (such as your name) are kept",
    ),
}

#: Each place's reason, in the order the receipt lists them.
_REASONS: tuple[tuple[str, str], ...] = (
    ("user_row", "by_design"),
    ("log_deletion_event", "by_design"),
    ("log_relateduserid", "by_design"),
    ("privacy_requests", "by_design"),
    ("forum_posts_blanked", "by_design"),
    ("log_userid", "skipped"),
    ("forum_posts", "not_removed"),
    ("messages_sent", "not_removed"),
    ("conversation_memberships", "not_removed"),
    ("files", "not_removed"),
    ("grade_grades", "not_removed"),
    ("grade_history", "not_removed"),
    ("submissions", "not_removed"),
)


def kept(remains: Mapping[str, Any]) -> list[dict[str, Any]]:
    """The places with rows left, each with its count, reason and (``said``) the same in
    English words for the receipt's text form. Overlapping counts are split so that every
    row is told once: the deletion event out of the related-user log rows, the blanked
    posts out of the posts."""
    counts = {k: v for k, v in remains.items() if isinstance(v, int) and not isinstance(v, bool)}
    counts["log_relateduserid"] = counts.get("log_relateduserid", 0) - counts.get(
        "log_deletion_event", 0
    )
    counts["forum_posts"] = counts.get("forum_posts", 0) - counts.get("forum_posts_blanked", 0)
    counts["user_row"] = 1 if remains.get("user_row") else 0
    known = {place for place, _ in _REASONS}
    others = sorted(p for p in counts if p not in known and not p.startswith("user_"))
    reasons = [*_REASONS, *((p, "not_removed") for p in others)]
    rows = []
    for place, why in reasons:
        if counts.get(place, 0) > 0:
            notes = _row_notes(remains) if place == "user_row" else {}
            row = {"place": place, "rows": counts[place], "why": why, "notes": notes}
            rows.append({**row, "said": said(row, 1)})
    return rows


def _row_notes(remains: Mapping[str, Any]) -> dict[str, int]:
    notes: dict[str, int] = {}
    if remains.get("user_deleted") and not remains.get("user_username_anonymised"):
        notes["username_kept"] = 1
    if remains.get("user_email_anonymised"):
        notes["email_hashed"] = 1
    fields = remains.get("user_profile_fields_kept")
    if isinstance(fields, int) and fields > 0:
        notes["profile_fields_kept"] = fields
    return notes


def said(row: dict[str, Any], index: int) -> str:
    """One row of :func:`kept` as a sentence, in Finnish (``index`` 0) or English (1)."""
    notes = [ROW_NOTES[k][index].format(n=n) for k, n in row["notes"].items()]
    place = PLACES.get(row["place"], (row["place"].replace("_", " "),) * 2)[index]
    why = WHY[row["why"]][index] + (f" ({'; '.join(notes)})" if notes else "")
    return f"{place}: {row['rows']} — {why}"
