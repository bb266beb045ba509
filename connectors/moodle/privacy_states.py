"""Moodle's data-privacy request statuses (reference 3.5) as the erasure push reads them:
which are still on their way to done (10), said in words for `bridge push list`, which
end without a deletion, and the fix for each refusal of a delete request."""

from __future__ import annotations

#: Data-request statuses still on their way to 10 (reference 3.5), said in words: what
#: Moodle is doing with request {id} and who or what the erasure waits for.
WAITING_FOR = {
    0: "Moodle received data request {id}; its cron prepares it for approval",
    1: "Moodle's cron is preparing data request {id} for approval",
    2: "waiting for Moodle's privacy officer to approve data request {id}",
    3: "Moodle approved data request {id}; its cron deletes the account",
    4: "Moodle's cron is deleting the account (data request {id})",
}
ONGOING = frozenset(WAITING_FOR)
FINAL_FAILURES = {
    5: "was marked complete by a privacy officer without running the deletion",
    6: "was cancelled",
    7: "was rejected by a privacy officer",
}
PRIVACY_FIXES = {
    "contactdpoviaprivacypolicy": "Turn on tool_dataprivacy | contactdataprotectionofficer.",
    "errorcannotrequestdeleteforother": (
        "Give the bridge's role tool/dataprivacy:requestdeleteforotheruser at system level."
    ),
}
