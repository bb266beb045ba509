"""Fixtures of the intake tests: a configured register and a one-call importer."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from sqlalchemy.orm import Session, sessionmaker

from bridge.services.audit import Actor
from bridge.services.intake import ImportOptions, ImportReport, import_file
from bridge.settings import Settings, load_settings
from tests.configs import write_config

ADMIN = Actor("tester", "admin")
Importer = Callable[..., ImportReport]


@pytest.fixture
def config(tmp_path: Path, db_url: str) -> Path:
    return write_config(tmp_path, db_url)


@pytest.fixture
def settings(config: Path) -> Settings:
    return load_settings(config)


@pytest.fixture
def importer(sessions: sessionmaker[Session], settings: Settings) -> Importer:
    def run_import(kind: str, path: Path, **options: object) -> ImportReport:
        return import_file(sessions, settings, ADMIN, ImportOptions(kind, path, **options))  # type: ignore[arg-type]

    return run_import
