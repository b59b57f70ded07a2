"""Searching the audit log ignores case and diacritics, and treats % and _ as characters."""

from __future__ import annotations

from deliberation.models import Role
from deliberation.services import accounts
from moderation import audit
from moderation.models import AuditAction
from tests.helpers import create_user


async def test_audit_text_search_folds_polish_letters(session):
    admin = await create_user(session, Role.ADMIN)
    admin.display_name = "Żaneta Łukasiewicz"
    hidden = audit.write(
        session,
        action=AuditAction.HIDE,
        actor=admin,
        consultation_id=None,
        reason="Obraźliwe słowa (50% wpisu)",
    )
    other = audit.write(
        session, action=AuditAction.APPROVE, actor=admin, consultation_id=None, reason="OK"
    )
    await session.commit()
    who = await accounts.principal_for(session, admin)

    async def found(text: str) -> list[int]:
        return [e.id for e in await audit.search(session, who, audit.AuditQuery(text=text))]

    assert await found("obrazliwe") == [hidden.id]
    assert await found("OBRAŹLIWE SŁOWA") == [hidden.id]
    assert await found("50%") == [hidden.id]
    assert await found("5_%") == []
    assert await found("zaneta lukasiewicz") == [other.id, hidden.id]
