"""Small factories for spreadsheets as offices save them: bytes in a chosen encoding,
separator and line ending, or an .xlsx with the same cells."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.orm import Session, sessionmaker

Cell = str | int | float | None

#: A person row in Finnish headers, as the customer spreadsheet has it.
FI_PERSON_HEADERS = ("Etunimi", "Sukunimi", "Sähköposti", "Puhelin", "Ammatti", "Y-tunnus",
                     "Yritys", "Nimike")


def csv_bytes(rows: Sequence[Sequence[Cell]], *, delimiter: str = ";", encoding: str = "utf-8",
              bom: bool = False, newline: str = "\r\n") -> bytes:
    def cell(value: Cell) -> str:
        text = "" if value is None else str(value)
        if any(c in text for c in (delimiter, '"', "\n")):
            text = '"' + text.replace('"', '""') + '"'
        return text

    text = "".join(delimiter.join(cell(c) for c in row) + newline for row in rows)
    return (b"\xef\xbb\xbf" if bom else b"") + text.encode(encoding)


def write_csv(path: Path, rows: Sequence[Sequence[Cell]], **options: object) -> Path:
    path.write_bytes(csv_bytes(rows, **options))  # type: ignore[arg-type]
    return path


def write_xlsx(path: Path, rows: Sequence[Sequence[Cell]]) -> Path:
    import openpyxl

    book = openpyxl.Workbook()
    sheet = book.active
    for row in rows:
        sheet.append(list(row))
    book.save(path)
    return path


def person_row(n: int, *, email: str | None = None, business_id: str | None = "0104505-9",
               employer: str | None = "BPW Kraatz Oy", **overrides: Cell) -> list[Cell]:
    values: dict[str, Cell] = {
        "Etunimi": f"Äänä{n}", "Sukunimi": f"Öljymäki{n}",
        "Sähköposti": email or f"person{n}@example.fi", "Puhelin": f"040 {1000000 + n}",
        "Ammatti": "Sähköasentaja", "Y-tunnus": business_id, "Yritys": employer,
        "Nimike": "Työnjohtaja",
    }
    values.update(overrides)
    return [values[h] for h in FI_PERSON_HEADERS]


def count(sessions: sessionmaker[Session], model: type) -> int:
    with sessions() as session:
        return session.scalar(sa.select(sa.func.count()).select_from(model)) or 0
