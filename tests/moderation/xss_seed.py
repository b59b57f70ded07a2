"""Feed every XSS payload through every text field the comments and moderation pages show."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from deliberation.errors import ValidationFailed
from deliberation.models import Contribution, Role, StaffRole
from deliberation.ratelimit import Limit
from deliberation.services import accounts, participants
from deliberation.services import comments as svc
from deliberation.services import record as record_service
from moderation import guard, services
from moderation.models import AuditAction, ReportReason
from tests.helpers import create_user
from tests.moderation.factories import make_consultation, make_staff, participant_of

PAYLOADS_FILE = Path(__file__).resolve().parents[1] / "data" / "xss_payloads.txt"


def payloads() -> list[str]:
    lines = PAYLOADS_FILE.read_text(encoding="utf-8").splitlines()
    return [line for line in lines if line.strip() and not line.startswith("#")]


async def seed(
    session: AsyncSession, secret_key: str, *, moderator_email: str | None = None
) -> dict[str, Any]:
    """A consultation whose thread, queue and audit log carry every payload in every field."""
    big = Limit(1_000_000, 60)
    saved = guard.LIMITS
    guard.LIMITS = guard.Limits(big, big, big, big)
    try:
        return await _seed(session, secret_key, moderator_email)
    finally:
        guard.LIMITS = saved


async def _seed(
    session: AsyncSession, secret_key: str, moderator_email: str | None
) -> dict[str, Any]:
    consultation = await make_consultation(session)
    admin = await create_user(session, Role.ADMIN)
    await svc.set_allow_anonymous(
        session, await accounts.principal_for(session, admin), consultation, True
    )
    if moderator_email:
        moderator = await accounts.find_user_by_email(session, moderator_email)
        assert moderator is not None
        from deliberation.models import ConsultationRole

        session.add(
            ConsultationRole(
                consultation_id=consultation.id, user_id=moderator.id, role=StaffRole.MODERATOR
            )
        )
        await session.commit()
    else:
        moderator = await make_staff(session, consultation, StaffRole.MODERATOR, Role.MODERATOR)
    reporter = await create_user(session)
    reporter_pid = (await participant_of(session, reporter)).id
    principal = await accounts.principal_for(session, moderator)
    theme_ids: set[int] = set()
    for n, payload in enumerate(payloads()):
        # One author each: the duplicate safeguard compares a participant's own recent posts.
        visible_author = await create_user(session)
        anon = await participants.ensure_participant(
            session,
            secret_key=secret_key,
            participant_secret=f"xss-secret-{n}-{consultation.id}-padding",
            user=None,
            display_name=payload[:80],
        )
        from deliberation.permissions import ANONYMOUS

        held = await svc.post_comment(
            session,
            ANONYMOUS,
            consultation,
            user=None,
            participant=anon,
            body=payload,
            network="xss",
        )
        shown = await svc.post_comment(
            session,
            await accounts.principal_for(session, visible_author),
            consultation,
            user=visible_author,
            participant=await participant_of(session, visible_author),
            body=f"{n}: {payload}",
            network="xss",
        )
        c_held = await session.get(Contribution, held.contribution_id)
        c_shown = await session.get(Contribution, shown.contribution_id)
        assert c_held is not None and c_shown is not None
        # The payload as a theme of the comment: themes show with comments in the record.
        try:
            theme = await record_service.ensure_theme(session, consultation.id, payload[:80])
        except ValidationFailed:
            pass  # blank once spaces are folded: not a theme name
        else:
            await record_service.tag(session, c_shown, theme)
            theme_ids.add(theme.id)
            await session.commit()
        await services.report(
            session,
            await accounts.principal_for(session, reporter),
            reporter_participant_id=reporter_pid,
            consultation_id=consultation.id,
            contribution_id=c_shown.id,
            reason=ReportReason.OTHER,
            text=payload,
        )
        # Anonymous participants force pre-moderation: approve some, so names show publicly.
        approve = [c_shown.id] + ([c_held.id] if n % 2 else [])
        await services.moderate(
            session, principal, moderator, consultation.id, approve, AuditAction.APPROVE
        )
        if n % 2 == 0:
            await services.moderate(
                session,
                principal,
                moderator,
                consultation.id,
                [c_shown.id],
                AuditAction.HIDE,
                payload,
            )
    return {
        "consultation_id": consultation.id,
        "moderator": moderator,
        "admin": admin,
        "theme_ids": sorted(theme_ids),
    }
