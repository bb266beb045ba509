"""Moodle's per-item warnings are logged by code and item, never by their message, which
Moodle words for people and which can name one."""

from __future__ import annotations

import logging

import pytest
import responses

from tests.connectors.moodle.fake_moodle import FakeMoodle, courses_answer, pull

EMAIL = "aino.virtanen@example.fi"


def test_a_warning_is_logged_with_its_code_and_item_and_never_its_message(
    rsps: responses.RequestsMock, caplog: pytest.LogCaptureFixture
) -> None:
    listing = courses_answer(2, 4)
    listing["warnings"] = [{
        "item": "course", "itemid": 3, "warningcode": "nopermission",
        "message": f"No permission to see the course of {EMAIL}",
    }]
    FakeMoodle(rsps).on("core_course_get_courses_by_field", listing)
    with caplog.at_level(logging.DEBUG):
        batches = pull("courses")
    assert any(b.incomplete_reason for b in batches)
    warned = [r for r in caplog.records if "warns about" in r.getMessage()]
    assert warned and "course 3: nopermission" in warned[0].getMessage()
    assert EMAIL not in caplog.text and "No permission" not in caplog.text
