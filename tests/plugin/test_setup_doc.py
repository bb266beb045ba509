"""docs/moodle-setup.md against the functions the bridge calls, so the guide cannot drift.

The function lists of the guide are written out for the Moodle administrator; these tests
compare them with ``connectors.moodle.functions`` (and the plugin's interface).
"""

from __future__ import annotations

import re
from pathlib import Path

from connectors.moodle import functions
from connectors.moodle import plugin as contract

ROOT = Path(__file__).resolve().parents[2]
DOC = ROOT / "docs" / "moodle-setup.md"

#: Functions the guide asks for besides ``functions.all_functions()``: the connector calls
#: them (``connectors/moodle/connector.py``) but ``functions.py`` does not list them.
EXTRA_FUNCTIONS = frozenset({"tool_dataprivacy_get_data_requests", "core_enrol_get_users_courses"})

_FUNCTION_NAME = re.compile(r"^(?:core|mod|tool|gradereport|enrol|local)_[a-z0-9]+_[a-z0-9_]+$")


def _doc() -> str:
    return DOC.read_text(encoding="utf-8")


def _backticked(text: str) -> list[str]:
    return re.findall(r"`([^`\n]+)`", text)


def _functions_in(text: str) -> list[str]:
    return [name for name in _backticked(text) if _FUNCTION_NAME.match(name)]


def _row(label: str) -> list[str]:
    """The functions of the table row whose first cell is ``label``."""
    rows = [line for line in _doc().splitlines() if line.startswith(f"| {label} |")]
    assert len(rows) == 1, f"expected one table row for {label!r}, found {len(rows)}"
    return _functions_in(rows[0].split("|", 2)[2])


def test_every_function_the_bridge_calls_is_in_the_guide() -> None:
    documented = set(_functions_in(_doc()))
    missing = sorted(set(functions.all_functions()) - documented)
    assert not missing, f"docs/moodle-setup.md does not list: {missing}"


def test_the_guide_names_no_unknown_function() -> None:
    known = set(functions.all_functions()) | EXTRA_FUNCTIONS
    unknown = sorted(set(_functions_in(_doc())) - known)
    assert not unknown, f"docs/moodle-setup.md lists functions the bridge does not call: {unknown}"


def test_stream_rows_match_the_code() -> None:
    for stream, needed in functions.STREAM_FUNCTIONS.items():
        assert _row(f"`{stream}`") == list(needed), stream


def test_push_mode_rows_match_the_code() -> None:
    for mode, needed in functions.REVOKE_FUNCTIONS.items():
        assert _row(f'`revoke_access = "{mode}"`') == list(needed), mode
    for mode, needed in functions.ERASURE_FUNCTIONS.items():
        assert _row(f'`erasure = "{mode}"`') == list(needed), mode
    assert _row("rectification (always)") == list(functions.RECTIFY_FUNCTIONS)


def test_site_info_is_always_required() -> None:
    always = _doc().split("Always:", 1)[1].split("Per stream", 1)[0]
    assert _functions_in(always) == [functions.SITE_INFO]


def test_one_list_of_all_functions() -> None:
    paragraph = _doc().split("All functions of the tables above, in one list:", 1)[1]
    paragraph = paragraph.split("\n\n", 1)[0]
    assert _functions_in(paragraph) == list(functions.all_functions())


def test_plugin_function_and_capabilities_are_explained() -> None:
    text = _doc()
    assert f"`{functions.LOG_FUNCTION}`" in text
    for capability in contract.LOG_CAPABILITIES:
        assert f"`{capability}`" in text, capability
    assert "make package-plugin" in text


def test_links_to_the_readme_and_resolve() -> None:
    text = _doc()
    assert "[README](../README.md)" in text
    for target in re.findall(r"\]\(([^)#\s]+)(?:#[^)]*)?\)", text):
        if "://" in target:
            continue
        assert (DOC.parent / target).resolve().exists(), f"broken link {target}"


def test_menu_paths_use_moodles_terms() -> None:
    text = " ".join(_doc().split())  # paths may wrap across lines
    for path in (
        "Site administration > General > Advanced features",
        "Site administration > Server > Web services > Manage protocols",
        "Site administration > Server > Web services > External services",
        "Site administration > Server > Web services > Manage tokens",
        "Site administration > Users > Permissions > Define roles",
        "Site administration > Users > Permissions > Assign system roles",
        "Site administration > Users > Privacy and policies > Privacy settings",
        "Site administration > Plugins > Install plugins",
        "Site administration > Plugins > Local plugins > LMS registry bridge",
    ):
        assert path in text, path
