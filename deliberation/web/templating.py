"""Jinja2 with Babel: translated templates, Polish dates and numbers, one partial per component."""

from __future__ import annotations

import functools
import hashlib
import secrets
from datetime import date, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from babel import Locale
from babel import dates as babel_dates
from babel import numbers as babel_numbers
from jinja2 import Environment, FileSystemLoader, select_autoescape
from starlette.requests import Request
from starlette.responses import HTMLResponse
from starlette.routing import NoMatchFound

from deliberation import i18n
from deliberation.paths import static_dir, templates_dir
from deliberation.web import labels

TIMEZONE = ZoneInfo("Europe/Warsaw")
VENDOR = {
    "htmx": "vendor/htmx-2.0.11/htmx.min.js",
    "htmx_ws": "vendor/htmx-ext-ws-2.0.4/ws.min.js",
}


@functools.cache
def _locale(language: str) -> Locale:
    return Locale.parse(language)


@functools.cache
def _pattern(language: str, kind: str, format: str) -> babel_dates.DateTimePattern:
    """Babel parses a format pattern on every call; pages format hundreds of dates."""
    formats = getattr(_locale(language), f"{kind}_formats")
    return babel_dates.parse_pattern(formats[format])


def format_datetime(value: datetime | None, format: str = "medium") -> str:
    if value is None:
        return ""
    language = i18n.get_language()
    local = value.astimezone(TIMEZONE)
    locale = _locale(language)
    date_part = _pattern(language, "date", format).apply(local, locale)
    time_part = _pattern(language, "time", format).apply(local, locale)
    return str(locale.datetime_formats[format]).format(time_part, date_part)


def format_date(value: date | datetime | None, format: str = "long") -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        value = value.astimezone(TIMEZONE).date()
    language = i18n.get_language()
    return str(_pattern(language, "date", format).apply(value, _locale(language)))


def format_time(value: datetime | None) -> str:
    if value is None:
        return ""
    language = i18n.get_language()
    local = value.astimezone(TIMEZONE)
    return str(_pattern(language, "time", "short").apply(local, _locale(language)))


def format_number(value: float | int) -> str:
    return babel_numbers.format_decimal(value, locale=i18n.get_language())


def format_percent(value: float) -> str:
    return babel_numbers.format_percent(value, locale=i18n.get_language())


@functools.cache
def _static_hash(path: str) -> str:
    file = static_dir() / path
    return hashlib.sha256(file.read_bytes()).hexdigest()[:10] if file.is_file() else "0"


def create_environment(extra_dirs: list[Path] | None = None) -> Environment:
    env = Environment(
        loader=FileSystemLoader([templates_dir(), *(extra_dirs or [])]),
        autoescape=select_autoescape(["html", "xml", "svg"], default_for_string=True),
        extensions=["jinja2.ext.i18n"],
        trim_blocks=True,
        lstrip_blocks=True,
        # Templates ship with the code: no stat() on every include (`serve --reload` restarts).
        auto_reload=False,
    )
    env.install_gettext_callables(  # type: ignore[attr-defined]
        lambda message, **kw: i18n.gettext(message, **kw),
        lambda singular, plural, n, **kw: i18n.ngettext(singular, plural, n, **kw),
        newstyle=True,
    )
    env.filters.update(
        datetime=format_datetime,
        date=format_date,
        time=format_time,
        number=format_number,
        percent=format_percent,
    )
    env.globals.update(
        languages=i18n.LANGUAGES,
        current_language=i18n.get_language,
        vendor=VENDOR,
        static_hash=_static_hash,
        **labels.GLOBALS,
    )
    return env


class Templates:
    def __init__(self, env: Environment) -> None:
        self.env = env

    def render(self, request: Request | None, name: str, **context: Any) -> str:
        template = self.env.get_template(name)
        if request is not None:
            context.setdefault("request", request)
            state = request.state
            context.setdefault("user", getattr(state, "user", None))
            context.setdefault("principal", getattr(state, "principal", None))
            context.setdefault("csrf_token", _csrf_token(request))
            context.setdefault("url_for", _url_for(request))
        return template.render(**context)

    def response(
        self,
        request: Request,
        name: str,
        status_code: int = 200,
        headers: dict[str, str] | None = None,
        **context: Any,
    ) -> HTMLResponse:
        return HTMLResponse(
            self.render(request, name, **context), status_code=status_code, headers=headers
        )


class UrlPaths:
    """``url_path_for`` by route name in O(1): Starlette's own walks every route on each call,
    which dominated pages that link to many items."""

    def __init__(self, routes: list[Any]) -> None:
        self._by_name = {
            route.name: route for route in routes if getattr(route, "name", None) is not None
        }

    def path(self, app: Any, name: str, /, **params: Any) -> str:
        route = self._by_name.get(name)
        if route is not None:
            try:
                return str(route.url_path_for(name, **params))
            except NoMatchFound:
                pass
        return str(app.url_path_for(name, **params))  # nested names ("mount:route")


def url_paths(app: Any) -> UrlPaths:
    paths: UrlPaths | None = getattr(app.state, "url_paths", None)
    if paths is None:
        paths = app.state.url_paths = UrlPaths(list(app.routes))
    return paths


def _url_for(request: Request) -> Any:
    app = request.app
    paths = url_paths(app)

    def url_for(name: str, /, **params: Any) -> str:
        return paths.path(app, name, **params)

    return url_for


def _csrf_token(request: Request) -> str:
    getter = request.scope.get("csrftoken")
    return getter() if callable(getter) else ""


# HTML shared by many readers is rendered with this in place of a browser's CSRF token (pass it as
# ``csrf_token=CSRF_SLOT``); ``with_csrf_token`` puts each reader's own token back on the way out.
CSRF_SLOT = "csrf-slot-" + secrets.token_hex(16)


def with_csrf_token(html: str, request: Request) -> str:
    return html.replace(CSRF_SLOT, _csrf_token(request))


def render(
    request: Request,
    name: str,
    status_code: int = 200,
    headers: dict[str, str] | None = None,
    **context: Any,
) -> HTMLResponse:
    """Render a template of this app as the response to ``request``."""
    templates: Templates = request.app.state.templates
    return templates.response(request, name, status_code, headers, **context)
