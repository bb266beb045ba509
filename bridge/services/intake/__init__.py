"""Register intake: persons, employers, customer relationships and consents from the
company's spreadsheets (CSV or Excel) into the register.

``import_file`` is the one entry point (the CLI's ``bridge import`` and ``bridge demo``
call it); ``headers.HEADERS`` is the documented Finnish/English header table.
"""

from bridge.services.intake.headers import HEADERS, KINDS, markdown_table
from bridge.services.intake.run import ImportOptions, ImportReport, import_file

__all__ = ["HEADERS", "KINDS", "ImportOptions", "ImportReport", "import_file", "markdown_table"]
