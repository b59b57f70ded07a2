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
