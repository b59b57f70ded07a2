"""The surveys feature's routes; every one names its action."""

from __future__ import annotations

from starlette.routing import BaseRoute

from deliberation.web.openapi import api_route
from deliberation.web.routing import page
from surveys.permissions import SURVEY_ANSWER, SURVEY_MANAGE, SURVEY_SEE_RESPONSES
from surveys.web import answer, results, staff

BASE = "/consultations/{consultation_id:int}/surveys"
ONE = BASE + "/{survey_id:int}"


def routes() -> list[BaseRoute]:
    both = ["GET", "POST"]
    return [
        page(
            "/surveys/claim",
            answer.claim_page,
            action=SURVEY_ANSWER,
            name="surveys:claim",
            methods=both,
        ),
        page(BASE, staff.manage, action=SURVEY_MANAGE, name="surveys:manage", methods=both),
        page(ONE, answer.answer_page, action=SURVEY_ANSWER, name="surveys:answer"),
        page(
            ONE, answer.answer_submit, action=SURVEY_ANSWER, name="surveys:submit", methods=["POST"]
        ),
        page(ONE + "/results", results.results_page, action=SURVEY_ANSWER, name="surveys:results"),
        page(
            ONE + "/export/{what:str}.{fmt:str}",
            results.export,
            action=SURVEY_ANSWER,
            name="surveys:export",
        ),
        page(
            ONE + "/responses",
            results.responses_page,
            action=SURVEY_SEE_RESPONSES,
            name="surveys:responses",
        ),
        page(ONE + "/edit", staff.edit, action=SURVEY_MANAGE, name="surveys:edit"),
        page(
            ONE + "/edit/{op:str}",
            staff.edit_op,
            action=SURVEY_MANAGE,
            name="surveys:op",
            methods=["POST"],
        ),
        page(ONE + "/preview", staff.preview, action=SURVEY_MANAGE, name="surveys:preview"),
        page(ONE + "/paper", staff.paper, action=SURVEY_MANAGE, name="surveys:paper", methods=both),
        api_route(
            "/api" + ONE + "/responses",
            answer.api_submit,
            action=SURVEY_ANSWER,
            name="surveys:api_submit",
            summary="Submit the participant's response to a survey",
            method="POST",
            body=answer.ResponseIn,
            response=answer.ResponseOut,
            tags=["surveys"],
            status=201,
        ),
    ]
