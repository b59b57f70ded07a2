"""A thread page for visitors without cookies: served without the database, never stale."""

from __future__ import annotations

import asyncio

from tests.consultations.test_visitor_cache import QueryCounter, tokens_in
from tests.helpers import create_user, html


async def test_visitors_share_the_thread_and_see_a_new_comment(db, session, make_client):
    from tests.moderation.factories import make_consultation

    consultation = await make_consultation(session)
    author = await create_user(session)
    await session.commit()
    url = f"/consultations/{consultation.id}/comments"
    first = make_client()
    assert (await first.get(url)).status_code == 200
    second = make_client()
    with QueryCounter(db) as queries:
        shared = await second.get(url)
    assert shared.status_code == 200 and queries.count == 0
    assert tokens_in(html(shared)) == {second.csrf()}

    writer = make_client()
    await writer.login(author.email)
    response = await writer.submit(url, {"body": "Potrzebne są ławki przy placu zabaw."})
    assert response.status_code == 303, response.text
    for _ in range(100):
        after = await make_client().get(url)
        if "ławki przy placu zabaw" in after.text:
            break
        await asyncio.sleep(0.01)
    assert "ławki przy placu zabaw" in after.text
