"""The access export as one self-contained HTML page a person can open (no scripts, no
external resources). Every value is escaped; the layout follows the notice's clauses."""

from __future__ import annotations

from html import escape
from string import Template
from typing import Any

PAGE = Template("""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Your data in $register</title>
<style>
body { font-family: system-ui, sans-serif; margin: 2rem auto; max-width: 70rem;
       padding: 0 1rem; color: #1b1b1b; line-height: 1.45; }
h1 { font-size: 1.6rem; } h2 { margin-top: 2.2rem; border-bottom: 2px solid #ccc; }
h3 { margin-top: 1.4rem; } .clause { color: #666; font-size: .85em; font-weight: normal; }
table { border-collapse: collapse; margin: .4rem 0 1rem; width: 100%; font-size: .92rem; }
th, td { border: 1px solid #ccc; padding: .25rem .45rem; text-align: left;
         vertical-align: top; }
th { background: #f2f2f2; } td pre { white-space: pre-wrap; margin: 0; font: inherit; }
.empty { color: #777; font-style: italic; } .meta { color: #555; }
</style>
</head>
<body>
<h1>Your data in the register &ldquo;$register&rdquo;</h1>
<p class="meta">Prepared $generated for register person $person_id$request.</p>
$body
</body>
</html>
""")

#: Sections after the data categories: (document key, heading, clause).
SECTIONS = (
    ("legal_basis", "Legal basis of the processing", "N3"),
    ("purposes", "Purposes", "N4"),
    ("sources", "Where the data comes from", "N7"),
    ("recipients", "Disclosures and processors", "N8"),
    ("transfers", "Transfers outside the EU/EEA", "N9"),
    ("retention", "How long the data is kept", "N10"),
    ("rights", "Your rights", "N11"),
    ("requests", "Your requests", "N11"),
)


def _label(key: str) -> str:
    return escape(key.replace("_", " ").capitalize())


def _scalar(value: Any) -> str:
    if value is None or value == "" or value == [] or value == {}:
        return '<span class="empty">—</span>'
    if isinstance(value, bool):
        return "yes" if value else "no"
    text = escape(str(value))
    return f"<pre>{text}</pre>" if "\n" in text else text


def value_html(value: Any, level: int = 3) -> str:
    """Any JSON value: dicts become two-column tables, lists of dicts become tables."""
    if isinstance(value, dict):
        return _dict_html(value, level)
    if isinstance(value, list):
        return _list_html(value, level)
    return _scalar(value)


def _is_flat(value: Any) -> bool:
    """A scalar or a list of scalars: fits in one table cell."""
    if isinstance(value, dict):
        return False
    if isinstance(value, list):
        return all(not isinstance(v, dict | list) for v in value)
    return True


def _dict_html(value: dict[str, Any], level: int) -> str:
    flat = {k: v for k, v in value.items() if _is_flat(v) or k == "provenance"}
    rows = "".join(
        f"<tr><th>{_label(k)}</th><td>{_provenance_html(v) if k == 'provenance' else _cell(v)}"
        "</td></tr>"
        for k, v in flat.items()
    )
    parts = [f"<table>{rows}</table>"] if rows else []
    for key, nested in value.items():
        if key in flat:
            continue
        tag = f"h{min(level, 6)}"
        parts.append(f"<{tag}>{_label(key)}</{tag}>{value_html(nested, level + 1)}")
    return "".join(parts)


def _cell(value: Any) -> str:
    if isinstance(value, list):
        return ", ".join(_scalar(v) for v in value) or _scalar(None)
    return _scalar(value)


def _provenance_html(value: Any) -> str:
    if not isinstance(value, dict):
        return _scalar(value)
    shown = [f"{_label(k)}: {_scalar(v)}" for k, v in value.items() if v not in (None, "")]
    return "<br>".join(shown) or _scalar(None)


def _list_html(items: list[Any], level: int) -> str:
    if not items:
        return '<p class="empty">Nothing recorded.</p>'
    if not all(isinstance(i, dict) for i in items):
        return "<ul>" + "".join(f"<li>{value_html(i, level)}</li>" for i in items) + "</ul>"
    if any(not _is_flat(v) and k != "provenance" for i in items for k, v in i.items()):
        return "".join(f'<div class="item">{_dict_html(i, level)}</div>' for i in items)
    columns: list[str] = []
    for item in items:
        columns.extend(k for k in item if k not in columns)
    head = "".join(f"<th>{_label(c)}</th>" for c in columns)
    body = "".join(
        "<tr>"
        + "".join(
            f"<td>{_provenance_html(i.get(c)) if c == 'provenance' else _cell(i.get(c))}</td>"
            for c in columns
        )
        + "</tr>"
        for i in items
    )
    return f"<table><tr>{head}</tr>{body}</table>"


def _heading(title: str, clause: str) -> str:
    return f'<h2>{escape(title)} <span class="clause">({escape(clause)})</span></h2>'


def render_html(document: dict[str, Any]) -> str:
    """The page for an export document whose values are plain JSON types."""
    body = [
        _heading("Controller and register", "N1, N2"),
        value_html({**document["controller"], "register": document["register"]["name"]}),
    ]
    for category in document["categories"].values():
        body.append(_heading(category["title"], category["clause"]))
        body.append(value_html(category["items"]))
    for key, title, clause in SECTIONS:
        body.append(_heading(title, clause))
        section = document.get(key)
        body.append(
            f"<p>{escape(section)}</p>" if isinstance(section, str) else value_html(section)
        )
    request = document.get("request_id")
    return PAGE.substitute(
        register=escape(document["register"]["name"]),
        generated=escape(str(document["generated_at"])),
        person_id=escape(str(document["person_id"])),
        request=f" (request {escape(str(request))})" if request else "",
        body="\n".join(body),
    )
