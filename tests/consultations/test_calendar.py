"""The .ics files parse back with icalendar and carry the right times and places."""

from __future__ import annotations

from datetime import UTC, timedelta

from icalendar import Calendar

from deliberation.models import MeetingFormat
from deliberation.services import meetings
from tests.consultations.conftest import TODAY, principal


async def test_meeting_ics_and_feed(session, client, cast):
    c = cast.consultation
    who = await principal(session, cast.facilitator)
    first = await meetings.create_meeting(
        session,
        who,
        c,
        meetings.MeetingPlan(
            "Spotkanie w CAO",
            MeetingFormat.HYBRID,
            TODAY + timedelta(days=2),
            "17:30",
            "19:00",
            place="Centrum Aktywności Obywatelskiej",
            online_url="https://meet.example.org/x",
        ),
    )
    await meetings.create_meeting(
        session,
        who,
        c,
        meetings.MeetingPlan(
            "Online", MeetingFormat.ONLINE, TODAY + timedelta(days=3), "18:00", "19:00"
        ),
    )
    response = await client.get(f"/consultations/{c.id}/meetings/{first.id}/event.ics")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/calendar")
    assert "attachment" in response.headers["content-disposition"]
    cal = Calendar.from_ical(response.content)
    events = cal.walk("VEVENT")
    assert len(events) == 1
    event = events[0]
    assert event.decoded("dtstart") == first.starts_at.astimezone(UTC)
    assert event.decoded("dtend") == first.ends_at.astimezone(UTC)
    assert str(event["location"]) == "Centrum Aktywności Obywatelskiej"
    assert str(event["summary"]).startswith("Spotkanie w CAO")
    assert str(event["uid"]) == f"meeting-{first.id}@testserver"
    feed = Calendar.from_ical((await client.get(f"/consultations/{c.id}/calendar.ics")).content)
    assert len(feed.walk("VEVENT")) == 2
