"""Import throughput: 100,000 generated person rows (plus 5,000 organisations) into an
empty register, on SQLite and on PostgreSQL.

    .venv/bin/python benchmarks/import_throughput.py [--rows 100000] [--organisations 5000]
        [--database-url postgresql+psycopg://postgres@127.0.0.1:5432/test] [--no-postgres]

Each import runs in a child process of its own, so its peak memory (RSS) is measured
alone; a 10,000-row run beside the full one shows memory stays flat as the file grows.
The last stdout line is JSON: ``{"rows", "sqlite_s", "postgres_s", "rows_per_s_sqlite",
...}``. Target: 100,000 rows in under 30 s on SQLite.
"""

from __future__ import annotations

import argparse
import csv
import json
import resource
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

DEFAULT_POSTGRES = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
PERSON_HEADERS = ("Etunimi", "Sukunimi", "Sähköposti", "Puhelin", "Ammatti", "Y-tunnus",
                  "Yritys", "Nimike")
PROFESSIONS = ("Sähköasentaja", "Lähihoitaja", "Kirjanpitäjä", "Ohjelmistokehittäjä",
               "Kuorma-autonkuljettaja", "Kiinteistönhoitaja", "Hitsaaja", "Myyntipäällikkö")
TITLES = ("Asiantuntija", "Työnjohtaja", "Esihenkilö", "Kouluttaja", "")


def business_id(n: int) -> str:
    """The n-th valid business ID from 9000000 up (a range not handed out to companies)."""
    from bridge.settings.identifiers import validate_business_id

    number = 9_000_000 + n * 3
    while True:
        digits = f"{number:07d}"
        rest = sum(int(d) * w for d, w in zip(digits, (7, 9, 10, 5, 8, 4, 2), strict=True)) % 11
        if rest != 1:
            return validate_business_id(f"{digits}-{0 if rest == 0 else 11 - rest}")
        number += 1


def write_files(directory: Path, rows: int, organisations: int) -> tuple[Path, Path]:
    """Semicolon-separated UTF-8 with BOM and CRLF, Finnish headers: as Excel saves them."""
    from connectors.moodle.simulator.names import FIRST_NAMES, LAST_NAMES, fold

    ids = [business_id(i) for i in range(organisations)]
    orgs = directory / "organisations.csv"
    with orgs.open("w", encoding="utf-8-sig", newline="") as handle:
        writer = csv.writer(handle, delimiter=";", lineterminator="\r\n")
        writer.writerow(("Y-tunnus", "Nimi", "Yhteyshenkilö", "Laskutusosoite"))
        for i, bid in enumerate(ids):
            writer.writerow((bid, f"{LAST_NAMES[i % len(LAST_NAMES)]} Yhtiöt {i} Oy",
                             f"{FIRST_NAMES[i % len(FIRST_NAMES)]} {LAST_NAMES[i % 80]}",
                             f"Teollisuuskatu {i % 90 + 1}, 00510 Helsinki"))
    persons = directory / "persons.csv"
    with persons.open("w", encoding="utf-8-sig", newline="") as handle:
        writer = csv.writer(handle, delimiter=";", lineterminator="\r\n")
        writer.writerow(PERSON_HEADERS)
        for i in range(rows):
            first = FIRST_NAMES[i % len(FIRST_NAMES)]
            last = LAST_NAMES[(i // len(FIRST_NAMES)) % len(LAST_NAMES)]
            org = i % organisations
            writer.writerow((first, last, f"{fold(first)}.{fold(last)}.{i}@example.fi",
                             f"040 {1_000_000 + i:07d}", PROFESSIONS[i % len(PROFESSIONS)],
                             ids[org], f"{LAST_NAMES[org % len(LAST_NAMES)]} Yhtiöt {org} Oy",
                             TITLES[i % len(TITLES)]))
    return orgs, persons


def child(url: str, directory: Path, files: list[Path]) -> dict[str, float]:
    """One measured run: migrate an empty register, import the files in order."""
    from bridge.services.audit import Actor
    from bridge.services.audit.chain import bind_register_secret
    from bridge.services.intake import ImportOptions, import_file
    from bridge.services.secrets import ensure_register_secret
    from bridge.settings import load_settings
    from bridge.settings.template import config_text
    from bridge.store.db import make_engine, session_factory
    from bridge.store.schema import upgrade

    config = directory / f"bridge-{uuid.uuid4().hex[:6]}.toml"
    config.write_text(config_text(register_name="Import benchmark",
                                  secret_file=directory / "register.secret", database_url=url),
                      encoding="utf-8")
    settings = load_settings(config)
    engine = make_engine(url)
    upgrade(engine)
    ensure_register_secret(settings.register.secret_file)
    bind_register_secret(engine, settings.register.secret_file)  # audit rows are signed
    sessions = session_factory(engine)
    actor = Actor("benchmark", "admin")
    started = time.perf_counter()
    counts = {}
    for path in files:
        kind = "organisations" if path.name.startswith("organisations") else "persons"
        report = import_file(sessions, settings, actor, ImportOptions(kind, path))
        if report.status != "ok" or report.rejected:
            raise SystemExit(f"{path.name}: {report.rejected} rejected: {report.errors[:3]}")
        counts[kind] = report.counts.created
    seconds = time.perf_counter() - started
    engine.dispose()
    peak_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return {"seconds": round(seconds, 2), "peak_rss_mb": round(peak_kb / 1024, 1), **counts}


def measure(url: str, directory: Path, files: list[Path]) -> dict[str, float]:
    command = [sys.executable, __file__, "--child", url, str(directory), *map(str, files)]
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise RuntimeError(done.stderr.strip().splitlines()[-1] if done.stderr else "failed")
    return json.loads(done.stdout.strip().splitlines()[-1])


def postgres_database(server_url: str) -> tuple[str, object]:
    """A fresh database on the server (dropped afterwards), so the register starts empty."""
    import sqlalchemy as sa
    from sqlalchemy.engine import make_url

    from bridge.store.db import normalise_url

    server = make_url(normalise_url(server_url))
    name = f"bridge_bench_{uuid.uuid4().hex[:8]}"
    admin = sa.create_engine(server, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.exec_driver_sql(f'CREATE DATABASE "{name}"')

    def drop() -> None:
        with admin.connect() as connection:
            connection.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.dispose()

    return server.set(database=name).render_as_string(hide_password=False), drop


def main() -> None:
    if len(sys.argv) > 1 and sys.argv[1] == "--child":
        url, directory, *files = sys.argv[2:]
        print(json.dumps(child(url, Path(directory), [Path(f) for f in files])))
        return
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--organisations", type=int, default=5_000)
    parser.add_argument("--database-url", default=DEFAULT_POSTGRES)
    parser.add_argument("--no-postgres", action="store_true")
    args = parser.parse_args()
    result: dict[str, object] = {"rows": args.rows, "organisations": args.organisations}
    with tempfile.TemporaryDirectory(prefix="bridge-import-bench-") as tmp:
        directory = Path(tmp)
        orgs, persons = write_files(directory, args.rows, args.organisations)
        small = directory / "small"
        small.mkdir()
        small_files = write_files(small, min(10_000, args.rows), min(500, args.organisations))
        run = measure(f"sqlite:///{directory}/full.sqlite3", directory, [orgs, persons])
        baseline = measure(f"sqlite:///{directory}/small.sqlite3", small, list(small_files))
        print(f"sqlite: {run}; 10k-row run: {baseline}", file=sys.stderr)
        result.update(sqlite_s=run["seconds"],
                      rows_per_s_sqlite=round(args.rows / run["seconds"]),
                      peak_rss_mb_sqlite=run["peak_rss_mb"],
                      peak_rss_mb_sqlite_10k_rows=baseline["peak_rss_mb"])
        result["postgres_s"] = None
        if not args.no_postgres:
            try:
                url, drop = postgres_database(args.database_url)
            except Exception as exc:  # the benchmark still reports SQLite without a server
                print(f"postgres skipped: {exc}", file=sys.stderr)
            else:
                try:
                    pg = measure(url, directory, [orgs, persons])
                    print(f"postgres: {pg}", file=sys.stderr)
                    result.update(postgres_s=pg["seconds"],
                                  rows_per_s_postgres=round(args.rows / pg["seconds"]),
                                  peak_rss_mb_postgres=pg["peak_rss_mb"])
                finally:
                    drop()  # type: ignore[operator]
    print(json.dumps(result))


if __name__ == "__main__":
    main()
