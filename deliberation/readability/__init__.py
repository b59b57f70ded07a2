"""Plain-language readability: FOG-PL, Pisarek and Flesch scores, a level code and marks.

Pure Python and offline; see analyzer.analyze() and glossary.load_glossary().
"""

from deliberation.readability.analyzer import MARK_CODES, Mark, MarkKind, Report, analyze
from deliberation.readability.glossary import (
    Glossary,
    GlossaryEntry,
    GlossaryError,
    check_city_glossary,
    city_glossary,
    clear_glossary_cache,
    load_glossary,
    parse_glossary,
    read_glossary,
)
from deliberation.readability.language import SUPPORTED_LANGUAGES, Language
from deliberation.readability.scores import DEFAULT_TARGETS, Level
from deliberation.readability.syllables import count_syllables

__all__ = [
    "DEFAULT_TARGETS",
    "MARK_CODES",
    "SUPPORTED_LANGUAGES",
    "Glossary",
    "GlossaryEntry",
    "GlossaryError",
    "Language",
    "Level",
    "Mark",
    "MarkKind",
    "Report",
    "analyze",
    "check_city_glossary",
    "city_glossary",
    "clear_glossary_cache",
    "count_syllables",
    "load_glossary",
    "parse_glossary",
    "read_glossary",
]
