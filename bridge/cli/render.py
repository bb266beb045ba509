"""Output for people (rich tables) and scripts (one JSON object as the last stdout line)."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterable, Sequence
from datetime import date, datetime
from typing import Any

from rich.console import Console
from rich.syntax import Syntax
from rich.table import Table

#: Output that is piped or captured is not squeezed into 80 columns.
_WIDTH = None if sys.stdout.isatty() else 140
out = Console(highlight=False, soft_wrap=True, width=_WIDTH)
err = Console(stderr=True, highlight=False, soft_wrap=True, width=_WIDTH)


def _default(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat().replace("+00:00", "Z")
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def emit_json(payload: Any) -> None:
    """Print one JSON object on one line (the last stdout line of a --json command)."""
    sys.stdout.write(json.dumps(payload, default=_default, ensure_ascii=False) + "\n")
    sys.stdout.flush()


def code(text: str, lexer: str) -> None:
    """Highlighted text on a terminal; the plain text, unpadded, when piped or captured
    (rich pads every line of a highlighted block to the console's width)."""
    if out.is_terminal:
        out.print(Syntax(text, lexer))
    else:
        sys.stdout.write(text + "\n")
        sys.stdout.flush()


def table(title: str, columns: Sequence[str], rows: Iterable[Sequence[Any]]) -> None:
    grid = Table(title=title, title_justify="left")
    for column in columns:
        grid.add_column(column)
    for row in rows:
        grid.add_row(*("" if cell is None else str(cell) for cell in row))
    out.print(grid)


def show(payload: Any, as_json: bool, message: str) -> None:
    """The result as JSON for scripts, else a one-line ``message`` for people."""
    if as_json:
        emit_json(payload)
    else:
        out.print(message)


def show_document(payload: dict[str, Any], title: str, as_json: bool) -> None:
    """A nested result (a plan, a receipt) as JSON for scripts, or titled and indented."""
    if as_json:
        emit_json(payload)
    else:
        out.print(f"[bold]{title}[/]")
        code(json.dumps(payload, indent=2, ensure_ascii=False, default=str), "json")


def provenance_text(item: dict[str, Any]) -> str:
    """Where a register item came from, in one cell: source · reference · since when."""
    seen = item["first_seen_at"].strftime("%Y-%m-%d") if item["first_seen_at"] else "?"
    return f"{item['source']} · {item['source_ref'] or '-'} · since {seen}"
