"""Charts and readings of results: well-formed, accessible, escaped SVG and plain sentences."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest

from deliberation.i18n import language
from surveys.charts import (
    BACKGROUND,
    BAR_COLOUR,
    TEXT_COLOUR,
    bar_chart_svg,
    contrast_ratio,
    count_choices,
    count_scale,
    mean_reading,
    plain_reading,
    result_rows,
)
from surveys.definition import MultipleChoiceQuestion, Option, ScaleQuestion

SVG = "{http://www.w3.org/2000/svg}"
HOSTILE = '</text><script>alert("x")</script><text>& "quoted" \'single\''


def parse(svg: str) -> ET.Element:
    return ET.fromstring(svg)  # noqa: S314 - our own output, parsed to check it is well-formed


def texts(root: ET.Element) -> list[str]:
    return [element.text or "" for element in root.iter(f"{SVG}text")]


def bars(root: ET.Element) -> list[int]:
    return [int(rect.get("width", "0")) for rect in root.iter(f"{SVG}rect")][1:]


def test_chart_is_an_image_named_by_its_title_and_description() -> None:
    root = parse(bar_chart_svg("Do you visit?", "Answers of 40 people", [("Yes", 30)], total=40))
    assert root.tag == f"{SVG}svg"
    assert root.get("role") == "img"
    title, desc = root.find(f"{SVG}title"), root.find(f"{SVG}desc")
    assert title is not None and title.text == "Do you visit?"
    assert desc is not None and desc.text == "Answers of 40 people"
    assert root.get("aria-labelledby") == f"{title.get('id')} {desc.get('id')}"
    assert list(root)[:2] == [title, desc]  # first children, as screen readers expect


def test_bars_carry_labels_percentages_and_counts_as_text() -> None:
    with language("en"):
        root = parse(bar_chart_svg("T", "D", [("Yes", 31), ("No", 19)], total=50))
    assert texts(root) == ["Yes", "62% (31)", "No", "38% (19)"]
    yes, no = bars(root)
    assert yes > no > 0


def test_numbers_follow_the_language() -> None:
    root = parse(bar_chart_svg("T", "D", [("Tak", 1234), ("Nie", 766)], total=2000, language="pl"))
    assert texts(root)[1] == "62% (1\u00a0234)"
    root = parse(bar_chart_svg("T", "D", [("Yes", 1234)], total=2000, language="en"))
    assert texts(root)[1] == "62% (1,234)"


@pytest.mark.parametrize(
    ("count", "total", "percent"),
    [
        (31, 50, "62%"),
        (1, 3, "33%"),
        (1, 300, "0,3%"),  # not 0%: somebody did choose it
        (1, 2001, "<0,1%"),
        (299, 300, "99,7%"),  # not 100%: somebody did not
        (20000, 20001, ">99,9%"),
        (501, 1000, "50,1%"),  # not 50%: a majority
        (5001, 10000, ">50%"),
        (499, 1000, "49,9%"),
        (5, 10, "50%"),
        (0, 10, "0%"),
        (10, 10, "100%"),
        (0, 0, "0%"),
    ],
)
def test_percentages_never_round_into_a_falsehood(count: int, total: int, percent: str) -> None:
    assert result_rows([("A", count)], total, "pl")[0].percent == percent


def test_zero_counts_draw_no_bar_and_small_counts_a_sliver() -> None:
    root = parse(bar_chart_svg("T", "D", [("A", 0), ("B", 1), ("C", 999)], total=1000))
    assert bars(root)[0] == 0
    assert bars(root)[1] >= 2


def test_no_responses_still_draws_a_valid_chart() -> None:
    root = parse(bar_chart_svg("T", "D", [("A", 0), ("B", 0)], total=0, language="en"))
    assert texts(root) == ["A", "0% (0)", "B", "0% (0)"]


def test_hostile_text_is_escaped_not_executed() -> None:
    svg = bar_chart_svg(HOSTILE, HOSTILE, [(HOSTILE, 1)], total=1)
    root = parse(svg)
    assert "<script" not in svg
    assert all(element.tag.removeprefix(SVG) != "script" for element in root.iter())
    title = root.find(f"{SVG}title")
    assert title is not None and title.text == HOSTILE
    assert texts(root)[0] == HOSTILE


def test_characters_xml_cannot_hold_are_dropped() -> None:
    root = parse(bar_chart_svg("a\x00b", "c\x1bd", [("e\ufffef", 1)], total=1))
    title = root.find(f"{SVG}title")
    assert title is not None and title.text == "ab"
    assert texts(root)[0] == "ef"


def test_no_scripts_styles_links_or_handlers() -> None:
    root = parse(bar_chart_svg("T", "D", [("A", 1)], total=1))
    for element in root.iter():
        assert element.tag.removeprefix(SVG) in {"svg", "title", "desc", "rect", "text"}
        for name in element.attrib:
            assert not name.startswith("on") and name not in {"style", "href"}


def test_colours_meet_wcag_contrast() -> None:
    root = parse(bar_chart_svg("T", "D", [("A", 1), ("B", 2)], total=3))
    background = root.find(f"{SVG}rect")
    assert background is not None and background.get("fill") == BACKGROUND
    for text in root.iter(f"{SVG}text"):
        assert contrast_ratio(text.get("fill", ""), BACKGROUND) >= 4.5
    for rect in list(root.iter(f"{SVG}rect"))[1:]:
        assert contrast_ratio(rect.get("fill", ""), BACKGROUND) >= 3
    assert contrast_ratio(TEXT_COLOUR, BACKGROUND) >= 4.5
    assert contrast_ratio(BAR_COLOUR, BACKGROUND) >= 3
    assert contrast_ratio("#000000", "#ffffff") == pytest.approx(21)


def test_long_labels_are_shortened_in_the_picture_only() -> None:
    label = "Ławki " * 40
    root = parse(bar_chart_svg("T", "D", [(label, 1)], total=1))
    assert texts(root)[0].endswith("…") and len(texts(root)[0]) <= 80
    assert result_rows([(label, 1)], 1)[0].label == label


def test_chart_ids_are_stable_unique_per_content_and_overridable() -> None:
    one = parse(bar_chart_svg("T", "D", [("A", 1)], total=1)).get("aria-labelledby")
    again = parse(bar_chart_svg("T", "D", [("A", 1)], total=1)).get("aria-labelledby")
    other = parse(bar_chart_svg("T", "D", [("A", 0)], total=1)).get("aria-labelledby")
    assert one == again != other
    custom = parse(bar_chart_svg("T", "D", [("A", 1)], total=1, chart_id="result-7"))
    assert custom.get("aria-labelledby") == "result-7-title result-7-desc"
    with pytest.raises(ValueError, match="chart_id"):
        bar_chart_svg("T", "D", [("A", 1)], total=1, chart_id='x" onload="alert(1)')


@pytest.mark.parametrize("counts", [[("A", 5)], [("A", -1)]])
def test_counts_must_fit_the_total(counts: list[tuple[str, int]]) -> None:
    with pytest.raises(ValueError, match="between 0 and the total"):
        bar_chart_svg("T", "D", counts, total=4)


def test_result_rows_feed_the_table() -> None:
    rows = result_rows([("Tak", 31), ("Nie", 19)], 50, "pl")
    assert [(row.label, row.count, row.percent) for row in rows] == [
        ("Tak", 31, "62%"),
        ("Nie", 19, "38%"),
    ]
    assert rows[0].share == pytest.approx(0.62)


@pytest.mark.parametrize(
    ("counts", "total", "pl", "en"),
    [
        (
            [("Park", 62), ("Plac", 38)],
            100,
            "Większość odpowiadających (62%) wybrała „Park”.",
            "Most respondents (62%) chose “Park”.",
        ),
        (
            [("Park", 38), ("Plac", 32), ("Rynek", 30)],
            100,
            "Najwięcej osób (38%) wybrało „Park”.",
            "The largest group of respondents (38%) chose “Park”.",
        ),
        (
            [("Park", 30), ("Plac", 30), ("Rynek", 25)],
            100,
            "Najwięcej osób wybrało „Park” i „Plac” po 30%.",
            "The largest groups of respondents chose “Park” and “Plac” (30% each).",
        ),
        (
            [("Park", 20), ("Plac", 20), ("Rynek", 20)],
            100,
            "Najwięcej osób wybrało „Park”, „Plac” i „Rynek” po 20%.",
            "The largest groups of respondents chose “Park”, “Plac”, and “Rynek” (20% each).",
        ),
        (
            [("Ławki", 6), ("Lampy", 6), ("Ścieżki", 2)],
            10,
            "Większość odpowiadających wybrała „Ławki” i „Lampy” po 60%.",
            "Most respondents chose “Ławki” and “Lampy” (60% each).",
        ),
        (
            [("Park", 501), ("Plac", 499)],
            1000,
            "Większość odpowiadających (50,1%) wybrała „Park”.",
            "Most respondents (50.1%) chose “Park”.",
        ),
        (
            [("Park", 5), ("Plac", 5)],
            10,
            "Najwięcej osób wybrało „Park” i „Plac” po 50%.",
            "The largest groups of respondents chose “Park” and “Plac” (50% each).",
        ),
        (
            [("Park", 0), ("Plac", 0)],
            3,
            "Nikt nie wybrał żadnej z opcji.",
            "No one chose any of the options.",
        ),
        (
            [("Park", 0), ("Plac", 0)],
            0,
            "Nikt jeszcze nie odpowiedział na to pytanie.",
            "Nobody has answered this question yet.",
        ),
    ],
)
def test_plain_reading(counts: list[tuple[str, int]], total: int, pl: str, en: str) -> None:
    assert plain_reading("Where?", counts, total, "pl") == pl
    assert plain_reading("Where?", counts, total, "en") == en


def test_reading_does_not_change_the_active_language() -> None:
    with language("en"):
        plain_reading("Where?", [("Park", 1)], 1, "pl")
        assert result_rows([("A", 1)], 2)[0].percent == "50%"


def test_labels_with_percent_signs_are_safe_in_readings() -> None:
    reading = plain_reading("Q", [("100%(x)s", 2)], 3, "en")
    assert reading == "Most respondents (67%) chose “100%(x)s”."


SCALE = ScaleQuestion(key="r", title="Rate", min_label="Źle", max_label="Dobrze")


def test_mean_reading() -> None:
    counts = {1: 1, 4: 2, 5: 2}
    assert mean_reading(SCALE, counts, "pl") == (
        "Średnia ocena to 3,8 w skali od 1 („Źle”) do 5 („Dobrze”), na podstawie 5 odpowiedzi."
    )
    assert mean_reading(SCALE, counts, "en") == (
        "The average rating is 3.8 on a scale from 1 (“Źle”) to 5 (“Dobrze”), from 5 answers."
    )
    assert mean_reading(SCALE, {5: 1}, "en").endswith("from 1 answer.")
    assert mean_reading(SCALE, {5: 1}, "pl").endswith("na podstawie 1 odpowiedzi.")


def test_mean_reading_without_answers_and_with_impossible_values() -> None:
    assert mean_reading(SCALE, {}, "pl") == "Nikt jeszcze nie odpowiedział na to pytanie."
    with pytest.raises(ValueError, match="between 1 and 5"):
        mean_reading(SCALE, {6: 1}, "en")


def test_counting_clean_answers() -> None:
    question = MultipleChoiceQuestion(
        key="f",
        title="Features",
        allow_other=True,
        options=[Option(key="benches", label="Ławki"), Option(key="lights", label="Lampy")],
    )
    answers = [["benches", {"other": "staw"}], ["lights"], ["benches", "swings"], [["x"]]]
    with language("pl"):
        counts = count_choices(question, answers)
    assert counts == [("Ławki", 2), ("Lampy", 1), ("Inne", 1)]
    assert count_scale(SCALE, [1, 5, 5, None, 9, True, [2]]) == {1: 1, 2: 0, 3: 0, 4: 0, 5: 2}
