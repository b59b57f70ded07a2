"""Helpers shared by tests: users, parsed HTML, field errors."""

from __future__ import annotations

import re
from typing import Any

from bs4 import BeautifulSoup
from sqlalchemy.ext.asyncio import AsyncSession

from deliberation.models import Role, User
from deliberation.services import accounts

PASSWORD = "correct horse battery"

_counter = iter(range(10**9))


async def create_user(
    session: AsyncSession, role: Role = Role.RESIDENT, *, email: str | None = None
) -> User:
    n = next(_counter)
    return await accounts.register(
        session,
        email=email or f"user{n}-{role.value}@example.org",
        display_name=f"{role.value.title()} {n}",
        password=PASSWORD,
        role=role,
    )


def html(response: Any) -> BeautifulSoup:
    return BeautifulSoup(response.text, "html.parser")


def field_error(response: Any, name: str) -> str | None:
    node = html(response).find(id=f"error-{name}")
    return node.get_text(strip=True) if node else None


def normalize_space(value: str) -> str:
    return re.sub(r"\s+", " ", value).strip()


REPO = __import__("pathlib").Path(__file__).resolve().parents[1]
# Copies kept in the repository, so the tests never depend on a folder beside it.
_IN_REPO = {
    "plain_language_pl.json": REPO / "tests" / "data" / "plain_language_pl.json",
    "park_contributions_pl.jsonl": REPO / "deliberation" / "demo" / "park_contributions_pl.jsonl",
}


def shared_data(name: str) -> Any:
    """A sample file from ../shared/data (or DELIBERATION_SHARED_DATA), else the repo's copy."""
    import os
    from pathlib import Path

    folder = Path(os.environ.get("DELIBERATION_SHARED_DATA") or REPO.parent / "shared" / "data")
    candidate = folder / name
    return candidate if candidate.is_file() else _IN_REPO[name]
