"""Fixtures of the push-back tests: a served simulator with a register synced from it."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import ExitStack
from pathlib import Path
from typing import Any

import pytest

from tests.pushback.helpers import Site, served_site

SiteFactory = Callable[..., Site]


@pytest.fixture
def make_site(tmp_path: Path, db_url: str) -> Iterator[SiteFactory]:
    """Build a served, fully synced site; keyword arguments go to ``served_site``."""
    with ExitStack() as stack:

        def build(*, synced: bool = True, **options: Any) -> Site:
            site = stack.enter_context(served_site(tmp_path, db_url, **options))
            if synced:
                assert site.sync("--full")["status"] == "ok"
            return site

        yield build


@pytest.fixture
def site(make_site: SiteFactory) -> Site:
    return make_site()
