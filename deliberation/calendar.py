"""iCalendar files: one per meeting, and a feed of every meeting of a consultation."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC

from icalendar import Calendar, Event

from deliberation.db import utcnow
from deliberation.models import Consultation, Meeting

PRODID = "-//deliberation//consultations//PL"


def _calendar(name: str) -> Calendar:
    cal = Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("method", "PUBLISH")
    cal.add("x-wr-calname", name)
    return cal


def _event(meeting: Meeting, consultation: Consultation, url: str, host: str) -> Event:
    event = Event()
    event.add("uid", f"meeting-{meeting.id}@{host}")
    event.add("dtstamp", utcnow())
    event.add("dtstart", meeting.starts_at.astimezone(UTC))
    event.add("dtend", meeting.ends_at.astimezone(UTC))
    event.add("summary", f"{meeting.title} – {consultation.title}")
    description = [consultation.summary, *meeting.agenda_items]
    if meeting.online_url:
        description.append(meeting.online_url)
    description.append(url)
    event.add("description", "\n".join(part for part in description if part))
    if meeting.place:
        event.add("location", meeting.place)
    event.add("url", url)
    event.add("last-modified", meeting.updated_at.astimezone(UTC))
    return event


def meeting_ics(meeting: Meeting, consultation: Consultation, url: str, host: str) -> bytes:
    cal = _calendar(consultation.title)
    cal.add_component(_event(meeting, consultation, url, host))
    return bytes(cal.to_ical())


def consultation_feed(
    consultation: Consultation, meetings: Iterable[tuple[Meeting, str]], host: str
) -> bytes:
    """``meetings`` pairs each meeting with its public URL."""
    cal = _calendar(consultation.title)
    for meeting, url in meetings:
        cal.add_component(_event(meeting, consultation, url, host))
    return bytes(cal.to_ical())
