"""Run the `bridge` CLI in-process, the way a user would call it.

The command acts as the test process's own OS user (``tests.configs.OS_USER``); a test
changes what that user may do in the configuration's ``[operators]``, never by a name.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from click.testing import CliRunner

from bridge.cli.main import cli


@dataclass
class Outcome:
    exit_code: int
    stdout: str
    stderr: str

    @property
    def last_line(self) -> str:
        return self.stdout.strip().splitlines()[-1]


def run(*args: str, config: Path | None = None, env: dict[str, str] | None = None) -> Outcome:
    argv = (["--config", str(config)] if config else []) + list(args)
    result = CliRunner().invoke(cli, argv, env=env, catch_exceptions=False)
    return Outcome(result.exit_code, result.stdout, result.stderr)
