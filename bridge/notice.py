"""The privacy notice's texts that the register hands to a data subject, as data.

The access export (N11) repeats the notice clause by clause; the clauses' wording is the
controller's, not the exporter's, so it lives here, keyed by what it answers, and a change
of the notice is a change of this file only. Clause references (``N3`` …) follow
``seed/privacy-notice.en.md``.
"""

from __future__ import annotations

from types import MappingProxyType

#: N3: the text for each legal basis a person can have, and what every basis shares.
LEGAL_BASIS_TEXT = MappingProxyType(
    {
        "customer_relationship": (
            "Your data is processed on the basis of your customer relationship."
        ),
        "other_connection": "Your data is processed on the basis of another relevant connection.",
        "consent": "Your data is processed on the basis of your consent.",
    }
)
LEGAL_BASIS_NOTE = (
    "The service needs some data to work (e-mail, name). Consent can be withdrawn at any "
    "time; you then lose the right to the service."
)

#: N4.
PURPOSES = (
    "Maintaining, managing and developing the customer relationships of the training "
    "services; the controller's own direct marketing (only as your marketing permissions "
    "allow)."
)

#: N6: the content groups, key → (clause, title).
CATEGORIES = MappingProxyType(
    {
        "basic_data": ("N6 a", "Basic data"),
        "employer": ("N6 b", "Employer"),
        "customer_relationship": ("N6 c", "Customer relationship"),
        "consents_and_marketing": ("N6 c", "Consents and direct-marketing permissions"),
        "lms_data": ("N6 d", "Online-course data"),
    }
)

#: N7: what each provenance ``source`` value means.
SOURCES = MappingProxyType(
    {
        "registration": "collected when you registered",
        "lms_sync": "recorded by the online-course system while you used the service",
        "data_subject": "given or corrected by you",
        "admin": "recorded by the controller's staff from your communication with us",
    }
)

#: N8.
NO_DISCLOSURE = (
    "Your data is not disclosed to outsiders and is used only for the purposes above. "
    "Processors that help manage customer data have a GDPR data-processing agreement."
)

#: N9.
NO_TRANSFER = "Your data is not transferred outside the EU/EEA."

#: N11.
RIGHTS = (
    "You have the right to check the data stored about you (this export). A request is "
    "made in writing and signed to the contact person above, or in person at the "
    "controller's address. You have the right to have wrong data corrected, and in some "
    "situations to have your data erased. Electronic direct marketing is sent only with "
    "your consent, and you may withdraw a consent or prohibit direct marketing at any "
    "time. You may lodge a complaint with the supervisory authority (in Finland the Data "
    "Protection Ombudsman, tietosuoja.fi)."
)


def legal_basis_text(code: str) -> str:
    """The N3 text for a person's legal basis, with the note every basis shares."""
    return f"{LEGAL_BASIS_TEXT.get(code, '')} {LEGAL_BASIS_NOTE}".strip()
