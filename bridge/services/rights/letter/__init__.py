"""Letters to the data subject: the access export (N11) and the erasure receipt, as an HTML
page and a PDF in Finnish or English.

The JSON documents stay the record for machines and auditors; a letter is written from the
same document for a person who is not a programmer: the notice's categories with one plain
sentence each, readable names instead of codes, dates in the controller's time zone, and
nothing empty.
"""

from __future__ import annotations

from bridge.services.rights.letter.export_letter import render_export
from bridge.services.rights.letter.page import to_pdf
from bridge.services.rights.letter.receipt_letter import render_plan, render_receipt
from bridge.services.rights.letter.values import Voice

__all__ = ["Voice", "render_export", "render_plan", "render_receipt", "to_pdf"]
