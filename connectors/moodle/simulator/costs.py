"""What each answer costs a real Moodle, so that a served simulator can cost the same.

Without it the simulator answers at once, whatever it is asked; benchmarks then measure
the bridge alone and reward asking Moodle for too much. The costs are least-squares fits
of answer time on answer size, per function, measured on a real Moodle 4.5 (PHP 8.2,
PostgreSQL, PHP's built-in server with 4 workers) grown to two 1,000-learner courses:
a fixed part per call and a part per kilobyte of answer (``benchmarks/fit_costs.py``).
A site has as many workers as the real one; a call waits for a free one, as it would
there. Off by default (unit tests and the demo answer at once); benchmarks turn it on.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Cost:
    """Seconds one call costs: ``fixed_s``, plus ``per_kb_s`` per kilobyte of answer."""

    fixed_s: float
    per_kb_s: float = 0.0

    def of(self, answer_bytes: int) -> float:
        return self.fixed_s + self.per_kb_s * answer_bytes / 1024


#: Fitted by ``benchmarks/fit_costs.py`` on two ``bridge -vv sync --full`` logs: one of the
#: real Moodle 4.5 described above, one of its simulated copy ``bench-real``. The per-KB
#: part is per kilobyte of the simulator's answer (its answers to some functions are larger
#: or smaller than Moodle's). Two functions that run did not call keep their earlier fits:
#: the hints, and the user report of a whole course (about 100 s for 56 MB).
REAL_MOODLE_45: Mapping[str, Cost] = {
    "core_webservice_get_site_info": Cost(0.023),
    "core_course_get_courses_by_field": Cost(0.045),
    "core_course_get_updates_since": Cost(0.263),
    "core_enrol_get_enrolled_users": Cost(0.017, 0.00572),
    "core_enrol_get_enrolled_users_with_capability": Cost(0.057),
    "core_user_get_users_by_field": Cost(0.0, 0.00811),
    "core_message_get_conversations": Cost(0.032, 0.00309),
    "core_message_get_conversation_messages": Cost(0.019, 0.00284),
    "mod_assign_get_assignments": Cost(0.911),
    "mod_assign_get_submissions": Cost(0.128, 0.00133),
    "mod_assign_get_grades": Cost(0.109, 0.00003),
    "gradereport_user_get_grade_items": Cost(0.050, 0.00158),
    "local_registrybridge_get_grades": Cost(0.039, 0.00012),
    "local_registrybridge_get_log_entries": Cost(0.007, 0.00014),
    "local_registrybridge_get_digests": Cost(0.046),
}
#: A function not measured: a light read.
UNMEASURED = Cost(0.050, 0.0010)
#: PHP workers of the measured site.
REAL_WORKERS = 4


class CostModel:
    """Charges each answer its cost, at most ``workers`` at once (the others wait)."""

    def __init__(
        self, costs: Mapping[str, Cost] = REAL_MOODLE_45, workers: int = REAL_WORKERS
    ) -> None:
        self._costs = costs
        self._workers = threading.BoundedSemaphore(workers)

    def cost(self, function: str, answer_bytes: int) -> float:
        """Seconds an answer of ``answer_bytes`` to ``function`` costs the site."""
        return self._costs.get(function, UNMEASURED).of(answer_bytes)

    def charge(self, function: str, answer_bytes: int, wait: Callable[[float], object]) -> None:
        """Hold one of the site's workers for the answer's cost; ``wait`` passes the time
        (the server's stop event, so that a stopping server does not wait it out)."""
        with self._workers:
            wait(self.cost(function, answer_bytes))
