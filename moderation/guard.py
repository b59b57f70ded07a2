"""What every channel asks before it stores a contribution: blocked? too fast? hold it?

``is_blocked`` and ``admit`` are the contract for comments, live-room questions and survey
free text alike. ``admit`` raises PermissionDenied (blocked) or RateLimited, and otherwise
says in which moderation state the new contribution starts and why.
"""

from __future__ import annotations

import asyncio
import functools
import json
import os
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from sqlalchemy import Integer, and_, bindparam, exists, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from deliberation import ratelimit
from deliberation.db import UTCDateTime, utcnow
from deliberation.errors import PermissionDenied, RateLimited
from deliberation.i18n import _l
from deliberation.models import Contribution, ModerationState
from deliberation.ratelimit import Limit
from deliberation.security import keyed_hash
from deliberation.services.responses import network_of
from moderation.models import Block, Mode, ModerationSettings, WordList
from moderation.safeguards import BlockedWords, Reason, screen


def _env_int(name: str, default: int) -> int:
    raw = os.environ.get(name, "")
    return int(raw) if raw.strip() else default


@dataclass(frozen=True)
class Limits:
    participant_minute: Limit
    participant_day: Limit
    network_minute: Limit
    network_day: Limit

    @classmethod
    def from_env(cls) -> Limits:
        """Defaults suit a city; DELIBERATION_MODERATION_* variables override them."""
        return cls(
            participant_minute=Limit(_env_int("DELIBERATION_MODERATION_PER_MINUTE", 5), 60),
            participant_day=Limit(_env_int("DELIBERATION_MODERATION_PER_DAY", 100), 86400),
            network_minute=Limit(_env_int("DELIBERATION_MODERATION_NETWORK_PER_MINUTE", 60), 60),
            network_day=Limit(_env_int("DELIBERATION_MODERATION_NETWORK_PER_DAY", 2000), 86400),
        )


LIMITS = Limits.from_env()
DUPLICATE_WINDOW = timedelta(days=1)
DUPLICATE_SAMPLE = 30


def _block_applies(participant_id: int, consultation_id: int) -> Any:
    now = utcnow()
    return and_(
        Block.participant_id == participant_id,
        or_(Block.consultation_id == consultation_id, Block.consultation_id.is_(None)),
        Block.lifted_at.is_(None),
        or_(Block.until.is_(None), Block.until > now),
    )


async def is_blocked(session: AsyncSession, participant_id: int, consultation_id: int) -> bool:
    """Whether the participant may not post in this consultation now (here or everywhere)."""
    found = await session.scalar(
        select(Block.id).where(_block_applies(participant_id, consultation_id)).limit(1)
    )
    return found is not None


def blocked_error() -> PermissionDenied:
    return PermissionDenied(
        _l("You cannot post in this consultation: a moderator has blocked you."),
        code="blocked",
    )


async def refuse_if_blocked(
    session: AsyncSession, participant_id: int | None, consultation_id: int | None
) -> None:
    """For channels that do not screen text (survey answers, room votes): PermissionDenied if
    the participant is blocked in this consultation or everywhere."""
    if participant_id is None or consultation_id is None:
        return
    if await is_blocked(session, participant_id, consultation_id):
        raise blocked_error()


def network_key(secret_key: str, host: str | None) -> str:
    return keyed_hash(secret_key, "network", network_of(host))


async def settings_for(session: AsyncSession, consultation_id: int) -> ModerationSettings:
    found = await session.get(ModerationSettings, consultation_id)
    return found or ModerationSettings(
        consultation_id=consultation_id,
        mode=Mode.POST,
        report_threshold=3,
        max_links=2,
        blocked_words="",
    )


@functools.lru_cache(maxsize=64)
def _blocked_words(site_entries: str, consultation_entries: str) -> BlockedWords:
    default = BlockedWords.default()
    lines = [*site_entries.splitlines(), *consultation_entries.splitlines()]
    if not any(line.strip() for line in lines):
        return default
    from importlib import resources

    folder = resources.files("moderation") / "blocked_words"
    shipped: list[str] = []
    for language in ("pl", "en"):
        shipped += (folder / f"{language}.txt").read_text(encoding="utf-8").splitlines()
    return BlockedWords.from_lines([*shipped, *lines])


async def blocked_words_for(session: AsyncSession, settings: ModerationSettings) -> BlockedWords:
    site = await session.get(WordList, "site")
    return _blocked_words(site.entries if site else "", settings.blocked_words or "")


@dataclass(frozen=True)
class Admission:
    state: ModerationState
    reasons: tuple[str, ...]  # safeguard codes and/or "pre_moderation"


async def take_tokens(
    session: AsyncSession, *, participant_id: int, network: str, limits: Limits | None = None
) -> None:
    """Per-participant and per-network token buckets; RateLimited says how long to wait."""
    limits = limits or LIMITS
    try:
        await ratelimit.take_all(
            session,
            [
                (f"post:p:{participant_id}:m", limits.participant_minute),
                (f"post:p:{participant_id}:d", limits.participant_day),
                (f"post:n:{network}:m", limits.network_minute),
                (f"post:n:{network}:d", limits.network_day),
            ],
        )
    except RateLimited as exc:
        raise RateLimited(
            exc.retry_after,
            _l("Slow down a little: try again in %(seconds)s s.", seconds=exc.retry_after),
        ) from None


@dataclass(frozen=True)
class Facts:
    """What ``decide`` needs to know about a post before it is stored, read in one round trip."""

    blocked: bool
    settings: ModerationSettings
    site_words: str
    recent_texts: Sequence[str]
    also: tuple[Any, ...]  # the values of the caller's own ``also`` subqueries


async def facts(
    session: AsyncSession,
    *,
    consultation_id: int,
    participant_id: int,
    also: tuple[Any, ...] = (),
) -> Facts:
    """Block, the consultation's settings, the site's word list, the author's recent texts (for
    duplicates) and ``also``, in one query. ``also``: scalar subqueries the caller needs in the
    same round trip, built once (a module constant) with the parameter ``:cid`` for the
    consultation; the statement is built once per dialect and ``also``, since building it
    cost more CPU than running it."""
    postgresql = session.get_bind().dialect.name == "postgresql"
    now = utcnow()
    params = {
        "cid": consultation_id,
        "pid": participant_id,
        "now": now,
        "since": now - DUPLICATE_WINDOW,
    }
    row = (await session.execute(_facts_statement(postgresql, also), params)).one()
    blocked, mode, threshold, max_links, words, site, recent = row[:7]
    if isinstance(recent, str):  # SQLite: a JSON array
        recent = json.loads(recent)
    settings = ModerationSettings(
        consultation_id=consultation_id,
        mode=Mode(mode) if mode is not None else Mode.POST,
        report_threshold=threshold if threshold is not None else 3,
        max_links=max_links if max_links is not None else 2,
        blocked_words=words or "",
    )
    return Facts(
        blocked=bool(blocked),
        settings=settings,
        site_words=site or "",
        recent_texts=[text for text in recent or () if text is not None],
        also=tuple(row[7:]),
    )


_facts_statements: dict[tuple[bool, tuple[Any, ...]], Any] = {}


def _facts_statement(postgresql: bool, also: tuple[Any, ...]) -> Any:
    key = (postgresql, also)
    found = _facts_statements.get(key)
    if found is not None:
        return found
    cid = bindparam("cid", type_=Integer)
    pid = bindparam("pid", type_=Integer)
    now = bindparam("now", type_=UTCDateTime())
    block = and_(
        Block.participant_id == pid,
        or_(Block.consultation_id == cid, Block.consultation_id.is_(None)),
        Block.lifted_at.is_(None),
        or_(Block.until.is_(None), Block.until > now),
    )

    def setting(column: Any) -> Any:
        return select(column).where(ModerationSettings.consultation_id == cid).scalar_subquery()

    recent = (
        select(Contribution.body)
        .where(
            Contribution.consultation_id == cid,
            Contribution.author_participant_id == pid,
            Contribution.created_at > bindparam("since", type_=UTCDateTime()),
        )
        .order_by(Contribution.id.desc())
        .limit(DUPLICATE_SAMPLE)
        .subquery()
    )
    texts = func.array_agg(recent.c.body) if postgresql else func.json_group_array(recent.c.body)
    found = select(
        exists().where(block),
        setting(ModerationSettings.mode),
        setting(ModerationSettings.report_threshold),
        setting(ModerationSettings.max_links),
        setting(ModerationSettings.blocked_words),
        select(WordList.entries).where(WordList.key == "site").scalar_subquery(),
        select(texts).scalar_subquery(),
        *also,
    )
    _facts_statements[key] = found
    return found


async def admit(
    session: AsyncSession,
    *,
    consultation_id: int,
    participant_id: int,
    text: str,
    force_pre_moderation: bool = False,
) -> Admission:
    """Refuse a blocked participant; otherwise screen the text and pick the starting state."""
    known = await facts(session, consultation_id=consultation_id, participant_id=participant_id)
    return await decide(known, text, force_pre_moderation=force_pre_moderation)


async def decide(known: Facts, text: str, *, force_pre_moderation: bool = False) -> Admission:
    """``admit`` once the facts are read: PermissionDenied if blocked, else screen the text."""
    if known.blocked:
        raise blocked_error()
    settings = known.settings
    words = _blocked_words(known.site_words, settings.blocked_words or "")
    recent = known.recent_texts
    if not words.ready:
        # Until the lemma data is loaded (seconds, once per process, in a thread of its own),
        # screening may need it, which must not stall the loop; afterwards it takes well under
        # a millisecond and runs inline (a thread hop costs more than that under load).
        warm_up_in_background()
        verdict = await asyncio.to_thread(
            screen, text, blocked=words, max_links=settings.max_links, recent_texts=recent
        )
    else:
        verdict = screen(text, blocked=words, max_links=settings.max_links, recent_texts=recent)
    reasons = [reason.value for reason in verdict.reasons]
    if settings.mode is Mode.PRE or force_pre_moderation:
        reasons.append("pre_moderation")
    state = ModerationState.PENDING if reasons else ModerationState.VISIBLE
    return Admission(state=state, reasons=tuple(reasons))


SAFEGUARD_REASONS = tuple(reason.value for reason in Reason)


_warming: list[bool] = []


def warm_up_in_background() -> None:
    """Load the lemma data in a daemon thread (once), so no post waits for it."""
    import threading

    if _warming:
        return
    _warming.append(True)
    threading.Thread(
        target=lambda: BlockedWords.default().warm_up(), name="blocked-words", daemon=True
    ).start()
