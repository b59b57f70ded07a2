"""Build the "what we heard" summary from contributions: every sentence cites its sources.

Pure and deterministic: items are taken in id order, and every tie is broken by id.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence

from deliberation.summary import phrases, text
from deliberation.summary.model import (
    Channel,
    Language,
    Section,
    SectionKind,
    Sentence,
    Summary,
    SummaryItem,
    SurveyHighlight,
    check_language,
    visible_items,
)
from deliberation.summary.themes import (
    Theme,
    automatic_themes,
    facilitator_themes,
    facilitators_cover,
)

TOP_LIVE_QUESTIONS = 3
POINTS_PER_MEETING = 5
# Channels named per sentence in a theme, so that no sentence grows past 15 words.
CHANNELS_PER_SENTENCE = 3
_CHANNEL_ORDER = {channel: index for index, channel in enumerate(Channel)}
_WORD_GAP = re.compile(r"[^\S\u00a0\u202f]+")


def generate_summary(
    items: Sequence[SummaryItem],
    *,
    language: str,
    survey_highlights: Sequence[SurveyHighlight] = (),
    max_themes: int = 6,
    quotes_per_theme: int = 2,
    text_language: str = "pl",
) -> Summary:
    """Summarise `items` in `language`; hidden items are neither counted, quoted nor cited.

    `text_language` is the language the contributions are written in (for automatic themes).
    With no visible item the summary is one sentence saying so, the only sentence without sources.
    """
    lang = check_language(language)
    if max_themes < 0 or quotes_per_theme < 0:
        raise ValueError(
            f"max_themes and quotes_per_theme must be >= 0, got {max_themes}, {quotes_per_theme}"
        )
    visible = visible_items(items)
    if not visible:
        # Closed survey answers are not contributions: their results may be all there is.
        only_surveys = _survey(lang, survey_highlights, set())
        return Summary(language=lang, sections=tuple(only_surveys) or (_empty(lang),))
    if facilitators_cover(visible):
        themes = facilitator_themes(visible, max_themes)
    else:
        themes = automatic_themes(visible, max_themes, text_language)
    sections = [_participation(lang, visible)]
    sections += [_theme(lang, theme, quotes_per_theme) for theme in themes]
    sections += _other(lang, visible, themes)
    sections += _live_questions(lang, visible)
    sections += _survey(lang, survey_highlights, {item.id for item in visible})
    sections += _meetings(lang, visible)
    return Summary(language=lang, sections=tuple(sections))


def _ids(items: Iterable[SummaryItem]) -> tuple[int, ...]:
    return tuple(sorted(item.id for item in items))


def _by_channel(items: Iterable[SummaryItem]) -> list[tuple[Channel, list[SummaryItem]]]:
    """Items per channel, the biggest channel first (ties in the channel order)."""
    groups: dict[Channel, list[SummaryItem]] = defaultdict(list)
    for item in items:
        groups[item.channel].append(item)
    return sorted(groups.items(), key=lambda kv: (-len(kv[1]), _CHANNEL_ORDER[kv[0]]))


def _empty(lang: Language) -> Section:
    sentence = Sentence(text=phrases.say(lang, "empty"), sources=())
    return Section(SectionKind.EMPTY, phrases.say(lang, "heading.empty"), (sentence,))


def _participation(lang: Language, visible: Sequence[SummaryItem]) -> Section:
    sentences = [Sentence(phrases.say(lang, "total", len(visible)), _ids(visible))]
    for channel, members in _by_channel(visible):
        line = phrases.say(lang, f"channel.{channel.value}", len(members))
        sentences.append(Sentence(line, _ids(members)))
    heading = phrases.say(lang, "heading.participation")
    return Section(SectionKind.PARTICIPATION, heading, tuple(sentences))


def _theme(lang: Language, theme: Theme, quotes_per_theme: int) -> Section:
    members = theme.members
    sentences = [Sentence(phrases.say(lang, "theme.count", len(members)), _ids(members))]
    if theme.automatic:
        sentences.append(Sentence(phrases.say(lang, "theme.automatic"), _ids(members)))
    channels = _by_channel(members)
    for start in range(0, len(channels), CHANNELS_PER_SENTENCE):
        chunk = channels[start : start + CHANNELS_PER_SENTENCE]
        key = "theme.channels" if start == 0 else "theme.channels_more"
        listed = phrases.from_channels(lang, [(channel, len(group)) for channel, group in chunk])
        cited = [item for _, group in chunk for item in group]
        sentences.append(Sentence(phrases.say(lang, key, channels=listed), _ids(cited)))
    typical = theme.typicality.get
    for item in _pick_quotes(members, quotes_per_theme, lambda item: -typical(item.id, 0.0)):
        sentences.append(_quoted(lang, item))
    heading = theme.label[:1].upper() + theme.label[1:]
    return Section(SectionKind.THEME, heading, tuple(sentences))


def _pick_quotes(
    members: Sequence[SummaryItem], limit: int, rank: Callable[[SummaryItem], float]
) -> list[SummaryItem]:
    """Most supported first; among equals a channel not yet quoted, then the most typical."""
    chosen: list[SummaryItem] = []
    used: set[Channel] = set()
    remaining = [item for item in members if not item.text.isspace() and item.text]
    while remaining and len(chosen) < limit:
        best = min(remaining, key=lambda it: (-it.support, it.channel in used, rank(it), it.id))
        chosen.append(best)
        used.add(best.channel)
        remaining.remove(best)
    return chosen


def _quoted(lang: Language, item: SummaryItem) -> Sentence:
    quote = phrases.quote(lang, text.trim_quote(item.text))
    if item.support > 0:
        line = phrases.say(lang, "supported", item.support, quote=quote)
    else:
        line = phrases.say(lang, f"quote.{item.channel.value}", quote=quote)
    return Sentence(line, (item.id,))


def _other(
    lang: Language, visible: Sequence[SummaryItem], themes: Sequence[Theme]
) -> list[Section]:
    in_theme = {item.id for theme in themes for item in theme.members}
    rest = [item for item in visible if item.id not in in_theme]
    if not rest or not themes:
        return []
    sentence = Sentence(phrases.say(lang, "other.count", len(rest)), _ids(rest))
    return [Section(SectionKind.OTHER, phrases.say(lang, "heading.other"), (sentence,))]


def _live_questions(lang: Language, visible: Sequence[SummaryItem]) -> list[Section]:
    questions = [item for item in visible if item.channel is Channel.LIVE_QUESTION]
    if not questions:
        return []
    answered = sum(1 for item in questions if item.answered)
    if answered:
        line = phrases.say(
            lang, "live.answered", len(questions), answered=phrases.number(lang, answered)
        )
    else:
        line = phrases.say(lang, "live.none_answered", len(questions))
    sentences = [Sentence(line, _ids(questions))]
    quotable = [item for item in questions if text.normalise_space(item.text)]
    top = sorted(quotable, key=lambda item: (-item.support, item.id))[:TOP_LIVE_QUESTIONS]
    for item in top:
        quote = phrases.quote(lang, text.trim_quote(item.text))
        if item.support > 0:
            line = phrases.say(lang, "live.supported", item.support, quote=quote)
        else:
            line = phrases.say(lang, "live.question", quote=quote)
        sentences.append(Sentence(line, (item.id,)))
        if item.answered and len(questions) > 1:
            sentences.append(Sentence(phrases.say(lang, "live.was_answered"), (item.id,)))
    heading = phrases.say(lang, "heading.live_questions")
    return [Section(SectionKind.LIVE_QUESTIONS, heading, tuple(sentences))]


def _survey(
    lang: Language, highlights: Sequence[SurveyHighlight], visible_ids: set[int]
) -> list[Section]:
    sentences = []
    for highlight in highlights:
        # Sources must be visible contributions; a highlight resting on none is not shown.
        sources = tuple(i for i in highlight.source_ids if i in visible_ids)
        if not sources and not highlight.link:
            continue
        # Decide on the shown (rounded) figure, so "Większość" never stands beside "50%".
        shown = round(highlight.percent)
        if shown > 50:
            key = "survey.majority"
        elif shown == 50:
            key = "survey.half"
        else:
            key = "survey.plurality"
        share = phrases.percent(lang, highlight.percent)
        if highlight.respondents:
            share = phrases.say(lang, "survey.share", highlight.respondents, percent=share)
        line = phrases.say(
            lang,
            key,
            share=share,
            option=phrases.quote(lang, text.trim_quote(highlight.option)),
            question=phrases.quote(lang, text.trim_quote(highlight.question)),
        )
        sentences.append(Sentence(line, sources, highlight.link))
    if not sentences:
        return []
    return [Section(SectionKind.SURVEY, phrases.say(lang, "heading.survey"), tuple(sentences))]


def _meetings(lang: Language, visible: Sequence[SummaryItem]) -> list[Section]:
    notes: dict[str | None, list[SummaryItem]] = defaultdict(list)
    for item in visible:
        if item.channel is Channel.MEETING_NOTE:
            title = text.normalise_space(item.meeting_title or "") or None
            notes[title].append(item)
    # Meetings in the order they happened; untitled notes last.
    order = sorted(
        notes.items(),
        key=lambda kv: (kv[0] is None, min(item.created_at for item in kv[1]), kv[0] or ""),
    )
    sections = []
    for title, members in order:
        sentences = [Sentence(phrases.say(lang, "meeting.count", len(members)), _ids(members))]
        quotable = [item for item in members if text.normalise_space(item.text)]
        points = sorted(quotable, key=lambda item: (-item.support, item.created_at, item.id))
        for item in points[:POINTS_PER_MEETING]:
            quote = phrases.quote(lang, text.trim_quote(item.text))
            sentences.append(Sentence(phrases.say(lang, "meeting.point", quote=quote), (item.id,)))
        if title is None:
            heading = phrases.say(lang, "heading.meeting_untitled")
        elif title.casefold().startswith(phrases.say(lang, "meeting.word")):
            heading = title  # "Spotkanie: Spotkanie w CAO" says it twice
        else:
            heading = phrases.say(lang, "heading.meeting", title=title)
        sections.append(Section(SectionKind.MEETING, heading, tuple(sentences)))
    return sections


def count_words(sentence: str) -> int:
    """Words outside quotations, as the plain-language rule (≤ 15 words) counts them."""
    outside = []
    depth = 0
    for char in sentence:
        if char in "„“":
            depth += 1
        elif char == "”" and depth:
            depth -= 1
        elif not depth:
            outside.append(char)
    # Punctuation left between or after quotations (".", "–") is not a word, and a number with
    # a no-break thousands separator ("1 234") is one.
    words = _WORD_GAP.split("".join(outside))
    return sum(1 for word in words if any(c.isalnum() for c in word))
