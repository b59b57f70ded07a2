"""Text tools: lazy lemmatizer, key lemmas and quote trimming."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

from deliberation.summary.text import ELLIPSIS, key_lemmas, trim_quote

REPO = Path(__file__).resolve().parents[2]


def test_short_text_is_kept_on_one_line() -> None:
    assert trim_quote("  Więcej\nlamp.  ") == "Więcej lamp."


def test_long_text_is_cut_at_a_word_boundary() -> None:
    text = "Latarnie przy stawie nie działają od dwóch lat, " * 6
    trimmed = trim_quote(text)
    assert len(trimmed) <= 140
    assert trimmed.endswith(ELLIPSIS)
    body = trimmed.removesuffix(ELLIPSIS)
    assert text.startswith(body)
    assert text[len(body)] in " ,"  # the cut fell between words
    assert not body.endswith(",")


def test_exactly_140_characters_stay_whole() -> None:
    text = ("a" * 9 + " ") * 13 + "b" * 10
    assert len(text) == 140
    assert trim_quote(text) == text


def test_one_endless_word_is_still_cut() -> None:
    trimmed = trim_quote("x" * 300)
    assert len(trimmed) == 140
    assert trimmed.endswith(ELLIPSIS)


def test_key_lemmas_fold_inflection_synonyms_and_drop_stop_words() -> None:
    lemmas = key_lemmas("Proszę, więcej lamp! Latarnie przy stawie nie działają.", "pl")
    assert "oświetlenie" in lemmas  # "lamp" and "latarnie" are one topic
    assert lemmas.count("oświetlenie") == 1
    assert "staw" in lemmas
    assert not {"proszę", "prosić", "więcej", "nie", "przy"} & set(lemmas)


def test_key_lemmas_join_forms_of_one_word() -> None:
    first = key_lemmas("Wybieg dla psów", "pl")
    second = key_lemmas("wybiegu dla psa", "pl")
    assert set(first) == set(second) == {"wybieg", "pies"}


def _run(code: str) -> str:
    result = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)],
        cwd=REPO,
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
    )
    return result.stdout.strip()


def test_importing_and_facilitator_themes_never_load_simplemma() -> None:
    out = _run(
        """
        import sys
        from datetime import datetime
        import deliberation.summary as s
        loaded_at_import = "simplemma" in sys.modules
        item = s.SummaryItem(id=1, channel="email", text="Więcej lamp.", themes=("światło",),
                             created_at=datetime(2025, 1, 1))
        s.generate_summary([item], language="pl")
        print(loaded_at_import, "simplemma" in sys.modules)
        """
    )
    assert out == "False False"


def test_automatic_themes_load_the_lemmatizer_once() -> None:
    out = _run(
        """
        from datetime import datetime
        import deliberation.summary as s
        from deliberation.summary import text
        items = [s.SummaryItem(id=i, channel="email", text="Więcej lamp w parku.",
                               created_at=datetime(2025, 1, 1)) for i in range(3)]
        s.generate_summary(items, language="pl")
        s.generate_summary(items, language="en")
        from deliberation import lemmas
        info = lemmas._load.cache_info()
        print(info.misses, info.hits)
        """
    )
    misses, hits = out.split()
    assert misses == "1"
    assert int(hits) > 0
