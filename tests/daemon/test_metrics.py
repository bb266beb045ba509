"""The daemon's Prometheus endpoint, scraped and parsed as the text exposition format."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import requests

from tests.daemon.helpers import daemon, free_port, served, wait_until

pytestmark = [pytest.mark.registry, pytest.mark.slow]

SAMPLE = re.compile(
    r'^(?P<name>[a-zA-Z_:][a-zA-Z0-9_:]*)'
    r'(?:\{(?P<labels>[a-zA-Z_][a-zA-Z0-9_]*="(?:[^"\\\n]|\\.)*"'
    r'(?:,[a-zA-Z_][a-zA-Z0-9_]*="(?:[^"\\\n]|\\.)*")*)?\})?'
    r' (?P<value>[-+]?(?:[0-9]*\.?[0-9]+(?:[eE][-+]?[0-9]+)?|NaN|Inf))$'
)
COMMENT = re.compile(r"^# (HELP [a-zA-Z_:][a-zA-Z0-9_:]* .+|TYPE [a-zA-Z_:][a-zA-Z0-9_:]* "
                     r"(counter|gauge|summary|histogram|untyped))$")


def parse(text: str) -> dict[str, float]:
    """Every line is a sample or a HELP/TYPE comment; samples keyed by ``name{labels}``."""
    assert text.endswith("\n")
    samples: dict[str, float] = {}
    for line in text.splitlines():
        if line.startswith("#"):
            assert COMMENT.match(line), line
            continue
        match = SAMPLE.match(line)
        assert match, line
        key = match["name"] + (f"{{{match['labels']}}}" if match["labels"] else "")
        assert key not in samples, f"duplicate series {key}"
        samples[key] = float(match["value"])
    return samples


def test_metrics_endpoint_serves_prometheus_text(tmp_path: Path, db_url: str) -> None:
    port = free_port()
    with served(tmp_path, db_url) as site:
        site.configure(metrics_port=port)
        with daemon(site.config, tmp_path / "daemon.log") as d:
            wait_until(lambda: site.runs(status="ok"), timeout=60, what="a sync run")
            url = f"http://127.0.0.1:{port}/metrics"
            response = wait_until(
                lambda: (r := requests.get(url, timeout=5)).ok
                and "bridge_sync_records_total{" in r.text and r,
                timeout=30, what="the metrics endpoint",
            )
            assert response.headers["Content-Type"].startswith("text/plain; version=0.0.4")
            samples = parse(response.text)
            assert samples["bridge_daemon_up"] == 1
            users = 'connector="moodle",stream="users"'
            assert samples[f"bridge_sync_stream_last_run_timestamp_seconds{{{users}}}"] > 0
            ok = 'connector="moodle",status="ok",stream="users"'  # labels come sorted
            assert samples[f"bridge_sync_stream_last_status{{{ok}}}"] == 1
            assert samples[f"bridge_sync_stream_last_run_records{{{users}}}"] > 0
            assert samples[f"bridge_sync_records_total{{{users}}}"] > 0
            assert samples["bridge_push_pending"] == 0
            assert samples["bridge_push_failed"] == 0
            assert samples["bridge_revocation_latency_seconds_count"] == 0
            assert samples['bridge_requests{state="overdue"}'] == 0
            assert samples['bridge_job_runs_total{job="sync:moodle"}'] >= 1
            assert requests.get(f"http://127.0.0.1:{port}/other", timeout=5).status_code == 404
            assert d.terminate()[0] == 0
