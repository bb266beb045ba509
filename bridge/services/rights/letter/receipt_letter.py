"""The erasure receipt and the erasure plan (``--dry-run``) as letters to the person: per
system what was (or will be) erased, what remains and why.

They read the dicts :mod:`bridge.services.rights.erasure` produces, unchanged, or as
:mod:`bridge.services.rights.erasure_record` issues them again. For an LMS the receipt says
the erasure was *requested* until the read-back has verified the deletion, then
*confirmed* with the date: the letter never claims more than the read-back shows
(CONTRACTS 6).
"""

from __future__ import annotations

from html import escape
from typing import Any

from bridge import notice
from bridge.services.rights.letter.fields import Fields
from bridge.services.rights.letter.page import page, paragraph, record, section, subsection, table
from bridge.services.rights.letter.remains_section import remains_section
from bridge.services.rights.letter.values import Voice

#: The reason ``bridge subject erase`` records when the operator gives none; the letter
#: says it in the letter's language.
DEFAULT_REASON = "data subject's erasure request"
#: The person's fields an erasure blanks, in the order the letter names them.
PERSON_FIELDS = ("first_name", "last_name", "email", "phone", "profession")


class ErasureLetter(Fields):
    """A receipt (done) or a plan (to do) in one voice."""

    def __init__(self, voice: Voice, *, done: bool) -> None:
        super().__init__(voice)
        self.done = done

    def register(
        self,
        name: str,
        erased: dict[str, Any],
        kept: list[dict[str, Any]],
        suppressed: dict[str, Any],
    ) -> str:
        v = self.v
        counts = [
            [v.code("table", table_name), escape(str(n))]
            for table_name, n in erased.items()
            if table_name != "person fields anonymised" and n
        ]
        fields = [
            v.word(f) for f in erased.get("person fields anonymised", []) if f in PERSON_FIELDS
        ]
        kept_rows = [
            [
                v.code("part", k["part"]),
                v.when(k.get("until")),
                escape(k.get("reason") or v.code("category", k.get("category", ""))),
            ]
            for k in kept
        ]
        return subsection(
            f"{v.word('register_system')}: {escape(name)}",
            [
                table([v.word("erased" if self.done else "to_erase"), v.word("count")], counts),
                f"<p>{v.word('anonymised' if self.done else 'to_anonymise')} "
                f"{', '.join(f.lower() for f in fields)}. {v.word('erased_mark')}</p>"
                if fields
                else "",
                f"<h4>{v.word('kept')}</h4>"
                + table([v.word("part"), v.word("until"), v.word("reason")], kept_rows)
                if kept_rows
                else "",
                paragraph(v.text("suppressed")) if any(suppressed.values()) else "",
            ],
        )

    def lms(
        self,
        name: str,
        mode: str,
        confirmed_at: Any = None,
        kept: list[dict[str, Any]] | None = None,
    ) -> str:
        """An LMS part: planned, requested, or confirmed on the day its read-back showed
        the deletion (only then; CONTRACTS 6), with what that read-back showed it kept.
        The push's number stays in the JSON."""
        v = self.v
        if self.done and confirmed_at:
            said = escape(v.text("lms_confirmed").format(when=v.when(confirmed_at)))
        elif self.done:
            said = v.word("lms_requested")
        else:
            said = v.word("lms_planned")
        return subsection(
            f"{v.word('lms_system')}: {v.system(name)}",
            [
                f"<p>{said}</p>",
                record([(v.word("method"), v.code("mode", mode))]),
                remains_section(v, v.word("remains"), mode, bool(confirmed_at), kept),
            ],
        )


def _reason(v: Voice, reason: str) -> str:
    return v.word("default_reason") if reason == DEFAULT_REASON else escape(reason)


def _controller(v: Voice, controller: dict[str, Any]) -> str:
    title, about = notice.SECTIONS["controller"][v.lang]
    return section(title, about, [_controller_rows(v, controller)])


def _controller_rows(v: Voice, controller: dict[str, Any]) -> str:
    return record(
        [
            (v.word("name"), escape(controller.get("name") or "")),
            (v.word("business_id"), escape(controller.get("business_id") or "")),
            (v.word("address"), escape(controller.get("address") or "")),
            (v.word("contact_name"), escape(controller.get("contact") or "")),
            (v.word("contact_email"), escape(controller.get("contact_email") or "")),
        ]
    )


def render_receipt(receipt: dict[str, Any], voice: Voice) -> str:
    """The letter for an erasure receipt (:func:`bridge.services.rights.erasure.execute`)."""
    letter, v = ErasureLetter(voice, done=True), voice
    body = [paragraph(v.text("receipt_intro")), _controller(v, receipt.get("controller") or {})]
    for system in receipt.get("systems", []):
        if "mode" in system:
            name = str(system["system"]).removeprefix("LMS connector ")
            body.append(
                letter.lms(
                    name, system["mode"], system.get("confirmed_at"), system.get("kept_in_lms")
                )
            )
        else:
            body.append(
                letter.register(
                    str(system["system"]).removeprefix("register: "),
                    system.get("erased") or {},
                    system.get("kept") or [],
                    system.get("suppressed identifiers") or {},
                )
            )
    body.append(
        record(
            [
                (v.word("reason"), _reason(v, receipt.get("reason") or "")),
                # The person's contact at the controller, not the OS account that ran it.
                (
                    v.word("operator"),
                    escape((receipt.get("controller") or {}).get("contact") or ""),
                ),
            ]
        )
    )
    meta = [
        f"{v.word('erased_at')} {v.when(receipt['erased_at'])}",
        f"{v.word('person_number')} {escape(str(receipt['person_id']))}",
    ]
    if receipt.get("request_id"):
        meta.append(f"{v.word('request_number')} {escape(str(receipt['request_id']))}")
    if receipt.get("confirmed_at"):
        meta.append(f"{v.word('confirmed_at')} {v.when(receipt['confirmed_at'])}")
    return page(v.lang, v.text("receipt_title"), " · ".join(meta), body)


def render_plan(plan: dict[str, Any], voice: Voice, *, register_name: str, prepared: Any) -> str:
    """The letter for an erasure plan (``--dry-run``): the same sections, in the future."""
    letter, v = ErasureLetter(voice, done=False), voice
    erased = {**plan.get("delete", {}), "person fields anonymised": plan.get("anonymise", [])}
    body = [
        paragraph(v.text("plan_intro")),
        letter.register(register_name, erased, plan.get("keep") or [], plan.get("suppress") or {}),
        *(letter.lms(p["connector"], p["mode"]) for p in plan.get("push", [])),
    ]
    meta = [
        f"{v.word('prepared')} {v.when(prepared)}",
        f"{v.word('person_number')} {escape(str(plan['person_id']))}",
    ]
    return page(v.lang, v.text("plan_title"), " · ".join(meta), body)
