"""The letter's page: one self-contained HTML document (no scripts, no external resources)
that a browser shows and WeasyPrint turns into the PDF the office posts.

The building blocks leave out what is empty: a record without values, a table without
rows and a section without content are not drawn, so the person never sees an empty box.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from html import escape
from string import Template

PAGE = Template("""<!DOCTYPE html>
<html lang="$lang">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>$title</title>
<style>
@page { size: A4; margin: 18mm 16mm; }
body { font-family: "DejaVu Sans", system-ui, sans-serif; margin: 2rem auto; max-width: 60rem;
       padding: 0 1rem; color: #1b1b1b; line-height: 1.45; font-size: 11pt; }
h1 { font-size: 1.5rem; margin-bottom: .2rem; }
h2 { margin-top: 2rem; font-size: 1.2rem; border-bottom: 2px solid #ccc; }
h3 { margin-top: 1.4rem; font-size: 1.05rem; } h4 { margin: 1rem 0 .3rem; }
p.about { color: #444; margin-top: .2rem; } .meta { color: #555; }
table { border-collapse: collapse; margin: .4rem 0 1rem; width: 100%; font-size: .92rem; }
th, td { border: 1px solid #ccc; padding: .25rem .45rem; text-align: left;
         vertical-align: top; }
th { background: #f2f2f2; font-weight: 600; } table.record th { width: 30%; }
td p { margin: 0 0 .3rem; } td .plain { white-space: pre-line; }
.box { border-left: 4px solid #d7d7d7; padding-left: .8rem; margin: .6rem 0 1rem; }
</style>
</head>
<body>
<h1>$title</h1>
<p class="meta">$meta</p>
$body
</body>
</html>
""")

#: A row of a record: (label, value HTML); an empty value leaves the row out.
Row = tuple[str, str]


def page(lang: str, title: str, meta: str, body: Iterable[str]) -> str:
    """The whole document; ``title`` is plain text, ``meta`` and ``body`` are HTML."""
    return PAGE.substitute(lang=lang, title=escape(title), meta=meta, body="\n".join(body))


def record(rows: Iterable[Row]) -> str:
    """A two-column table of labelled values, without the empty ones."""
    shown = "".join(f"<tr><th>{label}</th><td>{value}</td></tr>" for label, value in rows if value)
    return f'<table class="record">{shown}</table>' if shown else ""


def table(columns: Sequence[str], rows: Iterable[Sequence[str]]) -> str:
    """A table of rows; columns with no value in any row are left out, and so is a table
    without rows."""
    body = [list(r) for r in rows]
    if not body:
        return ""
    keep = [i for i in range(len(columns)) if any(r[i] for r in body)]
    head = "".join(f"<th>{columns[i]}</th>" for i in keep)
    cells = "".join("<tr>" + "".join(f"<td>{r[i]}</td>" for i in keep) + "</tr>" for r in body)
    return f"<table><tr>{head}</tr>{cells}</table>"


def section(title: str, about: str, parts: Iterable[str], *, level: int = 2) -> str:
    """A heading with its one sentence and its content; nothing when the content is empty."""
    content = "".join(p for p in parts if p)
    if not content:
        return ""
    about_html = f'<p class="about">{escape(about)}</p>' if about else ""
    return f"<h{level}>{escape(title)}</h{level}>{about_html}{content}"


def subsection(title_html: str, parts: Iterable[str], *, level: int = 3) -> str:
    """A heading (already HTML) over content; nothing when the content is empty."""
    content = "".join(p for p in parts if p)
    return f'<div class="box"><h{level}>{title_html}</h{level}>{content}</div>' if content else ""


def paragraph(text: str) -> str:
    return f"<p>{escape(text)}</p>" if text else ""


def to_pdf(html: str) -> bytes:
    """The letter as PDF (A4) with WeasyPrint; imported here so that the HTML and JSON
    exports do not need its system libraries loaded."""
    from weasyprint import HTML

    return HTML(string=html).write_pdf()
