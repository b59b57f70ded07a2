"""The admin page for the site-wide blocked words: add, remove, bad input, who may."""

from __future__ import annotations

from sqlalchemy import select

from deliberation.models import Contribution, ModerationState, Role, StaffRole
from moderation.models import AuditAction, AuditEntry, WordList
from tests.helpers import create_user, field_error, html
from tests.moderation.factories import make_consultation, make_staff, post


async def test_admin_adds_a_word_and_its_polish_forms_are_held(session, make_client) -> None:
    consultation = await make_consultation(session)
    admin = await create_user(session, Role.ADMIN)
    client = make_client()
    await client.login(admin.email)
    page = html(await client.get("/moderation/words"))
    assert page.html["lang"] == "pl"
    assert "Lista jest pusta." in page.get_text()
    response = await client.submit("/moderation/words", {"word": "  Kapusta "})
    assert response.status_code == 303
    page = html(await client.get("/moderation/words"))
    assert [s.get_text() for s in page.select(".word-entry span")] == ["Kapusta"]

    author = await create_user(session)
    held = await post(session, consultation, author, "Nie chcę KAPUSTY w parku.")
    other = await post(session, consultation, author, "Chcę ławek przy stawie.")
    states = {
        i: s
        for i, s in (
            await session.execute(
                select(Contribution.id, Contribution.moderation_state).where(
                    Contribution.id.in_([held.contribution_id, other.contribution_id])
                )
            )
        ).all()
    }
    assert states[held.contribution_id] is ModerationState.PENDING
    assert states[other.contribution_id] is ModerationState.VISIBLE
    entry = await session.scalar(
        select(AuditEntry).where(
            AuditEntry.action == AuditAction.SETTINGS, AuditEntry.reason == "site_blocked_words"
        )
    )
    assert entry is not None and entry.actor_user_id == admin.id and "Kapusta" in entry.after

    # Removing it lets the same words through again.
    response = await client.submit("/moderation/words", {"remove": "Kapusta"})
    assert response.status_code == 303
    assert "Lista jest pusta." in html(await client.get("/moderation/words")).get_text()
    again = await post(session, consultation, author, "Kapusta jednak może być.")
    state = await session.scalar(
        select(Contribution.moderation_state).where(Contribution.id == again.contribution_id)
    )
    assert state is ModerationState.VISIBLE


async def test_bad_entries_are_refused_in_polish_and_nothing_changes(session, make_client) -> None:
    admin = await create_user(session, Role.ADMIN)
    client = make_client()
    await client.login(admin.email)
    assert (await client.submit("/moderation/words", {"word": "drzewo"})).status_code == 303
    for bad, message in (
        ("<script>alert(1)</script>", "Używaj"),
        ("dwa słowa", "Używaj"),
        ("ab*", "Używaj"),
        ("DRZEWO", "już jest na liście"),
        ("", "wymagane"),
    ):
        response = await client.submit("/moderation/words", {"word": bad})
        assert response.status_code == 422, bad
        assert message in (field_error(response, "word") or ""), (bad, response.text[:300])
    assert (await client.submit("/moderation/words", {"remove": "brzoza"})).status_code == 404
    row = await session.scalar(
        select(WordList).where(WordList.key == "site").execution_options(populate_existing=True)
    )
    assert row is not None and row.entries == "drzewo"


async def test_only_admins_edit_the_site_list(session, make_client) -> None:
    consultation = await make_consultation(session)
    moderator = await make_staff(session, consultation, StaffRole.MODERATOR, Role.MODERATOR)
    resident = await create_user(session)
    for user in (moderator, resident):
        client = make_client()
        await client.login(user.email)
        assert (await client.get("/moderation/words")).status_code == 403
        assert (await client.submit("/moderation/words", {"word": "drzewo"})).status_code == 403
    anonymous = make_client()
    await anonymous.prime()
    response = await anonymous.submit("/moderation/words", {"word": "drzewo"})
    assert response.status_code in (303, 401, 403)
    assert await session.scalar(select(WordList).where(WordList.key == "site")) is None
