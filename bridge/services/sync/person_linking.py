"""How an LMS account becomes a person: linked by normalised e-mail, or a new person with
source ``lms_sync`` (N7).

Two set-based statements per batch, whatever its size: one creates the persons that do
not exist yet (one per e-mail, named after the lowest account id that has it, in account
order), one links
every unlinked account of the batch to the person with its e-mail.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime

from sqlalchemy.orm import Session

from bridge.services.sync.row_codec import bind_value
from bridge.store.bulk import bigint_array
from bridge.store.models import Person

_CREATE = """
INSERT INTO persons (first_name, last_name, email, email_normalised, legal_basis, status,
                     source, source_ref, first_seen_at, changed_at, created_at, updated_at)
SELECT first_name, last_name, email, email_normalised, 'customer_relationship', 'active',
       'lms_sync', {p} || ':user/' || lms_user_id, {p}, {p}, {p}, {p}
FROM (SELECT a.*, ROW_NUMBER() OVER (PARTITION BY a.email_normalised
                                     ORDER BY a.lms_user_id) AS nth
      FROM lms_accounts AS a
      WHERE a.connector = {p} AND a.lms_user_id IN {ids}
        AND a.person_id IS NULL AND a.email_normalised IS NOT NULL) AS unlinked
WHERE nth = 1
  AND NOT EXISTS (SELECT 1 FROM persons AS p WHERE p.email_normalised = unlinked.email_normalised)
ORDER BY lms_user_id
"""

_LINK = """
UPDATE lms_accounts SET person_id = p.id
FROM persons AS p
WHERE lms_accounts.connector = {p} AND lms_accounts.lms_user_id IN {ids}
  AND lms_accounts.person_id IS NULL AND p.email_normalised = lms_accounts.email_normalised
"""


def link_accounts(
    session: Session, connector: str, lms_user_ids: Sequence[int], now: datetime
) -> tuple[int, int]:
    """Link the given accounts that have no person yet; returns (persons created, linked)."""
    connection = session.connection()
    stamp = bind_value(Person.__table__, "created_at", connection.dialect)(now)
    if connection.dialect.name == "postgresql":
        mark, ids_sql = "%s", "(SELECT unnest(%s::bigint[]))"
        ids = bigint_array(lms_user_ids)
    else:  # one parameter, whatever the batch's size
        mark, ids_sql = "?", "(SELECT value FROM json_each(?))"
        ids = json.dumps(list(lms_user_ids))
    created = connection.exec_driver_sql(
        _CREATE.format(p=mark, ids=ids_sql), (connector, stamp, stamp, stamp, stamp, connector, ids)
    ).rowcount
    link = _LINK.format(p=mark, ids=ids_sql)
    linked = connection.exec_driver_sql(link, (connector, ids)).rowcount
    return max(created, 0), max(linked, 0)
