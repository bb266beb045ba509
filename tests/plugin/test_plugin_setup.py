"""The plugin's set-up (1.4) against the bridge's own lists, so that they cannot drift.

``classes/local/setup.php`` holds what the bridge needs per mode: the functions of the
service the plugin declares and the capabilities of its role. These tests compare them with
the functions the connector calls (``connectors.moodle.functions``), the capabilities the
guide lists and ``bridge check`` names, and with what a real Moodle 4.5 made of them
(``tests/fixtures/moodle-live``).
"""

from __future__ import annotations

import json
import re
from pathlib import Path

from connectors.moodle import functions as fn
from connectors.moodle.checks import WRITE_CAPABILITIES
from connectors.moodle.connector import USERS_COURSES
from connectors.moodle.diagnosis import ROLE
from connectors.moodle.plugin import LOG_CAPABILITIES
from tests.plugin import php

ROOT = Path(__file__).resolve().parents[2]
GUIDE = ROOT / "docs" / "moodle-setup.md"
LIVE = ROOT / "tests" / "fixtures" / "moodle-live"
SETUP = "classes/local/setup.php"
#: The set-up's modes, each the bridge setting it stands for.
MODES = {"suspend": ("revoke_access", "suspend"), "delete_user": ("erasure", "delete_user"),
         "suspend_and_unenrol": ("revoke_access", "suspend_and_unenrol")}  # fmt: skip
_CAPABILITY_ROW = re.compile(r"^\| `([a-z]+/[a-z_]+:[a-z_]+)` \|", re.M)


def _const(name: str) -> object:
    return php.constant(php.read(SETUP), name)


def _string_const(name: str) -> str:
    found = re.search(rf"const {name} = '([^']+)';", php.read(SETUP))
    assert found, name
    return found.group(1)


def _bridge_functions(revoke_access: str, erasure: str) -> set[str]:
    """What the bridge calls with every stream on and these push modes, optional reads included."""
    names = {fn.SITE_INFO, fn.HINT_FUNCTION, USERS_COURSES, *fn.PLUGIN_FUNCTIONS,
             *fn.RECTIFY_FUNCTIONS, *fn.LEARNER_REQUEST_FUNCTIONS,
             *fn.REVOKE_FUNCTIONS[revoke_access],
             *fn.ERASURE_FUNCTIONS[erasure]}  # fmt: skip
    for needed in fn.STREAM_FUNCTIONS.values():
        names.update(needed)
    return names


def _live_functions(case: str) -> list[str]:
    answer = json.loads((LIVE / f"core_webservice_get_site_info__{case}.json").read_text())
    return sorted(f["name"] for f in answer["response"]["json"]["functions"])


# --------------------------------------------------------------------------- the functions


def test_modes_are_the_bridges_push_settings() -> None:
    assert _const("MODES") == list(MODES)
    assert set(_const("MODE_FUNCTIONS")) == set(_const("MODE_CAPABILITIES")) == set(MODES)
    for setting, value in MODES.values():
        table = fn.REVOKE_FUNCTIONS if setting == "revoke_access" else fn.ERASURE_FUNCTIONS
        assert value in table, (setting, value)


def test_the_default_service_has_exactly_what_the_default_modes_call() -> None:
    declared = _const("FUNCTIONS")
    assert declared == sorted(declared), "keep the list sorted"
    assert set(declared) == _bridge_functions("suspend", "privacy_request")
    # The write power of the other modes is not in the default service.
    assert "core_user_delete_users" not in declared
    assert "enrol_manual_unenrol_users" not in declared


def test_each_mode_adds_exactly_what_it_calls_besides() -> None:
    default = _bridge_functions("suspend", "privacy_request")
    added = _const("MODE_FUNCTIONS")
    assert added["suspend"] == []
    assert set(added["delete_user"]) == _bridge_functions("suspend", "delete_user") - default
    assert set(added["suspend_and_unenrol"]) == (
        _bridge_functions("suspend_and_unenrol", "privacy_request") - default
    )


def test_the_fullest_set_up_covers_every_function_the_bridge_calls() -> None:
    everything = set(_const("FUNCTIONS"))
    for extra in _const("MODE_FUNCTIONS").values():
        everything |= set(extra)
    assert set(fn.all_functions()) <= everything
    assert everything <= set(fn.all_functions()) | {USERS_COURSES}


def test_a_real_moodle_made_the_service_from_the_declaration() -> None:
    """Recorded on Moodle 4.5 after install and cli/setup.php (default, then every mode)."""
    assert _live_functions("plugin_service") == sorted(_const("FUNCTIONS"))
    added = [f for extra in _const("MODE_FUNCTIONS").values() for f in extra]
    assert _live_functions("plugin_service_all_modes") == sorted([*_const("FUNCTIONS"), *added])


def test_the_service_is_declared_restricted_and_keeps_the_stored_modes() -> None:
    source = php.read("db/services.php")
    services = source.split("$services =", 1)[1]
    assert "setup::SERVICE_NAME =>" in services
    assert re.search(
        r"'shortname'\s+=> \\local_registrybridge\\local\\setup::SERVICE_SHORTNAME,", services
    )
    assert re.search(r"'restrictedusers' => 1,", services)
    assert re.search(r"'enabled'\s+=> 1,", services)
    # An upgrade resets a plugin's service to its declaration: the declaration follows the modes.
    assert re.search(r"setup::service_functions\(\s*\\local_registrybridge\\local\\setup::"
                     r"stored_modes\(\)\)", services)  # fmt: skip
    assert _string_const("SERVICE_SHORTNAME") == "local_registrybridge"
    # Moodle keeps service names unique: not the manual guide's service name.
    assert _string_const("SERVICE_NAME") != "LMS registry bridge"


# --------------------------------------------------------------------------- the capabilities


def _guide_capabilities() -> set[str]:
    """Every capability the guide's tables allow (read, logs, optional, write per mode)."""
    return set(_CAPABILITY_ROW.findall(GUIDE.read_text(encoding="utf-8")))


def test_the_role_allows_exactly_the_capabilities_of_the_guide() -> None:
    declared = _const("CAPABILITIES")
    assert declared == sorted(declared), "keep the list sorted"
    assert len(declared) == 31  # as counted on a real Moodle 4.5 (issue 30)
    optional = set(_const("OPTIONAL_CAPABILITIES"))
    by_mode = {c for added in _const("MODE_CAPABILITIES").values() for c in added}
    assert set(declared) == _guide_capabilities() - optional - by_mode
    assert optional <= _guide_capabilities()
    assert set(LOG_CAPABILITIES) <= set(declared)


def test_each_mode_adds_the_write_capability_bridge_check_names() -> None:
    added = _const("MODE_CAPABILITIES")
    assert added["suspend"] == []
    for mode in ("delete_user", "suspend_and_unenrol"):
        assert added[mode] == list(WRITE_CAPABILITIES[mode]), mode
    default = set(_const("CAPABILITIES"))
    for key in ("always", "privacy_request"):
        assert set(WRITE_CAPABILITIES[key]) <= default, key


def test_the_role_is_the_one_bridge_check_points_to() -> None:
    assert f"> {_string_const('ROLE_NAME')})" in ROLE
    assert _string_const("ROLE_SHORTNAME") == "lmsregistrybridge"  # the manual guide's


# --------------------------------------------------------------------------- install, upgrade


def _version() -> int:
    found = re.search(r"\$plugin->version\s*=\s*(\d+);", php.read("version.php"))
    assert found
    return int(found.group(1))


def test_install_and_upgrade_create_the_role() -> None:
    install = php.function_body(php.read("db/install.php"), "xmldb_local_registrybridge_install")
    assert "\\local_registrybridge\\local\\setup::ensure_role();" in install
    upgrade = php.function_body(php.read("db/upgrade.php"), "xmldb_local_registrybridge_upgrade")
    steps = [int(v) for v in re.findall(r"\$oldversion < (\d+)", upgrade)]
    assert steps and max(steps) <= _version()
    assert "setup::ensure_role();" in upgrade
    assert f"upgrade_plugin_savepoint(true, {steps[0]}, 'local', 'registrybridge')" in upgrade
    # install.php runs before Moodle registers the plugin's capabilities; the role needs them.
    ensure = php.function_body(php.read(SETUP), "ensure_role")
    assert ensure.index("update_capabilities('local_registrybridge')") < ensure.index("->role()")


def test_version_and_changes_name_the_same_release() -> None:
    release = re.search(r"\$plugin->release\s*=\s*'([^']+)';", php.read("version.php"))
    assert release and release.group(1) == "1.4.0"
    changes = (php.PLUGIN_DIR / "CHANGES.md").read_text(encoding="utf-8")
    assert re.search(r"^## 1\.4\.0 ", changes, re.M)


# --------------------------------------------------------------------------- the script, the page


def _cli_options() -> list[str]:
    body = php.read("cli/setup.php").split("cli_get_params([", 1)[1].split("]", 1)[0]
    return re.findall(r"'([a-z-]+)' =>", body)


def test_the_script_takes_the_documented_options() -> None:
    source = php.read("cli/setup.php")
    assert "define('CLI_SCRIPT', true);" in source
    options = _cli_options()
    assert set(options) >= {"mode", "iprestriction", "validuntil", "valid-days", "token-file",
                            "new-token", "check", "help"}  # fmt: skip
    help_text = source.split("if ($options['help'])", 1)[1].split("exit(0);", 1)[0]
    readme = (php.PLUGIN_DIR / "README.md").read_text(encoding="utf-8")
    for option in options:
        assert f"--{option}" in help_text, option
        assert f"`--{option}" in readme, option


def test_check_changes_nothing_and_exits_non_zero_on_a_difference() -> None:
    source = php.read("cli/setup.php")
    assert "new setup($modes, !$options['check']," in source
    assert "exit($failed ? 1 : 0);" in source
    # Nothing is changed but through differ(), which repairs only when asked to.
    body = php.function_body(php.read(SETUP), "differ")
    assert "if ($this->apply && $repair !== null)" in body


def test_a_new_token_file_is_private() -> None:
    source = php.read("cli/setup.php")
    assert "umask(0077)" in source and "chmod($temporary, 0600)" in source
    assert "rename($temporary, $tokenfile)" in source


def test_the_page_is_in_the_admin_tree_for_site_admins() -> None:
    settings = php.read("settings.php")
    assert "new admin_externalpage('local_registrybridge_setup'" in settings
    assert "'/local/registrybridge/setup.php'), 'moodle/site:config')" in settings
    page = php.read("setup.php")
    assert "admin_externalpage_setup('local_registrybridge_setup');" in page
    assert "$form->get_data()" in page  # moodleform checks the session key


def test_the_readme_upgrades_without_a_prompt() -> None:
    readme = (php.PLUGIN_DIR / "README.md").read_text(encoding="utf-8")
    commands = re.findall(r"php admin/cli/upgrade\.php[^\n`]*", readme)
    assert commands and all("--non-interactive" in c for c in commands), commands
    assert "--allow-unstable" in readme
