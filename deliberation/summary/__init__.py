"""The "what we heard" summary: plain sentences, each citing the contributions behind it."""

from deliberation.summary.generate import count_words, generate_summary
from deliberation.summary.model import (
    Channel,
    Section,
    SectionKind,
    Sentence,
    Summary,
    SummaryFormatError,
    SummaryItem,
    SurveyHighlight,
    check_sources,
)
from deliberation.summary.summarizer import (
    BuiltinSummarizer,
    HttpSummarizer,
    Summarizer,
    SummarizerError,
)
from deliberation.summary.text import warm_up

__all__ = [
    "BuiltinSummarizer",
    "Channel",
    "HttpSummarizer",
    "Section",
    "SectionKind",
    "Sentence",
    "Summarizer",
    "SummarizerError",
    "Summary",
    "SummaryFormatError",
    "SummaryItem",
    "SurveyHighlight",
    "check_sources",
    "count_words",
    "generate_summary",
    "warm_up",
]
