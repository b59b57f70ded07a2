"""``folded()`` in SQL agrees with ``text.fold`` in Python on both databases."""

from __future__ import annotations

from sqlalchemy import literal, select

from deliberation.db import folded
from deliberation.text import fold

SAMPLES = [
    "Zażółć gęślą jaźń",
    "ZAŻÓŁĆ GĘŚLĄ JAŹŃ",
    "Łąka przy ul. Źródlanej",
    "Ąą Ćć Ęę Łł Ńń Óó Śś Źź Żż",
    "Müller, Dvořák, Šťastný",
    "plain ascii 123",
]


async def test_sql_folding_matches_python(session):
    for sample in SAMPLES:
        assert await session.scalar(select(folded(literal(sample)))) == fold(sample), sample


async def test_null_stays_null(session):
    assert await session.scalar(select(folded(literal(None)))) is None
