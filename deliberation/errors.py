"""Domain errors: one base class with a code, an HTTP status and a translated message.

``deliberation.web.errors`` renders them as a page, an htmx partial or JSON, in one place.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from deliberation.i18n import _l


class DomainError(Exception):
    code: str = "error"
    status: int = 400
    default_message: Any = _l("Something went wrong with this request.")

    def __init__(
        self,
        message: Any = None,
        *,
        code: str | None = None,
        fields: Mapping[str, Any] | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> None:
        self.message = message if message is not None else self.default_message
        if code is not None:
            self.code = code
        self.fields = dict(fields or {})
        self.headers = dict(headers or {})
        super().__init__(str(self.message))

    def to_dict(self) -> dict[str, Any]:
        body: dict[str, Any] = {"code": self.code, "message": str(self.message)}
        if self.fields:
            body["fields"] = {name: str(msg) for name, msg in self.fields.items()}
        return body


class ValidationFailed(DomainError):
    code = "validation_failed"
    status = 422
    default_message = _l("Please correct the marked fields.")


class NotFound(DomainError):
    code = "not_found"
    status = 404
    default_message = _l("We could not find this page.")


class PermissionDenied(DomainError):
    code = "forbidden"
    status = 403
    default_message = _l("You do not have permission to do this.")


class LoginRequired(DomainError):
    code = "login_required"
    status = 401
    default_message = _l("Please log in to continue.")


class Conflict(DomainError):
    code = "conflict"
    status = 409
    default_message = _l("This conflicts with the current state. Please reload and try again.")


class RateLimited(DomainError):
    code = "rate_limited"
    status = 429
    default_message = _l("Too many attempts. Please slow down.")

    def __init__(self, retry_after: float, message: Any = None) -> None:
        seconds = max(1, int(retry_after + 0.999))
        self.retry_after = seconds
        super().__init__(
            message
            if message is not None
            else _l("Too many attempts. Please try again in %(seconds)s s.", seconds=seconds),
            headers={"Retry-After": str(seconds)},
        )
