"""Visitors without cookies share one rendering of a consultation page, with their own token."""

from __future__ import annotations

import asyncio
import json

from sqlalchemy import event

from deliberation.models import Channel
from deliberation.services import record as record_service
from deliberation.web.public_cache import PLACEHOLDER
from tests.consultations.conftest import TODAY, principal
from tests.helpers import html


class QueryCounter:
    def __init__(self, db) -> None:
        self.engine = db.engine.sync_engine
        self.count = 0

    def __enter__(self) -> QueryCounter:
        event.listen(self.engine, "before_cursor_execute", self._count)
        return self

    def __exit__(self, *_exc) -> None:
        event.remove(self.engine, "before_cursor_execute", self._count)

    def _count(self, *_args) -> None:
        self.count += 1


def tokens_in(page) -> set[str]:
    found = {i["value"] for i in page.select("input[name=csrftoken]")}
    found.add(json.loads(page.body["hx-headers"])["x-csrftoken"])
    return found


async def test_second_visitor_gets_the_page_without_the_database(db, make_client, cast):
    url = f"/consultations/{cast.consultation.id}"
    first, second = make_client(), make_client()
    one = await first.get(url)
    assert one.status_code == 200
    with QueryCounter(db) as queries:
        two = await second.get(url)
    assert two.status_code == 200 and queries.count == 0
    assert PLACEHOLDER.decode() not in two.text
    page_one, page_two = html(one), html(two)
    assert tokens_in(page_one) == {first.csrf()} and tokens_in(page_two) == {second.csrf()}
    assert first.csrf() != second.csrf()
    assert page_one.h1.get_text() == page_two.h1.get_text() == cast.consultation.title
    assert two.headers["content-type"].startswith("text/html")
    assert two.headers["x-request-id"] != one.headers["x-request-id"]


async def test_language_and_query_have_their_own_entries(make_client, cast):
    url = f"/consultations/{cast.consultation.id}"
    polish = await make_client().get(url)
    english = await make_client().get(url, headers={"accept-language": "en"})
    again = await make_client().get(url, headers={"accept-language": "en"})
    assert html(polish).html["lang"] == "pl" and html(english).html["lang"] == "en"
    assert html(again).html["lang"] == "en"
    filtered = await make_client().get(url + "?channel=paper_form")
    assert filtered.status_code == 200


async def test_a_change_reaches_the_next_visitor(db, make_client, cast):
    url = f"/consultations/{cast.consultation.id}"
    before = await make_client().get(url)
    assert "Ławki przy stawie" not in before.text
    async with db.session() as session:  # a session that publishes its events
        await record_service.add_staff_input(
            session,
            await principal(session, cast.facilitator),
            cast.consultation,
            channel=Channel.PAPER_FORM,
            body="Ławki przy stawie, proszę.",
            received_on=TODAY,
        )
    for _ in range(100):
        after = await make_client().get(url)
        if "Ławki przy stawie" in after.text:
            break
        await asyncio.sleep(0.01)
    assert "Ławki przy stawie" in after.text


async def test_signed_in_people_and_htmx_take_the_usual_path(make_client, cast):
    url = f"/consultations/{cast.consultation.id}"
    resident = make_client()
    await resident.login(cast.resident.email)
    mine = html(await resident.get(url))
    assert mine.select_one("form[action='/logout']") is not None
    assert tokens_in(mine) == {resident.csrf()}
    visitor = html(await make_client().get(url))
    assert visitor.select_one("form[action='/logout']") is None
    fragment = await make_client().get(url, headers={"hx-request": "true"})
    assert fragment.status_code == 200 and "<html" not in fragment.text


async def test_a_token_from_a_shared_page_is_accepted(make_client, cast):
    url = f"/consultations/{cast.consultation.id}"
    await make_client().get(url)
    visitor = make_client()
    page = html(await visitor.get(url))
    (token,) = tokens_in(page)
    response = await visitor.post("/language", data={"csrftoken": token, "language": "en"})
    assert response.status_code in (200, 303), response.text
