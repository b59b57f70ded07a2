"""Consultation descriptions: Markdown rendered to HTML that is safe to show to anyone.

Two layers: markdown-it-py renders without raw HTML (tags in the text are shown as text), then
nh3 (ammonia) keeps only an allow-list of tags, attributes and URL schemes. ``unsafe_reason``
lets a form refuse dangerous input with a clear message instead of silently dropping it.
"""

from __future__ import annotations

import html
import re
from functools import cache

import nh3
from markdown_it import MarkdownIt
from markupsafe import Markup

ALLOWED_TAGS = {
    "p", "br", "hr", "h2", "h3", "h4", "strong", "em", "del", "code", "pre", "blockquote",
    "ul", "ol", "li", "a", "table", "thead", "tbody", "tr", "th", "td",
}  # fmt: skip
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}, "ol": {"start"}, "th": {"align"}, "td": {"align"}}
URL_SCHEMES = {"http", "https", "mailto", "tel"}

_TAG = re.compile(
    r"<\s*/?\s*(script|iframe|object|embed|style|svg|math|form|meta|link|base)\b", re.I
)
_HANDLER = re.compile(r"<[^>]*\son[a-z]+\s*=", re.I)
_SCHEME = re.compile(r"(javascript|vbscript|livescript)\s*:", re.I)
# "Data:" is Polish for "Date:", so data: URLs count only where a link target starts.
_DATA_LINK = re.compile(r"(\]\(|\]:|<|=|[\"'])data:", re.I)
_INVISIBLE = re.compile(r"[\x00-\x20\x7f\u00ad\u200b-\u200f\u2028-\u202e\u2060-\u2064\ufeff]+")


@cache
def _parser() -> MarkdownIt:
    return (
        MarkdownIt("commonmark", {"html": False, "linkify": False})
        .enable("table")
        .enable("strikethrough")
    )


def unsafe_reason(text: str) -> str | None:
    """'script', 'handler' or 'scheme' when the text tries to smuggle active content, else None."""
    decoded = text
    for _ in range(3):  # entities inside entities: &amp;#106;avascript:
        decoded = html.unescape(decoded)
    decoded = re.sub(r"%([0-9a-f]{2})", lambda m: chr(int(m.group(1), 16)), decoded, flags=re.I)
    squeezed = _INVISIBLE.sub("", decoded)
    if _TAG.search(decoded) or _TAG.search(squeezed):
        return "script"
    if _HANDLER.search(decoded):
        return "handler"
    if _SCHEME.search(squeezed) or _DATA_LINK.search(squeezed):
        return "scheme"
    return None


def _href_filter(_element: str, attribute: str, value: str) -> str | None:
    """Drop URLs whose 'scheme' is not on the list, even ones ammonia reads as relative paths."""
    if attribute in ("href", "src"):
        head = re.split(r"[/?#]", value, maxsplit=1)[0]
        if ":" in head and head.split(":", 1)[0].lower() not in URL_SCHEMES:
            return None
    return value


def sanitize_html(raw: str) -> str:
    return nh3.clean(
        raw,
        attribute_filter=_href_filter,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes=URL_SCHEMES,
        link_rel="nofollow noopener noreferrer",
        strip_comments=True,
    )


def render_markdown(text: str) -> Markup:
    """Markdown to sanitised HTML, ready for a template."""
    return Markup(sanitize_html(_parser().render(text or "")))  # noqa: S704 - sanitised by nh3
