"""Lifting a block from the moderator's pages: who may, what it changes, what is audited."""

from __future__ import annotations

from sqlalchemy import select

from deliberation.models import Role, StaffRole
from deliberation.services import accounts
from moderation import guard, services
from moderation.models import AuditAction, AuditEntry, Block
from tests.helpers import create_user, html
from tests.moderation.factories import make_consultation, make_staff, participant_of, post


async def _block(session, consultation, actor, pid: int, *, everywhere: bool = False) -> Block:  # type: ignore[no-untyped-def]
    return await services.block(
        session,
        await accounts.principal_for(session, actor),
        actor,
        consultation.id,
        pid,
        days=None if everywhere else 7,
        everywhere=everywhere,
        reason="Spam w wątku",
    )


async def test_moderator_lifts_a_block_from_the_blocks_page(app, session, make_client) -> None:
    consultation = await make_consultation(session)
    moderator = await make_staff(session, consultation, StaffRole.MODERATOR, Role.MODERATOR)
    author = await create_user(session)
    author.display_name = "Autorka Zablokowana"
    await session.commit()
    pid = (await participant_of(session, author)).id
    block = await _block(session, consultation, moderator, pid)
    assert await guard.is_blocked(session, pid, consultation.id)

    client = make_client()
    await client.login(moderator.email)
    page = html(await client.get("/moderation/blocks"))
    assert page.html["lang"] == "pl"
    row = page.select_one(f"#block-{block.id}")
    assert "Autorka Zablokowana" in row.get_text() and "Spam w wątku" in row.get_text()
    assert row.select_one("button").get_text(strip=True) == "Odblokuj"
    form = row.select_one("form")
    response = await client.submit(form["action"], {"reason": "Przeprosiła"})
    assert response.status_code == 303
    assert not await guard.is_blocked(session, pid, consultation.id)
    assert html(await client.get("/moderation/blocks")).select_one(f"#block-{block.id}") is None
    entry = await session.scalar(select(AuditEntry).where(AuditEntry.action == AuditAction.UNBLOCK))
    assert entry is not None
    assert (entry.participant_id, entry.actor_user_id, entry.reason) == (
        pid,
        moderator.id,
        "Przeprosiła",
    )
    # Posting works again; lifting twice is refused.
    await post(session, consultation, author, "Już spokojnie.")
    again = await client.submit(form["action"], {})
    assert again.status_code == 409


async def test_who_may_lift_a_block(session, make_client) -> None:
    consultation, other = await make_consultation(session), await make_consultation(session)
    moderator = await make_staff(session, consultation, StaffRole.MODERATOR, Role.MODERATOR)
    stranger = await make_staff(session, other, StaffRole.MODERATOR, Role.MODERATOR)
    admin = await create_user(session, Role.ADMIN)
    resident = await create_user(session)
    pid = (await participant_of(session, await create_user(session))).id
    here = await _block(session, consultation, moderator, pid)
    everywhere = await _block(session, consultation, admin, pid, everywhere=True)
    url = "/moderation/blocks/{}/lift"

    async def as_user(user):  # type: ignore[no-untyped-def]
        client = make_client()
        await client.login(user.email)
        return client

    resident_client = await as_user(resident)
    assert (await resident_client.submit(url.format(here.id))).status_code == 403
    stranger_client = await as_user(stranger)
    assert (await stranger_client.submit(url.format(here.id))).status_code == 403
    # The stranger does not even see blocks of consultations they do not moderate.
    page = html(await stranger_client.get("/moderation/blocks"))
    assert page.select_one(f"#block-{here.id}") is None
    moderator_client = await as_user(moderator)
    page = html(await moderator_client.get("/moderation/blocks"))
    assert page.select_one(f"#block-{everywhere.id} form") is None  # only admins lift these
    assert (await moderator_client.submit(url.format(everywhere.id))).status_code == 403
    assert (await moderator_client.submit(url.format(here.id))).status_code == 303
    admin_client = await as_user(admin)
    assert (await admin_client.submit(url.format(everywhere.id))).status_code == 303
    assert not await guard.is_blocked(session, pid, consultation.id)
    assert (await admin_client.submit(url.format(999_999))).status_code == 404
