"""The public record is rendered once and shown again until its consultation changes."""

from __future__ import annotations

from deliberation.events import commit
from deliberation.models import AuthorKind, Channel
from deliberation.services import consultations, record
from deliberation.web.fragments import FragmentCache
from tests.helpers import html


async def test_cached_record_is_dropped_when_a_contribution_arrives(client, session, app):
    consultation = await consultations.create_consultation(
        session, title="Skwer", summary="Co z tym skwerem?", created_by_id=None
    )
    await consultations.advance_status(
        session, consultation, consultations.ConsultationStatus.PUBLISHED
    )

    async def add(text: str) -> None:
        contribution = record.add_contribution(
            session,
            consultation_id=consultation.id,
            channel=Channel.EMAIL,
            body=text,
            author_kind=AuthorKind.RECORDED,
        )
        await record.created(session, contribution)
        await commit(session)  # publishes contribution.created on the app's bus

    await add("Pierwsza uwaga o skwerze.")
    first = html(await client.get(f"/consultations/{consultation.id}"))
    assert "Pierwsza uwaga o skwerze." in first.select_one("#record").get_text()
    cached = html(await client.get(f"/consultations/{consultation.id}"))
    assert cached.select_one("#record").get_text() == first.select_one("#record").get_text()

    session.info["event_bus"] = app.state.bus
    await add("Druga uwaga, po pierwszej.")
    import asyncio

    for _ in range(50):
        page = html(await client.get(f"/consultations/{consultation.id}"))
        if "Druga uwaga, po pierwszej." in page.select_one("#record").get_text():
            break
        await asyncio.sleep(0.02)
    assert "Druga uwaga, po pierwszej." in page.select_one("#record").get_text()


async def test_cache_versions_and_bounds():
    from deliberation.events import catalogue as ev

    cache = FragmentCache(max_entries=2)
    cache.put(1, "a", "A")
    cache.put(2, "b", "B")
    assert cache.get(1, "a") == "A"
    await cache.on_event(
        ev.ContributionCreated(consultation_id=1, contribution_id=5, channel="email")
    )
    assert cache.get(1, "a") is None and cache.get(2, "b") == "B"
    cache.put(1, "a", "A2")
    cache.put(3, "c", "C")  # evicts the least recently used
    assert cache.get(2, "b") is None and cache.get(3, "c") == "C"
    await cache.on_event(ev.UserDeleted(user_id=9))
    assert cache.get(3, "c") is None and cache.get(1, "a") is None
