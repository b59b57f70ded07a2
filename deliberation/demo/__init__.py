"""Demo data: a realistic Polish consultation in a fictional district of Dąbrowa Górnicza.

The core adds the users, the consultation and its contribution record; each feature's manifest
adds its own part (a live room, a survey, comment threads...) through ``Feature.demo``.
Loading twice changes nothing: the demo is recognised by its slug.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, replace
from datetime import timedelta
from importlib import resources
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from deliberation.db import utcnow
from deliberation.events import commit
from deliberation.features import Feature
from deliberation.models import (
    AuthorKind,
    Channel,
    Consultation,
    ConsultationStatus,
    Contribution,
    LinkKind,
    MeetingFormat,
    PhaseKind,
    Role,
    StaffRole,
    User,
)
from deliberation.services import accounts, consultations, meetings
from deliberation.services import record as record_service
from deliberation.services.report_demo import load_report_demo

DEMO_SLUG = "park-zielony-jar"
DISTRICT = "Zielony Jar"


@dataclass(frozen=True)
class DemoUser:
    email: str
    password: str
    name: str
    role: Role


# Local demo only: the command refuses to run in production mode.
DEMO_USERS = (
    DemoUser("admin@demo.dabrowa.example", "demo-admin-2026", "Anna Administratorka", Role.ADMIN),
    DemoUser(
        "moderatorka@demo.dabrowa.example",
        "demo-moderator-2026",
        "Maria Moderatorka",
        Role.MODERATOR,
    ),
    DemoUser(
        "facylitator@demo.dabrowa.example",
        "demo-facilitator-2026",
        "Filip Facylitator",
        Role.FACILITATOR,
    ),
    DemoUser(
        "mieszkanka@demo.dabrowa.example", "demo-resident-2026", "Renata Mieszkanka", Role.RESIDENT
    ),
)

SUMMARY = (
    "Miasto chce odnowić park na osiedlu Zielony Jar. Powiedz nam, czego potrzebujesz: "
    "światła, ławek, placu zabaw czy zieleni. Czekamy na Twoje uwagi do końca miesiąca. "
    "Potem napiszemy, co zrobimy z każdą uwagą."
)

DESCRIPTION = """## Co planujemy

Park przy ulicy Sobieskiego ma ponad 40 lat. Alejki są dziurawe, latarnie często nie działają,
a plac zabaw jest stary. W przyszłym roku miasto chce park odnowić.

## Jak możesz wziąć udział

- **W internecie**: napisz komentarz pod tą stroną albo wypełnij ankietę.
- **Na spotkaniu**: przyjdź do Centrum Aktywności Obywatelskiej albo połącz się online.
- **Na papierze**: formularz dostaniesz w Biurze Obsługi Mieszkańców.

## Co będzie dalej

Po zakończeniu zbierania uwag przygotujemy raport. Odpowiemy w nim na każdą uwagę.
"""


def sample_contributions() -> list[dict[str, Any]]:
    text = (resources.files("deliberation.demo") / "park_contributions_pl.jsonl").read_text(
        encoding="utf-8"
    )
    return [json.loads(line) for line in text.splitlines() if line.strip()]


async def load_demo(session: AsyncSession, features: list[Feature]) -> bool:
    """Load the demo unless it is there already. Returns True when it was loaded now."""
    if await session.scalar(select(Consultation.id).where(Consultation.slug == DEMO_SLUG)):
        return False
    users: dict[Role, User] = {}
    for demo_user in DEMO_USERS:
        existing = await accounts.find_user_by_email(session, demo_user.email)
        users[demo_user.role] = existing or await accounts.register(
            session,
            email=demo_user.email,
            display_name=demo_user.name,
            password=demo_user.password,
            role=demo_user.role,
            language="pl",
        )
    facilitator, moderator = users[Role.FACILITATOR], users[Role.MODERATOR]
    consultation = await consultations.create_consultation(
        session,
        title="Odnowa parku na osiedlu Zielony Jar",
        summary=SUMMARY,
        description=DESCRIPTION,
        topic="zieleń i rekreacja",
        area=DISTRICT,
        slug=DEMO_SLUG,
        created_by_id=facilitator.id,
    )
    await accounts.assign_staff(
        session, consultation_id=consultation.id, user_id=moderator.id, role=StaffRole.MODERATOR
    )
    await consultations.advance_status(session, consultation, ConsultationStatus.PUBLISHED)
    resident = users[Role.RESIDENT]
    start = utcnow() - timedelta(days=10)
    loaded: list[tuple[dict[str, Any], Contribution]] = []
    for index, row in enumerate(sample_contributions()):
        channel = Channel(row["channel"])
        recorded = channel in (Channel.MEETING_NOTE, Channel.PAPER_FORM)
        contribution = record_service.add_contribution(
            session,
            consultation_id=consultation.id,
            channel=channel,
            body=row["text"],
            author_kind=AuthorKind.RECORDED if recorded else AuthorKind.ACCOUNT,
            author_user_id=None if recorded else resident.id,
            recorded_by_id=facilitator.id if recorded else None,
            received_at=start + timedelta(hours=5 * index) if recorded else None,
        )
        contribution.created_at = start + timedelta(hours=5 * index)
        await record_service.created(session, contribution)
        theme = await record_service.ensure_theme(session, consultation.id, row["theme"])
        await record_service.tag(session, contribution, theme)
        loaded.append((row, contribution))
    await commit(session)
    await _meetings_demo(session, consultation, facilitator, loaded)
    context: dict[str, Any] = {"consultation": consultation, "users": users}
    for feature in features:
        if feature.demo is not None:
            await feature.demo(session, context)
    # Last: the published summary then also reads the features' input (the survey's results).
    await load_report_demo(session, consultation, facilitator, [c for _r, c in loaded], features)
    return True


CAO = "Centrum Aktywności Obywatelskiej, ul. Kościuszki 10, Dąbrowa Górnicza"


async def _meetings_demo(
    session: AsyncSession,
    consultation: Consultation,
    facilitator: User,
    loaded: list[tuple[dict[str, Any], Contribution]],
) -> None:
    """Phases, a past hybrid meeting whose notes cite online comments, and an upcoming one."""
    principal = await accounts.principal_for(session, facilitator)
    today = utcnow().date()
    await consultations.set_phases(
        session,
        principal,
        consultation,
        {
            PhaseKind.INFORMATION: (today - timedelta(days=20), today - timedelta(days=11)),
            PhaseKind.COLLECTING: (today - timedelta(days=10), today + timedelta(days=20)),
            PhaseKind.ANALYSIS: (today + timedelta(days=21), today + timedelta(days=35)),
            PhaseKind.REPORT: (today + timedelta(days=36), today + timedelta(days=50)),
        },
    )
    hall = meetings.MeetingPlan(
        title="Spotkanie konsultacyjne o parku",
        format=MeetingFormat.HYBRID,
        day=today - timedelta(days=3),
        start="17:00",
        end="19:00",
        place=CAO,
        accessibility="Wejście bez schodów od ul. Kościuszki, pętla indukcyjna w sali 1, "
        "toaleta dla osób z niepełnosprawnościami na parterze.",
        online_url="https://spotkanie.example.org/park-zielony-jar",
        agenda="Powitanie i cel spotkania\nPrezentacja koncepcji parku\n"
        "Pytania i uwagi z sali i z internetu\nPodsumowanie i dalsze kroki",
    )
    past = await meetings.create_meeting(session, principal, consultation, hall)
    upcoming = replace(
        hall,
        title="Spacer i spotkanie w parku",
        day=today + timedelta(days=7),
        registration_required=True,
        capacity=40,
        waiting_list=True,
    )
    await meetings.create_meeting(session, principal, consultation, upcoming)
    online: dict[str, Contribution] = {}
    for row, contribution in loaded:
        if contribution.channel is Channel.ONLINE_COMMENT:
            online.setdefault(row["theme"], contribution)
    for row, contribution in loaded:
        if contribution.channel is not Channel.MEETING_NOTE:
            continue
        contribution.meeting_id = past.id
        contribution.received_at = past.starts_at
        target = online.get(row["theme"])
        if target is not None:
            await record_service.link(
                session, contribution, target, LinkKind.REPEATS, created_by_id=facilitator.id
            )
    await commit(session)
    await meetings.save_notes(
        session,
        principal,
        consultation,
        past,
        attendance=37,
        organizations="Rada Dzielnicy Zielony Jar, Stowarzyszenie Rowerowa Dąbrowa",
        publish=True,
    )
