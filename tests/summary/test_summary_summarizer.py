"""Summarizers: the built-in default, and the HTTP one whose answers are checked (mocked)."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import datetime
from typing import Any

import httpx
import pytest

from deliberation.summary import (
    BuiltinSummarizer,
    Channel,
    HttpSummarizer,
    Summarizer,
    SummarizerError,
    SummaryItem,
    SurveyHighlight,
    generate_summary,
)

URL = "http://summarizer.test/summarize"
WHEN = datetime(2025, 5, 1, 18, 0)
ITEMS = [
    SummaryItem(id=1, channel=Channel.ONLINE_COMMENT, text="Więcej latarni.", created_at=WHEN),
    SummaryItem(id=2, channel=Channel.LIVE_QUESTION, text="Kiedy?", answered=True, created_at=WHEN),
    SummaryItem(id=3, channel=Channel.EMAIL, text="Ukryte.", visible=False, created_at=WHEN),
]
HIGHLIGHT = SurveyHighlight(question="q", option="o", percent=70, respondents=9, source_ids=(1, 3))


def answer(sources: list[Any], *, language: str = "pl") -> dict[str, Any]:
    return {
        "format": 1,
        "language": language,
        "sections": [
            {
                "kind": "participation",
                "heading": "Kto się wypowiedział",
                "sentences": [{"text": "Zebraliśmy 2 głosy.", "sources": sources}],
            }
        ],
    }


def summarizer(
    reply: Callable[[httpx.Request], httpx.Response], seen: list[httpx.Request]
) -> HttpSummarizer:
    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return reply(request)

    client = httpx.Client(transport=httpx.MockTransport(handler))
    return HttpSummarizer(URL, timeout=5, client=client)


def test_builtin_is_a_summarizer_and_matches_the_generator() -> None:
    builtin: Summarizer = BuiltinSummarizer(max_themes=3)
    assert builtin.summarize(ITEMS, language="pl", survey_highlights=()) == generate_summary(
        ITEMS, language="pl", max_themes=3
    )


def test_http_summarizer_sends_only_visible_items_and_accepts_a_sourced_answer() -> None:
    seen: list[httpx.Request] = []
    remote: Summarizer = summarizer(lambda r: httpx.Response(200, json=answer([1, 2])), seen)
    summary = remote.summarize(ITEMS, language="pl", survey_highlights=[HIGHLIGHT])
    assert [s.sources for s in summary.sentences()] == [(1, 2)]
    (request,) = seen
    assert request.method == "POST" and str(request.url) == URL
    body = json.loads(request.content)
    assert body["language"] == "pl"
    assert [item["id"] for item in body["items"]] == [1, 2]
    assert "Ukryte." not in request.content.decode()
    assert body["survey_highlights"][0]["source_ids"] == [1]


@pytest.mark.parametrize(
    ("reply", "message"),
    [
        (answer([1, 99]), r"unknown ids \[99\]"),
        (answer([3]), r"unknown ids \[3\]"),  # a hidden item is unknown to the service
        (answer([]), "without sources"),
        (answer([1], language="en"), "expected language 'pl'"),
        ({"language": "pl"}, "'sections'"),
    ],
)
def test_http_summarizer_rejects_bad_answers(reply: dict[str, Any], message: str) -> None:
    remote = summarizer(lambda r: httpx.Response(200, json=reply), [])
    with pytest.raises(SummarizerError, match=message):
        remote.summarize(ITEMS, language="pl")


def test_http_summarizer_reports_transport_and_status_failures() -> None:
    failing = summarizer(lambda r: httpx.Response(503, text="busy"), [])
    with pytest.raises(SummarizerError, match="503"):
        failing.summarize(ITEMS, language="pl")
    garbled = summarizer(lambda r: httpx.Response(200, text="<html>"), [])
    with pytest.raises(SummarizerError, match="no JSON"):
        garbled.summarize(ITEMS, language="pl")

    def refuse(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("refused", request=request)

    with pytest.raises(SummarizerError, match="refused"):
        summarizer(refuse, []).summarize(ITEMS, language="pl")


def test_http_summarizer_does_not_call_out_for_nothing() -> None:
    seen: list[httpx.Request] = []
    remote = summarizer(lambda r: httpx.Response(500), seen)
    summary = remote.summarize(ITEMS[2:], language="en")
    assert [s.text for s in summary.sentences()] == ["We have not received any contributions yet."]
    assert seen == []


def test_http_summarizer_validates_its_configuration() -> None:
    with pytest.raises(ValueError, match="http"):
        HttpSummarizer("ftp://x", timeout=1)
    with pytest.raises(ValueError, match="timeout"):
        HttpSummarizer(URL, timeout=0)
