"""Counts of answers, folded in batches off the submission path, and exact at every moment.

A submission only inserts its response (``folded`` false) and its answer rows; it never writes a
shared row, so concurrent respondents never wait for each other. The folding task
(``surveys.folding``) then adds batches of new responses to ``survey_tallies`` in a few
set-based statements and marks them folded, in one transaction. Results are the folded tallies
plus the same counts computed from the answer rows of the few responses not folded yet, in one
SQL statement (one snapshot), so they are exact whenever they are read.

Per response, a tally counts: one per answer row (question, item, value), one per answered
question (item ``*``), and one per (answer to a group question, other answer row) for cross-tabs.
An edited response that was already folded is subtracted first (``apply`` with negative counts).
On PostgreSQL the folding task and edits of folded responses take an advisory lock per version,
so one writer at a time touches a version's tallies; SQLite writers are serialized anyway.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Select,
    and_,
    delete,
    func,
    literal,
    select,
    update,
)
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from surveys import definition as d
from surveys.demographics import SECTION_KEY
from surveys.models import ResponseChannel, SurveyAnswer, SurveyResponse, SurveyTally

SHARDS = 4
ANSWERED = "*"
FOLD_BATCH = 1000
# pg_advisory_xact_lock(FOLD_LOCK, version id): one writer of a version's tallies at a time.
FOLD_LOCK = 0x5355  # "SU"
Key = tuple[str, str, str, str, str]  # grp_question, grp_item, question, item, value
_KEY_COLUMNS = [
    "version_id",
    "grp_question",
    "grp_item",
    "question",
    "item",
    "value",
    "channel",
    "shard",
]
_COLUMNS = [*_KEY_COLUMNS, "n"]


def single_choice_keys(definition: d.Survey) -> set[str]:
    """The questions results can be cut by: the city's demographic ones (age band, district).

    Each group question adds one tally row per answer row to every response, so they are
    limited to the few questions meant for comparisons.
    """
    return {
        q.key
        for section in definition.sections
        if section.key == SECTION_KEY
        for q in section.questions
        if isinstance(q, d.SingleChoiceQuestion)
    }


def keys_for(rows: Iterable[Any], singles: set[str]) -> Counter[Key]:
    """The tally keys one response adds; rows carry question, item and value."""
    rows = list(rows)
    keys: Counter[Key] = Counter()
    for row in rows:
        keys[("", "", row.question, row.item, row.value)] += 1
    for question in {row.question for row in rows}:
        keys[("", "", question, ANSWERED, "")] += 1
    groups = [row for row in rows if row.question in singles]
    for group in groups:
        for row in rows:
            if row.question != group.question:
                keys[(group.question, group.item, row.question, row.item, row.value)] += 1
    return keys


def _upsert(session: AsyncSession) -> Any:
    return pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert


async def lock_version(session: AsyncSession, version_id: int, *, wait: bool = True) -> bool:
    """Take the version's tally lock for this transaction (PostgreSQL; SQLite needs none)."""
    if session.get_bind().dialect.name != "postgresql":
        return True
    if wait:
        await session.execute(select(func.pg_advisory_xact_lock(FOLD_LOCK, version_id)))
        return True
    return bool(await session.scalar(select(func.pg_try_advisory_xact_lock(FOLD_LOCK, version_id))))


async def apply(
    session: AsyncSession,
    version_id: int,
    channel: ResponseChannel,
    delta: Counter[Key],
) -> None:
    """Add ``delta`` to the tallies (the caller holds ``lock_version``), rows in key order."""
    changes = sorted((key, n) for key, n in delta.items() if n)
    if not changes:
        return
    upsert = _upsert(session)
    statement = upsert(SurveyTally)
    statement = statement.on_conflict_do_update(
        index_elements=_KEY_COLUMNS, set_={"n": SurveyTally.n + statement.excluded.n}
    )
    # executemany: one compiled statement, sent in batches (insertmanyvalues / executemany).
    await session.execute(
        statement,
        [
            {
                "version_id": version_id,
                "grp_question": key[0],
                "grp_item": key[1],
                "question": key[2],
                "item": key[3],
                "value": key[4],
                "channel": channel,
                "shard": 0,
                "n": n,
            }
            for key, n in changes
        ],
    )


def count_selects(
    version_id: int, responses: ColumnElement[bool], groups: Sequence[str], *, plain: bool = True
) -> list[Select[Any]]:
    """SELECTs of (grp_question, grp_item, question, item, value, channel, n) counting the
    answer rows of one version whose response matches ``responses`` (a condition on
    ``SurveyAnswer.response_id``): plain counts and respondents per question when ``plain``,
    and cross-tab counts for each of ``groups``."""
    a = SurveyAnswer
    selects: list[Any] = []
    where = and_(a.version_id == version_id, responses)
    if plain:
        selects.append(
            select(
                literal("").label("grp_question"),
                literal("").label("grp_item"),
                a.question,
                a.item,
                a.value,
                a.channel,
                func.count().label("n"),
            )
            .where(where)
            .group_by(a.question, a.item, a.value, a.channel)
        )
        selects.append(
            select(
                literal("").label("grp_question"),
                literal("").label("grp_item"),
                a.question,
                literal(ANSWERED).label("item"),
                literal("").label("value"),
                a.channel,
                func.count(func.distinct(a.response_id)).label("n"),
            )
            .where(where)
            .group_by(a.question, a.channel)
        )
    if groups:
        g = aliased(SurveyAnswer)
        selects.append(
            select(
                g.question.label("grp_question"),
                g.item.label("grp_item"),
                a.question,
                a.item,
                a.value,
                a.channel,
                func.count().label("n"),
            )
            .join(g, and_(g.response_id == a.response_id, g.question.in_(sorted(groups))))
            .where(where, a.question != g.question)
            .group_by(g.question, g.item, a.question, a.item, a.value, a.channel)
        )
    return selects


def unfolded(version_id: int) -> ColumnElement[bool]:
    """Answer rows of this version's responses that are not in the tallies yet."""
    r = SurveyResponse
    return SurveyAnswer.response_id.in_(select(r.id).where(r.version_id == version_id, ~r.folded))


async def _add_counts(
    session: AsyncSession, version_id: int, responses: ColumnElement[bool], singles: set[str]
) -> None:
    upsert = _upsert(session)
    for counted in count_selects(version_id, responses, sorted(singles)):
        rows = counted.add_columns(
            literal(version_id).label("version_id"), literal(0).label("shard")
        ).subquery()
        source = select(
            rows.c.version_id,
            rows.c.grp_question,
            rows.c.grp_item,
            rows.c.question,
            rows.c.item,
            rows.c.value,
            rows.c.channel,
            rows.c.shard,
            rows.c.n,
        ).where(rows.c.n != 0)  # SQLite: a WHERE keeps ON CONFLICT from parsing as a join
        statement = upsert(SurveyTally).from_select(_COLUMNS, source)
        await session.execute(
            statement.on_conflict_do_update(
                index_elements=_KEY_COLUMNS, set_={"n": SurveyTally.n + statement.excluded.n}
            )
        )


async def fold(
    session: AsyncSession, version_id: int, singles: set[str], *, limit: int = FOLD_BATCH
) -> int:
    """Fold up to ``limit`` unfolded responses of a version into its tallies (the caller
    commits). Returns how many; 0 when none, or when another process is folding this version."""
    if not await lock_version(session, version_id, wait=False):
        return 0
    r = SurveyResponse
    ids = list(
        (
            await session.scalars(
                select(r.id)
                .where(r.version_id == version_id, ~r.folded)
                .order_by(r.id)
                .limit(limit)
                # A response being edited right now waits for the next batch.
                .with_for_update(skip_locked=True)
            )
        ).all()
    )
    if not ids:
        return 0
    await session.execute(
        update(r)
        .where(r.id.in_(ids))
        .values(folded=True)
        .execution_options(synchronize_session=False)
    )
    await _add_counts(session, version_id, SurveyAnswer.response_id.in_(ids), singles)
    return len(ids)


async def pending_versions(session: AsyncSession) -> list[int]:
    """Versions with responses not folded yet."""
    r = SurveyResponse
    rows = await session.scalars(select(r.version_id).where(~r.folded).distinct())
    return list(rows.all())


async def rebuild(session: AsyncSession, version_id: int, singles: set[str]) -> None:
    """Recount a version's tallies from all its answer rows (the caller commits): repairs them,
    and counts bulk-loaded responses. Every response of the version is folded afterwards."""
    r = SurveyResponse
    await lock_version(session, version_id)
    await session.execute(
        update(r)
        .where(r.version_id == version_id, ~r.folded)
        .values(folded=True)
        .execution_options(synchronize_session=False)
    )
    await recount_folded(session, version_id, singles)


async def recount_folded(session: AsyncSession, version_id: int, singles: set[str]) -> None:
    """Replace a version's tallies by a recount of its folded responses (the caller holds
    ``lock_version`` and commits)."""
    r = SurveyResponse
    await session.execute(delete(SurveyTally).where(SurveyTally.version_id == version_id))
    folded = SurveyAnswer.response_id.in_(select(r.id).where(r.version_id == version_id, r.folded))
    await _add_counts(session, version_id, folded, singles)
