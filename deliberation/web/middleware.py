"""Plain ASGI middleware: request ids and access logs, security headers, CSRF failure pages."""

from __future__ import annotations

import logging
import time
import uuid

from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from deliberation import i18n
from deliberation.logging import request_id_var
from deliberation.web.language import negotiate

log = logging.getLogger("deliberation.access")

CSP = (
    "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
    "connect-src 'self' ws: wss:; frame-src 'self' https:; "
    "frame-ancestors 'none'; base-uri 'self'; form-action 'self'; object-src 'none'"
)


class RequestContextMiddleware:
    """Gives each request an id (echoed as X-Request-ID), logs it, adds security headers."""

    def __init__(self, app: ASGIApp, default_language: str = i18n.DEFAULT_LANGUAGE) -> None:
        self.app = app
        self.default_language = default_language

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        headers = dict(scope.get("headers") or [])
        incoming = headers.get(b"x-request-id", b"").decode("latin-1")
        request_id = incoming if 8 <= len(incoming) <= 64 and incoming.isalnum() else None
        request_id = request_id or uuid.uuid4().hex
        token = request_id_var.set(request_id)
        i18n.set_language(negotiate(scope, self.default_language))
        started = time.perf_counter()
        status: dict[str, int] = {"code": 0}

        async def send_wrapper(message: Message) -> None:
            if message["type"] == "http.response.start":
                status["code"] = message["status"]
                response_headers = MutableHeaders(scope=message)
                response_headers["X-Request-ID"] = request_id
                response_headers.setdefault("X-Content-Type-Options", "nosniff")
                response_headers.setdefault("Referrer-Policy", "same-origin")
                response_headers.setdefault("X-Frame-Options", "DENY")
                response_headers.setdefault("Content-Security-Policy", CSP)
                response_headers.setdefault("Permissions-Policy", "camera=(), microphone=()")
            await send(message)

        try:
            await self.app(scope, receive, send_wrapper)
        finally:
            if scope["type"] == "http":
                log.info(
                    "%s %s %s %.1fms",
                    scope["method"],
                    scope["path"],
                    status["code"],
                    (time.perf_counter() - started) * 1000,
                    extra={"status": status["code"], "path": scope["path"]},
                )
            request_id_var.reset(token)
