"""Fixtures for the report: staff, a published consultation, and the park sample in its record."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from deliberation.models import (
    AuthorKind,
    Channel,
    Consultation,
    ConsultationStatus,
    Contribution,
    ModerationState,
    Role,
    StaffRole,
    User,
)
from deliberation.permissions import Principal
from deliberation.services import accounts, record
from deliberation.services import consultations as service
from tests.consultations.conftest import make_consultation
from tests.helpers import create_user

SAMPLE = (
    Path(__file__).resolve().parents[2] / "deliberation" / "demo" / "park_contributions_pl.jsonl"
)
HIDDEN_TEXT = "Ukryty wpis o kiełbasie wyborczej numer 31337."
PENDING_TEXT = "Oczekujący wpis o trampolinie numer 4242."


@dataclass
class Cast:
    admin: User
    facilitator: User
    other_facilitator: User
    moderator: User
    resident: User
    consultation: Consultation
    other_consultation: Consultation


async def principal(session: Any, user: User | None) -> Principal:
    return await accounts.principal_for(session, user)


@pytest.fixture
async def cast(session: Any) -> Cast:
    admin = await create_user(session, Role.ADMIN)
    facilitator = await create_user(session, Role.FACILITATOR)
    other = await create_user(session, Role.FACILITATOR)
    moderator = await create_user(session, Role.MODERATOR)
    resident = await create_user(session, Role.RESIDENT)
    consultation = await make_consultation(session, facilitator)
    other_consultation = await make_consultation(session, other, title="Inne konsultacje")
    await accounts.assign_staff(
        session, consultation_id=consultation.id, user_id=moderator.id, role=StaffRole.MODERATOR
    )
    await service.advance_status(session, consultation, ConsultationStatus.PUBLISHED)
    return Cast(admin, facilitator, other, moderator, resident, consultation, other_consultation)


def sample_rows() -> list[dict[str, Any]]:
    with SAMPLE.open(encoding="utf-8") as lines:
        return [json.loads(line) for line in lines if line.strip()]


async def add(
    session: Any,
    consultation: Consultation,
    body: str,
    *,
    channel: Channel = Channel.ONLINE_COMMENT,
    state: ModerationState = ModerationState.VISIBLE,
    author: User | None = None,
    themes: tuple[str, ...] = (),
) -> Contribution:
    contribution = record.add_contribution(
        session,
        consultation_id=consultation.id,
        channel=channel,
        body=body,
        author_kind=AuthorKind.ACCOUNT if author else AuthorKind.PARTICIPANT,
        author_user_id=author.id if author else None,
        state=state,
    )
    await session.flush()
    for name in themes:
        await record.tag(
            session, contribution, await record.ensure_theme(session, consultation.id, name)
        )
    return contribution


async def load_sample(session: Any, consultation: Consultation) -> dict[int, Contribution]:
    """The 48 park contributions with their themes, plus one hidden and one pending."""
    by_id = {}
    for row in sample_rows():
        by_id[int(row["id"])] = await add(
            session,
            consultation,
            row["text"],
            channel=Channel(row["channel"]),
            themes=(row["theme"],),
        )
    await add(session, consultation, HIDDEN_TEXT, state=ModerationState.HIDDEN, themes=("psy",))
    await add(session, consultation, PENDING_TEXT, state=ModerationState.PENDING)
    await session.commit()
    return by_id
