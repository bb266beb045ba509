"""The register's own records: persons, organisations, customer relationships, merges and
the field rules they share with the spreadsheet intake (``bridge.services.intake``, which
sits above both this room and ``rights``: an imported consent withdrawal revokes access)."""
