"""The import contracts bite: a command or a job that imports the register's tables or
SQLAlchemy itself fails `lint-imports`, while the code as it stands passes.

Each case runs ``lint-imports`` on a copy of the packages and ``pyproject.toml``. It puts
its working directory first on ``sys.path``, so the copy is analysed, not the installed
(editable) packages; the failing runs name the injected import, which shows that.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
LINT_IMPORTS = Path(sys.executable).with_name("lint-imports")
PACKAGES = ("bridge", "connectors", "jobs")
BOUNDARY = "Commands and jobs reach the register only through the services"

pytestmark = pytest.mark.slow


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """A copy of the packages and the contracts to break."""
    for package in PACKAGES:
        shutil.copytree(
            ROOT / package, tmp_path / package, ignore=shutil.ignore_patterns("__pycache__")
        )
    shutil.copy(ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    return tmp_path


def lint_imports(project: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(LINT_IMPORTS), "--no-cache", "--no-logo"],
        cwd=project,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def assert_broken(project: Path, module: str, line: str, contract: str, named: str) -> None:
    """Adding ``line`` to ``module`` breaks ``contract``, naming the import as ``named``."""
    path = project / module
    path.write_text(f"{path.read_text(encoding='utf-8')}\n{line}  # noqa\n", encoding="utf-8")
    result = lint_imports(project)
    assert result.returncode == 1, result.stdout + result.stderr
    assert f"{contract} BROKEN" in result.stdout
    importer = module.removesuffix(".py").replace("/", ".")
    assert f"{importer} {named}" in result.stdout, result.stdout


def test_the_code_as_it_stands_keeps_every_contract(project: Path) -> None:
    result = lint_imports(project)
    assert result.returncode == 0, result.stdout + result.stderr
    assert f"{BOUNDARY} KEPT" in result.stdout


@pytest.mark.parametrize(
    ("module", "line", "named"),
    [
        ("bridge/cli/commands/status.py", "import sqlalchemy", "-> sqlalchemy"),
        ("jobs/push.py", "from bridge.store import models", "-> bridge.store.models"),
    ],
)
def test_a_command_or_job_importing_the_register_breaks_the_boundary(
    project: Path, module: str, line: str, named: str
) -> None:
    assert_broken(project, module, line, BOUNDARY, named)


NEUTRAL = "No LMS package in the services, the CLI or the jobs"


@pytest.mark.parametrize(
    ("module", "line", "named"),
    [
        ("bridge/services/status.py", "from connectors.canvas import client",
         "-> connectors.canvas.client"),
        ("bridge/cli/commands/sync.py", "import connectors.canvas.client",
         "-> connectors.canvas.client"),
        ("jobs/push.py", "from connectors.moodle import functions", "-> connectors.moodle"),
    ],
)
def test_a_service_command_or_job_importing_an_lms_package_breaks_the_contract(
    project: Path, module: str, line: str, named: str
) -> None:
    canvas = project / "connectors" / "canvas"  # the second LMS's package (made if absent)
    canvas.mkdir(exist_ok=True)
    made = {"__init__.py": '"""A second LMS."""\n', "client.py": '"""Its client."""\n'}
    for name, text in made.items():
        if not (canvas / name).exists():
            (canvas / name).write_text(text, encoding="utf-8")
    assert f"{NEUTRAL} KEPT" in lint_imports(project).stdout
    assert_broken(project, module, line, NEUTRAL, named)
