"""The application factory: settings, database, event bus, templates, routes and features."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.middleware.trustedhost import TrustedHostMiddleware
from starlette.routing import Mount
from starlette.staticfiles import StaticFiles

from deliberation.db import Database
from deliberation.events import create_bus
from deliberation.features import Feature, load_features
from deliberation.logging import configure_logging
from deliberation.mail import create_mailer
from deliberation.paths import static_dir
from deliberation.services.schedule import keep_statuses
from deliberation.settings import Settings, load_settings
from deliberation.web import csrf
from deliberation.web.errors import EXCEPTION_HANDLERS
from deliberation.web.fragments import FragmentCache
from deliberation.web.middleware import RequestContextMiddleware
from deliberation.web.templating import Templates, create_environment
from deliberation.web.views import accounts, admin, api, comments, consultations, pages, staff
from deliberation.web.views import plain_language as plain_language_views
from deliberation.web.views import report as report_views

log = logging.getLogger(__name__)


def create_app(
    settings: Settings | None = None,
    *,
    database: Database | None = None,
    features: list[Feature] | None = None,
    configure_logs: bool = True,
) -> Starlette:
    """Build the ASGI app. Nothing connects until the lifespan starts."""
    settings = settings or load_settings()
    if configure_logs:
        configure_logging(settings.log_level, settings.log_format.value)
    features = load_features() if features is None else features

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        db = database or Database(
            settings.database_url, pool_size=settings.pool_size, max_overflow=settings.pool_overflow
        )
        bus = create_bus(settings.database_url)
        db.bus = bus
        app.state.db = db
        app.state.bus = bus
        bus.subscribe(app.state.fragments.on_event)
        await bus.start()
        for feature in features:
            if feature.startup is not None:
                await feature.startup(app)
        statuses = None
        if settings.status_interval_seconds > 0:
            statuses = asyncio.create_task(keep_statuses(db, settings.status_interval_seconds))
        try:
            yield
        finally:
            if statuses is not None:
                statuses.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await statuses
            for feature in reversed(features):
                if feature.shutdown is not None:
                    await feature.shutdown(app)
            await bus.stop()
            if database is None:
                await db.dispose()

    routes = [
        *pages.routes(),
        *accounts.routes(),
        *comments.routes(),
        *api.routes(),
        *consultations.routes(),
        *staff.routes(),
        *report_views.routes(),
        *plain_language_views.routes(),
        *admin.routes(),
    ]
    for feature in features:
        routes.extend(feature.routes())
    routes.append(Mount("/static", app=StaticFiles(directory=static_dir()), name="static"))

    middleware = [
        Middleware(RequestContextMiddleware, default_language=settings.default_language),
        Middleware(TrustedHostMiddleware, allowed_hosts=settings.allowed_hosts),
        Middleware(csrf.CsrfCookieMiddleware, secret=settings.key, secure=settings.cookies_secure),
    ]
    app = Starlette(
        routes=routes,
        middleware=middleware,
        exception_handlers=EXCEPTION_HANDLERS,
        lifespan=lifespan,
    )
    app.state.settings = settings
    app.state.features = features
    app.state.templates = Templates(create_environment())
    app.state.fragments = FragmentCache()
    app.state.mailer = create_mailer(settings)
    return app
