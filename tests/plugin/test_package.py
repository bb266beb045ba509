"""The companion plugin's zip (``make package-plugin``): what it holds and the checksum the
README gives, so that the zip an LMS admin is handed can be compared and cannot drift.

A changed plugin file changes the checksum: run ``make package-plugin`` and put the
SHA-256 it prints into the README's table (section "The companion plugin's zip").
"""

from __future__ import annotations

import importlib.util
import re
import subprocess
import sys
import zipfile
from pathlib import Path
from types import ModuleType

import pytest

from tests.plugin import php

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "scripts" / "package_plugin.py"
README = ROOT / "README.md"
#: The zip CI builds before the tests (.ci/run); checked when it is there.
CI_ZIP = ROOT / "dist" / "local_registrybridge.zip"


def _script() -> ModuleType:
    spec = importlib.util.spec_from_file_location("package_plugin", SCRIPT)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    """The zip as ``make package-plugin`` builds it (the same command line), and its SHA-256."""
    target = tmp_path_factory.mktemp("dist") / "local_registrybridge.zip"
    done = subprocess.run([sys.executable, str(SCRIPT), str(target)], capture_output=True,
                          text=True, check=True)  # fmt: skip
    digest = _script().sha256(target)
    assert done.stdout.strip() == f"{target}  SHA-256 {digest}"
    return target, digest


def _readme_row() -> tuple[str, str, str]:
    found = re.search(r"^\| `local_registrybridge` \| ([\d.]+) \((\d+)\) \| `([0-9a-f]{64})` \|$",
                      README.read_text(encoding="utf-8"), re.M)  # fmt: skip
    assert found, "README.md gives no version and SHA-256 of local_registrybridge.zip"
    return found.group(1), found.group(2), found.group(3)


def test_the_zip_holds_the_plugin_folder_and_nothing_else(built: tuple[Path, str]) -> None:
    with zipfile.ZipFile(built[0]) as archive:
        names = archive.namelist()
        assert archive.testzip() is None
        version = archive.read("local_registrybridge/version.php").decode()
    assert names == sorted(names)
    assert all(n.startswith("local_registrybridge/") for n in names)
    sources = {
        f"local_registrybridge/{p.relative_to(php.PLUGIN_DIR).as_posix()}"
        for p in php.PLUGIN_DIR.rglob("*")
        if p.is_file()
    }
    assert {n for n in names if not n.endswith("/")} == sources
    assert version == php.read("version.php")
    for needed in ("db/services.php", "cli/setup.php", "classes/local/setup.php", "setup.php"):
        assert f"local_registrybridge/{needed}" in names, needed


def test_the_build_is_repeatable(built: tuple[Path, str], tmp_path: Path) -> None:
    again = tmp_path / "again.zip"
    assert _script().build(again) == built[1]
    with zipfile.ZipFile(again) as archive:
        assert {i.date_time for i in archive.infolist()} == {(1980, 1, 1, 0, 0, 0)}


def test_the_readme_gives_this_versions_checksum(built: tuple[Path, str]) -> None:
    release, version, digest = _readme_row()
    source = php.read("version.php")
    assert f"$plugin->release   = '{release}';" in source
    assert f"$plugin->version   = {version};" in source
    assert digest == built[1], (
        "the plugin changed: run `make package-plugin` and put its SHA-256 into README.md"
    )


def test_make_and_ci_build_the_zip() -> None:
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    rule = makefile.split("\npackage-plugin:", 1)[1].split("\n\n", 1)[0]
    assert "scripts/package_plugin.py dist/local_registrybridge.zip" in rule
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert ci.index("make package-plugin") < ci.index("make test")


@pytest.mark.skipif(not CI_ZIP.exists(), reason="no dist/ zip (built by make package-plugin)")
def test_the_zip_ci_built_is_the_one_the_readme_names(built: tuple[Path, str]) -> None:
    assert CI_ZIP.read_bytes() == built[0].read_bytes(), (
        "dist/local_registrybridge.zip is not the sources' zip: run `make package-plugin`"
    )
