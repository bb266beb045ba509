"""An in-memory Canvas account that answers the connector's REST endpoints like Canvas.

For the tests, the demo and the benchmark. It answers exactly the endpoints of
:mod:`connectors.canvas.endpoints`; ``server.running_server`` serves it over real HTTP on
127.0.0.1. Nothing in the product imports it.
"""

from connectors.canvas.simulator.app import SimulatedCanvas

__all__ = ["SimulatedCanvas"]
