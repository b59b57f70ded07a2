"""The languages the readability analyzer supports and how a caller's language code maps to them."""

from __future__ import annotations

from typing import Literal

Language = Literal["pl", "en"]
SUPPORTED_LANGUAGES: tuple[Language, ...] = ("pl", "en")


def normalize_language(value: str) -> Language:
    """'pl', 'PL' and 'pl-PL' all mean Polish; anything unsupported is a clear ValueError."""
    code = value.strip().lower().replace("_", "-").split("-", 1)[0]
    if code == "pl":
        return "pl"
    if code == "en":
        return "en"
    raise ValueError(
        f"unsupported language {value!r}: expected one of 'pl', 'en' "
        "(a region suffix such as 'pl-PL' is accepted)"
    )
