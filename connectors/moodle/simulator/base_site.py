"""What every simulated site starts with: guest, admin, the front page and categories."""

from __future__ import annotations

from connectors.moodle.simulator.state import SiteState

DAY = 86400


def base_site(state: SiteState, now: int, sitename: str = "Oppimo Learning (simulated)") -> None:
    """Guest (1), admin (2), the front page (course 1) and the default categories."""
    state.config.sitename = sitename
    state.add_user("guest", "Guest user", " ", "root@localhost", self_conversation=False)
    state.add_user("admin", "Admin", "User", "admin@oppimo.example.fi",
                   self_conversation=False)
    state.add_course("oppimo", sitename, 0, format="site", sortorder=1,
                     timecreated=now - 400 * DAY, timemodified=now - 400 * DAY)
    state.add_category("Category 1")
    tech = state.add_category("Tekniikka")
    state.add_category("Kielet")
    state.add_category("Täydennyskoulutus", parent=tech.id)
