"""Just enough PHP reading for the plugin's contract tests: no PHP interpreter needed.

The plugin's files follow Moodle's coding style (one ``'key' => value`` per line, short
array syntax), which is what these helpers rely on.
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass
from pathlib import Path

PLUGIN_DIR = Path(__file__).resolve().parents[2] / "moodle-plugin" / "local_registrybridge"

_STRING = re.compile(r"'(?:[^'\\]|\\.)*'|\"(?:[^\"\\]|\\.)*\"")
_LINE_COMMENT = re.compile(r"//[^\n]*")
_BLOCK_COMMENT = re.compile(r"/\*.*?\*/", re.S)
_KEY = re.compile(r"'(\w+)'\s*=>\s*")


def php_files() -> list[Path]:
    return sorted(PLUGIN_DIR.rglob("*.php"))


def read(relative: str) -> str:
    return (PLUGIN_DIR / relative).read_text(encoding="utf-8")


def mask(source: str) -> str:
    """The source with comments blanked and string contents replaced by ``x``.

    Same length as the input, so positions found in one apply to the other.
    """

    def blank(match: re.Match[str]) -> str:
        return re.sub(r"[^\n]", " ", match.group(0))

    def fill(match: re.Match[str]) -> str:
        text = match.group(0)
        return text[0] + "x" * (len(text) - 2) + text[-1]

    # Strings first (a '//' inside a string is not a comment), then comments.
    out, pos = [], 0
    pattern = re.compile(
        f"{_STRING.pattern}|{_BLOCK_COMMENT.pattern}|{_LINE_COMMENT.pattern}", re.S
    )
    for match in pattern.finditer(source):
        out.append(source[pos : match.start()])
        out.append(fill(match) if match.group(0)[0] in "'\"" else blank(match))
        pos = match.end()
    out.append(source[pos:])
    return "".join(out)


def function_body(source: str, name: str) -> str:
    """The text between the braces of ``function name(...)`` (braces matched on masked text)."""
    masked = mask(source)
    found = re.search(rf"function\s+{name}\s*\(", masked)
    if found is None:
        raise AssertionError(f"function {name} not found")
    start = masked.index("{", found.end())
    depth = 0
    for index in range(start, len(masked)):
        depth += {"{": 1, "}": -1}.get(masked[index], 0)
        if depth == 0:
            return source[start + 1 : index]
    raise AssertionError(f"unbalanced braces in function {name}")


def signature(source: str, name: str) -> list[str]:
    """Parameter names (without ``$``) of ``function name(...)``, in order."""
    found = re.search(rf"function\s+{name}\s*\(([^)]*)\)", mask(source))
    if found is None:
        raise AssertionError(f"function {name} not found")
    return re.findall(r"\$(\w+)", found.group(1))


@dataclass(frozen=True)
class Item:
    """One ``'key' => value`` of a PHP array literal."""

    key: str
    depth: int  # bracket nesting depth at the key
    value: str  # source text of the value, up to the next key at any depth


def items(source: str) -> list[Item]:
    """Every ``'key' => value`` pair of a piece of PHP, with its nesting depth."""
    masked = mask(source)

    def is_key(match: re.Match[str]) -> bool:
        # A real key is a whole string literal in the masked text, not text inside a string.
        literal = masked[match.start() : match.start() + len(match.group(1)) + 2]
        return literal == "'" + "x" * len(match.group(1)) + "'"

    matches = [m for m in _KEY.finditer(source) if is_key(m)]
    found = []
    for index, match in enumerate(matches):
        before = masked[: match.start()]
        depth = sum(before.count(c) for c in "([") - sum(before.count(c) for c in ")]")
        end = matches[index + 1].start() if index + 1 < len(matches) else len(source)
        found.append(Item(match.group(1), depth, source[match.end() : end]))
    return found


def children(all_items: list[Item], parent: str) -> list[Item]:
    """The items nested directly or deeper under the item ``parent``, until the next sibling."""
    for index, item in enumerate(all_items):
        if item.key == parent:
            nested = []
            for other in all_items[index + 1 :]:
                if other.depth <= item.depth:
                    break
                nested.append(other)
            return nested
    raise AssertionError(f"no key {parent!r}")


def top_level(all_items: list[Item]) -> list[Item]:
    lowest = min(item.depth for item in all_items)
    return [item for item in all_items if item.depth == lowest]


def lang_strings() -> dict[str, str]:
    """``$string['key'] = '...'`` of the English language file."""
    source = read("lang/en/local_registrybridge.php")
    return {
        key: value
        for key, value in re.findall(r"\$string\['([^']+)'\]\s*=\s*'((?:[^'\\]|\\.)*)';", source)
    }


def constant(source: str, name: str) -> object:
    """The value of ``const NAME = [...]``: a list of strings, or a dict of such lists.

    Only literal arrays of single-quoted strings (Moodle style), which is all the set-up
    class declares.
    """
    masked = mask(source)
    found = re.search(rf"\bconst\s+{name}\s*=\s*\[", masked)
    if found is None:
        raise AssertionError(f"const {name} not found")
    start, depth = found.end() - 1, 0
    for index in range(start, len(masked)):
        depth += {"[": 1, "]": -1}.get(masked[index], 0)
        if depth == 0:
            break
    text = source[start : index + 1]
    if re.search(r"'\s*=>", text):  # a map: its outer brackets become braces
        text = "{" + text[1:-1].replace("=>", ":") + "}"
    return ast.literal_eval(text)


def setup_script_options() -> set[str]:
    """The options of the plugin's set-up script (``cli/setup.php``'s ``cli_get_params``)."""
    body = read("cli/setup.php").split("cli_get_params([", 1)[1].split("]", 1)[0]
    return set(re.findall(r"'([a-z-]+)' =>", body))
