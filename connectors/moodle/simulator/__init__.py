"""An in-memory Moodle 4.5 that answers the REST web services like the real one.

For the demo, the tests and the benchmarks. The recorded exchanges in
``moodle-samples/`` are the truth it is checked against
(``tests/simulator/test_contract.py``). Front ends: ``server.serve`` /
``server.running_server`` (real HTTP on 127.0.0.1) and ``inprocess.mount``
(``responses``). It may import ``connectors.moodle`` constants; nothing in
the product imports it.
"""

from connectors.moodle.simulator.dataset import build_dataset, dataset_sizes
from connectors.moodle.simulator.simulated import SimulatedMoodle

__all__ = ["SimulatedMoodle", "build_dataset", "dataset_sizes"]
