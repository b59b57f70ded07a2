"""The demo's park survey: a conditional question, online and paper responses, published results."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from deliberation.models import Role
from deliberation.permissions import ANONYMOUS
from deliberation.services import accounts, participants
from surveys import responses, services
from surveys.models import Layout, SurveyStatus

DEFINITION: dict[str, Any] = {
    "title": "Ankieta: jaki park chcesz mieć?",
    "description": "Pięć krótkich pytań. Wypełnienie zajmie około 3 minut.",
    "sections": [
        {
            "key": "park",
            "title": "Ty i park",
            "questions": [
                {
                    "type": "single_choice",
                    "key": "visit",
                    "title": "Czy bywasz w parku przy ulicy Sobieskiego?",
                    "required": True,
                    "options": [
                        {"key": "often", "label": "Tak, często"},
                        {"key": "sometimes", "label": "Czasem"},
                        {"key": "never", "label": "Nie"},
                    ],
                },
                {
                    "type": "single_choice",
                    "key": "why-not",
                    "title": "Dlaczego nie bywasz w parku?",
                    "options": [
                        {"key": "dark", "label": "Jest ciemno i niebezpiecznie"},
                        {"key": "far", "label": "Mam za daleko"},
                        {"key": "boring", "label": "Nie ma tam nic dla mnie"},
                    ],
                    "allow_other": True,
                    "condition": {"question": "visit", "operator": "equals", "value": "never"},
                },
                {
                    "type": "multiple_choice",
                    "key": "needs",
                    "title": "Czego najbardziej brakuje w parku?",
                    "help_text": "Wybierz najwyżej dwie odpowiedzi.",
                    "max_choices": 2,
                    "options": [
                        {"key": "lights", "label": "Oświetlenia"},
                        {"key": "benches", "label": "Ławek"},
                        {"key": "playground", "label": "Nowego placu zabaw"},
                        {"key": "trees", "label": "Drzew i zieleni"},
                    ],
                },
                {
                    "type": "scale",
                    "key": "rating",
                    "title": "Jak oceniasz park dzisiaj?",
                    "min_label": "bardzo źle",
                    "max_label": "bardzo dobrze",
                },
                {
                    "type": "long_text",
                    "key": "ideas",
                    "title": "Co jeszcze chcesz nam powiedzieć o parku?",
                    "max_length": 2000,
                },
            ],
        }
    ],
}

# Demo participants are hashed apart from real ones: nobody signs in as them.
_DEMO_NAMESPACE = "demo-survey-participants"

ONLINE = [
    {
        "visit": "often",
        "needs": ["lights", "benches"],
        "rating": 2,
        "ideas": "Więcej latarni przy alejce.",
    },
    {"visit": "sometimes", "needs": ["playground"], "rating": 3},
    {"visit": "never", "why-not": "dark", "needs": ["lights"], "rating": 1},
    {
        "visit": "often",
        "needs": ["trees", "benches"],
        "rating": 3,
        "ideas": "Proszę nie wycinać starych lip.",
    },
]
PAPER = [
    {
        "visit": "sometimes",
        "needs": ["benches"],
        "rating": 2,
        "ideas": "Ławki z oparciem dla seniorów.",
    },
    {"visit": "never", "why-not": "far", "rating": 3},
]


async def load_demo(session: AsyncSession, context: dict[str, Any]) -> None:
    consultation = context["consultation"]
    facilitator = context["users"][Role.FACILITATOR]
    staff = await accounts.principal_for(session, facilitator)
    survey = await services.create_survey(
        session, staff, consultation, title=DEFINITION["title"], working=DEFINITION
    )
    survey.layout = Layout.ONE_PER_SCREEN
    survey.demographics = {"age_band": True, "districts": []}
    await services.apply_changes(session, staff, consultation, survey)
    await services.set_status(session, staff, consultation, survey, SurveyStatus.OPEN)
    for index, answers in enumerate(ONLINE):
        participant = await participants.ensure_participant(
            session,
            secret_key=_DEMO_NAMESPACE,
            participant_secret=f"demo-survey-{index}",
            user=None,
        )
        await responses.submit_response(
            session, ANONYMOUS, consultation, survey, participant.id, answers
        )
    for index, answers in enumerate(PAPER):
        await responses.enter_paper_response(
            session,
            staff,
            consultation,
            survey,
            answers,
            received_on=date.today() - timedelta(days=index + 1),
        )
    await services.publish_results(session, staff, consultation, survey, True)
