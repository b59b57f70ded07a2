"""Data in and out of the "what we heard" summary: contributions, survey highlights, the summary.

The summary is stored as JSON when published, so it round-trips through `to_dict`/`from_dict`.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal, TypeGuard

Language = Literal["pl", "en"]
LANGUAGES: tuple[Language, ...] = ("pl", "en")
FORMAT_VERSION = 1


class Channel(enum.StrEnum):
    ONLINE_COMMENT = "online_comment"
    LIVE_QUESTION = "live_question"
    SURVEY_ANSWER = "survey_answer"
    MEETING_NOTE = "meeting_note"
    PAPER_FORM = "paper_form"
    EMAIL = "email"


class SectionKind(enum.StrEnum):
    PARTICIPATION = "participation"
    THEME = "theme"
    OTHER = "other"
    LIVE_QUESTIONS = "live_questions"
    SURVEY = "survey"
    MEETING = "meeting"
    # The only kind whose sentence may have no source: nothing has been received yet.
    EMPTY = "empty"


class SummaryFormatError(ValueError):
    """A stored or received summary does not have the expected shape or sources."""


def _is_language(language: object) -> TypeGuard[Language]:
    return language in LANGUAGES


def check_language(language: object) -> Language:
    if not _is_language(language):
        raise ValueError(f"unsupported language {language!r}; expected one of {LANGUAGES}")
    return language


@dataclass(frozen=True, kw_only=True, slots=True)
class SummaryItem:
    """One contribution as the summary sees it, whatever channel it came through."""

    id: int
    channel: Channel
    text: str
    themes: tuple[str, ...] = ()
    support: int = 0
    visible: bool = True
    answered: bool = False
    meeting_title: str | None = None
    created_at: datetime

    def __post_init__(self) -> None:
        # Callers pass plain strings from the database; fail here rather than deep in a template.
        object.__setattr__(self, "channel", Channel(self.channel))
        object.__setattr__(self, "themes", tuple(t.strip() for t in self.themes if t.strip()))
        if self.support < 0:
            raise ValueError(f"item {self.id}: support must be >= 0, got {self.support}")


@dataclass(frozen=True, kw_only=True, slots=True)
class SurveyHighlight:
    """The leading answer to one survey question, computed by the surveys feature."""

    question: str
    option: str
    percent: float
    respondents: int
    source_ids: tuple[int, ...]
    # The survey's results page (a path on this site): the closed answers behind the figure are
    # not contributions, so the page is a source too. Needed when no open answer is cited.
    link: str = ""

    def __post_init__(self) -> None:
        if not 0 <= self.percent <= 100:
            raise ValueError(f"percent must be within 0..100, got {self.percent}")
        if self.respondents < 0:
            raise ValueError(f"respondents must be >= 0, got {self.respondents}")
        if self.link and not is_local_link(self.link):
            raise ValueError(f"link must be a path on this site, got {self.link!r}")
        if not self.source_ids and not self.link:
            raise ValueError("a survey highlight needs at least one source id or a link")
        object.__setattr__(self, "source_ids", tuple(sorted(set(self.source_ids))))


def is_local_link(link: str) -> bool:
    """A path on this site ("/consultations/1/surveys/2/results#result-q1"), nothing else."""
    return (
        link.startswith("/")
        and not link.startswith("//")
        and "\\" not in link
        and all(ch.isprintable() and not ch.isspace() for ch in link)
    )


@dataclass(frozen=True, slots=True)
class Sentence:
    text: str
    sources: tuple[int, ...]
    # A page on this site the sentence also rests on (a survey's published results).
    link: str = ""


@dataclass(frozen=True, slots=True)
class Section:
    kind: SectionKind
    heading: str
    sentences: tuple[Sentence, ...]


@dataclass(frozen=True, slots=True)
class Summary:
    language: Language
    sections: tuple[Section, ...] = field(default_factory=tuple)

    def sentences(self) -> Iterable[Sentence]:
        for section in self.sections:
            yield from section.sentences

    def to_dict(self) -> dict[str, Any]:
        return {
            "format": FORMAT_VERSION,
            "language": self.language,
            "sections": [
                {
                    "kind": section.kind.value,
                    "heading": section.heading,
                    "sentences": [_sentence_json(s) for s in section.sentences],
                }
                for section in self.sections
            ],
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Summary:
        """Rebuild a summary from `to_dict` output; raises SummaryFormatError on any bad field."""
        if not isinstance(data, Mapping):
            raise SummaryFormatError(f"summary: expected an object, got {type(data).__name__}")
        if data.get("format", FORMAT_VERSION) != FORMAT_VERSION:
            raise SummaryFormatError(
                f"summary: expected format {FORMAT_VERSION}, got {data.get('format')!r}"
            )
        try:
            language = check_language(data.get("language", ""))
        except ValueError as exc:
            raise SummaryFormatError(f"summary: {exc}") from exc
        sections = _require_list(data, "sections", "summary")
        return cls(
            language=language, sections=tuple(_section(s, i) for i, s in enumerate(sections))
        )


def _sentence_json(sentence: Sentence) -> dict[str, Any]:
    data: dict[str, Any] = {"text": sentence.text, "sources": list(sentence.sources)}
    if sentence.link:
        data["link"] = sentence.link
    return data


def _require_list(data: Mapping[str, Any], key: str, where: str) -> list[Any]:
    value = data.get(key)
    if not isinstance(value, list):
        raise SummaryFormatError(f"{where}: expected a list in {key!r}, got {type(value).__name__}")
    return value


def _require_str(data: Mapping[str, Any], key: str, where: str) -> str:
    value = data.get(key)
    if not isinstance(value, str):
        raise SummaryFormatError(f"{where}: expected text in {key!r}, got {type(value).__name__}")
    return value


def _section(data: Any, index: int) -> Section:
    where = f"section {index}"
    if not isinstance(data, Mapping):
        raise SummaryFormatError(f"{where}: expected an object, got {type(data).__name__}")
    try:
        kind = SectionKind(_require_str(data, "kind", where))
    except ValueError as exc:
        raise SummaryFormatError(f"{where}: {exc}") from exc
    sentences = _require_list(data, "sentences", where)
    return Section(
        kind=kind,
        heading=_require_str(data, "heading", where),
        sentences=tuple(_sentence(s, f"{where}, sentence {i}") for i, s in enumerate(sentences)),
    )


def _sentence(data: Any, where: str) -> Sentence:
    if not isinstance(data, Mapping):
        raise SummaryFormatError(f"{where}: expected an object, got {type(data).__name__}")
    sources = _require_list(data, "sources", where)
    # bool is an int subclass; a `true` source id is a bug in whoever wrote the JSON.
    if not all(isinstance(s, int) and not isinstance(s, bool) for s in sources):
        raise SummaryFormatError(f"{where}: sources must be integer ids, got {sources!r}")
    link = data.get("link", "")
    if not isinstance(link, str) or (link and not is_local_link(link)):
        raise SummaryFormatError(f"{where}: link must be a path on this site, got {link!r}")
    return Sentence(text=_require_str(data, "text", where), sources=tuple(sources), link=link)


def check_sources(
    summary: Summary, allowed_ids: Iterable[int], *, allow_empty: bool = True
) -> None:
    """Raise SummaryFormatError unless every sentence cites >= 1 id, all among `allowed_ids`.

    A section of kind EMPTY ("nothing received yet") may cite nothing when `allow_empty`; a
    survey sentence may cite its results page (`link`) instead of contributions.
    """
    allowed = frozenset(allowed_ids)
    for section in summary.sections:
        exempt = allow_empty and section.kind is SectionKind.EMPTY
        for sentence in section.sentences:
            linked = section.kind is SectionKind.SURVEY and bool(sentence.link)
            if not sentence.sources and not exempt and not linked:
                raise SummaryFormatError(f"sentence without sources: {sentence.text!r}")
            unknown = sorted(set(sentence.sources) - allowed)
            if unknown:
                raise SummaryFormatError(
                    f"sentence {sentence.text!r} cites unknown ids {unknown[:10]}"
                )


def visible_items(items: Sequence[SummaryItem]) -> list[SummaryItem]:
    """Visible items in id order; duplicate ids are a caller bug, reported rather than merged."""
    seen: set[int] = set()
    for item in items:
        if item.id in seen:
            raise ValueError(f"duplicate contribution id {item.id}")
        seen.add(item.id)
    return sorted((item for item in items if item.visible), key=lambda item: item.id)
