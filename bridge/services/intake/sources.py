"""Reading spreadsheets as Finnish offices save them, one row at a time.

CSV: UTF-8 with or without BOM, UTF-16 (Excel's "Unicode text") or Windows-1252,
comma, semicolon or tab separated (detected from the header line), any line endings.
Excel: ``.xlsx`` through openpyxl's read-only mode, first sheet. Both stream: memory does
not grow with the file. Line numbers are the ones a spreadsheet program shows.
"""

from __future__ import annotations

import codecs
import csv
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, time
from pathlib import Path
from typing import Any

from bridge.errors import UsageError
from bridge.services.intake.formulas import from_text

CSV_SUFFIXES = (".csv", ".txt", ".tsv")
EXCEL_SUFFIXES = (".xlsx", ".xlsm")
DELIMITERS = (";", ",", "\t")
_CHUNK = 1 << 20


@dataclass(frozen=True)
class SheetRow:
    line: int
    cells: list[str | None]


def _clean(value: str | None) -> str | None:
    if value is None:
        return None
    value = from_text(value.strip()).strip()
    return value or None


def _line_of(path: Path, offset: int) -> int:
    lines = 1
    with path.open("rb") as handle:
        while offset > 0:
            chunk = handle.read(min(offset, _CHUNK))
            lines, offset = lines + chunk.count(b"\n"), offset - len(chunk)
    return lines


def detect_encoding(path: Path) -> str:
    """UTF-8 (with or without BOM), UTF-16 with BOM, else Windows-1252.

    A file that is UTF-8 up to some line and then not (two exports pasted together) is
    refused: guessing would silently garble one half of it.
    """
    with path.open("rb") as handle:
        head = handle.read(4)
        if head.startswith(codecs.BOM_UTF8):
            return "utf-8-sig"
        if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
            return "utf-16"
        handle.seek(0)
        decoder = codecs.getincrementaldecoder("utf-8")()
        offset, non_ascii = 0, False
        while chunk := handle.read(_CHUNK):
            try:
                decoder.decode(chunk)
            except UnicodeDecodeError as exc:
                if non_ascii or not chunk[: exc.start].isascii():
                    line = _line_of(path, offset + exc.start)
                    raise UsageError(
                        f"{path.name}: line {line} is not UTF-8 although the lines before it "
                        "are; save the whole file again as UTF-8"
                    ) from None
                return "cp1252"
            non_ascii = non_ascii or not chunk.isascii()
            offset += len(chunk)
    return "utf-8"


class Sheet:
    """The header is the first non-blank row; data rows are the non-blank rows below it."""

    description = ""

    def __init__(self, path: Path) -> None:
        self.path, self.name = path, path.name
        self.headers: list[str | None] = []
        self._header_line = 0

    def _records(self) -> Iterator[SheetRow]:
        raise NotImplementedError

    def _read_header(self) -> None:
        for row in self._records():
            self.headers, self._header_line = row.cells, row.line
            break
        if not any(self.headers):
            raise UsageError(f"{self.name}: the sheet is empty (no header row)")

    def rows(self) -> Iterator[SheetRow]:
        for row in self._records():
            if row.line > self._header_line:
                yield row


class CsvSheet(Sheet):
    def __init__(self, path: Path) -> None:
        super().__init__(path)
        self.encoding = detect_encoding(path)
        self.delimiter = self._detect_delimiter()
        self._read_header()
        shown = {"\t": "tab"}.get(self.delimiter, repr(self.delimiter))
        self.description = f"CSV, {self.encoding}, {shown}-separated"

    def _detect_delimiter(self) -> str:
        with self.path.open(encoding=self.encoding, newline="") as handle:
            for line in handle:
                if line.strip():
                    counts = {d: line.count(d) for d in DELIMITERS}
                    best = max(DELIMITERS, key=lambda d: counts[d])
                    return best if counts[best] else ","
        return ","

    def _records(self) -> Iterator[SheetRow]:
        before = 0  # physical lines read before the current record
        try:
            with self.path.open(encoding=self.encoding, newline="") as handle:
                reader = csv.reader(handle, delimiter=self.delimiter)
                for cells in reader:
                    line, before = before + 1, reader.line_num
                    cleaned = [_clean(c) for c in cells]
                    if any(cleaned):
                        yield SheetRow(line, cleaned)
        except UnicodeDecodeError as exc:
            raise UsageError(
                f"{self.name}: line {before + 1} has bytes that are not {self.encoding} text "
                f"({exc.reason}); save the file as UTF-8"
            ) from None
        except csv.Error as exc:
            raise UsageError(f"{self.name}: line {before + 1}: {exc}") from None


def _cell_text(value: Any) -> str | None:
    """Excel cell values as the text a user sees: whole numbers without ``.0`` (phone
    numbers typed as numbers), dates as ISO."""
    if value is None:
        return None
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == time(0) else value.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return _clean(str(value))


class ExcelSheet(Sheet):
    sheet_title = ""

    def __init__(self, path: Path) -> None:
        super().__init__(path)
        self._read_header()
        self.description = f"Excel, sheet {self.sheet_title!r}"

    def _records(self) -> Iterator[SheetRow]:
        import zipfile

        import openpyxl  # imported here: only Excel imports pay for it
        from openpyxl.utils.exceptions import InvalidFileException

        try:
            book = openpyxl.load_workbook(self.path, read_only=True, data_only=True)
        except (InvalidFileException, zipfile.BadZipFile, OSError, KeyError, ValueError) as exc:
            raise UsageError(f"{self.name}: not a readable .xlsx workbook ({exc})") from None
        try:
            sheet = book.worksheets[0]
            self.sheet_title = sheet.title
            for line, values in enumerate(sheet.iter_rows(min_row=1, values_only=True), 1):
                cells = [_cell_text(v) for v in values]
                if any(cells):
                    yield SheetRow(line, cells)
        finally:
            book.close()


def open_sheet(path: Path) -> Sheet:
    if not path.is_file():
        raise UsageError(f"{path}: no such file")
    suffix = path.suffix.lower()
    if suffix in EXCEL_SUFFIXES:
        return ExcelSheet(path)
    if suffix in CSV_SUFFIXES:
        return CsvSheet(path)
    raise UsageError(
        f"{path.name}: cannot read {suffix or 'this'} files; save the sheet as .xlsx or CSV"
    )
