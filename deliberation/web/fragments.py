"""Rendered HTML fragments shared by every visitor, dropped when their consultation changes.

The public record of a consultation is the same for every visitor who reads it in one language
with one filter, and it is the costly part of the consultation page (a count over thousands of
contributions, a page of them with themes and links, their rendering). Every domain event that
names a consultation bumps that consultation's version; since events reach every process
(in-process bus, or PostgreSQL LISTEN/NOTIFY), a stale fragment is never served after the change
is committed and delivered.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Hashable
from typing import Any

from deliberation.events.catalogue import Event


class FragmentCache:
    def __init__(self, max_entries: int = 1024) -> None:
        self.max_entries = max_entries
        self._versions: dict[int, int] = {}
        self._entries: OrderedDict[Hashable, tuple[int, Any]] = OrderedDict()

    def get(self, consultation_id: int, key: Hashable) -> Any | None:
        found = self._entries.get(key)
        if found is None or found[0] != self._versions.get(consultation_id, 0):
            return None
        self._entries.move_to_end(key)
        return found[1]

    def version(self, consultation_id: int) -> int:
        """Read before loading what a fragment shows, and pass to ``put``: a change delivered
        while the fragment was being built then makes it stale at once."""
        return self._versions.get(consultation_id, 0)

    def put(
        self, consultation_id: int, key: Hashable, value: Any, *, version: int | None = None
    ) -> None:
        current = self._versions.get(consultation_id, 0)
        self._entries[key] = (current if version is None else version, value)
        self._entries.move_to_end(key)
        while len(self._entries) > self.max_entries:
            self._entries.popitem(last=False)

    def invalidate(self, consultation_id: int) -> None:
        self._versions[consultation_id] = self._versions.get(consultation_id, 0) + 1

    async def on_event(self, event: Event) -> None:
        consultation_id = getattr(event, "consultation_id", None)
        if isinstance(consultation_id, int):
            self.invalidate(consultation_id)
        else:
            # Events without a consultation (an account deleted, a theme renamed elsewhere) may
            # still change what a fragment shows, e.g. an author's name: drop everything.
            self._versions = {cid: v + 1 for cid, v in self._versions.items()}
            self._entries.clear()
