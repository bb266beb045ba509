"""keyed audit chain: sequence numbers, MACs, uid and host; triggers refuse rewrites

Rows already in the table become the legacy prefix: ``seq`` follows their id order and
``mac`` stays NULL, because a migration has no settings and so no register secret; they
keep being verified by their unkeyed hash chain, and the first keyed row chains onto the
legacy head. Triggers refuse UPDATE and DELETE (and, on PostgreSQL, TRUNCATE) of audit
rows. On PostgreSQL, when ``BRIDGE_DB_RUNTIME_ROLE`` names the role the bridge runs as,
that role keeps only SELECT and INSERT on the audit table (see docs/deploy.md).

Note for later SQLite migrations: a batch operation that recreates ``audit_log`` drops
its triggers; such a migration must create them again.

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-02
"""

from __future__ import annotations

import os

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

RUNTIME_ROLE_VARIABLE = "BRIDGE_DB_RUNTIME_ROLE"

SQLITE_TRIGGERS = (
    """CREATE TRIGGER audit_log_refuse_update BEFORE UPDATE ON audit_log
    BEGIN SELECT RAISE(ABORT, 'audit_log is append-only: UPDATE refused'); END""",
    """CREATE TRIGGER audit_log_refuse_delete BEFORE DELETE ON audit_log
    BEGIN SELECT RAISE(ABORT, 'audit_log is append-only: DELETE refused'); END""",
)

POSTGRESQL_TRIGGERS = (
    """CREATE FUNCTION audit_log_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        RAISE EXCEPTION 'audit_log is append-only: % refused', TG_OP
            USING ERRCODE = 'insufficient_privilege';
    END $$""",
    """CREATE TRIGGER audit_log_refuse_update_delete BEFORE UPDATE OR DELETE ON audit_log
    FOR EACH ROW EXECUTE FUNCTION audit_log_refuse_change()""",
    """CREATE TRIGGER audit_log_refuse_truncate BEFORE TRUNCATE ON audit_log
    FOR EACH STATEMENT EXECUTE FUNCTION audit_log_refuse_change()""",
)


def upgrade() -> None:
    with op.batch_alter_table("audit_log", schema=None) as batch_op:
        batch_op.add_column(sa.Column("seq", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("mac", sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column("uid", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("host", sa.String(length=255), nullable=True))
        batch_op.alter_column("prev_hash", existing_type=sa.String(length=64), nullable=True)
        batch_op.alter_column("row_hash", existing_type=sa.String(length=64), nullable=True)
    op.execute(
        "UPDATE audit_log SET seq = numbered.position FROM "
        "(SELECT id, row_number() OVER (ORDER BY id) AS position FROM audit_log) AS numbered "
        "WHERE audit_log.id = numbered.id"
    )
    with op.batch_alter_table("audit_log", schema=None) as batch_op:
        batch_op.alter_column("seq", existing_type=sa.Integer(), nullable=False)
        batch_op.create_unique_constraint(batch_op.f("uq_audit_log_seq"), ["seq"])
    dialect = op.get_bind().dialect.name
    for statement in SQLITE_TRIGGERS if dialect == "sqlite" else POSTGRESQL_TRIGGERS:
        op.execute(statement)
    if dialect == "postgresql":
        _restrict_runtime_role(os.environ.get(RUNTIME_ROLE_VARIABLE, "").strip())


def _restrict_runtime_role(role: str) -> None:
    """The runtime role may read and append audit rows, nothing else."""
    if not role:
        return
    quoted = op.get_bind().dialect.identifier_preparer.quote(role)
    op.execute(f"REVOKE ALL ON audit_log FROM {quoted}")
    op.execute(f"GRANT SELECT, INSERT ON audit_log TO {quoted}")
    op.execute(f"GRANT USAGE, SELECT ON SEQUENCE audit_log_id_seq TO {quoted}")


def downgrade() -> None:
    dialect = op.get_bind().dialect.name
    if dialect == "sqlite":
        op.execute("DROP TRIGGER IF EXISTS audit_log_refuse_update")
        op.execute("DROP TRIGGER IF EXISTS audit_log_refuse_delete")
    else:
        op.execute("DROP FUNCTION IF EXISTS audit_log_refuse_change() CASCADE")
    # Keyed rows have no unkeyed hash: going back would leave rows the old code cannot read.
    if op.get_bind().scalar(sa.text("SELECT count(*) FROM audit_log WHERE mac IS NOT NULL")):
        raise RuntimeError("audit_log holds keyed rows; revision 0002 cannot be undone")
    with op.batch_alter_table("audit_log", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("uq_audit_log_seq"), type_="unique")
        batch_op.alter_column("row_hash", existing_type=sa.String(length=64), nullable=False)
        batch_op.alter_column("prev_hash", existing_type=sa.String(length=64), nullable=False)
        batch_op.drop_column("host")
        batch_op.drop_column("uid")
        batch_op.drop_column("mac")
        batch_op.drop_column("seq")
