"""The one masker: every secret replaced, encoded forms whole."""

from __future__ import annotations

from urllib.parse import quote

from connectors.redaction import MASK, redact


def test_every_secret_is_replaced_by_the_mask() -> None:
    assert redact("a=s3cret b=other", ["s3cret", "other"]) == f"a={MASK} b={MASK}"


def test_an_encoded_form_is_masked_whole_not_half() -> None:
    secret = "tok%"  # URL-encoded it is "tok%25", which contains the plain form
    text = f"url?wstoken={quote(secret, safe='')} body={secret}"
    assert redact(text, [secret, quote(secret, safe="")]) == f"url?wstoken={MASK} body={MASK}"


def test_empty_secrets_change_nothing() -> None:
    assert redact("nothing to hide", ["", ""]) == "nothing to hide"
