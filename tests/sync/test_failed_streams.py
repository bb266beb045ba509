"""A stream that fails says so wherever the run is reported: in `sync --json` (status and
error of that stream), in the error line (every failed stream named, not the first) and in
`status`, so that a failed stream never reads as an empty one (issue 26, item 4)."""

from __future__ import annotations

import json

import pytest

from tests.cli import run
from tests.sync.helpers import config_for, served

pytestmark = [pytest.mark.registry, pytest.mark.slow]

COUNTS = {"fetched", "created", "updated", "unchanged", "removed", "quarantined"}


def test_every_failed_stream_is_named_in_the_json_the_error_line_and_status(
    tmp_path, db_url
) -> None:
    with served("tiny") as (sim, url):
        sim.remove_capability("moodle/grade:viewall")  # the gradebook stream fails
        sim.remove_capability("moodle/site:readallmessages")  # so does the messages stream
        config = config_for(tmp_path, db_url, url, sim.token)
        outcome = run("sync", "--json", "--all-streams", config=config)
        status = run("status", config=config)
        status_json = json.loads(run("status", "--json", config=config).last_line)

    assert outcome.exit_code == 1
    summary = json.loads(outcome.last_line)
    assert summary["status"] == "partial"
    failed = {name for name, s in summary["streams"].items() if s.get("status") == "failed"}
    assert failed == {"gradebook", "messages"}
    for name in failed:
        stream = summary["streams"][name]
        assert set(stream) == COUNTS | {"status", "error"} and stream["error"]
    for name in set(summary["streams"]) - failed:  # a stream that completed: counts alone
        assert set(summary["streams"][name]) == COUNTS

    error_line = outcome.stderr.strip().splitlines()[-1]
    assert "gradebook: " in error_line and "messages: " in error_line

    assert status.exit_code == 0
    assert "failed: gradebook in run" in status.stdout
    assert "failed: messages in run" in status.stdout
    last_run = status_json["connectors"]["moodle"]["last_run"]
    assert last_run["streams"]["gradebook"]["status"] == "failed"
    assert last_run["streams"]["gradebook"]["error"]
