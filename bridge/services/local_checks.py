"""What ``bridge check`` and ``bridge config check`` find on this host, beside the LMS.

The roles in ``[operators]`` guard against mistakes among the people who share the host;
against everyone else the boundary is file modes (CONTRACTS 9). These checks find the
files that boundary leaks through: a register, secret, audit anchor or token file, or a
configuration file holding a password or token, that its group or everyone can read or
change, each with the ``chmod`` that closes it. And a connection that sends the token
unencrypted or to an unchecked certificate is named on every check, not only once.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from sqlalchemy.engine import make_url

from bridge.files import chmod_fix, exposure
from bridge.services.audit.anchor import anchor_path
from bridge.settings import Settings
from bridge.settings.connector_section import ConnectorSettings
from bridge.settings.transport import transport_warnings
from bridge.store.db import sqlite_companions, sqlite_file
from connectors.base import Check


def _file_check(what: str, path: Path) -> Check | None:
    """``✓``/``✗ file mode: <what>``, or None when the file is not there."""
    if not path.exists():
        return None
    problem = exposure(path)
    name = f"file mode: {what}"
    if problem is None:
        return Check(name, True, f"{path} is private to its owner")
    return Check(name, False, problem, chmod_fix(path))


def _holds_secret(settings: Settings) -> bool:
    """Whether the configuration file itself holds a token or a password."""
    if any(c.token is not None for c in settings.connectors.values()):
        return True
    if make_url(settings.database.url).password:
        return True
    smtp = settings.notify.smtp
    return smtp is not None and smtp.password is not None


def _register_files(settings: Settings, config_file: Path | None) -> Iterator[tuple[str, Path]]:
    database = sqlite_file(settings.database.url)
    if database is not None:
        yield "register", database
        for companion in sqlite_companions(database):
            yield f"register ({companion.name.rsplit('-', 1)[1]})", companion
    secret = settings.register.secret_file
    yield "register secret", secret
    yield "audit anchor", anchor_path(secret)
    if config_file is not None and _holds_secret(settings):
        yield "configuration (holds a secret)", config_file


def file_checks(settings: Settings, config_file: Path | None) -> tuple[Check, ...]:
    """The register's own files that exist, each private or not (``config_file`` is
    checked only when it holds a token or a password)."""
    found = (_file_check(what, path) for what, path in _register_files(settings, config_file))
    return tuple(check for check in found if check is not None)


def token_file_check(section: ConnectorSettings) -> Check | None:
    """The connector's token file: a failed check means the token will be refused."""
    if section.token_file is None:
        return None
    return _file_check("token file", section.token_file)


def transport_checks(section: ConnectorSettings) -> tuple[Check, ...]:
    """``!`` for every weakness of the way the LMS is reached (else one ``✓``)."""
    warnings = transport_warnings(section.url, section.verify_tls)
    if not warnings:
        return (Check("transport", True, "encrypted, certificate checked, or this host"),)
    return tuple(
        Check(
            "transport",
            False,
            warning,
            "Reach the LMS over https:// with verify_tls = true (ca_bundle for a private CA).",
            warning=True,
        )
        for warning in warnings
    )
