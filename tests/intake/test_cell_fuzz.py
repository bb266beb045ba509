"""Generated spreadsheet cells through the import path: no traceback, every bad row
rejected with a reason naming its line, every good row stored.

Seeded (``derandomize``) and bounded so the suite stays fast; the number of generated
sheets and cells is printed at the end of the run so it can be quoted.
"""

from __future__ import annotations

import csv
import itertools
from collections import Counter
from pathlib import Path

import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

from bridge.store.models import Person
from tests.intake.factories import write_csv, write_xlsx

HEADERS = ("Etunimi", "Sukunimi", "Sähköposti", "Muistiinpano")
EXAMPLES = 60
TALLY: Counter[str] = Counter()
_serial = itertools.count(1)

letters = st.text(st.characters(categories=("L",)), min_size=1, max_size=40)
good_name = letters.filter(lambda s: s.strip() == s)
bad_name = st.one_of(
    st.builds(lambda a, c, b: a + c + b, letters, st.sampled_from(
        ["\x00", "\x1b", "\x07", "\x7f", "\x9b", "\u202a", "\u202e", "\u2066", "\u2069"]),
        letters),
    st.integers(201, 5000).map(lambda n: "n" * n),
)
#: Anything at all: stored or rejected, never a traceback.
any_text = st.one_of(
    st.text(max_size=300),
    st.integers(-10**30, 10**30).map(str),
    st.floats(allow_nan=True, allow_infinity=True).map(repr),
    st.dates().map(lambda d: d.strftime("%d.%m.%Y")),
    st.sampled_from(["=SUM(A1:A3)", "+1", "-1", "@x", "'", '"', ";", "\t", "\r\n"]),
)
cell_kind = st.sampled_from(["good", "bad", "any", "formula"])


def _row(kind: str, first: str, bad: str, anything: str) -> tuple[str, str | None]:
    return kind, {"good": first, "bad": bad, "any": anything, "formula": "=UPPER(A1)"}[kind]


rows_strategy = st.lists(
    st.builds(_row, cell_kind, good_name, bad_name, any_text), min_size=1, max_size=8)


def _for_xlsx(text: str | None) -> str | None:
    """openpyxl cannot write C0 controls; they stay in the CSV half of the fuzzing."""
    return None if text is None else ILLEGAL_CHARACTERS_RE.sub("?", text)


@settings(max_examples=EXAMPLES, derandomize=True, deadline=None, database=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture,
                                 HealthCheck.too_slow])
@given(rows=rows_strategy, excel=st.booleans(), note=any_text)
def test_generated_cells_are_stored_or_rejected_with_a_reason(
    tmp_path: Path, importer, sessions, rows, excel, note
) -> None:
    serial = next(_serial)
    sheet = [HEADERS]
    expected: dict[int, tuple[str, str]] = {}
    for line, (kind, cell) in enumerate(rows, start=2):
        email = f"fuzz{serial}.{line}@example.fi"
        if excel:
            if _for_xlsx(cell) != cell:
                cell, kind = _for_xlsx(cell), "any"  # what was bad about it is gone
            note_cell = _for_xlsx(note[:2000])
        else:
            note_cell = note[:2000]
            if kind == "formula":
                kind = "any"  # a CSV has no formulas: "=UPPER(A1)" is text
        sheet.append((cell, "Testaaja", email, note_cell))
        expected[line] = (kind, email)
    path = (write_xlsx(tmp_path / f"f{serial}.xlsx", sheet) if excel
            else write_csv(tmp_path / f"f{serial}.csv", sheet))

    rejects = tmp_path / f"f{serial}.rejects.csv"
    report = importer("persons", path, skip_invalid=True, rejects_path=rejects)

    TALLY["sheets"] += 1
    TALLY["cells"] += len(rows) * len(HEADERS)
    TALLY["rejected rows"] += report.rejected
    assert report.status == "ok", report.errors
    assert report.rows == len(rows)
    # Lines in messages are the file's own (a cell with a line break moves the next row
    # down), so rejected rows are matched by their e-mail in the rejects file.
    with rejects.open(encoding="utf-8-sig", newline="") as handle:
        rejected_rows = list(csv.reader(handle, delimiter=";"))[1:]
    rejected = {row[2] for row in rejected_rows}
    assert len(rejected) == report.rejected <= len(report.errors)
    assert all(row[-1] for row in rejected_rows)  # every rejection has its reason
    with sessions() as session:
        stored = set(session.scalars(sa.select(Person.email).where(
            Person.email.like(f"fuzz{serial}.%"))))
    for kind, email in expected.values():
        if kind == "good":
            assert email in stored and email not in rejected
        elif kind in ("bad", "formula"):
            assert email not in stored and email in rejected
        else:
            assert (email in stored) != (email in rejected)


@pytest.fixture(scope="module", autouse=True)
def _report_the_number_of_cases(request: pytest.FixtureRequest):
    yield
    if TALLY:
        plugins = request.config.pluginmanager
        reporter = plugins.get_plugin("terminalreporter")
        capture = plugins.get_plugin("capturemanager")
        line = ("spreadsheet-cell fuzzing: {sheets} generated sheets, {cells} cells, "
                "{rejected} rows rejected with a reason, 0 tracebacks").format(
            sheets=TALLY["sheets"], cells=TALLY["cells"], rejected=TALLY["rejected rows"])
        if reporter is not None and capture is not None:
            with capture.global_and_fixture_disabled():
                reporter.write_line("")
                reporter.write_line(line)
