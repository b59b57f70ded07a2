"""Routes that always go through the permission layer.

``page`` and ``api`` wrap an endpoint so that, before it runs, the request has a database
session, the current user and participant, the language, and the route's action is authorized
(for actions scoped to a consultation, the consultation comes from the ``consultation_id`` path
parameter). A route without an action cannot be declared.
"""

from __future__ import annotations

import functools
from collections.abc import Awaitable, Callable, Sequence
from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from deliberation import i18n
from deliberation.db import sqlite_begin_for
from deliberation.errors import NotFound
from deliberation.models import Consultation
from deliberation.permissions import Action, Scope, authorize
from deliberation.services import accounts, participants
from deliberation.web import cookies, csrf
from deliberation.web.language import negotiate
from deliberation.web.public_cache import cached_for_visitors

Endpoint = Callable[[Request], Awaitable[Response]]


async def load_scope(request: Request) -> Scope:
    raw = request.path_params.get("consultation_id")
    if raw is None:
        raise RuntimeError(f"{request.url.path}: a scoped action needs {{consultation_id}}")
    # The whole row, kept on the request (the session's identity map holds it only while
    # something does): the endpoint's own ``session.get(Consultation, ...)`` then needs no query.
    found = await request.state.db.get(Consultation, int(raw))
    if found is None:
        raise NotFound()
    request.state.consultation = found
    return Scope(consultation_id=found.id, status=found.status)


def guarded(endpoint: Endpoint, action: Action) -> Endpoint:
    @functools.wraps(endpoint)
    async def wrapper(request: Request) -> Response:
        await csrf.verify(request)
        reads_only = request.method in csrf.SAFE_METHODS
        with sqlite_begin_for(reads_only=reads_only):
            return await _run(request, endpoint, action)

    wrapper.action = action  # type: ignore[attr-defined]
    return wrapper


async def _run(request: Request, endpoint: Endpoint, action: Action) -> Response:
    """The guarded part: session, user, language, principal, permission check, endpoint."""
    state = request.state
    async with request.app.state.db.session() as session:
        state.db = session
        user = None
        token = request.cookies.get(cookies.SESSION)
        if token:
            # With its participant (``current_participant`` uses it): one query, not two.
            user, state.user_participant = await participants.signed_in(session, token)
        state.user = user
        i18n.set_language(
            negotiate(
                request.scope,
                request.app.state.settings.default_language,
                user.language if user else None,
            )
        )
        state.principal = await accounts.principal_for(session, user)
        state.scope = await load_scope(request) if action.scoped else None
        authorize(state.principal, action, state.scope)
        return await endpoint(request)


def page(
    path: str,
    endpoint: Endpoint,
    *,
    action: Action,
    name: str,
    methods: Sequence[str] = ("GET",),
    visitor_cache: bool = False,
) -> Route:
    """A route through ``guarded``. ``visitor_cache``: a public page of one consultation that
    visitors without cookies share (see ``deliberation.web.public_cache``)."""
    wrapped = guarded(endpoint, action)
    if visitor_cache:
        wrapped = cached_for_visitors(wrapped)
    return Route(path, wrapped, methods=list(methods), name=name)


def action_of(route: Any) -> Action | None:
    return getattr(route.endpoint, "action", None)
