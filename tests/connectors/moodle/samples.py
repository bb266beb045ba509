"""Recorded Moodle exchanges (tests/fixtures/moodle) and how to replay them with ``responses``.

The samples' format is described in the README next to the originals
(/work/shared/moodle-samples). The token is recorded as ``<TOKEN>``; pass
``token=`` to put a real one back wherever it occurs.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import responses
from pydantic import SecretStr

from connectors.moodle.client import MoodleClient
from connectors.moodle.config import MoodleConfig
from connectors.moodle.errors import MoodleError

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "moodle"
BASE_URL = "https://moodle.example.test"
ENDPOINT = f"{BASE_URL}/webservice/rest/server.php"
RECORDED_TOKEN = "<TOKEN>"
#: A token that must never show up anywhere but in a request body.
SENTINEL_TOKEN = "SENTINEL-TOKEN-7f3a"


def sample_names() -> list[str]:
    """Every web-service sample in the fixtures (not token.php, not SQL rows), sorted."""
    return sorted(p.name for p in FIXTURES.glob("*.json") if is_ws_sample(load_sample(p.name)))


def is_ws_sample(sample: dict[str, Any]) -> bool:
    return str(sample["request"].get("path", "")).endswith("/webservice/rest/server.php")


def load_sample(name: str, *, token: str | None = None) -> dict[str, Any]:
    """One sample, with ``<TOKEN>`` replaced by ``token`` when given."""
    if not name.endswith(".json"):
        name += ".json"
    text = (FIXTURES / name).read_text(encoding="utf-8")
    if token is not None:
        text = text.replace(RECORDED_TOKEN, token)
    return json.loads(text)


def is_error_sample(sample: dict[str, Any]) -> bool:
    """A web-service error shape: non-200, a body that is not JSON, or Moodle's error object."""
    if not is_ws_sample(sample):
        return False
    response = sample["response"]
    if response["status"] != 200 or "json" not in response:
        return True
    body = response["json"]
    return isinstance(body, dict) and "exception" in body


def response_body(sample: dict[str, Any]) -> str:
    """The body exactly as Moodle sent it (a literal ``null`` stays ``null``)."""
    response = sample["response"]
    if "json" in response:
        return json.dumps(response["json"])
    return response.get("text", "")


def register_sample(
    rsps: responses.RequestsMock,
    sample: dict[str, Any] | str,
    *,
    url: str = ENDPOINT,
    token: str | None = None,
) -> responses.BaseResponse:
    """Answer the next POST to ``url`` with ``sample``'s recorded response."""
    if isinstance(sample, str):
        sample = load_sample(sample, token=token)
    response = sample["response"]
    headers = dict(response.get("headers", {}))
    content_type = None
    for name in list(headers):
        if name.lower() == "content-type":
            content_type = headers.pop(name)
    return rsps.add(
        responses.POST,
        url,
        body=response_body(sample),
        status=response["status"],
        headers=headers,
        content_type=content_type,
    )


def make_config(**overrides: Any) -> MoodleConfig:
    """A config for :data:`BASE_URL` with the sentinel token.

    Built without the configuration's bounds, so that a test can give a form-field
    budget smaller than any real site's, to see chunking with a few ids.
    """
    values: dict[str, Any] = {"url": BASE_URL, "token": SecretStr(SENTINEL_TOKEN)}
    values.update(overrides)
    return MoodleConfig.model_construct(**values)


def make_client(**overrides: Any) -> MoodleClient:
    """A client whose retry waits return at once (``sleep`` replaced)."""
    client = MoodleClient(make_config(**overrides))
    client.sleep = lambda seconds: None  # type: ignore[method-assign]
    return client


def call_and_catch(function: str = "core_webservice_get_site_info") -> MoodleError:
    """The typed error one call raises (no retries), for tests about classification."""
    client = make_client(max_retries=0)
    with pytest.raises(MoodleError) as caught:
        client.call(function)
    return caught.value
