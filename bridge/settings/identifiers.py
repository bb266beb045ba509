"""Validation of identifiers that appear in configuration and imports."""

from __future__ import annotations

import re

_BUSINESS_ID = re.compile(r"^(\d{6,7})-(\d)$")
_WEIGHTS = (7, 9, 10, 5, 8, 4, 2)

#: EU and EEA member states (ISO 3166-1 alpha-2), N9.
EU_EEA = frozenset(
    [
        "AT",
        "BE",
        "BG",
        "HR",
        "CY",
        "CZ",
        "DK",
        "EE",
        "FI",
        "FR",
        "DE",
        "GR",
        "IE",
        "IT",
        "LV",
        "LT",
        "LU",
        "MT",
        "NL",
        "PL",
        "PT",
        "RO",
        "SK",
        "SI",
        "ES",
        "SE",
        "IS",
        "LI",
        "NO",
    ]
)


def validate_business_id(value: str) -> str:
    """Check a Finnish business ID (Y-tunnus) and its check digit; return it normalised."""
    match = _BUSINESS_ID.match(value.strip())
    if not match:
        raise ValueError(f"not a business ID: {value!r} (format 1234567-8)")
    digits = match.group(1).zfill(7)
    remainder = sum(int(d) * w for d, w in zip(digits, _WEIGHTS, strict=True)) % 11
    if remainder == 1:
        raise ValueError(f"not a valid business ID: {value!r} (no number has this check digit)")
    expected = 0 if remainder == 0 else 11 - remainder
    if int(match.group(2)) != expected:
        raise ValueError(f"business ID {value!r} has a wrong check digit (expected {expected})")
    return f"{digits}-{expected}"


def is_eu_eea(country: str) -> bool:
    return country.upper() in EU_EEA
