"""Pulling an LMS into the register: the engine, the record store, reconciliation,
bookmarks, quarantine and the guards that keep retention and suppression in force."""
