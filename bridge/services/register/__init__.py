"""The register's own records: persons, organisations, customer relationships, consents,
merges and the field rules they share with the spreadsheet intake (``bridge.services.intake``,
which sits above this room, ``access`` and ``rights``: an imported consent withdrawal
revokes access)."""
