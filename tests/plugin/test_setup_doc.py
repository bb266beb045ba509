"""docs/moodle-setup.md against the functions the bridge calls, so the guide cannot drift.

The function lists of the guide are written out for the Moodle administrator; these tests
compare them with ``connectors.moodle.functions`` (and the plugin's interface).
"""

from __future__ import annotations

import re
from pathlib import Path

from connectors.moodle import functions
from connectors.moodle import plugin as contract
from tests.plugin import php

ROOT = Path(__file__).resolve().parents[2]
DOC = ROOT / "docs" / "moodle-setup.md"
SETUP = "classes/local/setup.php"

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


def _paragraph_after(marker: str) -> str:
    return _doc().split(marker, 1)[1].split("\n\n", 1)[0]


def test_the_default_modes_list_is_exactly_what_they_call() -> None:
    """Fault 4 of issue 30: "exactly these" holds only for the default modes, and the optional
    reads the bridge makes are in it (as in the plugin's service), the other modes' not."""
    listed = _functions_in(_paragraph_after("add **exactly these**, nothing else"))
    plugin = _functions_in(_paragraph_after("With the companion plugin installed (step A2)"))
    assert listed == sorted(listed) and plugin == sorted(plugin)
    assert set(plugin) == set(functions.PLUGIN_FUNCTIONS)
    default = {functions.SITE_INFO, functions.HINT_FUNCTION, *EXTRA_FUNCTIONS,
               *functions.PLUGIN_FUNCTIONS, *functions.RECTIFY_FUNCTIONS,
               *functions.LEARNER_REQUEST_FUNCTIONS, *functions.REVOKE_FUNCTIONS["suspend"],
               *functions.ERASURE_FUNCTIONS["privacy_request"]}  # fmt: skip
    for needed in functions.STREAM_FUNCTIONS.values():
        default.update(needed)
    assert set(listed) | set(plugin) == default
    assert "core_user_delete_users" not in listed and "enrol_manual_unenrol_users" not in listed
    # The plugin's service has the same list (classes/local/setup.php).
    assert sorted(listed + plugin) == php.constant(php.read(SETUP), "FUNCTIONS")


def test_each_other_mode_adds_what_it_calls_besides() -> None:
    default = set(_functions_in(_paragraph_after("add **exactly these**, nothing else")))
    for setting, table in (("revoke_access", functions.REVOKE_FUNCTIONS),
                           ("erasure", functions.ERASURE_FUNCTIONS)):  # fmt: skip
        for mode, needed in table.items():
            marker = f'* with `{setting} = "{mode}"`:'
            if set(needed) <= default:
                assert marker not in _doc(), mode
                continue
            line = _doc().split(marker, 1)[1].split("\n", 1)[0]
            assert set(_functions_in(line)) == set(needed) - default, mode


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
        "Site administration > Plugins > Local plugins > LMS registry bridge: set-up",
        "Site administration > Users > Privacy and policies > Data registry",
    ):
        assert path in text, path


# --------------------------------------------------------------------------- step 1: the plugin

PLUGIN = ROOT / "moodle-plugin" / "local_registrybridge"


def _component() -> str:
    version = _read(PLUGIN / "version.php")
    found = re.search(r"\$plugin->component\s*=\s*'([a-z]+_[a-z0-9]+)'", version)
    assert found, "version.php names no component"
    return found.group(1)


def _read(path: Path) -> str:
    return path.read_text(encoding="utf-8")


def _flat() -> str:
    return " ".join(_doc().split())


def test_the_folder_to_rename_is_the_zips_and_the_target_follows_the_component() -> None:
    component = _component()
    plugin_type, name = component.split("_", 1)
    # The zip (make package-plugin) holds the plugin's source folder as it is named here.
    assert PLUGIN.name == component
    assert "scripts/package_plugin.py" in _read(ROOT / "Makefile")
    assert f'"moodle-plugin" / "{component}"' in _read(ROOT / "scripts" / "package_plugin.py")
    text = _flat()
    assert f"**rename** the folder `{component}/` to `{name}`" in text
    assert f"`<moodle>/{plugin_type}/{name}/version.php`" in text
    assert "move the folder to" not in text  # the old, wrong instruction


def test_the_command_line_upgrade_does_not_stop_at_a_prompt() -> None:
    commands = re.findall(r"php admin/cli/upgrade\.php[^\n`]*", _doc())
    assert commands and all("--non-interactive" in c for c in commands), commands


def _setting_default(name: str) -> str:
    settings = _read(PLUGIN / "settings.php")
    block = settings.split(f"'local_registrybridge/{name}'", 1)[1].split(";", 1)[0]
    # admin_setting_*(name, title, description, default, ...): after the two lang strings.
    arguments = [a.strip() for a in re.sub(r"new lang_string\([^)]*\)", "S", block).split(",")]
    assert arguments[:3] == ["", "S", "S"], arguments
    return arguments[3]


def test_the_defaults_the_guide_quotes_are_the_plugins() -> None:
    lag, maxlimit = _setting_default("lag"), _setting_default("maxlimit")
    assert (lag, maxlimit) == ("60", "5000")  # the guide's words below depend on these
    text = _flat()
    assert f"**Lag** {lag} seconds (1 minute) and **Maximum entries per call** {maxlimit}" in text
    assert f"**Maximum entries per call** (default {maxlimit})" in text
    assert "--component=local_registrybridge --name=lag" in text and "--name=maxlimit" in text


def test_the_log_store_statement_matches_the_plugins_reader() -> None:
    source = _read(PLUGIN / "classes" / "external" / "get_log_entries.php")
    assert "get_readers('\\core\\log\\sql_reader')" in source  # enabled stores, in order
    assert "sql_internal_table_reader" in source and "logstore_database" in source
    text = _flat()
    assert "first enabled store, in the order of that page, that is the *Standard log* or " \
        "the *External database log*" in text


# --------------------------------------------------------------------------- steps A5, A6, 3


def test_step_5_names_both_privacy_settings_and_what_they_change() -> None:
    step = _flat().split("### A5. Privacy officer settings", 1)[1].split("### A6.", 1)[0]
    assert "no account but a site administrator" in step
    assert "`contactdpoviaprivacypolicy`" in step
    assert "**Automatic data deletion request approval**" in step
    assert "`tool_dataprivacy | automaticdatadeletionapproval`" in step


def test_step_a6_allows_exactly_the_functions_the_bridge_calls() -> None:
    step = _flat().split("### A6. Create the external service", 1)[1].split("### A7.", 1)[0]
    assert "all of them" not in step
    assert "the default push modes" in step.split("add **exactly these**", 1)[0]
    assert step.count("exactly") == 1  # only the default modes' list is exact


def test_every_capability_the_connector_names_is_in_the_guide() -> None:
    from connectors.moodle.checks import WRITE_CAPABILITIES

    text = _doc()
    named = {c for group in WRITE_CAPABILITIES.values() for c in group}
    named |= set(contract.LOG_CAPABILITIES) | {"moodle/site:readallmessages"}
    missing = sorted(c for c in named if f"`{c}`" not in text)
    assert not missing, missing


def test_the_form_field_budget_is_explained_with_the_settings_key() -> None:
    from connectors.moodle.config import MoodleSettings
    from connectors.moodle.input_vars import MOODLE_REQUIRED, NAME

    default = MoodleSettings.model_fields["max_form_fields"].default
    text = _flat()
    assert f"max_form_fields = {default}" in text
    assert f"`max_form_fields = {MOODLE_REQUIRED}`" in text
    assert f"at least {MOODLE_REQUIRED}" in text and "`max_input_vars`" in text
    assert f"| {NAME} |" in text
