"""docs/moodle-setup.md's three steps (issue 30) against the commands they name.

Every option the guide gives ``php local/registrybridge/cli/setup.php`` is one the script
reads, every ``bridge`` command and flag is in the bridge's command tree, and what the
guide says the set-up makes (the modes' functions and capabilities, the role's size, the
service's and the page's names, the token file ``bridge init`` writes) is what the plugin
and the bridge do. The manual appendix's function lists are in ``test_setup_doc.py``.
"""

from __future__ import annotations

import re
from pathlib import Path

import click

from bridge.cli.main import cli
from bridge.settings.initial import TOKEN_FILE, InitialSetup, initial_config
from connectors.moodle import functions as fn
from tests.plugin import php

ROOT = Path(__file__).resolve().parents[2]
DOC = ROOT / "docs" / "moodle-setup.md"
SETUP = "classes/local/setup.php"
SCRIPT = "php local/registrybridge/cli/setup.php"
_FENCE = re.compile(r"^```[a-z]*\n(.*?)^```", re.M | re.S)
_FLAG = re.compile(r"(?<![\w-])--([a-z][a-z-]*)")


def _doc() -> str:
    return DOC.read_text(encoding="utf-8")


def _flat(text: str) -> str:
    return " ".join(text.split())


def _section(start: str, end: str) -> str:
    return _doc().split(start, 1)[1].split(end, 1)[0]


def _command_texts() -> list[str]:
    """Each code block's commands (continuation lines joined) and each inline code span."""
    doc = _doc()
    texts = []
    for block in _FENCE.findall(doc):
        texts += [line.split(" #", 1)[0] for line in block.replace("\\\n", " ").splitlines()]
    texts += re.findall(r"`([^`]+)`", _flat(_FENCE.sub("", doc)))
    return texts


def _invocations(program: str) -> list[str]:
    """What follows ``program`` wherever the guide runs it, up to a redirection or comment."""
    found = []
    for text in _command_texts():
        for match in re.finditer(rf"(?:^|\s){re.escape(program)}((?:\s+[^<|&;#\s]+)*)", text):
            found.append(match.group(1).strip())
    return found


# --------------------------------------------------------------------------- step 2: the set-up


def test_every_option_of_the_set_up_script_the_guide_names_exists() -> None:
    runs = _invocations(SCRIPT)
    assert len(runs) >= 3, runs  # the set-up, --check, --help, --new-token
    named = {flag for run in runs for flag in _FLAG.findall(run)}
    named |= set(_FLAG.findall(_section("## 2. Run its set-up", "## 3.")))
    options = php.setup_script_options()
    assert named <= options, sorted(named - options)
    assert options <= named, f"the guide does not name {sorted(options - named)}"


def test_the_set_up_command_limits_the_token_and_writes_it_to_a_file() -> None:
    first = _invocations(SCRIPT)[0]
    assert {"iprestriction", "valid-days", "token-file"} <= set(_FLAG.findall(first)), first


def _mode_rows() -> dict[str, list[str]]:
    rows = {}
    for line in _section("**Modes.**", "**Checking.**").splitlines():
        found = re.match(r"^\| `--mode=([a-z_]+)` \|(.*)\|$", line)
        if found:
            rows[found.group(1)] = re.findall(r"`([^`]+)`", found.group(2))
    return rows


def test_the_modes_table_is_what_the_set_up_adds_and_the_bridge_calls() -> None:
    rows = _mode_rows()
    added_functions = php.constant(php.read(SETUP), "MODE_FUNCTIONS")
    added_capabilities = php.constant(php.read(SETUP), "MODE_CAPABILITIES")
    modes = php.constant(php.read(SETUP), "MODES")
    assert set(rows) == set(modes) - {"suspend"}  # suspend is the default, without --mode
    for mode, (setting, *added) in rows.items():
        key, value = re.fullmatch(r'(\w+) = "(\w+)"', setting).groups()  # type: ignore[union-attr]
        table = {"revoke_access": fn.REVOKE_FUNCTIONS, "erasure": fn.ERASURE_FUNCTIONS}[key]
        assert value == mode and value in table, setting
        functions = [a for a in added if "/" not in a]
        assert functions == added_functions[mode], mode
        assert [a for a in added if "/" in a] == added_capabilities[mode], mode
        assert set(functions) <= set(table[value]), mode


def test_the_role_size_is_the_plugins() -> None:
    count = len(php.constant(php.read(SETUP), "CAPABILITIES"))  # type: ignore[arg-type]
    assert f"exactly the {count} capabilities of the tables" in _flat(_doc())


def test_the_names_the_guide_gives_are_the_plugins() -> None:
    text = _flat(_doc())
    source = php.read(SETUP)
    for const in ("SERVICE_NAME", "SERVICE_SHORTNAME", "ROLE_NAME", "USERNAME", "ROLE_SHORTNAME"):
        value = re.search(rf"const {const} = '([^']+)';", source)
        assert value and value.group(1) in text, const
    assert "**LMS registry bridge (companion plugin)** (short name `local_registrybridge`" in text
    lang = php.read("lang/en/local_registrybridge.php")
    page = re.search(r"\$string\['setup'\] = '([^']+)';", lang)
    button = re.search(r"\$string\['setuprepair'\] = '([^']+)';", lang)
    assert page and f"Local plugins > {page.group(1)}" in text
    assert button and f"*{button.group(1)}*" in text
    said = re.search(r'says "([^"]+)"', text)
    assert said and said.group(1) in php.read("cli/setup.php")


# --------------------------------------------------------------------------- step 3: the bridge


def _resolve(words: list[str]) -> tuple[click.Command, set[str]]:
    """The command ``bridge WORDS`` runs and the flags it takes (the global ones included)."""
    command: click.Command = cli
    flags = {"--help"} | {o for p in cli.params for o in p.opts}
    for word in words:
        if word.startswith("-") or not isinstance(command, click.Group):
            break
        assert word in command.commands, f"bridge has no command {word!r} ({words})"
        command = command.commands[word]
    flags |= {o for p in command.params for o in (*p.opts, *p.secondary_opts)}
    return command, flags


def test_every_bridge_command_and_flag_the_guide_names_exists() -> None:
    runs = [run for run in _invocations("bridge") if run]
    assert any(run.startswith("init ") for run in runs) and "check" in runs, runs
    for run in runs:
        words = run.split()
        if words[0] in {"…", "..."}:
            continue
        _, flags = _resolve([w for w in words if not w.startswith("…")])
        for word in words:
            flag = word.split("=", 1)[0]
            if flag.startswith("-"):
                assert flag in flags, f"bridge {run}: no flag {flag}"


def test_init_writes_the_token_beside_the_configuration() -> None:
    text = _flat(_doc())
    assert f'token_file = "{TOKEN_FILE}"' in text and f"`{TOKEN_FILE}` beside `bridge.toml`" in text
    written = initial_config(InitialSetup(
        register_name="R", controller_name="C", business_id="0104505-9", address="A",
        contact_name="N", contact_email="n@example.fi", contact_phone=None,
        moodle_url="https://moodle.example.fi", hosting_country="FI",
        database_url="sqlite:///var/bridge.sqlite3", admin="heini",
    ))  # fmt: skip
    assert f'token_file = "{TOKEN_FILE}"' in written  # relative: beside bridge.toml
    init, flags = _resolve(["init"])
    assert "--token-file" in flags and "standard input" in (init.help or "")
    assert any(run.startswith("init --moodle-url") and "--token-file" in run
               for run in _invocations("bridge"))  # fmt: skip
    assert "/etc/lms-registry-bridge" not in text  # fault 7: no second place for the token


# --------------------------------------------------------------------------- the faults of issue 30


def test_the_faults_of_the_manual_guide_stay_fixed() -> None:
    text = _flat(_doc())
    # 1: a development build needs --allow-unstable; the command stays non-interactive.
    assert "php admin/cli/upgrade.php --non-interactive --allow-unstable" in text
    # 3: no step enabling the Web services authentication plugin, no Overview ticking it.
    assert "enable **Web services authentication**" not in text and "Overview*" not in text
    # 5: Authorised users is a link in the External services list.
    assert "on the same page, **Authorised users**" not in text
    assert "has the link **Authorised users**" in text
    # 6: the Data registry's site-level purpose.
    assert '"No purpose is defined at the system level. Deletion will delete all."' in text
    # 9: cron returns at once.
    assert "php admin/cli/cron.php --keep-alive=0" in text
