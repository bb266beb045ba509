"""``python -m connectors.canvas.simulator [size] [port]``: serve a simulated Canvas."""

from __future__ import annotations

import sys

from connectors.canvas.simulator.kit import CanvasSimulator

if __name__ == "__main__":
    args = sys.argv[1:]
    size, port = (args[0] if args else "demo"), (int(args[1]) if len(args) > 1 else 0)
    sys.exit(CanvasSimulator().serve(size, port=port, background_every=0))
