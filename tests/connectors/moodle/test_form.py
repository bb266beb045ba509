"""The request form: calls over the field budget, clashing or unencodable parameters are refused."""

from __future__ import annotations

import pytest
import responses

from connectors.base import TerminalError
from connectors.moodle.errors import (
    InvalidParameter,
)
from connectors.moodle.form import TRANSPORT_FIELD_COUNT
from tests.connectors.moodle.client_fakes import (
    sent_fields,
)
from tests.connectors.moodle.samples import (
    ENDPOINT,
    make_client,
)

# --------------------------------------------------------------------------- refusals


def test_request_over_max_form_fields_is_refused_before_sending(
    rsps: responses.RequestsMock,
) -> None:
    client = make_client(max_form_fields=TRANSPORT_FIELD_COUNT + 3)
    rsps.add(responses.POST, ENDPOINT, json=[])

    with pytest.raises(InvalidParameter, match="max_form_fields") as caught:
        client.call("core_user_get_users_by_field", {"field": "id", "values": [1, 2, 3]})
    assert isinstance(caught.value, TerminalError)
    assert "chunk_ids" in (caught.value.fix or "")
    assert client.request_count == 0
    assert len(rsps.calls) == 0

    client.call("core_user_get_users_by_field", {"field": "id", "values": [1, 2]})  # exactly fits
    assert len(rsps.calls) == 1


def test_chunked_ids_always_fit_in_a_request(rsps: responses.RequestsMock) -> None:
    rsps.add(responses.POST, ENDPOINT, json=[])
    client = make_client(max_form_fields=20)
    other = {"field": "id"}

    chunks = list(client.chunk_ids(range(100), other_params=other))
    for chunk in chunks:
        client.call("core_user_get_users_by_field", {**other, "values": chunk})

    assert [len(c) for c in chunks[:-1]] == [20 - TRANSPORT_FIELD_COUNT - 1] * (len(chunks) - 1)
    assert all(len(sent_fields(call)) <= 20 for call in rsps.calls)
    assert sum(len(c) for c in chunks) == 100


@pytest.mark.parametrize(
    "name", ["wstoken", "wsfunction", "moodlewsrestformat", "moodlewssettingraw"]
)
def test_parameters_cannot_override_transport_fields(
    rsps: responses.RequestsMock, name: str
) -> None:
    with pytest.raises(InvalidParameter):
        make_client().call("core_webservice_get_site_info", {name: "x"})
    assert len(rsps.calls) == 0


def test_unencodable_parameters_are_refused(rsps: responses.RequestsMock) -> None:
    with pytest.raises(InvalidParameter):
        make_client().call("core_user_get_users_by_field", {"values": {1, 2}})
    assert len(rsps.calls) == 0
