"""Spreadsheet formulas in the rejects file: written as text, read back as the value.

The rejects file repeats what an office spreadsheet held, and the office opens it in
Excel or LibreOffice. A cell starting with ``=``, ``+``, ``-`` or ``@`` (or a tab or
carriage return before one) is a formula there: ``=HYPERLINK(...)`` sends the reader's
data to a stranger's site, ``+cmd|' /C calc'!A0`` runs a program (OWASP, "CSV
injection"). Such cells get a leading ``'``, which spreadsheet programs read as "text".
The import removes that one ``'`` again, so a fixed rejects file imports the values the
original file had (a phone number ``+358 …`` stays ``+358 …``).
"""

from __future__ import annotations

#: First characters that make a spreadsheet program read a cell as a formula.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
TEXT_MARK = "'"


def as_text(cell: str) -> str:
    """The cell as a spreadsheet program will show it as text, never run it."""
    return TEXT_MARK + cell if cell.startswith(FORMULA_STARTS) else cell


def from_text(cell: str) -> str:
    """The value of a cell :func:`as_text` marked (any other cell unchanged)."""
    if cell.startswith(TEXT_MARK) and cell[1:].startswith(FORMULA_STARTS):
        return cell[1:]
    return cell
