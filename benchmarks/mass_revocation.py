"""A thousand revocations at once: an employer's contract ends and its learners lose access.

    .venv/bin/python benchmarks/mass_revocation.py [--n 1000]
        [--database-url postgresql+psycopg://postgres@127.0.0.1:5432/test]

A simulated Moodle (``demo`` size plus N learners) is served over real HTTP; a register
(SQLite in a temporary directory, or a fresh database on the given PostgreSQL server) is
fully synced, and the N learners are linked to one employer whose contract is their only
legal basis. The clock then starts: ``relationship end`` (the service function the CLI
calls, one transaction) withdraws their service consent and queues one suspend per
person, and a push worker (the one ``bridge push run`` uses, in this process) carries
them out in batches until every command is done, i.e. verified suspended by reading the
account back. Per learner the time is from the start to its command being marked done.

The last stdout line is JSON: ``{"n", "total_s", "withdraw_s", "p50_s", "p95_s",
"requests", "verified"}``; ``requests`` are the worker's web-service requests (including
its one site-info call), ``verified`` the accounts the simulator shows suspended.
Goal: all verified within 30 s with at most 60 requests.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

import sqlalchemy as sa  # noqa: E402
from revocation_latency import (  # noqa: E402
    OPERATOR,
    bridge,
    learners,
    percentile,
    register_database,
)

from bridge.services.access import employer  # noqa: E402
from bridge.services.audit import Actor  # noqa: E402
from bridge.services.audit.chain import bind_register_secret  # noqa: E402
from bridge.services.push.worker import PushWorker  # noqa: E402
from bridge.services.register import organisations, relationships  # noqa: E402
from bridge.services.secrets import ensure_register_secret  # noqa: E402
from bridge.settings import load_settings  # noqa: E402
from bridge.settings.template import config_text  # noqa: E402
from bridge.store.db import make_engine, session_factory  # noqa: E402
from bridge.store.models import OutboxCommand, Person  # noqa: E402
from bridge.store.schema import upgrade  # noqa: E402
from connectors.moodle.simulator import SimulatedMoodle  # noqa: E402
from connectors.moodle.simulator.server import running_server  # noqa: E402

BUSINESS_ID = "0104505-9"


def employ(sessions, actor: Actor, person_ids: list[int]) -> None:  # type: ignore[no-untyped-def]
    """One employer, its contract, and the learners linked to it (setup, not timed)."""
    with sessions() as session, session.begin():
        org = organisations.add_org(session, actor, {"business_id": BUSINESS_ID,
                                                     "name": "Oppiva Oy"})
        relationships.add_relationship(session, actor, person=None, org=BUSINESS_ID,
                                       kind="contract", start="2024-01-01")
        for person_id in person_ids:
            person = session.get(Person, person_id)
            relationships.link_employer(session, actor, person, org, None, "benchmark")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--n", type=int, default=1000, help="learners of the employer")
    parser.add_argument("--database-url", default=None, help="PostgreSQL server (default SQLite)")
    args = parser.parse_args(argv)

    sim = SimulatedMoodle("demo", seed=1)
    sim.add_students(args.n)
    with tempfile.TemporaryDirectory(prefix="bridge-bench-") as tmp, \
            running_server(sim) as url, register_database(args.database_url, Path(tmp)) as db_url:
        workspace = Path(tmp)
        config = workspace / "bridge.toml"
        config.write_text(
            config_text(register_name="Mass revocation benchmark",
                        secret_file=workspace / "register.secret", database_url=db_url,
                        moodle_url=url, token=sim.token, operators={OPERATOR: "admin"}),
            encoding="utf-8")
        ensure_register_secret(workspace / "register.secret")
        engine = make_engine(db_url)
        upgrade(engine)
        bridge(config, "sync", "--full")
        people = learners(db_url)[: args.n]
        if len(people) < args.n:
            raise SystemExit(f"only {len(people)} learners, --n {args.n} asked")
        settings, sessions = load_settings(config), session_factory(engine)
        bind_register_secret(engine, settings.register.secret_file)
        actor = Actor(OPERATOR, "admin")
        employ(sessions, actor, [p for p, _ in people])

        def token_of(name: str):  # type: ignore[no-untyped-def]
            return settings.connectors[name].resolve_token()

        worker = PushWorker(settings, sessions, token_of, actor=actor)
        started = time.monotonic()
        wall = time.time()
        with sessions() as session, session.begin():
            result = employer.end_relationship(session, settings, actor, BUSINESS_ID,
                                               date.today().isoformat())
        withdraw_s = time.monotonic() - started
        try:
            while worker.run_once().claimed:
                pass
            total_s = time.monotonic() - started
            requests = worker.request_count
        finally:
            worker.close()
        with sessions() as session:
            done = session.execute(sa.select(OutboxCommand.state, OutboxCommand.done_at)).all()
        engine.dispose()
    per_learner = [d.timestamp() - wall for state, d in done if state == "done" and d]
    verified = sum(1 for _, lms_id in people if sim.state.users[lms_id].suspended)
    backend = "postgresql" if args.database_url else "sqlite"
    print(f"{backend}: {len(result.withdrawn)} withdrawn, {len(per_learner)} pushes done")
    print(json.dumps({
        "n": args.n, "total_s": round(total_s, 2), "withdraw_s": round(withdraw_s, 2),
        "p50_s": round(percentile(per_learner, 0.50), 2),
        "p95_s": round(percentile(per_learner, 0.95), 2),
        "requests": requests, "verified": verified,
    }), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
