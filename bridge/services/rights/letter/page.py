"""The letter's page: one self-contained HTML document (no scripts, no external resources)
that a browser shows and WeasyPrint turns into the PDF the office posts.

The building blocks leave out what is empty: a record without values, a table without
rows and a section without content are not drawn, so the person never sees an empty box.
"""

from __future__ import annotations

import logging
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
@page { size: A4; margin: 14mm 14mm 16mm;
        @bottom-right { content: "$page_word " counter(page) " / " counter(pages);
                        font-size: 8pt; color: #555; } }
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
.letterhead { display: flex; justify-content: space-between; gap: 2rem; margin-bottom: 1.5rem; }
.letterhead p { margin: 0; } .recipient { min-height: 3.5rem; }
tr, .letterhead { break-inside: avoid; } thead { display: table-header-group; }
h2, h3, h4, h5, h6 { break-after: avoid; }
@media print {
  body { margin: 0; max-width: none; padding: 0; font-size: 9pt; line-height: 1.3; }
  h1 { font-size: 14pt; } h2 { font-size: 11.5pt; margin-top: 1.1rem; }
  h3, h4, h5, h6 { font-size: 10pt; margin: .6rem 0 .2rem; }
  table { margin: .2rem 0 .5rem; font-size: 8.5pt; } th, td { padding: .1rem .3rem; }
  .box { padding-left: .5rem; margin: .3rem 0 .5rem; }
  .letterhead { margin: 0 0 1rem; min-height: 40mm; }
}
</style>
</head>
<body>
$letterhead
<h1>$title</h1>
<p class="meta">$meta</p>
$body
</body>
</html>
""")

#: A row of a record: (label, value HTML); an empty value leaves the row out.
Row = tuple[str, str]


#: The word before the page number in the PDF's footer.
PAGE_WORD = {"fi": "Sivu", "en": "Page"}


def page(
    lang: str,
    title: str,
    meta: str,
    body: Iterable[str],
    *,
    sender: Sequence[str] = (),
    recipient: Sequence[str] = (),
) -> str:
    """The whole document; ``title`` and the address lines are plain text, ``meta`` and
    ``body`` HTML. With a sender or a recipient the page opens as a posted letter: the
    recipient's address block where a window envelope shows it, the sender's beside it."""
    return PAGE.substitute(
        lang=lang,
        title=escape(title),
        meta=meta,
        body="\n".join(body),
        page_word=PAGE_WORD[lang],
        letterhead=letterhead(sender, recipient),
    )


def letterhead(sender: Sequence[str], recipient: Sequence[str]) -> str:
    """The address blocks: the recipient's first, then the sender's."""
    if not sender and not recipient:
        return ""

    def block(css: str, lines: Sequence[str]) -> str:
        return (
            f'<div class="{css}">'
            + "".join(f"<p>{escape(line)}</p>" for line in lines if line)
            + "</div>"
        )

    return f'<div class="letterhead">{block("recipient", recipient)}{block("sender", sender)}</div>'


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
    return f"<table><thead><tr>{head}</tr></thead><tbody>{cells}</tbody></table>"


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


class FontSubsetNotice(logging.Filter):
    """Turns WeasyPrint's font-subsetting warnings into DEBUG records.

    Where the system's HarfBuzz is older than 4.1 or cannot subset a font, WeasyPrint warns
    on every letter ("Using fontTools instead of HarfBuzz-Subset …", "Unable to subset …
    with HarfBuzz"), then subsets with fontTools or embeds the whole font: the letter is
    right either way, so the office sees nothing (``-vv`` shows them). Other WeasyPrint
    warnings (a letter's CSS or content) stay warnings.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        if record.levelno != logging.WARNING or "subset" not in str(record.msg).casefold():
            return True
        record.levelno, record.levelname = logging.DEBUG, logging.getLevelName(logging.DEBUG)
        # The level was checked when the record was made; check it again for DEBUG.
        return logging.getLogger(record.name).isEnabledFor(logging.DEBUG)


def to_pdf(html: str) -> bytes:
    """The letter as PDF (A4) with WeasyPrint; imported here so that the HTML and JSON
    exports do not need its system libraries loaded."""
    from weasyprint import HTML

    logger, notice = logging.getLogger("weasyprint"), FontSubsetNotice()
    logger.addFilter(notice)  # only while rendering: the bridge's own use of the library
    try:
        return HTML(string=html).write_pdf()
    finally:
        logger.removeFilter(notice)
