"""Fixtures for survey tests: a consultation with its facilitator and a park survey."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from deliberation.models import Consultation, ConsultationStatus, Participant, Role, User
from deliberation.permissions import Principal
from deliberation.services import accounts, consultations, participants
from surveys import services
from surveys.models import Survey, SurveyStatus
from tests.conftest import TEST_SECRET
from tests.helpers import create_user


def park_definition() -> dict[str, Any]:
    return {
        "title": "Park survey",
        "sections": [
            {
                "key": "main",
                "title": "The park",
                "questions": [
                    {
                        "type": "single_choice",
                        "key": "visit",
                        "title": "Do you visit the park?",
                        "required": True,
                        "options": [
                            {"key": "yes", "label": "Yes"},
                            {"key": "no", "label": "No"},
                        ],
                    },
                    {
                        "type": "multiple_choice",
                        "key": "needs",
                        "title": "What does the park need?",
                        "max_choices": 2,
                        "allow_other": True,
                        "options": [
                            {"key": "benches", "label": "Benches"},
                            {"key": "lights", "label": "Lights"},
                            {"key": "trees", "label": "Trees"},
                        ],
                        "condition": {"question": "visit", "operator": "equals", "value": "yes"},
                    },
                    {
                        "type": "scale",
                        "key": "rating",
                        "title": "How do you rate the park?",
                        "min_label": "Bad",
                        "max_label": "Great",
                    },
                    {
                        "type": "long_text",
                        "key": "ideas",
                        "title": "Your ideas",
                        "max_length": 500,
                    },
                ],
            }
        ],
    }


@dataclass
class World:
    consultation: Consultation
    facilitator: User
    staff: Principal
    survey: Survey

    async def participant(self, session: AsyncSession, name: str) -> Participant:
        return await participants.ensure_participant(
            session, secret_key=TEST_SECRET, participant_secret=f"secret-{name}", user=None
        )


async def make_world(session: AsyncSession, *, open_survey: bool = True) -> World:
    facilitator = await create_user(session, Role.FACILITATOR)
    consultation = await consultations.create_consultation(
        session,
        title=f"Park {facilitator.id}",
        summary="Tell us about the park.",
        created_by_id=facilitator.id,
    )
    await consultations.advance_status(session, consultation, ConsultationStatus.PUBLISHED)
    staff = await accounts.principal_for(session, facilitator)
    survey = await services.create_survey(
        session, staff, consultation, title="Park survey", working=park_definition()
    )
    await services.update_settings(
        session,
        staff,
        consultation,
        survey,
        services.Settings(districts=("Centrum", "Gołonóg", "Reden")),
    )
    if open_survey:
        await services.set_status(session, staff, consultation, survey, SurveyStatus.OPEN)
    return World(consultation, facilitator, staff, survey)


@pytest.fixture
async def world(session: AsyncSession) -> World:
    return await make_world(session)
