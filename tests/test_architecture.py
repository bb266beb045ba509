"""The layout keeps its promises: small modules and imports that run one way.

The import contracts themselves live in ``pyproject.toml`` (``[tool.importlinter]``) and
run with ``make lint``; these tests keep the rules that import-linter does not express.
"""

from __future__ import annotations

import re
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


# --------------------------------------------------------------------------- the map

MAP = ROOT / "docs" / "architecture.md"
#: The folders whose modules the map names, each in a section headed by the folder's path.
MAPPED = ("bridge", "connectors", "jobs")


def _is_placeholder(path: Path) -> bool:
    """An ``__init__.py`` that only marks a package (a docstring at most) names no job."""
    if path.name != "__init__.py":
        return False
    code = [line for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    return len(code) <= 3 and not any(line.startswith(("def ", "class ")) for line in code)


def _mapped_modules() -> list[Path]:
    return [
        path.relative_to(ROOT)
        for folder in MAPPED
        for path in sorted((ROOT / folder).rglob("*.py"))
        if not _is_placeholder(path)
    ]


def _map_sections() -> dict[str, str]:
    """The map's text under each heading that names a folder: ``## `bridge/services/push/` ``."""
    sections: dict[str, str] = {}
    folder = None
    for line in MAP.read_text(encoding="utf-8").splitlines():
        if line.startswith("#"):  # a heading ends the section before it
            heading = re.match(r"#+ .*?`([\w/]+)/`", line)
            folder = heading.group(1) if heading else None
            if folder is not None:
                sections.setdefault(folder, "")
        elif folder is not None:
            sections[folder] += line + "\n"
    return sections


def test_the_map_names_every_module_in_its_folders_section() -> None:
    sections = _map_sections()
    modules = _mapped_modules()
    assert len(modules) > 100, "no modules found: the test looks in the wrong place"
    missing = [
        module.as_posix()
        for module in modules
        if f"`{module.name}`" not in sections.get(module.parent.as_posix(), "")
    ]
    assert not missing, f"docs/architecture.md does not name: {', '.join(missing)}"


def test_the_map_names_no_module_that_is_gone() -> None:
    modules = {
        path.relative_to(ROOT).as_posix()
        for folder in MAPPED
        for path in (ROOT / folder).rglob("*.py")
    }
    named = [
        f"{folder}/{name}"
        for folder, text in _map_sections().items()
        for name in re.findall(r"`(\w+\.py)`", text)
    ]
    gone = [path for path in named if path not in modules]
    assert not gone, f"docs/architecture.md names modules that do not exist: {', '.join(gone)}"
