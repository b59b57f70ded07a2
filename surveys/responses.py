"""Answering a survey: drafts, one response per participant, updates, paper responses.

Every write validates the whole answer set against the version being answered and stores
nothing when anything is wrong. The unique constraint (survey, participant) settles races.
"""

from __future__ import annotations

import secrets
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from typing import Any, cast

from sqlalchemy import Table, delete, insert, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from deliberation.db import utcnow
from deliberation.errors import Conflict, LoginRequired, NotFound, ValidationFailed
from deliberation.events import catalogue as ev
from deliberation.events import commit, record
from deliberation.events.record import discard
from deliberation.i18n import _l
from deliberation.models import AuthorKind, Channel, Consultation, Contribution, ModerationState
from deliberation.permissions import Principal, authorize
from deliberation.security import token_hash
from deliberation.services import record as record_service
from moderation import guard
from surveys import definition as d
from surveys import tallies
from surveys.answers import TEXT_TYPES, answer_rows
from surveys.models import (
    Audience,
    ResponseChannel,
    Survey,
    SurveyAnswer,
    SurveyDraft,
    SurveyResponse,
    SurveyStatus,
    SurveyVersion,
)
from surveys.permissions import SURVEY_MANAGE
from surveys.services import current_definition, parsed_definition, scope
from surveys.validation import AnswerErrors, CleanAnswers, validate_answers

SOURCE = "survey_answer"
# The table itself: an ORM insert would group rows by which values are None (several INSERTs).
ANSWERS_TABLE = cast(Table, SurveyAnswer.__table__)
_CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"


def new_claim_code() -> str:
    raw = "".join(secrets.choice(_CODE_ALPHABET) for _ in range(12))
    return f"{raw[:4]}-{raw[4:8]}-{raw[8:]}"


def claim_hash(code: str) -> str:
    return token_hash("".join(code.upper().split()).replace("-", ""))


def accepting(survey: Survey, now: datetime | None = None) -> bool:
    """Whether online answers are taken now: open, and inside the opening dates."""
    now = now or utcnow()
    if survey.status is not SurveyStatus.OPEN:
        return False
    if survey.opens_at is not None and now < survey.opens_at:
        return False
    return survey.closes_at is None or now < survey.closes_at


def check_accepting(survey: Survey) -> None:
    if not accepting(survey):
        raise Conflict(
            _l("This survey is not taking answers now. Answers sent after it closes do not count."),
            code="survey_closed",
        )


def check_audience(survey: Survey, principal: Principal) -> None:
    if survey.audience is Audience.ACCOUNTS and not principal.is_authenticated:
        raise LoginRequired(
            _l("Log in to answer this survey: it is for residents with an account.")
        )


def as_validation_failed(errors: AnswerErrors) -> ValidationFailed:
    return ValidationFailed(
        fields={f"q_{error.question_key}": error.message for error in errors.errors}
    )


def clean(definition: d.Survey, answers: dict[str, Any]) -> CleanAnswers:
    try:
        return validate_answers(definition, answers)
    except AnswerErrors as errors:
        raise as_validation_failed(errors) from None


async def response_of(
    session: AsyncSession, survey: Survey, participant_id: int, *, lock: bool = False
) -> SurveyResponse | None:
    """A participant's response; ``lock``: FOR UPDATE and freshly read (edits: the folding task
    may be counting it right now)."""
    statement = select(SurveyResponse).where(
        SurveyResponse.survey_id == survey.id, SurveyResponse.participant_id == participant_id
    )
    if lock:
        statement = statement.with_for_update().execution_options(populate_existing=True)
    return await session.scalar(statement)


@dataclass(frozen=True)
class Submitted:
    response: SurveyResponse
    claim_code: str
    version: int  # the number of the version answered


def already_answered() -> Conflict:
    return Conflict(
        _l("You have already answered this survey. Only one response per person counts."),
        code="already_answered",
    )


async def submit_response(
    session: AsyncSession,
    principal: Principal,
    consultation: Consultation,
    survey: Survey,
    participant_id: int,
    answers: dict[str, Any],
    *,
    new_participant: bool = False,
) -> Submitted:
    """Store a participant's only response. Emits survey.response_submitted (and
    contribution.created per open answer). ValidationFailed, Conflict (closed, already answered).

    ``new_participant``: made by this request, so it has no response nor draft to look for (the
    unique constraint still decides any race).
    """
    check_audience(survey, principal)
    check_accepting(survey)
    version, definition = await current_definition(session, survey)
    cleaned = clean(definition, answers)
    if not new_participant:  # a participant made by this request has no response nor block
        await guard.refuse_if_blocked(session, participant_id, consultation.id)
        if await response_of(session, survey, participant_id) is not None:
            raise already_answered()
    code = new_claim_code()
    response = SurveyResponse(
        survey_id=survey.id,
        version_id=version.id,
        participant_id=participant_id,
        channel=ResponseChannel.ONLINE,
        answers=dict(cleaned.answers),
        claim_hash=claim_hash(code),
    )
    session.add(response)
    try:
        await session.flush()
    except IntegrityError:
        # A parallel request from the same participant won the race.
        await session.rollback()
        discard(session)
        raise already_answered() from None
    await _store_answers(session, consultation, version, definition, response, cleaned)
    if not new_participant:
        await session.execute(
            delete(SurveyDraft).where(
                SurveyDraft.survey_id == survey.id, SurveyDraft.participant_id == participant_id
            )
        )
    submitted_event(session, consultation.id, survey.id, response)
    await commit(session)
    return Submitted(response, code, version.number)


async def update_response(
    session: AsyncSession,
    principal: Principal,
    consultation: Consultation,
    survey: Survey,
    participant_id: int,
    answers: dict[str, Any],
) -> SurveyResponse:
    """Replace a participant's answers while the survey is open and editable.

    Emits survey.response_updated. ValidationFailed, Conflict.
    """
    check_audience(survey, principal)
    check_accepting(survey)
    if not survey.editable_until_close:
        raise Conflict(_l("Responses to this survey cannot be changed."), code="not_editable")
    await guard.refuse_if_blocked(session, participant_id, consultation.id)
    response = await response_of(session, survey, participant_id, lock=True)
    if response is None:
        raise Conflict(_l("You have not answered this survey yet."), code="no_response")
    version, definition = await current_definition(session, survey)
    cleaned = clean(definition, answers)
    old = await text_contributions(session, response.id)
    await _untally(session, response)
    await session.execute(delete(SurveyAnswer).where(SurveyAnswer.response_id == response.id))
    response.version_id = version.id
    response.answers = dict(cleaned.answers)
    response.updated_at = utcnow()
    await _store_answers(session, consultation, version, definition, response, cleaned, old)
    record(
        session,
        ev.SurveyResponseUpdated(
            consultation_id=consultation.id, survey_id=survey.id, response_id=response.id
        ),
    )
    await commit(session)
    return response


async def enter_paper_response(
    session: AsyncSession,
    principal: Principal,
    consultation: Consultation,
    survey: Survey,
    answers: dict[str, Any],
    *,
    received_on: date,
) -> SurveyResponse:
    """Staff type in a paper response. Emits survey.response_submitted. Validation, Conflict."""
    authorize(principal, SURVEY_MANAGE, scope(consultation))
    if survey.status is SurveyStatus.DRAFT:
        raise Conflict(_l("Open the survey before entering paper responses."), code="survey_draft")
    if received_on > utcnow().date():
        raise ValidationFailed(fields={"received_on": _l("This date is in the future.")})
    if survey.closes_at is not None and received_on > survey.closes_at.date():
        raise ValidationFailed(
            fields={
                "received_on": _l(
                    "This form arrived after the survey closed, so it does not count."
                )
            }
        )
    version, definition = await current_definition(session, survey)
    cleaned = clean(definition, answers)
    response = SurveyResponse(
        survey_id=survey.id,
        version_id=version.id,
        participant_id=None,
        channel=ResponseChannel.PAPER,
        entered_by_id=principal.user_id,
        received_on=received_on,
        answers=dict(cleaned.answers),
    )
    session.add(response)
    await session.flush()
    await _store_answers(session, consultation, version, definition, response, cleaned)
    submitted_event(session, consultation.id, survey.id, response)
    await commit(session)
    return response


def submitted_event(
    session: AsyncSession, consultation_id: int, survey_id: int, response: SurveyResponse
) -> None:
    record(
        session,
        ev.SurveyResponseSubmitted(
            consultation_id=consultation_id,
            survey_id=survey_id,
            response_id=response.id,
            channel=response.channel.value,
        ),
    )


async def text_contributions(
    session: AsyncSession, response_id: int
) -> dict[tuple[str, str], Contribution]:
    rows = await session.execute(
        select(SurveyAnswer.question, SurveyAnswer.text, Contribution)
        .join(
            Contribution,
            (Contribution.source_type == SOURCE) & (Contribution.source_id == SurveyAnswer.id),
        )
        .where(SurveyAnswer.response_id == response_id)
    )
    return {(question, text or ""): contribution for question, text, contribution in rows}


async def _store_answers(
    session: AsyncSession,
    consultation: Consultation,
    version: SurveyVersion,
    definition: d.Survey,
    response: SurveyResponse,
    cleaned: CleanAnswers,
    previous: dict[tuple[str, str], Contribution] | None = None,
) -> None:
    """The countable rows in one statement, and one contribution per open answer (kept if the
    text is unchanged). The tallies are not touched: the folding task counts the response."""
    types = {question.key: question.type for question in definition.questions()}
    rows = list(answer_rows(definition, cleaned.answers))
    if not rows:
        return
    # One INSERT for every row (insertmanyvalues), ids in the order of the rows.
    ids = (
        await session.scalars(
            insert(ANSWERS_TABLE).returning(ANSWERS_TABLE.c.id, sort_by_parameter_order=True),
            [
                {
                    "response_id": response.id,
                    "version_id": version.id,
                    "channel": response.channel,
                    "question": row.question,
                    "item": row.item,
                    "value": row.value,
                    "num": row.num,
                    "text": row.text,
                }
                for row in rows
            ],
        )
    ).all()
    previous = dict(previous or {})
    for answer_id, row in zip(ids, rows, strict=True):
        if types[row.question] not in TEXT_TYPES or not row.text:
            continue
        kept = previous.pop((row.question, row.text), None)
        if kept is not None:
            kept.source_id = answer_id
            continue
        await contribute(session, consultation.id, response, answer_id, row.text)
    for gone in previous.values():  # the resident changed or removed this answer
        gone.moderation_state = ModerationState.DELETED_BY_AUTHOR
        gone.source_id = None
        gone.source_type = None


async def _untally(session: AsyncSession, response: SurveyResponse) -> None:
    """Take an edited response's old answers out of the tallies of the version they answered,
    if the folding task had counted them; the new answers are folded again later."""
    if not response.folded:
        return
    await tallies.lock_version(session, response.version_id)
    version = await session.get(SurveyVersion, response.version_id)
    assert version is not None
    rows = (
        await session.execute(
            select(SurveyAnswer.question, SurveyAnswer.item, SurveyAnswer.value).where(
                SurveyAnswer.response_id == response.id
            )
        )
    ).all()
    definition = parsed_definition(version)
    counted = tallies.keys_for(rows, tallies.single_choice_keys(definition))
    negative = Counter({key: -n for key, n in counted.items()})
    await tallies.apply(session, version.id, response.channel, negative)
    response.folded = False


async def contribute(
    session: AsyncSession,
    consultation_id: int,
    response: SurveyResponse,
    answer_id: int,
    text: str,
) -> None:
    paper = response.channel is ResponseChannel.PAPER
    contribution = record_service.add_contribution(
        session,
        consultation_id=consultation_id,
        channel=Channel.SURVEY_ANSWER,
        body=text,
        author_kind=AuthorKind.RECORDED if paper else AuthorKind.PARTICIPANT,
        author_participant_id=response.participant_id,
        recorded_by_id=response.entered_by_id if paper else None,
        source=(SOURCE, answer_id),
        received_at=datetime.combine(response.received_on, time(12), tzinfo=UTC)
        if paper and response.received_on
        else None,
    )
    await record_service.created(session, contribution)


# --- drafts ---------------------------------------------------------------------------------


async def load_draft(session: AsyncSession, survey: Survey, participant_id: int) -> dict[str, Any]:
    draft = await session.scalar(
        select(SurveyDraft).where(
            SurveyDraft.survey_id == survey.id, SurveyDraft.participant_id == participant_id
        )
    )
    return dict(draft.answers) if draft else {}


async def save_draft(
    session: AsyncSession,
    principal: Principal,
    survey: Survey,
    participant_id: int,
    answers: dict[str, Any],
) -> None:
    """Keep unfinished answers (not validated, not counted). Conflict when the survey is closed."""
    check_audience(survey, principal)
    check_accepting(survey)
    if len(repr(answers)) > 200_000:
        raise ValidationFailed(_l("These answers are too long to save."))
    dialect = session.get_bind().dialect.name
    insert = pg_insert if dialect == "postgresql" else sqlite_insert
    statement = insert(SurveyDraft).values(
        survey_id=survey.id, participant_id=participant_id, answers=answers, updated_at=utcnow()
    )
    await session.execute(
        statement.on_conflict_do_update(
            index_elements=["survey_id", "participant_id"],
            set_={
                "answers": statement.excluded.answers,
                "updated_at": statement.excluded.updated_at,
            },
        )
    )
    await commit(session)


# --- claim codes (read on the core's /my-input page through surveys.claims) --------------

CODE_LENGTH = 12


@dataclass(frozen=True)
class Claimed:
    """A response found by its claim code, with what is needed to show it."""

    response: SurveyResponse
    survey: Survey
    consultation: Consultation
    version_number: int
    definition: d.Survey


async def find_claimed(session: AsyncSession, code: str) -> Claimed | None:
    """The survey response behind a claim code, in any survey, or None.

    Tries are counted (one bucket per network for every kind of code) by the core's
    "what happened to my input?" page (``deliberation.services.claims``), not here."""
    normalized = "".join(ch for ch in code.upper() if ch.isalnum())
    if len(normalized) != CODE_LENGTH:
        return None
    response = await session.scalar(
        select(SurveyResponse).where(SurveyResponse.claim_hash == claim_hash(normalized))
    )
    if response is None:
        return None
    survey = await session.get(Survey, response.survey_id)
    version = await session.get(SurveyVersion, response.version_id)
    consultation = await session.get(Consultation, survey.consultation_id) if survey else None
    if survey is None or version is None or consultation is None:
        return None
    return Claimed(response, survey, consultation, version.number, parsed_definition(version))


async def claim(session: AsyncSession, code: str) -> Claimed:
    """Like ``find_claimed``, NotFound with a clear message when nothing matches."""
    normalized = "".join(ch for ch in code.upper() if ch.isalnum())
    if len(normalized) != CODE_LENGTH:
        raise NotFound(
            _l("This code has 12 letters and digits. Check it and try again."),
            code="claim_invalid",
        )
    claimed = await find_claimed(session, normalized)
    if claimed is None:
        raise NotFound(
            _l("We found no survey answers with this code. Check the code and try again."),
            code="claim_not_found",
        )
    return claimed
