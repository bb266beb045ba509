"""``bridge sync`` against the simulator's copy of the recorded Moodle 4.5 site: every
teacher–student message lands, also the group conversation's and those one side deleted
for themselves; no self-conversation message does."""

from __future__ import annotations

import json

import sqlalchemy as sa

from bridge.store.db import make_engine
from connectors.moodle.simulator import sample_site
from tests.cli import run
from tests.sync.helpers import config_for, served

#: What the recordings show (moodle-samples/README.md, "Messages").
ONE_TO_ONE = {1, 2, 3, 4, 5, 6, 7, 10}  # conversations 25-28
GROUP = {9, 11, 12, 13}  # conversation 29: Aino and three students
SELF = {8, 14}  # Eero's notes to himself (conversation 3)
DELETED_BY_ONE_SIDE = {2: 5, 9: 3}  # message -> the member who deleted it for themself


def stored_messages(db_url: str) -> dict[int, tuple[int, list[int]]]:
    engine = make_engine(db_url)
    try:
        with engine.connect() as connection:
            rows = connection.execute(
                sa.text("SELECT lms_message_id, lms_conversation_id, member_ids FROM lms_messages")
            )
            return {
                row[0]: (row[1], json.loads(row[2]) if isinstance(row[2], str) else row[2])
                for row in rows
            }
    finally:
        engine.dispose()


def test_full_sync_stores_every_teacher_student_message_of_the_recorded_site(
    tmp_path, db_url
) -> None:
    with served("sample-site") as (sim, url):
        deleted = sim.state.message_deletions
        assert {(member, message) for message, member in DELETED_BY_ONE_SIDE.items()} <= deleted
        config = config_for(tmp_path, db_url, url, sim.token)
        outcome = run("sync", "--json", "--full", config=config)
        again = run("sync", "--json", "--all-streams", config=config)
    assert outcome.exit_code == 0, outcome.stderr
    assert json.loads(outcome.last_line)["status"] == "ok"
    # Read again from the bookmark (a narrower window): the same records, nothing rewritten.
    messages = json.loads(again.last_line)["streams"]["messages"]
    assert (messages["created"], messages["updated"]) == (0, 0), messages
    stored = stored_messages(db_url)
    assert set(stored) == ONE_TO_ONE | GROUP
    assert not set(stored) & SELF
    assert {stored[m][0] for m in GROUP} == {29}
    members = set(sample_site.CONVERSATIONS[-1][1])  # conversation 29, the last one built
    assert set(stored[9][1]) <= members and {3, 5} <= set(stored[9][1])
