"""Output for people (rich tables) and scripts (one JSON object as the last stdout line).

Text from data (a name from a spreadsheet or a Moodle profile, an error that quotes a
value) is never read as terminal markup and never reaches the terminal raw: ``out`` and
``err`` print plain strings as plain text with control and bidirectional-override
characters escaped (``terminal_text``), and tables do the same for every cell. A caller
that wants markup says ``markup=True`` and escapes the data it puts in (``markup_text``).
"""

from __future__ import annotations

import json
import re
import sys
from collections.abc import Iterable, Sequence
from datetime import date, datetime
from typing import Any

from rich.console import Console
from rich.markup import escape
from rich.syntax import Syntax
from rich.table import Table
from rich.text import Text

#: Characters that can move the cursor, recolour, hide or reorder what a terminal shows:
#: C0/C1 controls (ESC, CSI, CR …) but the line feed, DEL, bidirectional embeddings,
#: overrides and isolates.
_UNSAFE = re.compile("[\x00-\x09\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
#: The same in JSON text, where C0 controls are already escaped by ``json.dumps``.
_UNSAFE_IN_JSON = re.compile("[\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def _escaped(match: re.Match[str]) -> str:
    code = ord(match.group())
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def terminal_text(value: Any) -> str:
    """``value`` as text that shows what is stored and cannot steer the terminal:
    ``\\x1b`` for ESC, ``\\u202e`` for a right-to-left override."""
    return _UNSAFE.sub(_escaped, str(value))


def markup_text(value: Any) -> str:
    """``value`` for a string printed with ``markup=True``: escaped, and not markup."""
    return escape(terminal_text(value))


def _json_text(text: str) -> str:
    return _UNSAFE_IN_JSON.sub(lambda m: f"\\u{ord(m.group()):04x}", text)


class SafeConsole(Console):
    """A rich console on which a plain string is plain text, whatever it contains."""

    def print(self, *objects: Any, markup: bool | None = None, **options: Any) -> None:
        if not markup:
            objects = tuple(
                Text(terminal_text(o)) if isinstance(o, str) else o for o in objects
            )
        super().print(*objects, markup=markup, **options)


#: Output that is piped or captured is not squeezed into 80 columns.
_WIDTH = None if sys.stdout.isatty() else 140
out = SafeConsole(highlight=False, soft_wrap=True, width=_WIDTH)
err = SafeConsole(stderr=True, highlight=False, soft_wrap=True, width=_WIDTH)


def _default(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat().replace("+00:00", "Z")
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def emit_json(payload: Any) -> None:
    """Print one JSON object on one line (the last stdout line of a --json command)."""
    text = json.dumps(payload, default=_default, ensure_ascii=False)
    sys.stdout.write(_json_text(text) + "\n")
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
    grid = Table(title=Text(terminal_text(title)), title_justify="left")
    for column in columns:
        grid.add_column(Text(column))
    for row in rows:
        grid.add_row(*(Text("" if cell is None else terminal_text(cell)) for cell in row))
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
        out.print(title, style="bold")
        code(_json_text(json.dumps(payload, indent=2, ensure_ascii=False, default=str)), "json")


def provenance_text(item: dict[str, Any]) -> str:
    """Where a register item came from, in one cell: source · reference · since when."""
    seen = item["first_seen_at"].strftime("%Y-%m-%d") if item["first_seen_at"] else "?"
    return f"{item['source']} · {item['source_ref'] or '-'} · since {seen}"
