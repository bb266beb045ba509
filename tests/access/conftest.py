"""Fixtures of the access tests: the push-back tests' served simulator with a register
synced from it (revocation, drift and contract ends act on both)."""

from tests.pushback.conftest import make_site, site

__all__ = ["make_site", "site"]
