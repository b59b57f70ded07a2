"""Automatic safeguards that hold a contribution for a moderator instead of rejecting it.

Blocked words, too many links and (near-)duplicates; every verdict is a code, never text.
"""

from __future__ import annotations

import functools
import hashlib
import itertools
import re
import unicodedata
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from enum import StrEnum
from importlib import resources
from typing import TYPE_CHECKING, Literal

from deliberation.lemmas import lemmatizer

if TYPE_CHECKING:
    from simplemma import Lemmatizer


class Reason(StrEnum):
    BLOCKED_WORD = "blocked_word"
    TOO_MANY_LINKS = "too_many_links"
    DUPLICATE = "duplicate"


@dataclass(frozen=True, slots=True)
class BlockedHit:
    start: int
    end: int
    entry: str


@dataclass(frozen=True, slots=True)
class Screening:
    reasons: tuple[Reason, ...]
    hits: tuple[BlockedHit, ...] = ()
    links: int = 0

    @property
    def hold(self) -> bool:
        return bool(self.reasons)


# --- text folding ----------------------------------------------------------------------------

_INVISIBLE = "\u00ad\u200b\u200c\u200d\u2060\ufeff"  # soft hyphen, zero-width chars, BOM
# Regexes and str.replace rather than str.translate: translate looks every character of a
# non-ASCII text up in Python, ten times slower on a 500-character Polish post.
_INVISIBLE_RE = re.compile(f"[{_INVISIBLE}]")
# Letters that do not decompose under NFD, so stripping combining marks would keep them.
_UNDECOMPOSABLE = tuple(zip("łŁđĐøØħĦı", "lLdDoOhHi", strict=True))
_COMBINING = re.compile("[\u0300-\u036f\u1ab0-\u1aff\u1dc0-\u1dff\u20d0-\u20ff\ufe20-\ufe2f]")
# Digits and symbols swapped for letters ("k0rw4", "$hit"); "*" becomes the wildcard "?".
_SWAPS = str.maketrans("013457@$*", "oieastas?")
# Cyrillic and Greek look-alikes of Latin letters, applied only to mixed-script words so that
# Ukrainian or Russian text written by residents is left alone.
_HOMOGLYPHS = str.maketrans("аеорсухкіјѕοα", "aeopcyxkijsoa")
_HOMOGLYPH_CHARS = frozenset("аеорсухкіјѕοα")


def _fold_diacritics(text: str) -> str:
    """Strip accents: "Żółć" -> "Zolc" (case is kept)."""
    if text.isascii():
        return text
    for letter, plain in _UNDECOMPOSABLE:
        text = text.replace(letter, plain)
    return _COMBINING.sub("", unicodedata.normalize("NFD", text))


def _literal(raw: str) -> str:
    """A token as the writer meant it: lower case, compatibility forms and swaps undone."""
    text = _INVISIBLE_RE.sub("", unicodedata.normalize("NFKC", raw)).casefold()
    mixed = not text.isascii() and any("a" <= c <= "z" for c in text)
    if mixed and any(c in _HOMOGLYPH_CHARS for c in text):
        text = text.translate(_HOMOGLYPHS)
    return text.translate(_SWAPS)


# --- blocked words -------------------------------------------------------------------------

_Kind = Literal["word", "prefix", "infix"]
# Word characters plus look-alike symbols, invisible characters and combining accents;
# underscores are turned into spaces before matching (same length, so offsets hold).
_TOKEN = re.compile(f"[\\w@$*{_INVISIBLE}\u0300-\u036f]+")
# Between single characters, spaces and separators hide a word: "k u r w a", "k.u.r.w.a".
_SPACED_GAP = re.compile(r"(?:[^\S\n]|[-._|·•~'\u2019,+/\\]){1,3}")
# Inside a word, marks that real words do not contain; hyphens are left out because Polish
# compounds ("biało-czerwony") would otherwise be glued together.
_INWORD_GAP = re.compile(r"[._|·•~'\u2019]{1,2}")
_INWORD_CHARS = frozenset("._|·•~'\u2019")
# Where either kind of split may be: a quick scan so that ordinary prose skips the word-by-word
# join logic.
_SPLIT_WORD = re.compile(
    r"(?<![\w@$*])(?:[\w@$](?:(?:[^\S\n]|[-.|·•~'\u2019,+/\\]){1,3}[\w@$](?![\w@$*]))+"
    r"|[\w@$*]++(?:[.|·•~'\u2019]{1,2}[\w@$*]++)+)"  # possessive: no backtracking per letter
)
# Runs of one letter are cut to this length before matching: no entry needs more, and an
# unbounded "kkkk…" would make the stretch patterns backtrack quadratically.
_MAX_RUN = 3
# No inflected form of a listed word is longer; longer tokens skip the lemma lookup.
_MAX_LEMMA_LENGTH = 40
_VERDICT_CACHE_SIZE = 50_000
_MAX_CACHED_TOKEN = 64


_LOADED: set[tuple[str, ...]] = set()


def _lemmatizer(languages: tuple[str, ...]) -> Lemmatizer:
    loaded = lemmatizer(*languages)
    _LOADED.add(languages)
    return loaded


def _parse_entry(entry: str) -> tuple[_Kind, str]:
    """Split a list entry into its kind and its literal stem; raise ValueError if unusable."""
    text = entry.strip()
    if len(text) > 2 and text.startswith("*") and text.endswith("*"):
        kind: _Kind = "infix"
        body = text[1:-1]
    elif text.endswith("*"):
        kind, body = "prefix", text[:-1]
    else:
        kind, body = "word", text
    literal = _literal(body)
    if not literal.isalpha():
        raise ValueError(f"blocked-word entry {entry!r}: expected letters with an optional *")
    if kind != "word" and len(literal) < 3:
        raise ValueError(
            f"blocked-word entry {entry!r}: stems shorter than 3 letters match too much"
        )
    return kind, literal


def _stretch_pattern(key: str, *, wildcard: bool) -> str:
    """Regex for a key whose letters may be repeated ("kuuurwa") or replaced by "?" ("k?rwa")."""
    parts = []
    for char, run in itertools.groupby(key):
        letter = f"[{re.escape(char)}?]" if wildcard else re.escape(char)
        count = min(len(list(run)), _MAX_RUN)
        parts.append(letter + ("+" if count == 1 else f"{{{count},}}"))
    return "".join(parts)


def _cap_runs(text: str, limit: int) -> str:
    return re.sub(rf"(.)\1{{{limit},}}", lambda m: m.group(1) * limit, text)


class _Alternatives:
    """One compiled regex per entry kind; the matching group tells which entry it was."""

    def __init__(self, entries: Sequence[tuple[str, str]], *, wildcard: bool) -> None:
        self.labels = [label for label, _ in entries]
        body = "|".join(f"({_stretch_pattern(key, wildcard=wildcard)})" for _, key in entries)
        self.regex = re.compile(body) if entries else None

    def find(self, key: str, how: Literal["fullmatch", "match", "search"]) -> str | None:
        if self.regex is None:
            return None
        found: re.Match[str] | None = getattr(self.regex, how)(key)
        if found is None or found.lastindex is None:
            return None
        return self.labels[found.lastindex - 1]


class BlockedWords:
    """Finds blocked words however they are inflected, accented, cased or disguised.

    Entries: ``word`` (every inflected form, via lemmas), ``stem*`` (words starting with it),
    ``*stem*`` (words containing it). Allow entries name real words, matched case-insensitively
    but with their diacritics, so "pierdoła" can be allowed while "pierdola" is not.
    """

    def __init__(
        self,
        entries: Iterable[str],
        *,
        allow: Iterable[str] = (),
        languages: Sequence[str] = ("pl", "en"),
    ) -> None:
        self.languages = tuple(languages)
        kinds: dict[_Kind, list[tuple[str, str]]] = {"word": [], "prefix": [], "infix": []}
        for entry in entries:
            kind, literal = _parse_entry(entry)
            kinds[kind].append((entry.strip(), _fold_diacritics(literal)))
        self._plain = {k: _Alternatives(v, wildcard=False) for k, v in kinds.items()}
        self._wild = {k: _Alternatives(v, wildcard=True) for k, v in kinds.items()}
        self._word_lemmas = {key: label for label, key in kinds["word"]}
        # Inflection keeps the first two letters of every listed word, so tokens starting
        # otherwise skip the lemma lookup (most of them).
        self._lemma_heads = frozenset(_cap_runs(key, 1)[:2] for key in self._word_lemmas)
        allowed: dict[_Kind, set[str]] = {"word": set(), "prefix": set(), "infix": set()}
        for entry in allow:
            kind, literal = _parse_entry(entry)
            allowed[kind].add(literal)
        self._allow_words = frozenset(allowed["word"])
        self._allow_prefixes = tuple(sorted(allowed["prefix"]))
        self._allow_infixes = tuple(sorted(allowed["infix"]))
        self._verdicts: dict[str, str] = {}

    @classmethod
    def from_lines(
        cls, lines: Iterable[str], *, languages: Sequence[str] = ("pl", "en")
    ) -> BlockedWords:
        """Parse the editable list format: one entry a line, ``#`` comments, ``!`` allows."""
        entries: list[str] = []
        allow: list[str] = []
        for line in lines:
            text = line.strip()
            if text and not text.startswith("#"):
                (allow if text.startswith("!") else entries).append(text.removeprefix("!"))
        return cls(entries, allow=allow, languages=languages)

    @classmethod
    def default(cls, languages: Sequence[str] = ("pl", "en")) -> BlockedWords:
        """The lists shipped in ``moderation/blocked_words/<language>.txt``."""
        folder = resources.files(__package__ or "moderation") / "blocked_words"
        lines: list[str] = []
        for language in languages:
            lines += (folder / f"{language}.txt").read_text(encoding="utf-8").splitlines()
        return cls.from_lines(lines, languages=languages)

    def warm_up(self) -> None:
        """Load the lemma data now (call at start-up, off the event loop) if any entry needs it."""
        if self._word_lemmas or self._allow_words:
            _lemmatizer(self.languages)

    @property
    def ready(self) -> bool:
        """Whether checking a text is quick: no lemma data left to load first."""
        return not (self._word_lemmas or self._allow_words) or self.languages in _LOADED

    def check(self, text: str) -> list[BlockedHit]:
        """Every blocked word in ``text``, in order, with offsets into ``text``."""
        spaced = text.replace("_", " ")  # same length, so offsets still point into text
        words = _TOKEN.findall(spaced)
        # Fast path for the usual post: every word already judged and none blocked.
        verdicts = list(map(self._verdicts.get, words))
        if None in verdicts:
            verdicts = [self._judge(word) for word in words]
        hits = []
        if any(verdicts):
            hits = [
                BlockedHit(*_strip_stars(found)[:2], entry)
                for found in _TOKEN.finditer(spaced)
                if (entry := self._judge(found.group()))
            ]
        word_hits = list(hits)
        for region in _SPLIT_WORD.finditer(spaced):
            tokens = [_strip_stars(found) for found in _TOKEN.finditer(spaced, *region.span())]
            for start, end, joined in _joined_runs(spaced, tokens):
                if any(h.start < end and start < h.end for h in word_hits):
                    continue  # the plain word is already reported with tighter offsets
                if entry := self._judge(joined):
                    hits.append(BlockedHit(start, end, entry))
        return sorted(hits, key=lambda hit: hit.start)

    def _judge(self, raw: str) -> str:
        """The entry a token matches, or "" (not None: that marks "unseen" in the cache)."""
        verdict = self._verdicts.get(raw)
        if verdict is not None:
            return verdict
        literal = _literal(raw.strip("*"))
        verdict = "" if self._allowed_literally(literal) else self._match(literal) or ""
        allow_words = self._allow_words
        if verdict and allow_words and any(map(allow_words.__contains__, self._lemmas(literal))):
            verdict = ""
        if len(raw) <= _MAX_CACHED_TOKEN:  # a flood of long junk tokens must not fill memory
            if len(self._verdicts) >= _VERDICT_CACHE_SIZE:
                self._verdicts.clear()
            self._verdicts[raw] = verdict
        return verdict

    def _allowed_literally(self, literal: str) -> bool:
        return (
            not literal
            or literal in self._allow_words
            or literal.startswith(self._allow_prefixes)
            or any(infix in literal for infix in self._allow_infixes)
        )

    def _match(self, literal: str) -> str | None:
        key = _cap_runs(_fold_diacritics(literal), _MAX_RUN)
        wildcards = key.count("?")
        if wildcards:
            # A mostly starred word ("k***a") carries too little to hold anyone for it, and
            # unanchored stems would match any starred word, so anchor them at the start.
            if wildcards * 2 >= len(key):
                return None
            table = self._wild
            return (
                table["word"].find(key, "fullmatch")
                or table["prefix"].find(key, "match")
                or table["infix"].find(key, "match")
            )
        found = (
            self._plain["word"].find(key, "fullmatch")
            or self._plain["prefix"].find(key, "match")
            or self._plain["infix"].find(key, "search")
        )
        if found is None and _cap_runs(key, 1)[:2] in self._lemma_heads:
            lemmas = (_fold_diacritics(lemma) for lemma in self._lemmas(literal))
            found = next((self._word_lemmas[x] for x in lemmas if x in self._word_lemmas), None)
        return found

    def _lemmas(self, literal: str) -> Iterator[str]:
        """Dictionary forms of the token and of its de-stretched spellings ("kuuurwy")."""
        if len(literal) > _MAX_LEMMA_LENGTH or not literal.isalpha():
            return
        lemmatizer = _lemmatizer(self.languages)
        for variant in dict.fromkeys((literal, _cap_runs(literal, 2), _cap_runs(literal, 1))):
            for language in self.languages:
                yield lemmatizer.lemmatize(variant, language).casefold()


_Token = tuple[int, int, str]


def _strip_stars(found: re.Match[str]) -> _Token:
    """A word's offsets without edge stars: "*" is a letter only inside one ("f***", "**a**")."""
    start, end, raw = found.start(), found.end(), found.group()
    if raw[0] == "*" or raw[-1] == "*":
        stripped = raw.strip("*")
        start += len(raw) - len(raw.lstrip("*"))
        end, raw = start + len(stripped), stripped
    return start, end, raw


def _joined_runs(text: str, tokens: Sequence[_Token]) -> Iterator[_Token]:
    """Runs of tokens that separators split apart ("k.u.r.w.a", "ku.rwa"), glued back."""
    run: list[_Token] = []
    for token in tokens:
        if run and _joinable(text, run[-1], token):
            run.append(token)
            continue
        if len(run) > 1:
            yield run[0][0], run[-1][1], "".join(raw for _, _, raw in run)
        run = [token]
    if len(run) > 1:
        yield run[0][0], run[-1][1], "".join(raw for _, _, raw in run)


def _joinable(text: str, left: _Token, right: _Token) -> bool:
    short = min(len(left[2]), len(right[2]))
    if short == 1 and len(left[2]) == len(right[2]):
        return _SPACED_GAP.fullmatch(text, left[1], right[0]) is not None
    # One short side keeps "moje.Bardzo" (a missed space) from reading as "...jeb...".
    return (
        short <= 2
        and text[left[1]] in _INWORD_CHARS
        and _INWORD_GAP.fullmatch(text, left[1], right[0]) is not None
    )


# --- links ---------------------------------------------------------------------------------

# Common TLDs; two-letter ones that are everyday Polish or English words (to, co, no, me, do,
# in) and file extensions (zip, mov, md) are left out so that sloppy typing is not a "link".
_TLDS = (
    "com|net|org|info|biz|edu|gov|eu|pl|de|uk|ru|ua|by|cz|sk|lt|lv|ee|fr|it|es|nl|be|at|ch|se|"
    "dk|fi|ie|pt|gr|hu|ro|bg|hr|si|rs|us|ca|au|cn|jp|kr|tw|hk|io|ai|app|dev|xyz|online|site|"
    "top|shop|store|club|live|pro|tv|cc|ly|gl|gg|tk|ml|ga|cf|gq|link|click|win|bid|icu|vip|fun|"
    "space|website|news|tech|blog|cloud|ws|su|рф|укр"
)
_URL = re.compile(
    r"(?:https?|ftp)://[^\s<>\"']+"
    r"|www\d{0,3}\.[^\s<>\"']+"
    r"|(?<![\w.@/-])(?:[^\W_][\w-]*+\.)+"
    r"(?:" + _TLDS + r"|xn--[a-z0-9-]+)(?![\w-])(?:[/?#:][^\s<>\"']*)?",
    re.IGNORECASE,
)
# Ways to write a dot that a browser or a reader still takes for one.
_DEFANGED_DOT = re.compile(r"[\[({](?:\.|dot)[\])}]", re.IGNORECASE)


def count_links(text: str) -> int:
    """How many URLs the text carries (schemes, www., bare domains; e-mails are not links)."""
    text = _INVISIBLE_RE.sub("", unicodedata.normalize("NFKC", text))
    text = _DEFANGED_DOT.sub(".", text.replace("\u3002", "."))  # NFKC leaves the ideographic stop
    # Links hold no spaces, so only the few words with a dot or "://" need the costly regex.
    return sum(len(_URL.findall(word)) for word in text.split() if "." in word or "://" in word)


# --- duplicates ----------------------------------------------------------------------------


# Words are runs of letters, digits and pictographs (arrows, dingbats, emoji); everything else
# separates them, so "👍" and "❤" stay different posts while "Tak!!!" and "tak" are one.
_DUPLICATE_WORD = re.compile("[\\w\u2190-\u2bff\U0001f000-\U0001faff]+")


def normalize_for_duplicates(text: str) -> str:
    """Text with case, accents, punctuation and spacing folded; emoji are kept."""
    text = _INVISIBLE_RE.sub("", unicodedata.normalize("NFKC", text).casefold())
    return " ".join(_DUPLICATE_WORD.findall(_fold_diacritics(text).replace("_", " ")))


def fingerprint(text: str) -> str:
    """Stable sha256 hex digest of the normalized text."""
    return hashlib.sha256(normalize_for_duplicates(text).encode("utf-8")).hexdigest()


@functools.lru_cache(maxsize=4096)
def _shingles(text: str) -> frozenset[str]:
    # Single words and word pairs: one changed word in a post of 30+ words still scores
    # >= 0.9, while pairs keep "A is better than B" apart from "B is better than A".
    words = normalize_for_duplicates(text).split()
    return frozenset(itertools.chain(words, map(" ".join, itertools.pairwise(words))))


def similarity(a: str, b: str) -> float:
    """Jaccard similarity of word shingles, 0.0 to 1.0 (two empty texts are identical)."""
    return _jaccard(_shingles(a), _shingles(b))


def _jaccard(first: frozenset[str], second: frozenset[str]) -> float:
    if not first and not second:
        return 1.0
    common = len(first & second)
    return common / (len(first) + len(second) - common)


def _is_duplicate(text: str, recent_texts: Sequence[str], threshold: float) -> bool:
    shingles = _shingles(text)
    for other in recent_texts:
        other_shingles = _shingles(other)
        small, large = sorted((len(shingles), len(other_shingles)))
        if large and small < threshold * large:
            continue  # Jaccard can never exceed the ratio of the set sizes
        if _jaccard(shingles, other_shingles) >= threshold:
            return True
    return False


# --- verdict -------------------------------------------------------------------------------


def screen(
    text: str,
    *,
    blocked: BlockedWords,
    max_links: int,
    recent_texts: Sequence[str],
    near_duplicate_threshold: float = 0.9,
) -> Screening:
    """Decide whether ``text`` waits for a moderator, and why; nothing is rejected here.

    ``recent_texts`` are the posts to compare with (the author's or the thread's latest),
    not including this one.
    """
    if max_links < 0:
        raise ValueError(f"max_links must be >= 0, got {max_links}")
    if not 0.0 < near_duplicate_threshold <= 1.0:
        raise ValueError(
            f"near_duplicate_threshold must be in (0, 1], got {near_duplicate_threshold}"
        )
    hits = tuple(blocked.check(text))
    links = count_links(text)
    reasons: list[Reason] = []
    if hits:
        reasons.append(Reason.BLOCKED_WORD)
    if links > max_links:
        reasons.append(Reason.TOO_MANY_LINKS)
    if _is_duplicate(text, recent_texts, near_duplicate_threshold):
        reasons.append(Reason.DUPLICATE)
    return Screening(reasons=tuple(reasons), hits=hits, links=links)
