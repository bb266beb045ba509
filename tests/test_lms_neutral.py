"""Nothing above the connectors learns a second LMS: no word of Canvas in the services, the
CLI or the jobs. The import contract "No LMS package in the services, the CLI or the jobs"
refuses the imports; this refuses the name in any form (a string, a comment, a branch on
the kind), so the second LMS arrives as a package and an entry point only."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
NEUTRAL = ("bridge/services", "bridge/cli", "jobs")
WORD = re.compile("canvas", re.IGNORECASE)


def hits(folder: Path, root: Path = ROOT) -> list[str]:
    """``path:line: text`` of every source line that names the word."""
    found = []
    for path in sorted(folder.rglob("*")):
        if not path.is_file() or "__pycache__" in path.parts:
            continue
        text = path.read_text(encoding="utf-8", errors="replace")
        found += [
            f"{path.relative_to(root)}:{number}: {line.strip()}"
            for number, line in enumerate(text.splitlines(), 1)
            if WORD.search(line)
        ]
    return found


def test_the_services_cli_and_jobs_never_name_the_second_lms() -> None:
    found = [hit for folder in NEUTRAL for hit in hits(ROOT / folder)]
    assert found == [], "\n".join(found)


def test_the_search_finds_the_word_where_it_is(tmp_path: Path) -> None:
    (tmp_path / "deep").mkdir()
    (tmp_path / "deep" / "module.py").write_text('if kind == "CanVas":\n    pass\n')
    assert hits(tmp_path, tmp_path) == ['deep/module.py:1: if kind == "CanVas":']
