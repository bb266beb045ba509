"""Cell values are checked the way an office administrator writes them."""

from __future__ import annotations

from datetime import UTC, date, datetime

import phonenumbers
import pytest
from hypothesis import given
from hypothesis import strategies as st

from bridge.services.register import values as v


@pytest.mark.parametrize(("text", "expected"), [
    ("040 123 4567", "+358401234567"), ("+358 50 765 4321", "+358507654321"),
    ("045-2345678", "+358452345678"), ("09 1234 567", "+35891234567"),
    ("+358 (0)40 123 4567", "+358401234567"), ("+46 70 123 45 67", "+46701234567"),
    ("00358401234567", "+358401234567"),
])
def test_phone_numbers_become_e164_with_finland_as_default(text, expected) -> None:
    assert v.parse_phone(text) == expected


@pytest.mark.parametrize("text", ["040", "12", "puhelin", "+358 40 12"])
def test_impossible_phone_numbers_are_refused(text) -> None:
    with pytest.raises(ValueError, match="phone number"):
        v.parse_phone(text)


@given(prefix=st.sampled_from(["0", "+358", "+358 "]),
       digits=st.text(alphabet="0123456789 -", min_size=1, max_size=14))
def test_the_fast_finnish_path_agrees_with_phonenumbers(prefix, digits) -> None:
    text = prefix + digits
    fast = v._finnish_fast(text)
    if fast is None:
        return
    number = phonenumbers.parse(text, "FI")
    assert phonenumbers.is_valid_number(number)
    assert fast == phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


@pytest.mark.parametrize(("text", "expected"), [
    ("0104505-9", "0104505-9"), ("104505-9", "0104505-9"), ("FI01045059", "0104505-9"),
])
def test_business_ids_are_checked_and_normalised(text, expected) -> None:
    assert v.parse_business_id(text) == expected


def test_wrong_business_id_check_digit_is_named() -> None:
    with pytest.raises(ValueError, match=r"wrong check digit \(expected 9\)"):
        v.parse_business_id("0104505-8")


@pytest.mark.parametrize("text", ["matti@", "@example.fi", "a b@example.fi", "a@b",
                                  "a..b@example.fi", "a@example..fi"])
def test_bad_email_addresses_are_refused(text) -> None:
    with pytest.raises(ValueError, match="not an e-mail address"):
        v.parse_email(text)


def test_dates_finnish_or_iso_and_moments_in_finnish_time() -> None:
    assert v.parse_date("31.1.2026") == v.parse_date("2026-01-31") == date(2026, 1, 31)
    assert v.parse_moment("31.1.2026") == datetime(2026, 1, 30, 22, tzinfo=UTC)
    assert v.parse_moment("1.7.2025 9.30") == datetime(2025, 7, 1, 6, 30, tzinfo=UTC)
    assert v.parse_moment("2026-01-31T10:00:00+00:00") == datetime(2026, 1, 31, 10, tzinfo=UTC)
    for bad in ("31.2.2026", "1/2/2026", "31.1.26"):
        with pytest.raises(ValueError, match="not a date"):
            v.parse_date(bad)


def test_codes_accept_finnish_words_and_name_the_known_ones() -> None:
    assert v.parse_code("channel", "Sähköposti") == "email"
    assert v.parse_code("channel", "E-mail") == "email"
    assert v.parse_code("purpose", "Suoramarkkinointi") == "marketing"
    assert v.parse_code("legal_basis", "Muu yhteys") == "other_connection"
    assert v.parse_code("status", "Kyllä") == "granted"
    with pytest.raises(ValueError, match=r"unknown purpose 'uutiskirje' \(known: service, "
                                         r"marketing\)"):
        v.parse_code("purpose", "uutiskirje")
    with pytest.raises(ValueError, match=r"unknown channel 'tekstiviesti' \(known: email\)"):
        v.parse_code("channel", "tekstiviesti", ("email",))
