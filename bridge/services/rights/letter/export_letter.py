"""The access export (N11) as a letter to the person: the notice's categories in order, one
plain sentence each, every value in words and local dates, nothing empty.

It reads the same document as the JSON export (plain JSON types) and leaves the technical
detail there: internal ids, provenance references and Moodle's event classes are not shown.
"""

from __future__ import annotations

from html import escape
from typing import Any

from bridge import notice
from bridge.services.rights.letter.export_sections import closing_sections
from bridge.services.rights.letter.fields import Fields
from bridge.services.rights.letter.lms_values import (
    access_text,
    enrolment_state,
    grade_item,
    grade_text,
)
from bridge.services.rights.letter.page import page, paragraph, record, section, subsection
from bridge.services.rights.letter.values import Voice

#: The fields shown per N6 group, in order (the JSON export has more).
#: What a record of the export shows: every field the JSON item has, in the JSON's order,
#: except internal ids and the parts drawn on their own (a field the export gains needs a
#: label in ``labels.WORDS``; the tests render every field).
NOT_SHOWN = frozenset(
    {
        "lms_user_id",
        "connector",
        "kind",  # the system line names the connector by its kind
        "custom_fields",
        "suspended",
        "access",
        "provenance",
        "link",
        "courses",
        "messages",
        "activity_log",
    }
)


def shown(item: dict[str, Any]) -> list[str]:
    return [key for key in item if key not in NOT_SHOWN]


class ExportLetter(Fields):
    """One export document rendered in one voice."""

    def __init__(self, document: dict[str, Any], voice: Voice) -> None:
        super().__init__(voice)
        self.doc = document

    # -- the N6 groups -----------------------------------------------------------------
    def category(self, key: str, items: list[dict[str, Any]]) -> str:
        title, about = notice.SECTIONS[key][self.v.lang]
        render = getattr(self, f"_{key}")
        return section(title, about, [render(items)])

    def _records(self, items: list[dict[str, Any]]) -> str:
        """Basic data and employers: one record per item, with its source (N7)."""
        return "".join(
            record(
                [
                    *self.rows(i, shown(i)),
                    (self.v.word("provenance"), self.provenance(i.get("provenance"))),
                ]
            )
            for i in items
        )

    _basic_data = _employer = _records

    def _customer_relationship(self, items: list[dict[str, Any]]) -> str:
        return self.grid(
            items,
            ("kind", "start_date", "end_date", "reference", "held_by"),
            provenance=lambda i: self.provenance(i.get("provenance")),
        )

    def _consents_and_marketing(self, items: list[dict[str, Any]]) -> str:
        return self.grid(
            items,
            (
                "record",
                "purpose",
                "channel",
                "status",
                "granted_at",
                "withdrawn_at",
                "prohibited_at",
                "lifted_at",
                "evidence",
                "held_by",
            ),
            provenance=lambda i: self.provenance(i.get("provenance")),
        )

    def _lms_data(self, accounts: list[dict[str, Any]]) -> str:
        return "".join(self.account(a) for a in accounts)

    def account(self, account: dict[str, Any]) -> str:
        names = {
            c["course"].get("lms_course_id"): c["course"].get("fullname")
            for c in account.get("courses", [])
        }
        title = f"{self.v.word('account')}: {escape(str(account.get('username') or ''))}"
        profile = [
            (self.v.word("connector"), self.v.system(str(account.get("connector", "")))),
            *self.rows(account, shown(account)),
            (self.v.word("access"), access_text(self.v, account.get("access") or {})),
            *(
                (self.v.profile_field(str(name)), escape(str(value)))
                for name, value in (account.get("custom_fields") or {}).items()
            ),
            (self.v.word("provenance"), self.provenance(account.get("provenance"))),
        ]
        log = self.grid(
            account.get("activity_log", []),
            ("time_created",),
            event=self.v.event,
            course=lambda e: escape(str(names.get(e.get("course_id")) or "")),
            ip=lambda e: escape(str(e.get("ip") or "")),
            origin=lambda e: self.value("origin", e.get("origin")),
        )
        messages = self.grid(
            account.get("messages", []),
            ("time_created",),
            sent_by=self.sender,
            text=lambda m: self.value("text", m.get("text")),
        )
        return subsection(
            title,
            [
                f"<p>{self.v.word('from_lms')}</p>",
                record(profile),
                *(self.course(c) for c in account.get("courses", [])),
                subsection(self.v.word("messages"), [messages], level=4),
                subsection(self.v.word("activity_log"), [log], level=4),
            ],
        )

    def sender(self, message: dict[str, Any]) -> str:
        sent_by = str(message.get("sent_by") or "")
        return self.v.word("you") if sent_by == "you" else self.v.word("other_user")

    def course(self, entry: dict[str, Any]) -> str:
        course = entry.get("course") or {}
        name = course.get("fullname") or course.get("shortname") or ""
        enrolment = entry.get("enrolment") or {}
        facts = record(
            [
                *self.rows(course, ("start_date", "end_date")),
                *self.rows(enrolment, ("roles", "status", "groups", "last_course_access")),
            ]
        )
        grades = self.grid(
            [
                {
                    **g,
                    "item": grade_item(self.v, g),
                    "grade": grade_text(self.v, g),
                    "hidden": g.get("hidden") or None,  # said only where it is so
                }
                for g in entry.get("grades", [])
            ],
            ("item", "grade", "feedback", "graded_at", "hidden"),
        )
        heading = f"{self.v.word('course')}: {escape(str(name))}"
        state = enrolment_state(entry.get("enrolment"), has_grades=bool(grades))
        if state:
            heading += f" ({self.v.code('enrolment', state)})"
        return subsection(
            heading,
            [
                facts,
                subsection(self.v.word("grades"), [grades], level=5) if grades else "",
                *(self.assignment(a) for a in entry.get("assignments", [])),
            ],
            level=4,
        )

    def assignment(self, entry: dict[str, Any]) -> str:
        assignment = entry.get("assignment") or {}
        submissions = self.grid(
            entry.get("submissions", []),
            ("status", "grading_status", "online_text", "files", "time_created", "time_modified"),
        )
        grades = self.grid(entry.get("assignment_grades", []), ("grade", "time_modified"))
        parts = [
            record(self.rows(assignment, ("due_date",))),
            f"<h6>{self.v.word('submissions')}</h6>{submissions}" if submissions else "",
            f"<h6>{self.v.word('assignment_grades')}</h6>{grades}" if grades else "",
        ]
        if not submissions and not grades:
            return ""
        title = f"{self.v.word('assignment')}: {escape(str(assignment.get('name') or ''))}"
        return subsection(title, parts, level=5)

    # -- the page ------------------------------------------------------------------------
    def render(self) -> str:
        doc, v = self.doc, self.v
        controller = doc["controller"]
        title, about = notice.SECTIONS["controller"][v.lang]
        body = [
            paragraph(v.text("export_intro")),
            section(
                title,
                about,
                [
                    record(
                        [
                            *self.rows(
                                controller,
                                (
                                    "name",
                                    "business_id",
                                    "address",
                                    "contact_name",
                                    "contact_email",
                                    "contact_phone",
                                ),
                            ),
                            (v.word("register"), escape(doc["register"]["name"])),
                        ]
                    )
                ],
            ),
        ]
        empty = []
        for key, category in doc["categories"].items():
            rendered = self.category(key, category["items"]) if category["items"] else ""
            if rendered:
                body.append(rendered)
            else:
                empty.append(escape(notice.SECTIONS[key][v.lang][0].lower()))
        if empty:
            also = ""
            if doc["categories"].get("lms_data", {}).get("items"):
                lms_title = notice.SECTIONS["lms_data"][v.lang][0]
                also = " " + escape(v.text("nothing_in_lms").format(section=v.quote(lms_title)))
            body.append(f"<p>{v.word('nothing_in')} {', '.join(empty)}.{also}</p>")
        body.extend(closing_sections(self, doc))
        meta = [
            f"{v.word('prepared')} {v.when(doc['generated_at'])}",
            f"{v.word('person_number')} {escape(str(doc['person_id']))}",
        ]
        if doc.get("request_id"):
            meta.append(f"{v.word('request_number')} {escape(str(doc['request_id']))}")
        heading = f"{v.text('export_title')} {v.quote(doc['register']['name'])}"
        recipient = doc.get("recipient") or {}
        return page(
            v.lang,
            heading,
            " · ".join(meta),
            body,
            sender=(controller.get("name") or "", controller.get("address") or ""),
            recipient=(
                recipient.get("name") or "",
                recipient.get("city") or "",
                v.country(recipient.get("country") or ""),
            ),
        )


def render_export(document: dict[str, Any], voice: Voice) -> str:
    """The letter for an export document whose values are plain JSON types."""
    return ExportLetter(document, voice).render()
