"""Online submission by ids: on PostgreSQL one guarded statement, without reading the survey.

What a submission checks (the consultation is public, the survey is open, inside its dates, for
this audience, answered in its current version, and the definition the answers were validated
against) is read once per survey and process and kept in ``_OPEN``. The answers are validated in
Python against that cached definition, then one statement re-checks all of it in the database
and, only when it still holds, inserts the response, all its answer rows, one contribution per
open answer (as ``deliberation.services.record.add_contribution`` would) and, for a participant
who may have one, deletes the draft. If the statement inserts nothing, or anything looks
different from the cache (a validation error, a closed survey, a new version, an edited
definition), the cache entry is dropped and the ordinary path (``responses.submit_response``)
decides from fresh rows and gives the precise error. The one-response-per-participant unique
constraint still settles races; the events are staged on the same transaction and the request is
answered after ``commit``.

SQLite (one writer at a time, the reads are cheap) always takes the ordinary path.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from deliberation.db import utcnow
from deliberation.events import catalogue as ev
from deliberation.events import commit
from deliberation.events import record as record_event
from deliberation.events.record import discard
from deliberation.models import AuthorKind, Channel, ConsultationStatus, ModerationState
from deliberation.permissions import Principal
from deliberation.services import consultations, record
from moderation import guard
from surveys import definition as d
from surveys import responses
from surveys.answers import TEXT_TYPES, answer_rows
from surveys.models import Audience, ResponseChannel, SurveyResponse, SurveyStatus
from surveys.services import get_survey
from surveys.validation import AnswerErrors, validate_answers


@dataclass(frozen=True)
class OpenSurvey:
    """What a submission depends on, as read at one moment (the statement checks it again)."""

    consultation_id: int
    consultation_status: str
    survey_id: int
    status: str
    audience: str
    opens_at: datetime | None
    closes_at: datetime | None
    version_id: int
    version_number: int
    definition_md5: str
    definition: d.Survey
    open: frozenset[str]  # the text questions: their answers become contributions

    def takes(self, principal: Principal, consultation_id: int, now: datetime) -> bool:
        """Whether the cached state says this request can go the short way."""
        return (
            self.consultation_id == consultation_id
            and self.consultation_status != ConsultationStatus.DRAFT.value
            and self.status == SurveyStatus.OPEN.value
            and (self.opens_at is None or self.opens_at <= now)
            and (self.closes_at is None or now < self.closes_at)
            and (self.audience == Audience.ANYONE.value or principal.is_authenticated)
        )


_OPEN: dict[int, OpenSurvey] = {}
_OPEN_MAX = 256

_READ = text(
    """
    SELECT s.consultation_id, c.status, s.status, s.audience, s.opens_at, s.closes_at,
           v.id, v.number, md5(v.definition::text), v.definition::text
    FROM surveys AS s
    JOIN consultations AS c ON c.id = s.consultation_id
    JOIN survey_versions AS v ON v.survey_id = s.id AND v.number = s.current_version
    WHERE s.id = :survey_id
    """
)

# Every condition the ordinary path checks before storing, evaluated against the rows as they are
# now; then the response, its answer rows (unnest: one array per column) and the draft.
_SUBMIT = text(
    """
    WITH ok AS (
        SELECT 1
        FROM surveys AS s
        JOIN consultations AS c ON c.id = s.consultation_id
        JOIN survey_versions AS v ON v.survey_id = s.id AND v.number = s.current_version
        WHERE s.id = :survey_id
          AND s.consultation_id = :consultation_id
          AND c.status = :consultation_status AND c.status <> 'draft'
          AND s.status = 'open'
          AND s.audience = :audience
          AND (s.opens_at IS NULL OR s.opens_at <= CAST(:now AS TIMESTAMPTZ))
          AND (s.closes_at IS NULL OR CAST(:now AS TIMESTAMPTZ) < s.closes_at)
          AND v.id = :version_id
          AND md5(v.definition::text) = :definition_md5
    ),
    r AS (
        INSERT INTO survey_responses
            (survey_id, version_id, participant_id, channel, answers, claim_hash, folded,
             submitted_at, updated_at)
        SELECT :survey_id, :version_id, :participant_id, 'online', CAST(:answers AS JSON),
               :claim_hash, false, CAST(:now AS TIMESTAMPTZ), CAST(:now AS TIMESTAMPTZ)
        FROM ok
        RETURNING id
    ),
    a AS (
        INSERT INTO survey_answers
            (response_id, version_id, channel, question, item, value, num, text)
        SELECT r.id, :version_id, 'online', u.question, u.item, u.value, u.num, u.text
        FROM r, unnest(CAST(:questions AS VARCHAR[]), CAST(:items AS VARCHAR[]),
                       CAST(:vals AS VARCHAR[]), CAST(:nums AS FLOAT8[]),
                       CAST(:texts AS TEXT[])) AS u(question, item, value, num, text)
        RETURNING id, question
    ),
    -- One contribution per open answer, as deliberation.services.record.add_contribution makes.
    c AS (
        INSERT INTO contributions
            (consultation_id, channel, body, author_kind, author_participant_id,
             moderation_state, source_type, source_id, support_count, created_at, updated_at)
        SELECT :consultation_id, :contribution_channel, b.body, :author_kind, :participant_id,
               :moderation_state, :source_type, a.id, 0, CAST(:now AS TIMESTAMPTZ),
               CAST(:now AS TIMESTAMPTZ)
        FROM a
        JOIN unnest(CAST(:open_questions AS VARCHAR[]), CAST(:open_bodies AS TEXT[]))
            AS b(question, body) ON b.question = a.question
        RETURNING id
    ),
    draft AS (
        DELETE FROM survey_drafts
        WHERE CAST(:delete_draft AS BOOLEAN) AND survey_id = :survey_id
          AND participant_id = :participant_id AND EXISTS (SELECT 1 FROM r)
    )
    SELECT r.id, ARRAY(SELECT c.id FROM c ORDER BY c.id) FROM r
    """
)


def _is_postgres(session: AsyncSession) -> bool:
    return session.get_bind().dialect.name == "postgresql"


async def _read_open(session: AsyncSession, survey_id: int) -> OpenSurvey | None:
    row = (await session.execute(_READ, {"survey_id": survey_id})).first()
    if row is None:
        return None
    definition = d.Survey.model_validate_json(row[9])
    found = OpenSurvey(
        consultation_id=row[0],
        consultation_status=row[1],
        survey_id=survey_id,
        status=row[2],
        audience=row[3],
        opens_at=row[4],
        closes_at=row[5],
        version_id=row[6],
        version_number=row[7],
        definition_md5=row[8],
        definition=definition,
        open=frozenset(q.key for q in definition.questions() if q.type in TEXT_TYPES),
    )
    if len(_OPEN) >= _OPEN_MAX:
        _OPEN.pop(next(iter(_OPEN)))
    _OPEN[survey_id] = found
    return found


def forget(survey_id: int) -> None:
    _OPEN.pop(survey_id, None)


async def submit_online(
    session: AsyncSession,
    principal: Principal,
    consultation_id: int,
    survey_id: int,
    participant_id: int,
    answers: dict[str, Any],
    *,
    new_participant: bool = False,
) -> responses.Submitted:
    """``responses.submit_response`` for the survey with these ids (NotFound if there is none
    the principal may see), without reading it when this process has seen it open."""
    if _is_postgres(session):
        known = _OPEN.get(survey_id) or await _read_open(session, survey_id)
        if known is not None and known.takes(principal, consultation_id, utcnow()):
            done = await _submit_short(session, known, participant_id, answers, new_participant)
            if done is not None:
                return done
        forget(survey_id)  # something changed, or the answers are wrong: decide from fresh rows
    consultation = await consultations.get_for(session, principal, consultation_id)
    survey = await get_survey(session, consultation.id, survey_id)
    return await responses.submit_response(
        session,
        principal,
        consultation,
        survey,
        participant_id,
        answers,
        new_participant=new_participant,
    )


async def _submit_short(
    session: AsyncSession,
    known: OpenSurvey,
    participant_id: int,
    answers: dict[str, Any],
    new_participant: bool,
) -> responses.Submitted | None:
    """Store the response in one statement, or None (nothing stored) when the survey is not as
    cached or the answers do not validate against the cached definition."""
    try:
        cleaned = validate_answers(known.definition, answers)
    except AnswerErrors:
        return None  # the ordinary path re-validates against the stored definition
    if not new_participant:
        await guard.refuse_if_blocked(session, participant_id, known.consultation_id)
    rows = list(answer_rows(known.definition, cleaned.answers))
    # The open answers that become contributions (``responses._store_answers``: text questions).
    opened = {
        row.question: row.text.strip() for row in rows if row.question in known.open and row.text
    }
    if any(not body or len(body) > record.MAX_BODY for body in opened.values()):
        return None  # the ordinary path gives the contribution record's own error
    code = responses.new_claim_code()
    now = utcnow()
    stored_answers = dict(cleaned.answers)
    claim = responses.claim_hash(code)
    try:
        found = (
            await session.execute(
                _SUBMIT,
                {
                    "survey_id": known.survey_id,
                    "consultation_id": known.consultation_id,
                    "consultation_status": known.consultation_status,
                    "audience": known.audience,
                    "now": now,
                    "version_id": known.version_id,
                    "definition_md5": known.definition_md5,
                    "participant_id": participant_id,
                    "answers": json.dumps(stored_answers),
                    "claim_hash": claim,
                    "questions": [row.question for row in rows],
                    "items": [row.item for row in rows],
                    "vals": [row.value for row in rows],
                    "nums": [row.num for row in rows],
                    "texts": [row.text for row in rows],
                    "delete_draft": not new_participant,
                    "open_questions": list(opened),
                    "open_bodies": list(opened.values()),
                    "contribution_channel": Channel.SURVEY_ANSWER.value,
                    "author_kind": AuthorKind.PARTICIPANT.value,
                    "moderation_state": ModerationState.VISIBLE.value,
                    "source_type": responses.SOURCE,
                },
            )
        ).first()
    except IntegrityError:
        # A parallel request from the same participant won the race.
        await session.rollback()
        discard(session)
        raise responses.already_answered() from None
    if found is None:
        return None
    response_id, contribution_ids = found
    response = SurveyResponse(
        id=response_id,
        survey_id=known.survey_id,
        version_id=known.version_id,
        participant_id=participant_id,
        channel=ResponseChannel.ONLINE,
        answers=stored_answers,
        claim_hash=claim,
        folded=False,
        submitted_at=now,
        updated_at=now,
    )
    if len(contribution_ids) != len(opened):  # pragma: no cover - one per open answer row
        raise RuntimeError("an open answer without its contribution")
    for contribution_id in contribution_ids:  # as record.created stages them
        record_event(
            session,
            ev.ContributionCreated(
                consultation_id=known.consultation_id,
                contribution_id=contribution_id,
                channel=Channel.SURVEY_ANSWER.value,
            ),
        )
    responses.submitted_event(session, known.consultation_id, known.survey_id, response)
    await commit(session)
    return responses.Submitted(response, code, known.version_number)
