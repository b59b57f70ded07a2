"""The folding task: counts new responses into the tallies, in batches, off the submission path.

One per server process, with its own database connection (so requests never wait for a pool
slot because of it). It wakes when a response is submitted or edited (also in other processes,
through the PostgreSQL bus), waits ``delay`` seconds to gather a batch, then folds every pending
response; it also looks every ``interval`` seconds, for responses stored while no process ran
(or bulk loads). Several processes may run one: on PostgreSQL an advisory lock per version lets
one fold at a time and the others skip. Results never depend on it for exactness
(``surveys.tallies``): it only keeps the part computed at read time small.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from typing import Any

from deliberation.db import Database, sqlite_reads_only
from deliberation.events import Event
from deliberation.events import catalogue as ev
from surveys import tallies
from surveys.models import SurveyVersion
from surveys.services import parsed_definition

log = logging.getLogger(__name__)


async def fold_pending(database: Database, *, batch: int = tallies.FOLD_BATCH) -> int:
    """Fold every response not folded yet, one committed batch at a time. Returns how many."""
    versions = await asyncio.create_task(_pending_versions(database))
    folded = 0
    for version_id in versions:
        async with database.session() as session:
            version = await session.get(SurveyVersion, version_id)
            if version is None:
                continue
            singles = tallies.single_choice_keys(parsed_definition(version))
        while True:
            async with database.session() as session:
                n = await tallies.fold(session, version_id, singles, limit=batch)
                await session.commit()
            folded += n
            if n < batch:
                break
    return folded


async def _pending_versions(database: Database) -> list[int]:
    sqlite_reads_only()  # this task only reads: on SQLite, never wait for the write lock
    async with database.session() as session:
        return await tallies.pending_versions(session)


class Folder:
    """Runs ``fold_pending`` after submissions (debounced) and every ``interval`` seconds."""

    def __init__(
        self, database_url: str, bus: Any, *, delay: float = 0.5, interval: float = 30.0
    ) -> None:
        self.database_url = database_url
        self.bus = bus
        self.delay = delay
        self.interval = interval
        self._database: Database | None = None
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._subscription: Any = None

    async def start(self) -> None:
        self._subscription = self.bus.subscribe(
            self._on_event, types=[ev.SurveyResponseSubmitted.type, ev.SurveyResponseUpdated.type]
        )
        self._task = asyncio.get_running_loop().create_task(self._run())

    async def stop(self) -> None:
        if self._subscription is not None:
            self.bus.unsubscribe(self._subscription)
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        if self._database is not None:
            await self._database.dispose()

    async def _on_event(self, _event: Event) -> None:
        self._wake.set()

    async def _run(self) -> None:
        while True:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), timeout=self.interval)
            await asyncio.sleep(self.delay)  # let a batch gather
            self._wake.clear()
            try:
                if self._database is None:
                    self._database = Database(self.database_url, pool_size=1)
                await fold_pending(self._database)
            except Exception:
                # Results stay exact without folding; the next wake-up tries again.
                log.exception("folding survey responses failed")
