"""Running counts of answers, kept in the same transaction as the response they count.

Every stored response adds +1 to one ``survey_tallies`` row per answer row, per answered
question (item ``*``), and per (single-choice answer of the same response, answer row) for
cross-tabs; an edited response subtracts its old rows first. Results then SUM a few thousand
rows with GROUP BY. ``rebuild`` recomputes a version's tallies from ``survey_answers`` in SQL,
which repairs them and loads benchmarks.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from typing import Any

from sqlalchemy import and_, delete, func, insert, literal, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from surveys import definition as d
from surveys.demographics import SECTION_KEY
from surveys.models import ResponseChannel, SurveyAnswer, SurveyTally

SHARDS = 4
ANSWERED = "*"
Key = tuple[str, str, str, str, str]  # grp_question, grp_item, question, item, value


def single_choice_keys(definition: d.Survey) -> set[str]:
    """The questions results can be cut by: the city's demographic ones (age band, district).

    Each group question adds one tally row per answer row to every submission, so they are
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


async def apply(
    session: AsyncSession,
    version_id: int,
    channel: ResponseChannel,
    response_id: int,
    delta: Counter[Key],
) -> None:
    """Add ``delta`` to the tallies, in one statement, rows in key order (no deadlocks)."""
    changes = sorted((key, n) for key, n in delta.items() if n)
    if not changes:
        return
    shard = response_id % SHARDS
    dialect = session.get_bind().dialect.name
    upsert = pg_insert if dialect == "postgresql" else sqlite_insert
    batch = 500  # SQLite allows 32,766 bound parameters per statement
    for start in range(0, len(changes), batch):
        values = [
            {
                "version_id": version_id,
                "grp_question": key[0],
                "grp_item": key[1],
                "question": key[2],
                "item": key[3],
                "value": key[4],
                "channel": channel,
                "shard": shard,
                "n": n,
            }
            for key, n in changes[start : start + batch]
        ]
        statement = upsert(SurveyTally).values(values)
        await session.execute(
            statement.on_conflict_do_update(
                index_elements=[
                    "version_id",
                    "grp_question",
                    "grp_item",
                    "question",
                    "item",
                    "value",
                    "channel",
                    "shard",
                ],
                set_={"n": SurveyTally.n + statement.excluded.n},
            )
        )


async def rebuild(session: AsyncSession, version_id: int, singles: set[str]) -> None:
    """Recompute a version's tallies from its answer rows (the caller commits)."""
    a = SurveyAnswer
    await session.execute(delete(SurveyTally).where(SurveyTally.version_id == version_id))
    columns = [
        "version_id",
        "grp_question",
        "grp_item",
        "question",
        "item",
        "value",
        "channel",
        "shard",
        "n",
    ]
    plain = (
        select(
            a.version_id,
            literal(""),
            literal(""),
            a.question,
            a.item,
            a.value,
            a.channel,
            literal(0),
            func.count(),
        )
        .where(a.version_id == version_id)
        .group_by(a.version_id, a.question, a.item, a.value, a.channel)
    )
    answered = (
        select(
            a.version_id,
            literal(""),
            literal(""),
            a.question,
            literal(ANSWERED),
            literal(""),
            a.channel,
            literal(0),
            func.count(func.distinct(a.response_id)),
        )
        .where(a.version_id == version_id)
        .group_by(a.version_id, a.question, a.channel)
    )
    await session.execute(insert(SurveyTally).from_select(columns, plain))
    await session.execute(insert(SurveyTally).from_select(columns, answered))
    if singles:
        g = aliased(SurveyAnswer)
        cross = (
            select(
                a.version_id,
                g.question,
                g.item,
                a.question,
                a.item,
                a.value,
                a.channel,
                literal(0),
                func.count(),
            )
            .join(g, and_(g.response_id == a.response_id, g.question.in_(sorted(singles))))
            .where(a.version_id == version_id, a.question != g.question)
            .group_by(a.version_id, g.question, g.item, a.question, a.item, a.value, a.channel)
        )
        await session.execute(insert(SurveyTally).from_select(columns, cross))
