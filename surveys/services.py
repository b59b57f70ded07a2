"""Managing surveys: create, edit (with versions), settings, open and close, duplicate, publish.

The builder edits ``Survey.working``; ``apply_changes`` turns it into the version residents
answer, in place while that is safe, as a new version when an edit would corrupt responses.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from pydantic import ValidationError
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from deliberation.db import utcnow
from deliberation.errors import Conflict, NotFound, ValidationFailed
from deliberation.events import catalogue as ev
from deliberation.events import commit, record
from deliberation.i18n import _l, gettext
from deliberation.models import Consultation
from deliberation.permissions import Principal, Scope, authorize
from surveys import definition as d
from surveys.demographics import compose
from surveys.models import Audience, Layout, Survey, SurveyResponse, SurveyStatus, SurveyVersion
from surveys.permissions import SURVEY_MANAGE
from surveys.versioning import diff_definitions

MAX_TITLE = 500


def scope(consultation: Consultation) -> Scope:
    return Scope(consultation_id=consultation.id, status=consultation.status)


def starter_definition(title: str) -> dict[str, Any]:
    return {
        "title": title,
        "description": "",
        "sections": [
            {
                "key": "s1",
                "title": "",
                "questions": [
                    {
                        "type": "single_choice",
                        "key": "q1",
                        "title": gettext("Do you agree?"),
                        "options": [
                            {"key": "yes", "label": gettext("Yes")},
                            {"key": "no", "label": gettext("No")},
                        ],
                    }
                ],
            }
        ],
    }


def parse_definition(data: dict[str, Any]) -> d.Survey:
    """A definition from JSON, or ValidationFailed naming the first problem."""
    try:
        return d.Survey.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(part) for part in first["loc"])
        raise ValidationFailed(
            _l(
                "The survey cannot be saved: %(problem)s (%(where)s).",
                problem=first["msg"],
                where=where,
            ),
            code="definition_invalid",
        ) from None


async def get_survey(session: AsyncSession, consultation_id: int, survey_id: int) -> Survey:
    survey = await session.get(Survey, survey_id)
    if survey is None or survey.consultation_id != consultation_id:
        raise NotFound()
    return survey


async def list_surveys(session: AsyncSession, consultation_id: int) -> list[Survey]:
    rows = await session.scalars(
        select(Survey).where(Survey.consultation_id == consultation_id).order_by(Survey.id)
    )
    return list(rows)


async def version_of(
    session: AsyncSession, survey: Survey, number: int | None = None
) -> SurveyVersion:
    version = await session.scalar(
        select(SurveyVersion).where(
            SurveyVersion.survey_id == survey.id,
            SurveyVersion.number == (number or survey.current_version),
        )
    )
    if version is None:
        raise NotFound()
    return version


# Parsed definitions by version id, with the JSON they were parsed from: validating a 30-question
# definition costs more than the rest of a submission, and versions rarely change.
_PARSED: dict[int, tuple[dict[str, Any], d.Survey]] = {}
_PARSED_MAX = 256


def parsed_definition(version: SurveyVersion) -> d.Survey:
    """The version's definition, parsed once per process and per content (treat as read-only).

    A version can still be edited in place (changes that keep its answers valid), so the cache
    is checked against the stored JSON, not only the id.
    """
    cached = _PARSED.get(version.id)
    if cached is not None and cached[0] == version.definition:
        return cached[1]
    definition = d.Survey.model_validate(version.definition)
    if len(_PARSED) >= _PARSED_MAX:
        _PARSED.pop(next(iter(_PARSED)))
    _PARSED[version.id] = (copy.deepcopy(version.definition), definition)
    return definition


async def current_definition(
    session: AsyncSession, survey: Survey
) -> tuple[SurveyVersion, d.Survey]:
    version = await version_of(session, survey)
    return version, parsed_definition(version)


async def response_count(session: AsyncSession, version_id: int) -> int:
    count = await session.scalar(
        select(func.count())
        .select_from(SurveyResponse)
        .where(SurveyResponse.version_id == version_id)
    )
    return int(count or 0)


async def create_survey(
    session: AsyncSession,
    principal: Principal | None,
    consultation: Consultation,
    *,
    title: str,
    working: dict[str, Any] | None = None,
    created_by_id: int | None = None,
) -> Survey:
    """Create a draft survey with version 1. Emits survey.created. ValidationFailed."""
    if principal is not None:
        authorize(principal, SURVEY_MANAGE, scope(consultation))
    title = " ".join(title.split())
    if not title or len(title) > MAX_TITLE:
        raise ValidationFailed(
            fields={"title": _l("Give the survey a title of up to 500 characters.")}
        )
    working = dict(working or starter_definition(title))
    working["title"] = title
    parse_definition(working)
    survey = Survey(
        consultation_id=consultation.id,
        title=title,
        working=working,
        demographics={},
        current_version=1,
        created_by_id=created_by_id if principal is None else principal.user_id,
    )
    session.add(survey)
    await session.flush()
    session.add(SurveyVersion(survey_id=survey.id, number=1, definition=compose(working, {})))
    record(session, ev.SurveyCreated(consultation_id=consultation.id, survey_id=survey.id))
    await commit(session)
    return survey


async def save_working(
    session: AsyncSession,
    principal: Principal,
    consultation: Consultation,
    survey: Survey,
    working: dict[str, Any],
) -> None:
    """Store the builder's definition (not yet answered by anyone). ValidationFailed."""
    authorize(principal, SURVEY_MANAGE, scope(consultation))
    parse_definition(working)
    survey.working = working
    survey.title = working["title"]
    await commit(session)


@dataclass(frozen=True)
class Applied:
    version: int
    new_version: bool
    changed: bool


async def apply_changes(
    session: AsyncSession,
    principal: Principal,
    consultation: Consultation,
    survey: Survey,
    *,
    new_version: bool = False,
) -> Applied:
    """Make the working definition the answered one. Emits survey.updated.

    Without responses, or for safe edits, the current version changes in place; an edit that
    would corrupt stored responses needs ``new_version`` (else Conflict lists the reasons).
    """
    authorize(principal, SURVEY_MANAGE, scope(consultation))
    applied = await _apply(session, survey, new_version=new_version)
    if applied.changed:
        record(
            session,
            ev.SurveyUpdated(
                consultation_id=consultation.id,
                survey_id=survey.id,
                version=applied.version,
                new_version=applied.new_version,
            ),
        )
    await commit(session)
    return applied


async def _apply(session: AsyncSession, survey: Survey, *, new_version: bool) -> Applied:
    target = parse_definition(compose(survey.working, survey.demographics))
    version, current = await current_definition(session, survey)
    if target == current:
        return Applied(version.number, False, False)
    if not await response_count(session, version.id):
        version.definition = target.model_dump(mode="json")
        return Applied(version.number, False, True)
    change = diff_definitions(current, target)
    if not change.requires_new_version:
        version.definition = target.model_dump(mode="json")
        return Applied(version.number, False, True)
    if not new_version:
        raise Conflict(
            _l(
                "People have already answered this survey, and this change would make their "
                "answers wrong (%(reasons)s). Confirm to start version %(number)s: results are "
                "counted per version.",
                reasons=", ".join(change.reasons),
                number=version.number + 1,
            ),
            code="new_version_needed",
        )
    survey.current_version = version.number + 1
    session.add(
        SurveyVersion(
            survey_id=survey.id,
            number=survey.current_version,
            definition=target.model_dump(mode="json"),
        )
    )
    await session.flush()
    return Applied(survey.current_version, True, True)


@dataclass(frozen=True)
class Settings:
    audience: Audience = Audience.ANYONE
    layout: Layout = Layout.ALL_AT_ONCE
    editable_until_close: bool = True
    opens_at: datetime | None = None
    closes_at: datetime | None = None
    age_band: bool = False
    districts: tuple[str, ...] = ()


async def update_settings(
    session: AsyncSession,
    principal: Principal,
    consultation: Consultation,
    survey: Survey,
    settings: Settings,
) -> None:
    """Who may answer, layout, dates, demographic questions. Emits survey.updated. Conflict."""
    authorize(principal, SURVEY_MANAGE, scope(consultation))
    if settings.opens_at and settings.closes_at and settings.closes_at <= settings.opens_at:
        raise ValidationFailed(
            fields={"closes_at": _l("The closing date must be after the opening date.")}
        )
    survey.audience = settings.audience
    survey.layout = settings.layout
    survey.editable_until_close = settings.editable_until_close
    survey.opens_at = settings.opens_at
    survey.closes_at = settings.closes_at
    survey.demographics = {"age_band": settings.age_band, "districts": list(settings.districts)}
    applied = await _apply(session, survey, new_version=False)
    record(
        session,
        ev.SurveyUpdated(
            consultation_id=consultation.id, survey_id=survey.id, version=applied.version
        ),
    )
    await commit(session)


async def set_status(
    session: AsyncSession,
    principal: Principal,
    consultation: Consultation,
    survey: Survey,
    status: SurveyStatus,
) -> None:
    """Open (applying pending edits) or close a survey. Emits survey.status_changed. Conflict."""
    authorize(principal, SURVEY_MANAGE, scope(consultation))
    allowed = {
        SurveyStatus.DRAFT: {SurveyStatus.OPEN},
        SurveyStatus.OPEN: {SurveyStatus.CLOSED},
        SurveyStatus.CLOSED: {SurveyStatus.OPEN},
    }
    if status not in allowed[survey.status]:
        raise Conflict(_l("The survey cannot move to this status from its current one."))
    if status is SurveyStatus.OPEN:
        await _apply(session, survey, new_version=False)
        if survey.closes_at is not None and survey.closes_at <= utcnow():
            survey.closes_at = None  # reopening by hand overrides a closing date in the past
    survey.status = status
    record(
        session,
        ev.SurveyStatusChanged(
            consultation_id=consultation.id, survey_id=survey.id, status=status.value
        ),
    )
    await commit(session)


async def publish_results(
    session: AsyncSession,
    principal: Principal,
    consultation: Consultation,
    survey: Survey,
    published: bool,
) -> None:
    """Show or hide the results for everyone. Emits survey.results_published."""
    authorize(principal, SURVEY_MANAGE, scope(consultation))
    survey.results_published = published
    record(
        session,
        ev.SurveyResultsPublished(
            consultation_id=consultation.id, survey_id=survey.id, published=published
        ),
    )
    await commit(session)


async def duplicate_survey(
    session: AsyncSession, principal: Principal, consultation: Consultation, survey: Survey
) -> Survey:
    """A new draft survey with the same questions and settings. Emits survey.created."""
    authorize(principal, SURVEY_MANAGE, scope(consultation))
    title = gettext("%(title)s (copy)", title=survey.title)[:MAX_TITLE]
    copy = await create_survey(
        session,
        principal,
        consultation,
        title=title,
        working={**survey.working, "title": title},
    )
    copy.audience, copy.layout = survey.audience, survey.layout
    copy.editable_until_close = survey.editable_until_close
    copy.demographics = dict(survey.demographics)
    await _apply(session, copy, new_version=False)
    await commit(session)
    return copy
