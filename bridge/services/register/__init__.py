"""The register's own records: persons, organisations, customer relationships, merges and
the spreadsheet intake."""
