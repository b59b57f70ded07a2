"""A word-level trie that finds glossary phrases in one pass over the words of a text.

Each phrase is a sequence of word patterns; a pattern is an exact word or a stem ending in "*".
Matching is leftmost-longest and never crosses punctuation or a sentence break.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Generic, NamedTuple, TypeVar

T = TypeVar("T")

# Stems are looked up by their first letters, so they must be at least this long.
MIN_STEM = 3


class Alternative(NamedTuple):
    text: str  # lower case, without the "*"
    is_stem: bool


# One tuple of alternatives per word of the phrase.
Pattern = tuple[tuple[Alternative, ...], ...]


class _Node(Generic[T]):
    __slots__ = ("exact", "stems", "value", "weight")

    def __init__(self) -> None:
        self.exact: dict[str, _Node[T]] = {}
        # stem[:MIN_STEM] -> [(stem, child)]: a dict hit first, then a few startswith checks
        self.stems: dict[str, list[tuple[str, _Node[T]]]] = {}
        self.value: T | None = None
        self.weight = -1

    def child(self, alternative: Alternative) -> _Node[T]:
        if not alternative.is_stem:
            return self.exact.setdefault(alternative.text, _Node())
        bucket = self.stems.setdefault(alternative.text[:MIN_STEM], [])
        for stem, node in bucket:
            if stem == alternative.text:
                return node
        node = _Node[T]()
        bucket.append((alternative.text, node))
        return node


class PhraseIndex(Generic[T]):
    """Built once per glossary; `find` costs a dictionary lookup or two per word."""

    def __init__(self, phrases: Iterable[tuple[Pattern, T]]) -> None:
        self._root = _Node[T]()
        for pattern, value in phrases:
            self._add(pattern, value)

    def _add(self, pattern: Pattern, value: T) -> None:
        # Weight = letters matched literally, so "niniejszym" beats "niniejsz*" on a tie.
        ends: list[tuple[_Node[T], int]] = [(self._root, 0)]
        for alternatives in pattern:
            ends = [
                (node.child(alt), weight + len(alt.text) + (0 if alt.is_stem else 1))
                for node, weight in ends
                for alt in alternatives
            ]
        for node, weight in ends:
            if weight >= node.weight:  # a later phrase with the same words replaces an earlier
                node.value, node.weight = value, weight

    def find(self, words: Sequence[str], linked: Sequence[bool]) -> list[tuple[int, int, T]]:
        """Non-overlapping (first word, word after the last, value), leftmost-longest first."""
        hits: list[tuple[int, int, T]] = []
        exact, stems = self._root.exact, self._root.stems
        i = 0
        while i < len(words):
            word = words[i]
            if word not in exact and word[:MIN_STEM] not in stems:
                i += 1  # the common case: no phrase starts here
                continue
            best = self._longest(words, linked, i)
            if best is None:
                i += 1
                continue
            hits.append((i, best[0], best[1]))
            i = best[0]
        return hits

    def _longest(
        self, words: Sequence[str], linked: Sequence[bool], i: int
    ) -> tuple[int, T] | None:
        best: tuple[int, int, T] | None = None
        stack: list[tuple[_Node[T], int]] = [(self._root, i)]
        while stack:
            node, j = stack.pop()
            if node.value is not None and (best is None or (j, node.weight) > best[:2]):
                best = (j, node.weight, node.value)
            if j >= len(words) or (j > i and not linked[j]):
                continue
            word = words[j]
            exact = node.exact.get(word)
            if exact is not None:
                stack.append((exact, j + 1))
            for stem, child in node.stems.get(word[:MIN_STEM], ()):
                if word.startswith(stem):
                    stack.append((child, j + 1))
        return None if best is None else (best[0], best[2])
