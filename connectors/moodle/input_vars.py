"""``bridge check``: how many form fields the site really accepts (PHP ``max_input_vars``).

PHP drops every form field past ``max_input_vars`` without an error (reference
1.2; recorded: ``core_user_get_users_by_field__batch_over_max_input_vars``), so
the limit cannot be read from Moodle; it shows in an answer that hits it. The
probe asks ``core_user_get_users_by_field`` for ids that match no one and, in
the very last field, the service account's own id: the account comes back
exactly when the request's last field arrived. Only the account's own record
is ever returned.

The bridge's budget (``max_form_fields``, default 1000 — PHP's default) must not
exceed the site's limit. Moodle 4.5 itself requires ``max_input_vars`` ≥ 5000,
so the check also tries 5000 and, when the site is below it, finds the exact
value by halving: at most a dozen requests, only when something is off.
"""

from __future__ import annotations

from connectors.base import ConnectorError
from connectors.moodle.diagnosis import SETUP_GUIDE, Diagnosis
from connectors.moodle.form import TRANSPORT_FIELD_COUNT

FUNCTION = "core_user_get_users_by_field"
#: What Moodle 4.5's environment check requires of ``max_input_vars``.
MOODLE_REQUIRED = 5000
#: The smallest budget the settings allow (``MoodleSettings.max_form_fields``).
SMALLEST = 50
_NOBODY = "0"  # no account has id 0
_FIXED = TRANSPORT_FIELD_COUNT + 1  # ... and ``field``
NAME = "form fields (max_input_vars)"


def _arrives(run: Diagnosis, fields: int) -> bool:
    """Whether a request of exactly ``fields`` form fields reaches Moodle whole."""
    me = str(run.site.service_user_id)
    values = [_NOBODY] * (fields - _FIXED - 1) + [me]
    client = run.client.with_form_budget(fields)
    answer = client.call(FUNCTION, {"field": "id", "values": values})
    rows = answer if isinstance(answer, list) else []
    return any(isinstance(r, dict) and str(r.get("id")) == me for r in rows)


def _limit_between(run: Diagnosis, accepted: int, dropped: int) -> int:
    """The largest request size that arrives whole, knowing ``accepted`` does and ``dropped``
    does not."""
    while dropped - accepted > 1:
        middle = (accepted + dropped) // 2
        if _arrives(run, middle):
            accepted = middle
        else:
            dropped = middle
    return accepted


def check_form_fields(run: Diagnosis) -> None:
    """Report the site's real limit where it can be learned, and whether the budget fits."""
    if not run.has(FUNCTION):
        return  # the functions check already names it
    budget = run.config.max_form_fields
    try:
        if not _arrives(run, budget):
            limit = _limit_between(run, SMALLEST, budget) if _arrives(run, SMALLEST) else None
            found = f"PHP max_input_vars is {limit}" if limit else "the limit is below 50"
            run.add(
                NAME,
                False,
                f"the site drops form fields past its limit: {found}, below "
                f"max_form_fields={budget}; large batches would lose ids without an error",
                f"Raise max_input_vars in the site's php.ini to at least {MOODLE_REQUIRED} "
                f"(Moodle 4.5 requires it) and restart PHP, or set max_form_fields = "
                f"{limit or SMALLEST} in the connector's section of the bridge's configuration "
                f"(see {SETUP_GUIDE} step 3).",
            )
            return
        if budget >= MOODLE_REQUIRED or _arrives(run, MOODLE_REQUIRED):
            top = max(budget, MOODLE_REQUIRED)
            detail = f"the site accepts at least {top} form fields; max_form_fields={budget}"
            if budget < MOODLE_REQUIRED:
                detail += f" (may be raised to {MOODLE_REQUIRED})"
            run.add(NAME, True, detail)
            return
        limit = _limit_between(run, budget, MOODLE_REQUIRED)
        run.add(
            NAME,
            False,
            f"PHP max_input_vars is {limit}; max_form_fields={budget} fits, but Moodle 4.5 "
            f"requires at least {MOODLE_REQUIRED}",
            f"Raise max_input_vars in the site's php.ini to {MOODLE_REQUIRED} (see "
            f"{SETUP_GUIDE} step 3).",
            warning=True,
        )
    except ConnectorError as exc:
        run.add(NAME, False, f"not probed: {exc}", warning=True)
