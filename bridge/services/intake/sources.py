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
from dataclasses import dataclass, field
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
    #: Column index → cell reference (``Sheet1!C7``) of the formula cells: their value
    #: is not read (it is whatever Excel last computed, or nothing), so they are rejected.
    formulas: dict[int, str] = field(default_factory=dict)


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


def _check_cp1252(path: Path) -> None:
    """Five bytes (0x81, 0x8D, 0x8F, 0x90, 0x9D) are no Windows-1252 character: a file
    holding one is in some other encoding, and guessing would garble it. Refused naming
    the line and the byte's column, before any row is read."""
    decoder = codecs.getincrementaldecoder("cp1252")()
    offset = 0
    with path.open("rb") as handle:
        while chunk := handle.read(_CHUNK):
            try:
                decoder.decode(chunk)
            except UnicodeDecodeError as exc:
                where = offset + exc.start
                line = _line_of(path, where)
                start = chunk.rfind(b"\n", 0, exc.start)
                column = exc.start - start if start >= 0 else _column_of(path, where)
                raise UsageError(
                    f"{path.name}: line {line}, byte {column}: 0x{chunk[exc.start]:02x} is "
                    "neither UTF-8 nor Windows-1252 text; save the file as UTF-8"
                ) from None
            offset += len(chunk)


def _column_of(path: Path, offset: int) -> int:
    """The 1-based byte column of ``offset`` when its line began in an earlier chunk."""
    with path.open("rb") as handle:
        start = max(0, offset - _CHUNK)
        handle.seek(start)
        before = handle.read(offset - start)
    newline = before.rfind(b"\n")
    return offset - (start + newline) if newline >= 0 else offset + 1


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
                _check_cp1252(path)
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
        import openpyxl  # imported here: only Excel imports pay for it

        try:
            # Formulas as formulas (not data_only): a formula cell is reported, not read
            # as empty. openpyxl parses with defusedxml, which refuses entity expansion.
            book = openpyxl.load_workbook(self.path, read_only=True, data_only=False)
        except _UNREADABLE as exc:
            raise UsageError(f"{self.name}: not a readable .xlsx workbook ({_why(exc)})") from None
        try:
            sheet = book.worksheets[0]
            self.sheet_title = sheet.title
            for line, row in enumerate(sheet.iter_rows(min_row=1), 1):
                cells: list[str | None] = []
                formulas: dict[int, str] = {}
                for index, cell in enumerate(row):
                    if getattr(cell, "data_type", None) == "f":
                        formulas[index] = f"{sheet.title}!{cell.coordinate}"
                        cells.append(None)
                    else:
                        cells.append(_cell_text(cell.value))
                if any(cells) or formulas:
                    yield SheetRow(line, cells, formulas)
        except _UNREADABLE as exc:
            raise UsageError(f"{self.name}: not a readable .xlsx workbook ({_why(exc)})") from None
        finally:
            book.close()


def _unreadable() -> tuple[type[BaseException], ...]:
    import zipfile
    from xml.etree.ElementTree import ParseError

    return (zipfile.BadZipFile, OSError, KeyError, ValueError, TypeError, ParseError)


#: What openpyxl raises on a broken or hostile workbook (its InvalidFileException and
#: defusedxml's refusals are ValueErrors; expat's are ParseErrors).
_UNREADABLE = _unreadable()


def _why(exc: BaseException) -> str:
    """The reason in one line: defusedxml's refusal by name, else the first line."""
    chain: BaseException | None = exc
    while chain is not None:
        if type(chain).__module__.startswith("defusedxml"):
            return "it declares XML entities, which are refused (a hostile or broken file)"
        chain = chain.__cause__ or chain.__context__
    text = str(exc).strip().splitlines()
    return text[0][:200] if text else type(exc).__name__


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
