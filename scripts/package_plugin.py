"""Builds the companion plugin's zip so that the same sources give the same bytes.

``make package-plugin`` runs it. Moodle's installer wants one folder named after the
component (``local_registrybridge/``) at the root of the zip. The README gives the zip's
SHA-256 for an administrator to compare with what they downloaded, and a test rebuilds
the zip and compares: so the zip must not depend on when or where it was built. Entries
are sorted, carry a fixed time and fixed permissions, and are stored uncompressed (a
compressed entry's bytes depend on the zlib version that made it).

Usage: ``python scripts/package_plugin.py [TARGET]`` (default ``dist/local_registrybridge.zip``);
prints the zip's path and SHA-256.
"""

from __future__ import annotations

import hashlib
import sys
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SOURCE = ROOT / "moodle-plugin" / "local_registrybridge"
TARGET = ROOT / "dist" / "local_registrybridge.zip"
#: Moodle's zip format cannot hold an earlier time; any fixed time makes the bytes repeatable.
FIXED_TIME = (1980, 1, 1, 0, 0, 0)
FILE_MODE = 0o100644
FOLDER_MODE = 0o040755


def _skipped(path: Path) -> bool:
    """Editor and tool leftovers that are no part of the plugin."""
    return any(part.startswith(".") or part == "__pycache__" for part in path.parts) or (
        path.name.endswith(("~", ".swp", ".orig"))
    )


def entries(source: Path = SOURCE) -> list[str]:
    """The zip's entry names, sorted: the folders (ending in ``/``) and the files."""
    names = [f"{source.name}/"]
    for path in source.rglob("*"):
        relative = path.relative_to(source)
        if _skipped(relative):
            continue
        name = f"{source.name}/{relative.as_posix()}"
        names.append(f"{name}/" if path.is_dir() else name)
    return sorted(names)


def build(target: Path = TARGET, source: Path = SOURCE) -> str:
    """Writes the zip to ``target`` and returns its SHA-256 (hex)."""
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(target.name + ".partial")
    with zipfile.ZipFile(partial, "w", compression=zipfile.ZIP_STORED) as archive:
        for name in entries(source):
            info = zipfile.ZipInfo(name, date_time=FIXED_TIME)
            info.create_system = 3  # Unix, so that the permissions below are read
            folder = name.endswith("/")
            info.external_attr = (FOLDER_MODE if folder else FILE_MODE) << 16
            if folder:
                info.external_attr |= 0x10  # the MS-DOS folder flag, as zip tools write it
                archive.writestr(info, b"")
            else:
                relative = name.split("/", 1)[1]
                archive.writestr(info, (source / relative).read_bytes())
    partial.replace(target)
    return sha256(target)


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def main(argv: list[str]) -> int:
    target = Path(argv[1]) if len(argv) > 1 else TARGET
    digest = build(target)
    print(f"{target}  SHA-256 {digest}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
