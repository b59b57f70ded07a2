"""Split text into sentences and words, keeping character offsets into the original string.

A sentence ends at . ! ? … before a capital letter, a digit or the end of the text (not after an
abbreviation), at a blank line, at each list item and after a short heading line.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import NamedTuple

from deliberation.readability.language import Language
from deliberation.readability.lexicon import ABBREVIATIONS, NUMERIC_ABBREVIATIONS

_LETTER = r"[^\W\d_]"
_ALNUM = r"[^\W_]"
# A word: letters and digits joined by inner hyphens or apostrophes ("e-mail", "don't"), a number
# with separators ("15.06.2024", "1,5", "10:30"), or a dotted abbreviation ("m.in.", "e.g.").
WORD_PATTERN = (
    rf"(?:{_LETTER}{{1,3}}\.)+{_LETTER}{{1,3}}\.?(?!{_ALNUM})"
    rf"|{_ALNUM}+(?:(?:[-'’]|(?<=\d)[.,:/](?=\d)){_ALNUM}+)*"
)
WORD = re.compile(WORD_PATTERN)
_CLOSERS = "\"'”’»)]"
_TOKENS = re.compile(
    rf"""
    (?P<bullet>^[ \t]*(?:[-*•–—·▪◦‣►]|\d{{1,3}}[.)]|[a-z]\))[ \t]+)
    |(?P<para>\r?\n(?:[ \t\r]*\n)+)
    |(?P<nl>\r?\n)
    |(?P<word>{WORD_PATTERN})
    |(?P<punct>[.!?…]+[{re.escape(_CLOSERS)}]*)
    """,
    re.MULTILINE | re.VERBOSE,
)
_NEXT_CHAR = re.compile(r"\s*(\S)")
# A line this short, without final punctuation and followed by a capital, is a heading.
HEADING_MAX_CHARS = 60


class Word(NamedTuple):
    start: int
    end: int
    text: str
    lower: str


class Sentence(NamedTuple):
    start: int
    end: int
    first: int  # index of its first word
    stop: int  # index after its last word

    @property
    def word_count(self) -> int:
        return self.stop - self.first


@dataclass(frozen=True)
class Segmentation:
    text: str
    words: list[Word]
    lowers: list[str]  # lowers[i] == words[i].lower, as a plain list for the matchers
    sentences: list[Sentence]
    # linked[i]: word i follows word i-1 in the same sentence with only white space between
    # them, so a phrase may run across the two.
    linked: list[bool]
    # starts[i]: word i opens a sentence (a capital there says nothing about a proper name).
    starts: list[bool]


def segment(text: str, language: Language) -> Segmentation:
    words: list[Word] = []
    sentences: list[Sentence] = []
    first = 0  # the first word of the sentence still open
    line_start = 0
    in_item = False

    def close(end: int) -> None:
        nonlocal first
        if len(words) > first:
            sentences.append(Sentence(words[first].start, end, first, len(words)))
            first = len(words)

    for match in _TOKENS.finditer(text):
        kind = match.lastgroup
        if kind == "word":
            token = match.group()
            start, end = match.span()
            words.append(Word(start, end, token, token.lower()))
        elif kind == "punct":
            if len(words) > first and _ends_sentence(text, match, words[-1], language):
                close(match.end())
        elif kind == "nl":
            next_lower = _next_is_lower(text, match.end())
            if len(words) > first and not next_lower:
                line = text[line_start : match.start()].strip()
                if in_item or _is_heading(line):
                    close(words[-1].end)
            in_item = in_item and next_lower  # a lower-case line continues a list item
            line_start = match.end()
        elif kind == "para":
            if words:
                close(words[-1].end)
            in_item = False
            line_start = match.end()
        else:  # a list item starts
            if words:
                close(words[-1].end)
            in_item = True
    if words:
        close(words[-1].end)
    lowers = [word.lower for word in words]
    return Segmentation(text, words, lowers, sentences, *_links(text, words, sentences))


def _links(
    text: str, words: list[Word], sentences: list[Sentence]
) -> tuple[list[bool], list[bool]]:
    linked = [False] * len(words)
    starts = [False] * len(words)
    for sentence in sentences:
        starts[sentence.first] = True
        for i in range(sentence.first + 1, sentence.stop):
            linked[i] = text[words[i - 1].end : words[i].start].isspace()
    return linked, starts


def _next_is_lower(text: str, pos: int) -> bool:
    following = _NEXT_CHAR.match(text, pos)
    return following is not None and following.group(1).islower()


def _is_heading(line: str) -> bool:
    return 0 < len(line) <= HEADING_MAX_CHARS and (line[-1].isalnum() or line[-1] in _CLOSERS)


def _ends_sentence(text: str, punct: re.Match[str], previous: Word, language: Language) -> bool:
    end = punct.end()
    if end < len(text) and not text[end].isspace():
        return False  # "1.5", "koniec.Nowe": not a sentence break we can trust
    following = _NEXT_CHAR.match(text, end)
    if following is None:
        return True
    next_char = following.group(1)
    if next_char.islower() or next_char in ",;:":
        return False
    if punct.group().rstrip(_CLOSERS) != "." or previous.end != punct.start():
        return True
    return not is_abbreviation(previous.text, next_char, language)


def is_abbreviation(word: str, next_char: str, language: Language) -> bool:
    """Whether a full stop right after `word` belongs to it ("ul.", "np.", "J. Kowalski")."""
    lower = word.lower()
    # "OK." is not "ok." (około); "Np." at a sentence start is still "np."
    if word != lower and word[1:] != lower[1:]:
        return False
    if lower in ABBREVIATIONS[language]:
        return True
    if lower in NUMERIC_ABBREVIATIONS[language] and next_char.isdigit():
        return True
    return len(word) == 1 and word.isupper()  # an initial: "prezydent M. Woźniak"
