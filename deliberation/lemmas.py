"""Lemmas of Polish and English words (simplemma), loaded once per process on first use.

The dictionaries are large (Polish: seconds to load), so nothing is loaded at import or at
start-up; the first caller pays once, under a lock so two threads never load them twice. The
low-memory strategy streams the same dictionary: the same lemmas in ~70 MB instead of ~420 MB.
"""

from __future__ import annotations

import functools
import threading
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from simplemma import Lemmatizer

_LOCK = threading.Lock()


@functools.cache
def _load(languages: tuple[str, ...]) -> Lemmatizer:
    from simplemma import Lemmatizer
    from simplemma.strategies import DefaultStrategy

    lemmatizer = Lemmatizer(lemmatization_strategy=DefaultStrategy(low_memory=True))
    for language in languages:
        lemmatizer.lemmatize("a", language)  # read the dictionary now, not in a request
    return lemmatizer


def lemmatizer(*languages: str) -> Lemmatizer:
    """The shared lemmatizer with the dictionaries of ``languages`` loaded."""
    with _LOCK:
        return _load(tuple(sorted(languages)) or ("pl",))
