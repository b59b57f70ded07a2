"""Translations: Polish first, English second.

Every package (the core and each feature) ships its own gettext catalogues under
``<package>/locale/<lang>/LC_MESSAGES/*.po`` (one file per area); they are compiled at install
time and merged here. The active locale lives in a context variable set per request or per socket.
"""

from __future__ import annotations

import contextvars
import functools
import io
from collections.abc import Iterator
from contextlib import contextmanager
from importlib import resources
from pathlib import Path
from typing import Any

from babel import Locale
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import LazyProxy, NullTranslations, Translations

LANGUAGES: tuple[str, ...] = ("pl", "en")
DEFAULT_LANGUAGE = "pl"
CATALOGUE_PACKAGES: tuple[str, ...] = ("deliberation", "rooms", "surveys", "moderation")

_current: contextvars.ContextVar[str] = contextvars.ContextVar("language", default=DEFAULT_LANGUAGE)


def get_language() -> str:
    return _current.get()


def set_language(language: str) -> contextvars.Token[str]:
    if language not in LANGUAGES:
        raise ValueError(f"unsupported language {language!r}; expected one of {LANGUAGES}")
    return _current.set(language)


@contextmanager
def language(lang: str) -> Iterator[None]:
    token = set_language(lang)
    try:
        yield
    finally:
        _current.reset(token)


def _load_file(po: Path, lang: str) -> Translations:
    """The compiled .mo from the install; in a source checkout whose .po is newer, the .po."""
    mo = po.with_suffix(".mo")
    if mo.is_file() and mo.stat().st_mtime >= po.stat().st_mtime:
        with mo.open("rb") as handle:
            return Translations(handle, domain="messages")
    with po.open("rb") as handle:
        catalog = read_po(handle, locale=lang)
    buffer = io.BytesIO()
    write_mo(buffer, catalog, use_fuzzy=False)
    buffer.seek(0)
    return Translations(buffer, domain="messages")


def _load_catalogue(locale_dir: Path, lang: str) -> Translations | None:
    """Every catalogue file of one package and language (one per area: messages, rooms...)."""
    merged: Translations | None = None
    folder = locale_dir / lang / "LC_MESSAGES"
    sources = {p.with_suffix(".po") for p in folder.glob("*.po")} | {
        p.with_suffix(".po") for p in folder.glob("*.mo")
    }
    for po in sorted(sources):
        if po.is_file():
            loaded = _load_file(po, lang)
        else:  # an installed wheel may carry only the compiled file
            with po.with_suffix(".mo").open("rb") as handle:
                loaded = Translations(handle, domain="messages")
        if merged is None:
            merged = loaded
        else:
            merged.merge(loaded)
    return merged


@functools.cache
def translations(lang: str) -> NullTranslations:
    """The merged catalogue of every package for one language (English is the source)."""
    merged: Translations | None = None
    for package in CATALOGUE_PACKAGES:
        try:
            locale_dir = Path(str(resources.files(package))) / "locale"
        except ModuleNotFoundError:
            continue
        loaded = _load_catalogue(locale_dir, lang)
        if loaded is None:
            continue
        if merged is None:
            merged = loaded
        else:
            merged.merge(loaded)
    return merged or NullTranslations()


@functools.lru_cache(maxsize=8192)
def _lookup(language: str, message: str) -> str:
    return translations(language).ugettext(message)


def gettext(message: str, **params: Any) -> str:
    text = _lookup(get_language(), message)
    return text % params if params else text


def ngettext(singular: str, plural: str, n: int, **params: Any) -> str:
    text = translations(get_language()).ungettext(singular, plural, n)
    return text % {"num": n, **params}


def lazy_gettext(message: str, **params: Any) -> LazyProxy:
    """A string translated when it is rendered, in the language active at that moment."""
    return LazyProxy(gettext, message, enable_cache=False, **params)


_ = gettext
_l = lazy_gettext


def locale() -> Locale:
    return Locale.parse(get_language())
