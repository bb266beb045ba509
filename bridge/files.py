"""Files only their owner reads: how the bridge creates what it writes, and judges what it reads.

Every file the bridge writes holds personal data or a secret (the register, exports,
rejected spreadsheet rows, the register secret, the audit anchor), so it is created 0600
whatever the umask. A path is never written through a symbolic link planted there (an
export must not overwrite ``/etc/passwd`` or another user's file because a link pointed
at it), and an existing file is replaced only when the operator asks (``--force``), by an
atomic rename so that nobody ever sees half a file. A file is first written in full to a
temporary name in the same folder, then linked (no overwrite) or renamed (replace) into
place: the path holds the complete file or nothing.

The other half is for files the bridge is given (token file, configuration): one test of
whether others than the owner can read or change them, and the ``chmod`` that fixes it.
"""

from __future__ import annotations

import os
import stat
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Any

from bridge.errors import UsageError

PRIVATE_MODE = 0o600
#: Group and other permission bits: any of them set means someone else can read or write.
OPEN_BITS = 0o077


class PathTaken(UsageError):
    """The path exists already (or is a link) and the caller did not ask to replace it."""


def _refuse_links(path: Path) -> None:
    if path.is_symlink():
        raise UsageError(
            f"{path} is a symbolic link: the bridge does not write through links; give the "
            "real path"
        )
    if path.exists() and not path.is_file():
        raise UsageError(f"{path} exists and is not a regular file")


def check_writable(path: Path, *, replace: bool = False) -> None:
    """Refuse now what :func:`private_file` would refuse later (a missing or unwritable
    folder, a link, a non-file, an existing file without ``replace``), for callers that must
    not fail after acting: an erasure whose receipt cannot be written is not started."""
    _check_folder(path)
    _refuse_links(path)
    if not replace and path.exists():
        raise PathTaken(f"{path} exists already: add --force to replace it")


def _check_folder(path: Path) -> None:
    """The folder ``path`` goes in exists, is a folder, and takes a new file from us.

    Permission bits are not enough to judge the last (root passes them, a read-only mount
    does not show in them), so a temporary file is created there and removed at once.
    """
    folder = path.parent
    if not folder.exists():
        raise UsageError(
            f"cannot write {path}: the folder {folder} does not exist (create it first, "
            f"e.g. mkdir -p {folder})"
        )
    if not folder.is_dir():
        raise UsageError(f"cannot write {path}: {folder} is not a folder")
    try:
        fd, probe = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".probe", dir=folder)
    except OSError as exc:
        raise UsageError(
            f"cannot write {path}: the folder {folder} does not take new files from this "
            f"account ({exc.strerror})"
        ) from None
    os.close(fd)
    os.unlink(probe)


@contextmanager
def private_file(
    path: Path, *, replace: bool = False, binary: bool = False, **open_args: Any
) -> Iterator[IO[Any]]:
    """A new file at ``path``, mode 0600, that appears only once the block has finished.

    Without ``replace`` an existing path is refused (:class:`PathTaken`); with it the old
    file is replaced atomically. A link at ``path`` is refused either way, and the final
    rename replaces a link raced into place instead of following it. ``open_args`` go to
    :func:`open` (``encoding``, ``newline``).
    """
    with (
        private_path(path, replace=replace) as temporary,
        temporary.open("wb" if binary else "w", **open_args) as handle,
    ):
        yield handle


@contextmanager
def private_path(path: Path, *, replace: bool = False) -> Iterator[Path]:
    """A temporary 0600 file beside ``path`` for a writer that needs a path, not a handle
    (SQLite's backup, ``pg_dump``); put in place as :func:`private_file` does once the
    block has finished, removed if it raises."""
    check_writable(path, replace=replace)
    try:
        fd, temporary = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    except OSError as exc:
        raise UsageError(f"cannot write {path}: {exc.strerror}") from None
    try:
        os.fchmod(fd, PRIVATE_MODE)  # mkstemp's 0600 already; said again so it never widens
        os.close(fd)
        yield Path(temporary)
        written = os.open(temporary, os.O_RDONLY)
        try:
            os.fsync(written)  # durable before it takes the name
        finally:
            os.close(written)
        _put_in_place(Path(temporary), path, replace)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    _sync_folder(path.parent)


def _put_in_place(temporary: Path, path: Path, replace: bool) -> None:
    if replace:
        os.replace(temporary, path)  # rename(2) replaces a link, never writes through it
        return
    try:
        os.link(temporary, path)  # fails if anything (file or link) appeared meanwhile
    except FileExistsError:
        raise PathTaken(f"{path} exists already: add --force to replace it") from None
    except OSError as exc:
        raise UsageError(f"cannot write {path}: {exc.strerror}") from None
    temporary.unlink()


def _sync_folder(folder: Path) -> None:
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def write_private(path: Path, data: bytes, *, replace: bool = False) -> None:
    """Write ``data`` to a new 0600 file at ``path`` (see :func:`private_file`)."""
    with private_file(path, replace=replace, binary=True) as handle:
        handle.write(data)


def create_empty_private(path: Path) -> None:
    """Create ``path`` empty and 0600 unless it exists, so that a program which creates it
    later with the umask's mode (SQLite) finds it private already."""
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW
    try:
        fd = os.open(path, flags, PRIVATE_MODE)
    except FileExistsError:
        return
    os.fchmod(fd, PRIVATE_MODE)
    os.close(fd)


def open_bits(mode: int) -> int:
    """The group and other permission bits of a file mode (``st_mode``)."""
    return stat.S_IMODE(mode) & OPEN_BITS


def exposure(path: Path) -> str | None:
    """Who else can read or change ``path``, or None when only its owner can, or when it
    does not exist."""
    try:
        mode = path.stat().st_mode
    except OSError:
        return None
    if not open_bits(mode):
        return None
    return exposure_of(path, mode)


def exposure_of(path: Path, mode: int) -> str:
    """The wording for a file whose ``mode`` lets others in: who, and the mode."""
    who = " and ".join(
        name for name, bits in (("its group", 0o070), ("everyone", 0o007)) if mode & bits
    )
    return f"{path} can be read or changed by {who} (mode {stat.S_IMODE(mode):04o})"


def chmod_fix(path: Path) -> str:
    """The command that makes ``path`` its owner's alone."""
    return f"chmod 600 {path}"
