"""Each role × each command category: denied commands exit 4 and leave an audit row."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import sqlalchemy as sa

from bridge.store.models import AuditEntry
from tests.configs import OS_USER
from tests.rights.conftest import Register, person

#: category → a command of it (that succeeds for a permitted role on this data).
COMMANDS = {
    "subject": ["subject", "export", "--person", "1", "--out", "{tmp}/e.json"],
    "rectify": ["subject", "rectify", "--person", "1", "--set", "profession=Cook"],
    "requests": ["request", "list"],
    "marketing": ["marketing", "audience", "--channel", "email"],
    "holds": ["hold", "list"],
    "retention plan": ["retention", "plan"],
    "retention run": ["retention", "run", "--yes"],
}
ROLES = ("viewer", "operator", "dpo", "admin")
ALLOWED = {
    "viewer": set(),
    "operator": set(),
    "dpo": {"subject", "rectify", "requests", "marketing", "holds", "retention plan"},
    "admin": set(COMMANDS),
}


def _named_roles(refusal: str) -> tuple[set[str], str]:
    """The roles a refusal says may run the command, and the role it says the operator has."""
    found = re.search(r"needs the role (.+?) \(you are (.+?);", refusal)
    assert found, refusal
    return set(found.group(1).replace(" or ", ", ").split(", ")), found.group(2)


def test_a_refusal_names_the_roles_that_may_run_the_command(register: Register) -> None:
    outcome = register.bridge("request", "list", roles=["operator"])
    assert outcome.exit_code == 4
    assert "that needs the role dpo or admin (you are operator; roles are given in " \
        "[operators] of the configuration)" in outcome.stderr
    assert "permission" not in outcome.stderr


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("category", sorted(COMMANDS))
def test_role_matrix(register: Register, tmp_path: Path, role: str, category: str) -> None:
    register.add(person(1))
    args = [a.replace("{tmp}", str(tmp_path)) for a in COMMANDS[category]]
    outcome = register.bridge(*args, roles=[role])
    with register.sessions() as session:
        denied = session.scalars(sa.select(AuditEntry).where(AuditEntry.outcome == "denied")).all()
    if category in ALLOWED[role]:
        assert outcome.exit_code == 0, outcome.stderr
        assert denied == []
    else:
        assert outcome.exit_code == 4
        assert "may not" in outcome.stderr
        assert _named_roles(outcome.stderr) == (
            {r for r in ROLES if category in ALLOWED[r]}, role)
        assert [(d.operator, d.role, d.action) for d in denied] == [
            (OS_USER, role, " ".join(args[:2]))
        ]
