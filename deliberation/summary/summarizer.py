"""Who writes the summary: the built-in generator, or an external service over HTTP whose answer
is checked so that every sentence cites only contributions that were sent to it.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Protocol

import httpx

from deliberation.summary.generate import generate_summary
from deliberation.summary.model import (
    Summary,
    SummaryFormatError,
    SummaryItem,
    SurveyHighlight,
    check_language,
    check_sources,
    visible_items,
)


class SummarizerError(RuntimeError):
    """The external summarizer failed or answered with a summary we cannot publish."""


class Summarizer(Protocol):
    def summarize(
        self,
        items: Sequence[SummaryItem],
        *,
        language: str,
        survey_highlights: Sequence[SurveyHighlight],
    ) -> Summary: ...


class BuiltinSummarizer:
    """The offline, deterministic generator of this package (the default)."""

    def __init__(self, *, max_themes: int = 6, quotes_per_theme: int = 2) -> None:
        self.max_themes = max_themes
        self.quotes_per_theme = quotes_per_theme

    def summarize(
        self,
        items: Sequence[SummaryItem],
        *,
        language: str,
        survey_highlights: Sequence[SurveyHighlight] = (),
    ) -> Summary:
        return generate_summary(
            items,
            language=language,
            survey_highlights=survey_highlights,
            max_themes=self.max_themes,
            quotes_per_theme=self.quotes_per_theme,
        )


class HttpSummarizer:
    """POSTs the visible items as JSON to `endpoint_url` and expects `Summary.to_dict()` back.

    Raises SummarizerError when the call fails or the answer does not cite, for every sentence,
    at least one of the ids that were sent and nothing else. `client` lets tests mock transport.
    """

    def __init__(
        self, endpoint_url: str, timeout: float = 30.0, *, client: httpx.Client | None = None
    ) -> None:
        if not endpoint_url.startswith(("http://", "https://")):
            raise ValueError(f"endpoint_url must be an http(s) URL, got {endpoint_url!r}")
        if timeout <= 0:
            raise ValueError(f"timeout must be positive, got {timeout}")
        self.endpoint_url = endpoint_url
        self.timeout = timeout
        self._client = client

    def summarize(
        self,
        items: Sequence[SummaryItem],
        *,
        language: str,
        survey_highlights: Sequence[SurveyHighlight] = (),
    ) -> Summary:
        lang = check_language(language)
        visible = visible_items(items)
        if not visible:
            # Nothing to send: the answer is fixed, and a remote service could only get it wrong.
            return generate_summary((), language=lang)
        ids = {item.id for item in visible}
        payload = {
            "language": lang,
            "items": [_item_json(item) for item in visible],
            "survey_highlights": [
                _highlight_json(h, ids)
                for h in survey_highlights
                if ids.intersection(h.source_ids) or h.link
            ],
        }
        data = self._post(payload)
        try:
            summary = Summary.from_dict(data)
            if summary.language != lang:
                raise SummaryFormatError(f"expected language {lang!r}, got {summary.language!r}")
            check_sources(summary, ids, allow_empty=False)
        except SummaryFormatError as exc:
            raise SummarizerError(f"rejected summary from {self.endpoint_url}: {exc}") from exc
        return summary

    def _post(self, payload: dict[str, Any]) -> Any:
        client = self._client or httpx.Client()
        try:
            response = client.post(self.endpoint_url, json=payload, timeout=self.timeout)
            response.raise_for_status()
            return response.json()
        except httpx.HTTPError as exc:
            raise SummarizerError(f"summarizer at {self.endpoint_url} failed: {exc}") from exc
        except ValueError as exc:  # the body is not JSON
            raise SummarizerError(f"summarizer at {self.endpoint_url} sent no JSON: {exc}") from exc
        finally:
            if self._client is None:
                client.close()


def _item_json(item: SummaryItem) -> dict[str, Any]:
    return {
        "id": item.id,
        "channel": item.channel.value,
        "text": item.text,
        "themes": list(item.themes),
        "support": item.support,
        "answered": item.answered,
        "meeting_title": item.meeting_title,
        "created_at": item.created_at.isoformat(),
    }


def _highlight_json(highlight: SurveyHighlight, ids: set[int]) -> dict[str, Any]:
    return {
        "question": highlight.question,
        "option": highlight.option,
        "percent": highlight.percent,
        "respondents": highlight.respondents,
        "source_ids": [i for i in highlight.source_ids if i in ids],
        "link": highlight.link,
    }
