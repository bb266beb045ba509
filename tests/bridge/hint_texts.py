"""The texts of the code that name a ``bridge`` command or a ``--flag``, and which commands
can print each: the ground of ``test_hints_name_real_options``.

Every string constant (f-strings with their placeholders as ``{}``) of ``bridge/``,
``connectors/`` and ``jobs/`` is read with :mod:`ast`, except docstrings, which no one
running a command sees (help texts are read from the click tree instead), and argument
lists (a string that is one ``--flag`` alone is an option's declaration or a tool's argv).

A flag named without its command (``add --force to replace it``) belongs to whichever
command prints it. Which one that is, is read from the source: a name-resolved reference
graph (a function, class or module constant refers to the definitions it names through
imports or its module's top level), walked back from the text's definition to the click
callbacks that reach it. Calls through objects (``self.x()``, ``getattr``) are not
resolved, so a text only reached that way has no known command.
"""

from __future__ import annotations

import ast
import re
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
ROOTS = ("bridge", "connectors", "jobs")

#: An option's declaration or one argument of a tool's command line (``"--now"``,
#: ``"--file={}"``): not a message.
ARGUMENT = re.compile(r"-{1,2}[\w-]+(=\S*)?$")

#: A definition: (module, qualified name); the module's own top level is ``""``.
Node = tuple[str, str]


@dataclass(frozen=True)
class Text:
    module: str
    line: int
    owner: Node
    text: str

    @property
    def where(self) -> str:
        return f"{self.module.replace('.', '/')}.py:{self.line}"


def _modules() -> dict[str, ast.Module]:
    trees = {}
    for root in ROOTS:
        for path in sorted((REPO / root).rglob("*.py")):
            parts = path.relative_to(REPO).with_suffix("").parts
            name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
            trees[name] = ast.parse(path.read_text(encoding="utf-8"), str(path))
    return trees


def _string(node: ast.AST) -> str | None:
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    if isinstance(node, ast.JoinedStr):
        return "".join(
            part.value if isinstance(part, ast.Constant) else "{}" for part in node.values
        )
    return None


def _docstrings(tree: ast.Module) -> set[int]:
    """ids of the docstring nodes of the module, its classes and its functions."""
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef):
            body = node.body
            if body and isinstance(body[0], ast.Expr) and _string(body[0].value) is not None:
                found.add(id(body[0].value))
    return found


class Index:
    """Every text, every definition, and who refers to whom."""

    def __init__(self) -> None:
        self.trees = _modules()
        self.texts: list[Text] = []
        self.defined: dict[str, set[str]] = defaultdict(set)
        self.imports: dict[str, dict[str, Node | str]] = defaultdict(dict)
        self.refs: dict[Node, set[Node]] = defaultdict(set)
        for module, tree in self.trees.items():
            self._declare(module, tree.body, "")
        for module, tree in self.trees.items():
            self._visit(module, tree, "", "", _docstrings(tree))

    # ---------------------------------------------------------------- first pass

    def _declare(self, module: str, body: list[ast.stmt], prefix: str) -> None:
        for stmt in body:
            if isinstance(stmt, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
                self.defined[module].add(prefix + stmt.name)
                inner = f"{prefix}{stmt.name}."
                if not isinstance(stmt, ast.ClassDef):
                    inner = f"{prefix}{stmt.name}.<locals>."
                self._declare(module, stmt.body, inner)
            elif not prefix and isinstance(stmt, ast.Assign | ast.AnnAssign):
                targets = stmt.targets if isinstance(stmt, ast.Assign) else [stmt.target]
                for target in targets:
                    if isinstance(target, ast.Name):
                        self.defined[module].add(target.id)
            elif not prefix and isinstance(stmt, ast.ImportFrom) and stmt.module:
                base = stmt.module if stmt.level == 0 else self._relative(module, stmt)
                for alias in stmt.names:
                    sub = f"{base}.{alias.name}"
                    bound = alias.asname or alias.name
                    self.imports[module][bound] = sub if sub in self.trees else (base, alias.name)
            elif not prefix and isinstance(stmt, ast.Import):
                for alias in stmt.names:
                    self.imports[module][alias.asname or alias.name] = alias.name

    def _relative(self, module: str, stmt: ast.ImportFrom) -> str:
        package = module.split(".")[: -stmt.level]
        return ".".join([*package, stmt.module or ""])

    # ---------------------------------------------------------------- second pass

    def _visit(
        self, module: str, node: ast.AST, owner: str, prefix: str, docs: set[int]
    ) -> None:
        """Record the texts and references under ``node``; ``owner`` is the definition they
        belong to, ``prefix`` the qualified-name prefix of definitions nested here."""
        for child in ast.iter_child_nodes(node):
            inner, inner_prefix = owner, prefix
            if isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
                inner = prefix + child.name
                is_class = isinstance(child, ast.ClassDef)
                inner_prefix = inner + ("." if is_class else ".<locals>.")
                if owner:  # a nested definition is reached through its owner
                    self.refs[(module, inner)].add((module, owner))
            elif not owner and isinstance(child, ast.Assign | ast.AnnAssign):
                targets = child.targets if isinstance(child, ast.Assign) else [child.target]
                names = [t.id for t in targets if isinstance(t, ast.Name)]
                inner = names[0] if names else ""
            text = _string(child) if isinstance(child, ast.Constant | ast.JoinedStr) else None
            if text is not None and id(child) not in docs and not ARGUMENT.match(text):
                self.texts.append(Text(module, child.lineno, (module, inner), text))
            target = self._resolve(module, child)
            if target is not None:
                self.refs[target].add((module, owner))
            if isinstance(child, ast.JoinedStr):  # its placeholders refer, its parts are text
                for part in child.values:
                    if isinstance(part, ast.FormattedValue):
                        self._visit(module, part, inner, inner_prefix, docs)
            else:
                self._visit(module, child, inner, inner_prefix, docs)

    def _resolve(self, module: str, node: ast.AST) -> Node | None:
        """The definition a name or ``module.name`` refers to, following re-exports."""
        if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Load):
            if node.id in self.defined[module]:
                return (module, node.id)
            bound = self.imports[module].get(node.id)
            return self._follow(bound) if isinstance(bound, tuple) else None
        if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name):
            bound = self.imports[module].get(node.value.id)
            if isinstance(bound, str) and bound in self.trees:
                return self._follow((bound, node.attr))
        return None

    def _follow(self, node: Node, depth: int = 0) -> Node | None:
        module, name = node
        if name in self.defined.get(module, ()):
            return node
        bound = self.imports.get(module, {}).get(name)
        if isinstance(bound, tuple) and depth < 5:
            return self._follow(bound, depth + 1)
        return None

    # ---------------------------------------------------------------- queries

    def reachers(self, start: Node, stops: set[Node]) -> set[Node]:
        """The ``stops`` (click callbacks) from which ``start`` can be reached."""
        seen, todo, found = {start}, [start], set()
        while todo:
            node = todo.pop()
            if node in stops:
                found.add(node)
                continue
            for caller in self.refs.get(node, ()):
                if caller not in seen:
                    seen.add(caller)
                    todo.append(caller)
        return found

