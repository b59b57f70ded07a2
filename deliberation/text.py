"""Small text helpers for Polish: diacritics folding for search, and slugs."""

from __future__ import annotations

import re
import unicodedata

# NFKD does not decompose these letters, so they are mapped by hand.
_SPECIAL = str.maketrans({"ł": "l", "Ł": "L", "đ": "d", "Đ": "D", "ø": "o", "Ø": "O", "ß": "ss"})


def fold(text: str) -> str:
    """Lowercase without diacritics: 'Żółć Łódź' -> 'zolc lodz'."""
    decomposed = unicodedata.normalize("NFKD", text.translate(_SPECIAL))
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch)).casefold()


def slugify(text: str, max_length: int = 100) -> str:
    slug = re.sub(r"[^a-z0-9]+", "-", fold(text)).strip("-")
    return slug[:max_length].rstrip("-") or "item"
