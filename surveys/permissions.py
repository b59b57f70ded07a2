"""The survey actions. Unpublished results and single responses are for the consultation's staff."""

from __future__ import annotations

from deliberation.permissions import FACILITATOR, anyone, assigned, define

SURVEY_ANSWER = define(
    "survey.answer",
    anyone,
    scoped=False,
    needs_login=False,
    description="Answer an open survey, save a draft, read published results",
)
SURVEY_MANAGE = define(
    "survey.manage",
    assigned(FACILITATOR),
    scoped=True,
    description="Build, open, close, duplicate surveys; enter paper responses; publish results",
)
SURVEY_SEE_RESPONSES = define(
    "survey.see_responses",
    assigned(FACILITATOR),
    scoped=True,
    description="See unpublished results, individual responses and exports",
)
