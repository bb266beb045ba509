"""The layout keeps its promises: small modules and imports that run one way.

The import contracts themselves live in ``pyproject.toml`` (``[tool.importlinter]``) and
run with ``make lint``; these tests keep the rules that import-linter does not express.
"""

from __future__ import annotations

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
#: A module past this many lines is usually two modules (STYLE.md, practice 1).
MAX_LINES = 400
CHECKED = ("bridge", "connectors", "jobs", "tests", "benchmarks")
EXEMPT = ("bridge/store/migrations/versions",)


def _modules() -> list[Path]:
    found = [
        path
        for folder in CHECKED
        for path in sorted((ROOT / folder).rglob("*.py"))
        if not any(path.relative_to(ROOT).as_posix().startswith(e) for e in EXEMPT)
    ]
    assert found, "no modules found: the test looks in the wrong place"
    return found


@pytest.mark.parametrize("path", _modules(), ids=lambda p: p.relative_to(ROOT).as_posix())
def test_every_module_is_at_most_400_lines(path: Path) -> None:
    lines = len(path.read_text(encoding="utf-8").splitlines())
    assert lines <= MAX_LINES, f"{path.relative_to(ROOT)} has {lines} lines: split it"
