"""The Makefile on a newcomer's first day: a quiet install, `make demo` saying where
`bridge` is, `make test` giving the reasons for its skips, `make system-packages`.

Each runs the real Makefile in a scratch folder with stand-ins for the programs it calls
(python, pip, bridge, pytest, dpkg-query, apt-get, id), so nothing is installed.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.readme_setup import section
from tests.untested import untested_lines

REPO = Path(__file__).resolve().parents[2]
MAKE = shutil.which("make")
pytestmark = pytest.mark.skipif(MAKE is None, reason="make is not installed")

PIP_NOISE = """\
WARNING: Location 'file:///opt/pypi-more/simple/requests/' is ignored: it is neither a file nor a directory.
  setuptools/config/_apply_pyprojecttoml.py:82: BuildBackendWarning: `project.license` as a TOML table is deprecated
Successfully installed lms-registry-bridge-0.1.0
"""  # noqa: E501


def _stub(folder: Path, name: str, script: str) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_text(f"#!/bin/sh\n{script}\n", encoding="utf-8")
    path.chmod(0o755)


def _scratch(tmp_path: Path) -> Path:
    work = tmp_path / "clone"
    work.mkdir()
    for name in ("Makefile", "pyproject.toml"):
        shutil.copy2(REPO / name, work / name)
    return work


def _make(work: Path, *args: str, path: Path | None = None) -> subprocess.CompletedProcess[str]:
    assert MAKE is not None
    env = {**os.environ, "PATH": str(path) if path else os.environ["PATH"]}
    return subprocess.run(
        [MAKE, "--no-print-directory", *args], cwd=work, env=env, capture_output=True,
        text=True, timeout=120, check=False,
    )


def _python_making_a_venv(tmp_path: Path, pip_script: str) -> Path:
    """A python3 whose ``-m venv .venv`` makes a .venv with the given pip."""
    tools = tmp_path / "tools"
    pip = tools / "pip"
    _stub(tools, "pip", pip_script)
    _stub(
        tools, "python3",
        f'mkdir -p "$3/bin" && cp "{pip}" "$3/bin/pip" && touch "$3/bin/python"',
    )
    return tools / "python3"


def test_a_successful_install_prints_no_pip_warnings(tmp_path: Path) -> None:
    work = _scratch(tmp_path)
    noise = tmp_path / "noise.txt"
    noise.write_text(PIP_NOISE, encoding="utf-8")
    python = _python_making_a_venv(tmp_path, f'cat "{noise}" >&2; exit 0')
    done = _make(work, f"PYTHON={python}", ".venv/.installed")
    assert done.returncode == 0, done.stderr
    printed = done.stdout + done.stderr
    assert "WARNING" not in printed and "deprecated" not in printed, printed
    assert "installing lms-registry-bridge into .venv" in printed
    assert len(printed.strip().splitlines()) <= 3, printed
    assert (work / ".venv" / ".installed").exists()


def test_a_failed_install_shows_pip_s_whole_log(tmp_path: Path) -> None:
    work = _scratch(tmp_path)
    python = _python_making_a_venv(
        tmp_path, 'echo "ERROR: No matching distribution found for requests>=2.31" >&2; exit 1'
    )
    done = _make(work, f"PYTHON={python}", ".venv/.installed")
    assert done.returncode != 0
    assert "No matching distribution found for requests" in done.stdout + done.stderr
    assert not (work / ".venv" / ".installed").exists()


def _installed(tmp_path: Path) -> Path:
    """A scratch clone whose .venv is up to date, with ``bridge`` and ``pytest`` echoing
    their arguments."""
    work = _scratch(tmp_path)
    bin_ = work / ".venv" / "bin"
    _stub(bin_, "python", "exit 0")
    _stub(bin_, "bridge", 'echo "bridge $*"')
    _stub(bin_, "pytest", 'echo "pytest $*"')
    stamp = work / ".venv" / ".installed"
    stamp.touch()
    later = (work / "pyproject.toml").stat().st_mtime + 10
    os.utime(stamp, (later, later))
    return work


def test_make_demo_ends_by_saying_how_to_run_bridge(tmp_path: Path) -> None:
    done = _make(_installed(tmp_path), "demo")
    assert done.returncode == 0, done.stderr
    tail = "\n".join(done.stdout.strip().splitlines()[-3:])
    assert ". .venv/bin/activate" in tail and ".venv/bin/bridge" in tail, done.stdout
    readme_top = (REPO / "README.md").read_text(encoding="utf-8").split("\n## ")[0]
    assert ". .venv/bin/activate" in readme_top


def test_make_test_lists_the_reason_of_every_skip(tmp_path: Path) -> None:
    done = _make(_installed(tmp_path), "test")
    assert done.returncode == 0, done.stderr
    ran = next(line for line in done.stdout.splitlines() if line.startswith("pytest "))
    assert "-rs" in ran.split() or "-rA" in ran.split(), ran


def _system(tmp_path: Path, uid: int, installed: str = "") -> tuple[Path, Path]:
    """Stand-ins for dpkg-query (only ``installed`` is installed), apt-get (records its
    arguments) and id; no sudo."""
    tools, record = tmp_path / "system", tmp_path / "apt-get.args"
    _stub(
        tools, "dpkg-query",
        'for a; do last="$a"; done; '
        f'for p in {installed} none; do [ "$last" = "$p" ] && printf installed && exit 0; done; '
        "exit 1",
    )
    _stub(tools, "apt-get", f'echo "$*" >> "{record}"')
    _stub(tools, "id", f"echo {uid}")
    return tools, record


def test_system_packages_as_root_installs_what_is_missing(tmp_path: Path) -> None:
    tools, record = _system(tmp_path, 0, installed="libfontconfig1 fonts-dejavu-core")
    done = _make(_scratch(tmp_path), "system-packages", path=tools)
    assert done.returncode == 0, done.stderr
    install = record.read_text(encoding="utf-8").splitlines()[-1].split()
    assert install[:3] == ["install", "-y", "-qq"]
    assert set(install[3:]) == {
        "libpango-1.0-0", "libpangoft2-1.0-0", "libharfbuzz0b", "chromium", "poppler-utils"
    }


def test_system_packages_without_root_prints_the_command(tmp_path: Path) -> None:
    tools, record = _system(tmp_path, 1000)
    done = _make(_scratch(tmp_path), "system-packages", path=tools)
    assert done.returncode != 0
    line = next(row for row in done.stdout.splitlines() if row.startswith("as root: "))
    packages = line.removeprefix("as root: apt-get install").split()
    assert "chromium" in packages and "fonts-dejavu-core" in packages
    assert not record.exists()
    readme = section("System packages")
    assert all(package in readme for package in packages), (packages, readme)


def test_the_run_ends_by_naming_the_letters_left_untested() -> None:
    class Skip:
        def __init__(self, reason: str) -> None:
            self.longrepr = ("tests/rights/browser.py", 34, f"Skipped: {reason}")

    chromium = (
        "letters untested: chromium not installed — make system-packages "
        "(or as root: apt-get install chromium)"
    )
    lines = untested_lines([Skip(chromium), Skip(chromium), Skip("SQLite has no TRUNCATE")])
    assert lines == [f"{chromium} (2 tests skipped)"]
