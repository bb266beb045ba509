"""Fit the simulator's cost model to a real Moodle: per function, a fixed cost per call and
a cost per kilobyte of the simulator's own answer.

Input: two ``bridge -vv sync --full`` logs of the same site, one against the real Moodle
and one against the simulator's copy of it (``--size bench-real``, ``--no-cost-model``).
Each debug line of the client says a call's function, answer size and answer time. Per
function, the real answer times are fitted on the real answer sizes by least squares
(``seconds = fixed + per_kb * kilobytes``, neither below zero); the per-kilobyte part is
then scaled by how much larger or smaller the simulator's answers to that function are in
all, so that the model charges a simulated answer what the real one cost.

Prints one line per function, in the form of ``costs.REAL_MOODLE_45``, and as its last
line one JSON object: {function: {"calls", "real_s", "fixed_s", "per_kb_s"}}.

Usage: python benchmarks/fit_costs.py REAL_LOG SIMULATED_LOG
"""

from __future__ import annotations

import json
import re
import sys
from collections import defaultdict
from pathlib import Path

LINE = re.compile(r"wsfunction=(\w+) status=\d+ bytes=(\d+) type=\S* seconds=([\d.]+)")


def calls(log: Path) -> dict[str, list[tuple[float, float]]]:
    """Function → (kilobytes, seconds) of each answer in the log."""
    found: dict[str, list[tuple[float, float]]] = defaultdict(list)
    for match in LINE.finditer(log.read_text(encoding="utf-8", errors="replace")):
        function, size, seconds = match.groups()
        found[function].append((int(size) / 1024, float(seconds)))
    return found


def fit(points: list[tuple[float, float]]) -> tuple[float, float]:
    """Least squares ``seconds = fixed + per_kb * kb``, both at least zero."""
    n = len(points)
    mean_x = sum(x for x, _ in points) / n
    mean_y = sum(y for _, y in points) / n
    spread = sum((x - mean_x) ** 2 for x, _ in points)
    if n < 2 or spread == 0:
        return mean_y, 0.0
    slope = sum((x - mean_x) * (y - mean_y) for x, y in points) / spread
    if slope <= 0:
        return mean_y, 0.0
    fixed = mean_y - slope * mean_x
    if fixed < 0:  # through the origin instead
        return 0.0, sum(x * y for x, y in points) / sum(x * x for x, _ in points)
    return fixed, slope


def main() -> None:
    if len(sys.argv) != 3:
        sys.exit(__doc__.split("Usage: ")[1])
    real, simulated = calls(Path(sys.argv[1])), calls(Path(sys.argv[2]))
    result: dict[str, dict[str, float]] = {}
    for function in sorted(real):
        points = real[function]
        fixed, per_kb = fit(points)
        real_kb = sum(x for x, _ in points)
        sim_kb = sum(x for x, _ in simulated.get(function, []))
        if per_kb and real_kb and sim_kb:
            # the same work, spread over the simulator's kilobytes (as many calls apart)
            sim_calls, real_calls = len(simulated[function]), len(points)
            per_kb *= (real_kb / real_calls) / (sim_kb / sim_calls)
        result[function] = {"calls": len(points), "real_s": round(sum(y for _, y in points), 3),
                            "fixed_s": round(fixed, 4), "per_kb_s": round(per_kb, 6)}
        print(f'    "{function}": Cost({fixed:.3f}, {per_kb:.5f}),')
    print(json.dumps(result))


if __name__ == "__main__":
    main()
