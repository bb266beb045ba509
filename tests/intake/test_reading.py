"""Spreadsheets as Finnish offices save them are read right, row by row, with the line
numbers a spreadsheet program shows."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path

import pytest

from bridge.errors import UsageError
from bridge.services.intake.sources import CsvSheet, ExcelSheet, open_sheet
from tests.intake.factories import csv_bytes, write_xlsx

ROWS = [["Etunimi", "Sukunimi", "Sähköposti"], ["Äänä", "Öljymäki", "aana@example.fi"],
        ["Åsa", "Sjöholm", "asa@example.fi"]]


def cells(sheet) -> list[tuple[int, list[str | None]]]:
    return [(row.line, row.cells) for row in sheet.rows()]


@pytest.mark.parametrize(
    ("options", "encoding", "delimiter"),
    [
        ({"encoding": "utf-8", "bom": True, "delimiter": ";"}, "utf-8-sig", ";"),
        ({"encoding": "utf-8", "delimiter": ","}, "utf-8", ","),
        ({"encoding": "cp1252", "delimiter": ";"}, "cp1252", ";"),
        ({"encoding": "utf-8", "delimiter": "\t", "newline": "\n"}, "utf-8", "\t"),
    ],
)
def test_encoding_and_separator_are_detected(tmp_path: Path, options, encoding, delimiter) -> None:
    path = tmp_path / "people.csv"
    path.write_bytes(csv_bytes(ROWS, **options))
    sheet = open_sheet(path)
    assert isinstance(sheet, CsvSheet)
    assert (sheet.encoding, sheet.delimiter) == (encoding, delimiter)
    assert sheet.headers == ROWS[0]
    assert cells(sheet) == [(2, ROWS[1]), (3, ROWS[2])]


def test_utf16_excel_unicode_text_is_read(tmp_path: Path) -> None:
    path = tmp_path / "people.txt"
    path.write_bytes(csv_bytes(ROWS, delimiter="\t", encoding="utf-16"))
    assert cells(open_sheet(path))[0] == (2, ROWS[1])


def test_line_numbers_count_blank_lines_and_multiline_cells(tmp_path: Path) -> None:
    path = tmp_path / "people.csv"
    path.write_bytes(b'a;b\r\n\r\n"two\r\nlines";x\r\n ; \r\nlast;y\r\n')
    assert cells(open_sheet(path)) == [(3, ["two\r\nlines", "x"]), (6, ["last", "y"])]


def test_a_file_that_turns_from_utf8_to_cp1252_is_refused_with_its_line(tmp_path: Path) -> None:
    path = tmp_path / "pasted.csv"
    path.write_bytes("a;b\nÄänä;1\n".encode() + "Öljy;2\n".encode("cp1252"))
    with pytest.raises(UsageError, match=r"pasted.csv: line 3 is not UTF-8"):
        open_sheet(path)


def test_unknown_formats_and_missing_files_are_usage_errors(tmp_path: Path) -> None:
    with pytest.raises(UsageError, match="no such file"):
        open_sheet(tmp_path / "missing.csv")
    (tmp_path / "old.xls").write_bytes(b"\xd0\xcf\x11\xe0")
    with pytest.raises(UsageError, match=r"save the sheet as \.xlsx or CSV"):
        open_sheet(tmp_path / "old.xls")
    (tmp_path / "empty.csv").write_bytes(b"\r\n\r\n")
    with pytest.raises(UsageError, match="no header row"):
        open_sheet(tmp_path / "empty.csv")
    (tmp_path / "broken.xlsx").write_bytes(b"not a zip")
    with pytest.raises(UsageError, match=r"not a readable \.xlsx"):
        open_sheet(tmp_path / "broken.xlsx")


def test_excel_cells_read_as_the_user_sees_them(tmp_path: Path) -> None:
    path = write_xlsx(tmp_path / "people.xlsx", [
        ["Sähköposti", "Puhelin", "Alkaa", "Kello"],
        [None, None, None, None],
        ["aana@example.fi", 401234567, datetime(2026, 1, 31), datetime(2026, 1, 31, 14, 5)],
        ["b@example.fi", 401234567.0, date(2025, 12, 1), "  spaced  "],
    ])
    sheet = open_sheet(path)
    assert isinstance(sheet, ExcelSheet)
    assert cells(sheet) == [
        (3, ["aana@example.fi", "401234567", "2026-01-31", "2026-01-31T14:05:00"]),
        (4, ["b@example.fi", "401234567", "2025-12-01", "spaced"]),
    ]
