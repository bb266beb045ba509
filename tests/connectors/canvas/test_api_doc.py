"""docs/canvas-api.md keeps its promise: every endpoint the connector calls is documented.

The closing note of the Canvas work lists each endpoint with the canvas-lms file and line of
its ``@API`` comment, the permission it needs and the fields the connector reads; these tests
parse the doc's endpoint table and refuse a row without any of them, and an endpoint the
connector calls (``connectors.canvas.endpoints.ENDPOINTS``, or the doc's own list where that
module is not in the tree) that has no row.
"""

from __future__ import annotations

import importlib
import json
import re
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]
DOC = ROOT / "docs" / "canvas-api.md"
FIXTURES = ROOT / "tests" / "fixtures" / "canvas"
COLUMNS = (
    "Key", "Method", "Path", "Source (@API)", "Built by", "Permission", "Parameters",
    "Fields read",
)
#: ``app/controllers/users_controller.rb:369 "List users in account"``
SOURCE = re.compile(r'app/controllers/[a-z_/]+_controller\.rb:(\d+) "([^"]+)"')
#: A role-editor label with the internal name after it: ``Users - view list [read_roster]``.
PERMISSION = re.compile(r"[A-Z][A-Za-z]*(?: [A-Za-z/]+)* - [a-z][a-z /]* \[([a-z_]+)\]")
FIELD = re.compile(r"^[a-z_]+(?:\[\])?(?:\.[a-z_]+)*")
#: The error messages the doc documents, each of which needs a fixture in errors.json.
ERROR_MESSAGES = (
    "Invalid access token.",
    "user authorization required",
    "user not authorized to perform that action",
    "Invalid as_user_id",
    "Rate Limit Exceeded",
    "The specified resource does not exist.",
)


@dataclass(frozen=True)
class Row:
    key: str
    method: str
    path: str
    source: str
    built_by: str
    permission: str
    parameters: str
    fields: str

    @property
    def route(self) -> tuple[str, str]:
        return self.method, normalised(self.path)

    @property
    def field_names(self) -> list[str]:
        """The "Fields read" cell as JSON keys; a note in parentheses is not a field."""
        return [item.strip() for item in re.sub(r"\([^)]*\)", "", self.fields).split(",")]


def normalised(path: str) -> str:
    """``/accounts/:account_id`` and ``/accounts/{account_id}`` name the same route."""
    path = path.split("?", 1)[0].rstrip("/")
    return re.sub(r":[a-z_]+|\{[a-z_]+\}", "{}", path)


def _section(text: str, heading: str) -> str:
    start = text.index(f"\n## {heading}\n")
    end = text.find("\n## ", start + 1)
    return text[start : end if end != -1 else len(text)]


def table_rows() -> list[Row]:
    lines = [
        line for line in _section(DOC.read_text(encoding="utf-8"), "Endpoint table").splitlines()
        if line.startswith("|")
    ]
    header = tuple(cell.strip() for cell in lines[0].strip("|").split("|"))
    assert header == COLUMNS, f"the endpoint table's columns changed: {header}"
    rows = []
    for line in lines[2:]:
        cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
        assert len(cells) == len(COLUMNS), f"a cell holds a '|' or one is missing: {line[:80]}"
        rows.append(Row(*cells))
    return rows


def listed_routes() -> list[tuple[str, str]]:
    """The doc's own list of the endpoints the connector calls."""
    block = re.search(
        r"<!-- endpoints-called -->(.*?)<!-- /endpoints-called -->",
        DOC.read_text(encoding="utf-8"), re.S,
    )
    assert block, "the doc lost its list of the endpoints the connector calls"
    routes = []
    for line in block.group(1).strip().splitlines():
        method, path = line.removeprefix("- ").split(" ", 1)
        routes.append((method, normalised(path.strip())))
    return routes


def connector_endpoints() -> tuple | None:
    """The connector's declared endpoints, or None where its package is not in this tree."""
    try:
        return importlib.import_module("connectors.canvas.endpoints").ENDPOINTS
    except ModuleNotFoundError:
        return None


def called_routes() -> list[tuple[str, str]]:
    endpoints = connector_endpoints()
    if endpoints is None:
        return listed_routes()
    return [(e.method, normalised(e.path)) for e in endpoints]


ROWS = table_rows()


def test_the_table_has_one_row_per_endpoint() -> None:
    keys = [row.key for row in ROWS]
    routes = [row.route for row in ROWS]
    assert len(ROWS) >= 15
    assert len(set(keys)) == len(keys), "two rows share a key"
    assert len(set(routes)) == len(routes), "two rows document the same method and path"
    assert all(row.method in {"GET", "PUT", "POST", "DELETE"} for row in ROWS)
    # the API's paths, and the files its answers link to (a report's CSV)
    assert all(row.path.startswith(("/api/v1/", "/files/")) for row in ROWS)


@pytest.mark.parametrize("row", ROWS, ids=lambda row: row.key)
def test_every_row_names_the_canvas_source_line_of_its_api_comment(row: Row) -> None:
    found = SOURCE.search(row.source)
    assert found, f"{row.key}: no app/controllers/…_controller.rb:LINE \"@API title\""
    assert int(found.group(1)) > 18, f"{row.key}: line {found.group(1)} is the licence header"


@pytest.mark.parametrize("row", ROWS, ids=lambda row: row.key)
def test_every_row_names_its_permission(row: Row) -> None:
    without = row.permission.lower().startswith(("none", "any account role", "an account role"))
    assert without or PERMISSION.search(row.permission), (
        f"{row.key}: the permission must be named as in Canvas's role editor with its "
        f"internal name, e.g. 'Users - view list [read_roster]': {row.permission!r}"
    )


@pytest.mark.parametrize("row", ROWS, ids=lambda row: row.key)
def test_every_row_names_the_fields_the_connector_reads(row: Row) -> None:
    fields = row.field_names
    assert fields and all(FIELD.fullmatch(item) for item in fields), (
        f"{row.key}: fields must be a comma-separated list of JSON keys: {row.fields!r}"
    )
    assert row.built_by, f"{row.key}: say which serializer builds the answer"


@pytest.mark.parametrize("route", called_routes(), ids=lambda route: " ".join(route))
def test_every_endpoint_the_connector_calls_is_documented(route: tuple[str, str]) -> None:
    assert route in {row.route for row in ROWS}, (
        f"{' '.join(route)} is called by the Canvas connector but has no row in "
        f"docs/canvas-api.md's endpoint table"
    )


def test_the_docs_list_of_called_endpoints_matches_the_connector() -> None:
    endpoints = connector_endpoints()
    if endpoints is None:
        pytest.skip("connectors.canvas.endpoints is not in this tree")
    declared = {(e.method, normalised(e.path)) for e in endpoints}
    assert set(listed_routes()) == declared


def test_the_permission_the_connector_asks_for_is_the_one_documented() -> None:
    endpoints = connector_endpoints()
    if endpoints is None:
        pytest.skip("connectors.canvas.endpoints is not in this tree")
    by_route = {row.route: row for row in ROWS}
    wrong = [
        f"{e.name}: declares {permission}, the doc names {by_route[route].permission!r}"
        for e in endpoints
        if (route := (e.method, normalised(e.path))) in by_route
        for permission in _declared_permissions(e)
        if f"[{permission}]" not in by_route[route].permission
    ]
    assert not wrong, "\n".join(wrong)


def _declared_permissions(endpoint: object) -> tuple[str, ...]:
    """The endpoint's permissions: ``permissions`` where it has them, else ``permission``."""
    every = getattr(endpoint, "permissions", None)
    if every is not None:
        return tuple(every)
    one = getattr(endpoint, "permission", None)
    return (one,) if one else ()


def _fixtures() -> dict[str, dict]:
    return {
        path.name: json.loads(path.read_text(encoding="utf-8"))
        for path in sorted(FIXTURES.glob("*.json"))
    }


def test_the_fixtures_keep_canvasapis_format_and_name_their_source() -> None:
    fixtures = _fixtures()
    assert {"account.json", "user.json", "errors.json", "paginated_list.json"} <= set(fixtures)
    for name, examples in fixtures.items():
        for example_name, example in examples.items():
            if name == "paginated_list.json" and example_name == "status_code":
                continue  # a stray top-level key in canvasapi's own file, kept as copied
            assert {"method", "endpoint"} <= set(example), f"{name}:{example_name}"
    readme = (FIXTURES / "README.md").read_text(encoding="utf-8")
    assert "ucfopen/canvasapi" in readme and "MIT" in readme


@pytest.mark.parametrize("message", ERROR_MESSAGES)
def test_every_documented_error_shape_has_a_fixture(message: str) -> None:
    assert message in _section(DOC.read_text(encoding="utf-8"), "Error shapes")
    errors = _fixtures()["errors.json"]
    matching = [e for e in errors.values() if message in json.dumps(e.get("data", e.get("text")))]
    assert matching, f"no fixture in errors.json answers {message!r}"
    assert all(re.search(r"\.rb:\d+", e["_source"]) for e in matching), "name the source line"


def _value_at(example: object, path: str) -> bool:
    """Whether ``grades.current_score`` or ``messages[].body`` is present in ``example``."""
    node = example[0] if isinstance(example, list) else example
    for part in path.split("."):
        many = part.endswith("[]")
        part = part.removesuffix("[]")
        if not isinstance(node, dict) or part not in node:
            return False
        node = node[part]
        if many:
            if not node:
                return False
            node = node[0]
    return True


DOCUMENTED = json.loads((FIXTURES / "documented.json").read_text(encoding="utf-8"))


@pytest.mark.parametrize(
    "row", [row for row in ROWS if row.key in DOCUMENTED], ids=lambda row: row.key
)
def test_every_field_the_connector_reads_is_in_the_documented_example(row: Row) -> None:
    example = DOCUMENTED[row.key]
    assert example["method"] == row.method
    endpoint = example["endpoint"]  # relative to /api/v1/, or a path of its own (a file)
    full = endpoint if endpoint.startswith("/") else "/api/v1/" + endpoint
    assert normalised(full).count("/") == row.path.count("/")
    missing = [field for field in row.field_names if not _value_at(example["data"], field)]
    assert not missing, f"{row.key}: documented.json's example lacks {missing}"


def test_every_endpoint_the_connector_calls_has_a_documented_example() -> None:
    by_route = {row.route: row.key for row in ROWS}
    without = [route for route in called_routes() if by_route.get(route) not in DOCUMENTED]
    assert not without, f"no example in tests/fixtures/canvas/documented.json for {without}"
