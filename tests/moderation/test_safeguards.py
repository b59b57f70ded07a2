"""Tests for moderation.safeguards: blocked words, link counting, duplicates and screen()."""

from __future__ import annotations

import hashlib
import subprocess
import sys
from pathlib import Path

import pytest

from moderation.safeguards import (
    BlockedHit,
    BlockedWords,
    Reason,
    count_links,
    fingerprint,
    normalize_for_duplicates,
    screen,
    similarity,
)

ROOT = Path(__file__).resolve().parents[2]


def fullwidth(text: str) -> str:
    """ASCII letters and punctuation as their fullwidth forms (U+FF01-U+FF5E)."""
    return "".join(chr(ord(char) + 0xFEE0) for char in text)


# About forty words, the length of an ordinary consultation remark.
POST = (
    "Proponuję, aby w parku przy ulicy Kościuszki postawić więcej ławek i koszy na śmieci. "
    "Mieszkańcy Gołonoga od lat proszą też o bezpieczne przejście dla pieszych obok szkoły, "
    "bo rano dzieci przechodzą między samochodami. Dobrze byłoby dodać oświetlenie alejek, "
    "stojaki na rowery i kilka drzew od strony parkingu."
)


@pytest.fixture(scope="module")
def blocked() -> BlockedWords:
    return BlockedWords.default()


def entries(blocked: BlockedWords, text: str) -> list[str]:
    return [hit.entry for hit in blocked.check(text)]


# --- blocked words: what must be held ------------------------------------------------------


@pytest.mark.parametrize(
    ("word", "entry"),
    [
        ("kurwa", "*kurw*"),
        ("kurwy", "*kurw*"),
        ("kurwą", "*kurw*"),
        ("kurwie", "*kurw*"),
        ("kurwo", "*kurw*"),
        ("kurew", "kurew*"),
        ("skurwysyna", "*kurw*"),
        ("wkurwia", "*kurw*"),
        ("chuj", "chuj*"),
        ("chuja", "chuj*"),
        ("chujem", "chuj*"),
        ("chujowy", "chuj*"),
        ("spierdalaj", "*pierdal*"),
        ("wypierdalać", "*pierdal*"),
        ("pierdolę", "*pierdol*"),
        ("zajebisty", "*jeb*"),
        ("jebany", "*jeb*"),
        ("pizdą", "pizd*"),
        # Whole words are found through their dictionary form.
        ("suki", "suka"),
        ("sukę", "suka"),
        ("cioty", "ciota"),
        ("rucham", "ruchać"),
        ("ruchała", "ruchać"),
        ("kutasa", "kutas"),
        ("sukinsyna", "sukinsyn"),
        ("huja", "huj"),
    ],
)
def test_polish_inflected_forms_are_held(blocked: BlockedWords, word: str, entry: str) -> None:
    assert blocked.check(f"Ty {word}!") == [BlockedHit(3, 3 + len(word), entry)]


@pytest.mark.parametrize(
    ("word", "entry"),
    [
        ("fuck", "*fuck*"),
        ("fucking", "*fuck*"),
        ("motherfuckers", "*fuck*"),
        ("shitty", "shit*"),
        ("cunts", "cunt*"),
        ("bitches", "bitch*"),
        ("assholes", "asshole"),
        ("faggots", "faggot"),
        ("retarded", "retard"),
        ("wanking", "wank"),
        ("wankers", "wanker"),
    ],
)
def test_english_inflected_forms_are_held(blocked: BlockedWords, word: str, entry: str) -> None:
    assert entries(blocked, f"what a {word} idea") == [entry]


@pytest.mark.parametrize(
    "text",
    ["KURWA", "KuRwĄ", "kurwa", "SPIERDALAĆ", "spierdalac", "RUCHAĆ", "ruchac", "PIERDOLĘ"],
)
def test_case_and_polish_letters_do_not_matter(blocked: BlockedWords, text: str) -> None:
    assert blocked.check(text)


@pytest.mark.parametrize(
    "text",
    [
        "kuuurwa",  # stretched letters
        "kurwaaaa",
        "fuuuuck",
        "asssssshole",
        "k.u.r.w.a",  # separators
        "k u r w a",
        "k-u-r-w-a",
        "k_u_r_w_a",
        "k|u|r|w|a",
        "ku.rwa",
        "kurw4",  # digit and symbol swaps
        "j3bać",
        "p1zda",
        "$hit",
        "sh1t",
        "f@ggot",
        "b0llocks",
        "k*rwa",  # a star for one letter
        "ch*j",
        "f*ck",
        fullwidth("kurwa"),
        "kurw\u0430",  # Cyrillic a
        "ku\u200brwa",  # zero-width space
        "ku\u00adrwa",  # soft hyphen
        "kurwa\u0328",  # decomposed ą
    ],
)
def test_obfuscations_are_held(blocked: BlockedWords, text: str) -> None:
    assert blocked.check(f"no to {text} jest"), text


@pytest.mark.parametrize(
    "text",
    [
        "sukces",  # "suka" is a whole word, not a stem
        "sukienka",
        "ciotka",  # "ciota" likewise
        "ruch",
        "ruchami",  # "ruchać" would be a stem too close to "ruch"
        "cechuje",  # contains "chuj"; that is why "chuj*" is a prefix only
        "pierdoły",  # allowed, with its Polish letters
        "pierdoła",
        "ciułać",
        "Wańkowicza",  # a street; "wank" is a whole word, not a stem
        "pedał",  # left out: also a bicycle pedal
        "fagot",  # bassoon; "faggot" needs its double g
        "retardant",
        "Scunthorpe",
        "niggardly",  # allowed in en.txt
        "niggling",
        "shiitake",
        "moje.Bardzo",  # a missed space is not a split "jeb"
        "k***a",  # mostly stars: too little to go on
        "f***",
    ],
)
def test_innocent_words_are_not_held(blocked: BlockedWords, text: str) -> None:
    assert blocked.check(f"Uwaga: {text} w tekście.") == []


def test_allowed_words_keep_their_polish_letters(blocked: BlockedWords) -> None:
    # "pierdoły" (nonsense) is colloquial but fine; without its ł it reads as the vulgar stem.
    assert blocked.check("to są pierdoły") == []
    assert entries(blocked, "to są pierdoly") == ["*pierdol*"]


def test_ordinary_consultation_text_has_no_hits(blocked: BlockedWords) -> None:
    assert blocked.check(POST) == []
    assert blocked.check("Sukces projektu: ciotka z Sosnowca zagra na fagocie m.in. w parku.") == []


def test_hits_point_at_the_words_in_order(blocked: BlockedWords) -> None:
    text = "Ty **kurwo**, spierdalaj, k.u.r.w.a!"
    hits = blocked.check(text)
    assert [text[hit.start : hit.end] for hit in hits] == ["kurwo", "spierdalaj", "k.u.r.w.a"]
    assert [hit.entry for hit in hits] == ["*kurw*", "*pierdal*", "*kurw*"]


def test_very_long_runs_of_a_letter_are_still_read(blocked: BlockedWords) -> None:
    assert entries(blocked, "k" * 5000 + "urwa") == ["*kurw*"]
    assert entries(blocked, "k " * 2000 + "u r w a") == ["*kurw*"]
    assert blocked.check("a" * 5000) == []


# --- blocked words: configuration ----------------------------------------------------------


def test_from_lines_reads_comments_entries_and_allows() -> None:
    words = BlockedWords.from_lines(
        ["# comment", "", "  dupa  ", "gówn*", "!gown", "!gowns"], languages=("pl", "en")
    )
    assert entries(words, "w dupie") == ["dupa"]  # inflected: found through the lemma
    assert entries(words, "psie gówna") == ["gówn*"]
    assert entries(words, "psie gowna") == ["gówn*"]
    assert words.check("a long gown, two gowns") == []


def test_allow_entries_can_be_stems() -> None:
    words = BlockedWords(["dup*"], allow=["dupl*"], languages=("pl",))
    assert entries(words, "dupek") == ["dup*"]
    assert words.check("duplikat w dupleksie") == []


@pytest.mark.parametrize("entry", ["", "*", "ku*", "*ab*", "k*rwa", "two words", "a-b"])
def test_unusable_entries_are_rejected(entry: str) -> None:
    with pytest.raises(ValueError, match="blocked-word entry"):
        BlockedWords([entry])


def run_python(code: str) -> str:
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True
    )
    return done.stdout.strip()


def test_lemma_data_is_not_loaded_at_import_or_for_stems_only() -> None:
    code = (
        "import sys\n"
        "from moderation.safeguards import BlockedWords\n"
        "print('simplemma' in sys.modules)\n"
        "BlockedWords(['kurw*', '*jeb*']).check('kurwa jebana')\n"
        "print('simplemma' in sys.modules)\n"
    )
    assert run_python(code).split() == ["False", "False"]


# --- links ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "links"),
    [
        ("Zwykły tekst bez linków, m.in. o parku.", 0),
        ("Spotkanie o godz. 17.30, sala nr 3.14, plik raport.pdf i archiwum.zip", 0),
        ("Napisz: jan.kowalski@example.pl", 0),  # e-mail addresses are not links
        ("https://example.com", 1),
        ("HTTP://EXAMPLE.COM/Path?q=1", 1),
        ("Zobacz www.example.org oraz https://www.example.org/a.pl", 2),
        ("bip.dabrowa-gornicza.pl i dabrowa-gornicza.pl/konsultacje", 2),
        ("[link](https://example.com) <a href='http://evil.example/x'>x</a>", 2),
        ("spam.xyz spam.top spam.ru spam.com.pl", 4),
        ("Koniec zdania example.pl.", 1),
        (fullwidth("https://example.com"), 1),
        ("example。com", 1),  # ideographic full stop
        ("example\u200b.com", 1),  # zero-width space before the dot
        ("example[.]com and example(.)org", 2),  # defanged dots
        ("przykład.pl", 1),  # IDN
        ("xn--przykad-5ob.pl", 1),  # its punycode
        ("\u043f\u0440\u0438\u043c\u0435\u0440.\u0440\u0444 and xn--e1afmkfd.xn--p1ai", 2),
        ("https://example.com https://example.com https://example.com", 3),
    ],
)
def test_count_links(text: str, links: int) -> None:
    assert count_links(text) == links


# --- duplicates ----------------------------------------------------------------------------


def test_normalize_for_duplicates_folds_case_letters_spacing_and_punctuation() -> None:
    assert normalize_for_duplicates("  Zażółć,\n GĘŚLĄ   jaźń!!! ") == "zazolc gesla jazn"
    assert normalize_for_duplicates("Tak.") == normalize_for_duplicates("tak")
    assert normalize_for_duplicates("ta\u200bk") == "tak"


def test_fingerprint_is_sha256_of_the_normalized_text() -> None:
    assert fingerprint("TAK!!!") == hashlib.sha256(b"tak").hexdigest()
    assert fingerprint(POST) == fingerprint(POST.upper().replace(",", " , "))
    assert fingerprint(POST) != fingerprint(POST.replace("ławek", "drzew"))
    assert fingerprint("Popieram 100 zł") != fingerprint("Popieram 200 zł")


def test_fingerprint_keeps_emoji_apart() -> None:
    assert fingerprint("👍") != fingerprint("❤️")
    assert fingerprint("👍") == fingerprint("👍!")


def test_similarity_of_the_same_post_with_one_word_changed() -> None:
    changed = POST.replace("ławek", "koszy")
    assert 0.9 <= similarity(POST, changed) < 1.0
    assert similarity(POST, POST) == 1.0
    assert similarity(POST, POST.upper()) == 1.0


def test_similarity_of_different_posts() -> None:
    other = "Nie zgadzam się z budową parkingu, bo zabierze zieleń i miejsca do zabawy."
    assert similarity(POST, other) < 0.2
    # Short opinions that differ in one word are different opinions.
    assert similarity("Popieram wariant A", "Popieram wariant B") < 0.9
    # Word order counts: the same words can say the opposite.
    assert similarity("tramwaj lepszy niż autobus", "autobus lepszy niż tramwaj") < 0.9


def test_similarity_of_empty_texts() -> None:
    assert similarity("", "!!!") == 1.0
    assert similarity("", "tak") == 0.0


# --- screen() ------------------------------------------------------------------------------


def test_screen_passes_ordinary_text(blocked: BlockedWords) -> None:
    result = screen(POST, blocked=blocked, max_links=1, recent_texts=["Inny głos o parku."])
    assert result.hold is False
    assert result.reasons == ()


def test_screen_holds_blocked_words_with_hits(blocked: BlockedWords) -> None:
    result = screen("Ale k.u.r.w.a bałagan", blocked=blocked, max_links=1, recent_texts=[])
    assert result.hold is True
    assert result.reasons == ("blocked_word",)
    assert result.hits == (BlockedHit(4, 13, "*kurw*"),)


def test_screen_holds_too_many_links(blocked: BlockedWords) -> None:
    text = "Zobacz https://a.example.pl i www.b.example.pl"
    assert screen(text, blocked=blocked, max_links=2, recent_texts=[]).reasons == ()
    result = screen(text, blocked=blocked, max_links=1, recent_texts=[])
    assert result.reasons == ("too_many_links",)
    assert result.links == 2


def test_screen_holds_duplicates_and_near_duplicates(blocked: BlockedWords) -> None:
    recent = ["Inny głos.", POST]
    again = POST.upper().replace(".", "!")
    assert screen(again, blocked=blocked, max_links=5, recent_texts=recent).reasons == (
        "duplicate",
    )
    near = POST.replace("ławek", "koszy")
    assert screen(near, blocked=blocked, max_links=5, recent_texts=recent).hold
    strict = screen(
        near, blocked=blocked, max_links=5, recent_texts=recent, near_duplicate_threshold=1.0
    )
    assert strict.reasons == ()


def test_screen_reports_every_reason_in_a_fixed_order(blocked: BlockedWords) -> None:
    text = "kurwa https://a.pl https://b.pl"
    result = screen(text, blocked=blocked, max_links=1, recent_texts=[text])
    assert result.reasons == (Reason.BLOCKED_WORD, Reason.TOO_MANY_LINKS, Reason.DUPLICATE)
    assert [str(reason) for reason in result.reasons] == [
        "blocked_word",
        "too_many_links",
        "duplicate",
    ]


@pytest.mark.parametrize(("max_links", "threshold"), [(-1, 0.9), (1, 0.0), (1, 1.5), (1, -0.1)])
def test_screen_rejects_bad_settings(
    blocked: BlockedWords, max_links: int, threshold: float
) -> None:
    with pytest.raises(ValueError, match=r"max_links|near_duplicate_threshold"):
        screen(
            "tekst",
            blocked=blocked,
            max_links=max_links,
            recent_texts=[],
            near_duplicate_threshold=threshold,
        )
