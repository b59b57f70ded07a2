"""Officialese glossaries: phrases to avoid and their plain alternatives, loaded from TSV files.

Format (UTF-8, one entry a line, "#" starts a comment): ``phrase<TAB>plain alternative<TAB>note``
(the note is optional). Phrases are matched case-insensitively word by word; a word may end in
"*" to match any ending of a stem of 3+ letters ("zastrzeże*"), and "a|b" lists forms of one word
("ma|mają|mieć możliwoś*"). A plain alternative of "-" means "just delete the phrase".

The built-in lists live in ``glossary/<language>.tsv``. A city adds its own files with
``load_glossary("pl", extra_paths=["/etc/deliberation/glossary-pl.tsv"])``: their entries are
added, and an entry whose phrase is already known replaces the built-in one. Files are read once
per process and cached; call ``clear_glossary_cache()`` after editing them.

On a server the city's glossary is named by the setting ``DELIBERATION_GLOSSARY_PATH``: a
directory holding ``pl.tsv`` and/or ``en.tsv``, or one ``.tsv`` file (Polish). The settings check
it at start-up (``check_city_glossary``) and the editors use ``city_glossary(path, language)``.
"""

from __future__ import annotations

import functools
import os
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cached_property
from importlib import resources
from pathlib import Path

from deliberation.readability.language import SUPPORTED_LANGUAGES, Language, normalize_language
from deliberation.readability.phrase_index import MIN_STEM, Alternative, Pattern, PhraseIndex
from deliberation.readability.segmenter import WORD

DELETE = "-"


class GlossaryError(ValueError):
    """A glossary file that cannot be used; the message names the file and the line."""

    def __init__(self, source: str, line: int, problem: str) -> None:
        # Line 0: the problem is the file itself, not one of its lines.
        super().__init__(f"{source}, line {line}: {problem}" if line else f"{source}: {problem}")
        self.source = source
        self.line = line
        self.problem = problem


@dataclass(frozen=True)
class GlossaryEntry:
    phrase: str
    plain: str | None  # None: delete the phrase, there is nothing to put in its place
    note: str | None
    source: str
    line: int
    pattern: Pattern = field(repr=False, compare=False)

    @property
    def key(self) -> str:
        """Entries with the same key are the same phrase (a city file may redefine one)."""
        return " ".join(self.phrase.lower().split())


@dataclass(frozen=True, eq=False)  # compared and hashed by identity: cheap to cache on
class Glossary:
    language: Language
    entries: tuple[GlossaryEntry, ...]

    def __len__(self) -> int:
        return len(self.entries)

    def merged(self, other: Glossary) -> Glossary:
        """This glossary plus `other`, whose entries win when both define a phrase."""
        if other.language != self.language:
            raise ValueError(
                f"cannot merge a {other.language!r} glossary into a {self.language!r} one"
            )
        by_key = {entry.key: entry for entry in self.entries}
        by_key.update((entry.key, entry) for entry in other.entries)
        return Glossary(self.language, tuple(by_key.values()))

    @cached_property
    def index(self) -> PhraseIndex[GlossaryEntry]:
        return PhraseIndex((entry.pattern, entry) for entry in self.entries)


def parse_glossary(text: str, language: str, source: str = "<glossary>") -> Glossary:
    """Entries of one TSV document; GlossaryError on the first bad line."""
    entries: list[GlossaryEntry] = []
    first_line: dict[str, int] = {}
    for number, raw in enumerate(text.splitlines(), start=1):
        if not raw.strip() or raw.lstrip().startswith("#"):
            continue
        entry = _parse_line(raw, source, number)
        if entry.key in first_line:
            raise GlossaryError(
                source,
                number,
                f"phrase {entry.phrase!r} is already defined on line {first_line[entry.key]}",
            )
        first_line[entry.key] = number
        entries.append(entry)
    return Glossary(normalize_language(language), tuple(entries))


def read_glossary(path: str | os.PathLike[str], language: str) -> Glossary:
    """One TSV file (a byte-order mark, as spreadsheets write it, is fine)."""
    path = Path(path)
    return parse_glossary(path.read_text(encoding="utf-8-sig"), language, source=str(path))


def load_glossary(language: str, extra_paths: Iterable[str | os.PathLike[str]] = ()) -> Glossary:
    """The built-in glossary of `language`, merged with a city's own files in the given order."""
    return _load(normalize_language(language), tuple(Path(p) for p in extra_paths))


def clear_glossary_cache() -> None:
    _load.cache_clear()
    _city.cache_clear()


def city_glossary_files(path: str | os.PathLike[str]) -> dict[Language, Path]:
    """The files behind DELIBERATION_GLOSSARY_PATH by language; GlossaryError when unusable."""
    root = Path(path)
    if root.is_dir():
        files = {
            lang: root / f"{lang}.tsv"
            for lang in SUPPORTED_LANGUAGES
            if (root / f"{lang}.tsv").is_file()
        }
        if not files:
            raise GlossaryError(str(root), 0, "the directory has neither pl.tsv nor en.tsv")
        return files
    if root.is_file():
        return {"pl": root}
    raise GlossaryError(str(root), 0, "no such file or directory")


def check_city_glossary(path: str | os.PathLike[str]) -> dict[Language, Glossary]:
    """Read and parse every file of a city's glossary, so that a mistake stops the start-up."""
    found: dict[Language, Glossary] = {}
    for lang, file in city_glossary_files(path).items():
        try:
            found[lang] = read_glossary(file, lang)
        except UnicodeDecodeError as exc:
            raise GlossaryError(str(file), 0, f"not UTF-8 text ({exc.reason})") from None
        except OSError as exc:
            raise GlossaryError(str(file), 0, exc.strerror or str(exc)) from None
    return found


def city_glossary(path: str | os.PathLike[str] | None, language: str) -> Glossary | None:
    """The city's own entries for `language` (read once per process), or None."""
    if not path:
        return None
    return _city(str(path), normalize_language(language))


@functools.cache
def _city(path: str, language: Language) -> Glossary | None:
    return check_city_glossary(path).get(language)


@functools.cache
def _load(language: Language, extra_paths: tuple[Path, ...]) -> Glossary:
    name = f"{language}.tsv"
    builtin = resources.files("deliberation.readability") / "glossary" / name
    glossary = parse_glossary(builtin.read_text(encoding="utf-8"), language, source=name)
    for path in extra_paths:
        glossary = glossary.merged(read_glossary(path, language))
    return glossary


def _parse_line(raw: str, source: str, number: int) -> GlossaryEntry:
    columns = raw.rstrip("\r\n").split("\t")
    if len(columns) not in (2, 3):
        raise GlossaryError(
            source,
            number,
            "expected 2 or 3 columns separated by tabs (phrase, plain alternative, optional "
            f"note), found {len(columns)}",
        )
    phrase, plain = columns[0].strip(), columns[1].strip()
    note = columns[2].strip() if len(columns) == 3 else ""
    if not phrase:
        raise GlossaryError(source, number, "the phrase (first column) is empty")
    if not plain:
        raise GlossaryError(
            source, number, f"no plain alternative for {phrase!r} (write {DELETE!r} for 'delete')"
        )
    try:
        pattern = _parse_phrase(phrase)
    except ValueError as exc:
        raise GlossaryError(source, number, str(exc)) from exc
    return GlossaryEntry(
        phrase=phrase,
        plain=None if plain == DELETE else plain,
        note=note or None,
        source=source,
        line=number,
        pattern=pattern,
    )


def _parse_phrase(phrase: str) -> Pattern:
    words = []
    for word in phrase.lower().split():
        alternatives = []
        for option in word.split("|"):
            is_stem = option.endswith("*")
            text = option[:-1] if is_stem else option
            if "*" in text:
                raise ValueError(f"{option!r}: '*' may only end a word")
            if is_stem and len(text) < MIN_STEM:
                raise ValueError(f"{option!r}: a stem needs at least {MIN_STEM} letters before '*'")
            if not WORD.fullmatch(text):
                raise ValueError(
                    f"{option!r} in {phrase!r} is not one word as the analyzer splits text: "
                    "leave out punctuation ('tj', not 'tj.'; dotted forms like 'm.in.' are fine)"
                )
            alternatives.append(Alternative(text, is_stem))
        words.append(tuple(alternatives))
    return tuple(words)
