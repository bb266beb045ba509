"""A simulated Canvas served over real HTTP and a register configured against it."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import requests
import sqlalchemy as sa

from bridge.files import write_private
from bridge.services.secrets import ensure_register_secret
from bridge.settings.template import config_text, operators_section
from bridge.store.db import make_engine
from connectors.canvas.simulator import SimulatedCanvas
from connectors.canvas.simulator.server import running_server
from tests.cli import Outcome, run
from tests.configs import OS_USER, write_token


@dataclass
class CanvasSite:
    sim: SimulatedCanvas
    url: str
    config: Path
    db_url: str

    def bridge(self, *args: str) -> Outcome:
        return run(*args, config=self.config)

    def json(self, *args: str) -> Any:
        outcome = self.bridge(*args, "--json")
        assert outcome.exit_code == 0, (args, outcome.stdout, outcome.stderr)
        return json.loads(outcome.last_line)

    def canvas(self, path: str, **params: Any) -> requests.Response:
        """Ask the simulated Canvas directly, independently of the connector."""
        headers = {"Authorization": f"Bearer {self.sim.token}"}
        return requests.get(self.url + path, params=params, headers=headers, timeout=10)

    def person_of(self, lms_user_id: int) -> int:
        engine = make_engine(self.db_url)
        try:
            with engine.connect() as connection:
                found = connection.scalar(sa.text(
                    "SELECT person_id FROM lms_accounts WHERE connector = 'canvas' "
                    "AND lms_user_id = :u"), {"u": lms_user_id})
        finally:
            engine.dispose()
        assert found is not None, lms_user_id
        return int(found)


def write_canvas_config(directory: Path, db_url: str, url: str, token: str,
                        extra: str = "") -> Path:
    """A register with one connector ``canvas`` (its token in a 0600 file)."""
    directory.mkdir(parents=True, exist_ok=True)
    token_file = directory / "canvas.token"
    write_token(token_file, token)
    text = config_text(register_name="Test register",
                       secret_file=directory / "register.secret", database_url=db_url)
    text += (f'\n[connectors.canvas]\nkind = "canvas"\nurl = "{url}"\n'
             f'token_file = "{token_file}"\nhosting_country = "FI"\ntimeout = "5s"\n'
             f'erasure = "delete_user"\n{extra}\n' + operators_section({OS_USER: ["admin"]}))
    ensure_register_secret(directory / "register.secret")
    path = directory / "bridge.toml"
    path.unlink(missing_ok=True)
    write_private(path, text.encode("utf-8"))
    return path


@contextmanager
def served_canvas(directory: Path, db_url: str, size: str = "tiny",
                  extra: str = "") -> Iterator[CanvasSite]:
    sim = SimulatedCanvas(size)
    with running_server(sim) as url:
        yield CanvasSite(sim, url, write_canvas_config(directory, db_url, url, sim.token, extra),
                         db_url)
