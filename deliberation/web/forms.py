"""Input validation for forms and the JSON API from pydantic models, with translated messages."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError
from pydantic_core import ErrorDetails
from starlette.datastructures import FormData
from starlette.requests import Request

from deliberation.errors import ValidationFailed
from deliberation.i18n import _l, gettext

M = TypeVar("M", bound=BaseModel)

MAX_FORM_FIELD = 20_000


def error_message(error: ErrorDetails) -> str:
    """One translated sentence for one pydantic error."""
    kind = error["type"]
    ctx = error.get("ctx") or {}
    if kind == "missing":
        return gettext("This field is required.")
    if kind == "string_too_short":
        if ctx.get("min_length") == 1:
            return gettext("This field is required.")
        return gettext("Enter at least %(n)s characters.", n=ctx.get("min_length"))
    if kind == "string_too_long":
        return gettext("Enter at most %(n)s characters.", n=ctx.get("max_length"))
    if kind in ("int_parsing", "int_type", "float_parsing", "float_type"):
        return gettext("Enter a number.")
    if kind in ("greater_than_equal", "greater_than"):
        return gettext("Enter a value of at least %(n)s.", n=ctx.get("ge", ctx.get("gt")))
    if kind in ("less_than_equal", "less_than"):
        return gettext("Enter a value of at most %(n)s.", n=ctx.get("le", ctx.get("lt")))
    if kind in ("enum", "literal_error"):
        return gettext("Choose one of the options.")
    if kind in ("bool_parsing", "bool_type"):
        return gettext("Choose yes or no.")
    if kind in ("datetime_parsing", "datetime_from_date_parsing", "date_parsing", "date_type"):
        return gettext("Enter a valid date.")
    if kind == "value_error" and "email address" in error.get("msg", ""):
        return gettext("Enter a valid e-mail address, like name@example.pl.")
    if kind == "value_error":
        # Our validators raise ValueError with a lazy translated message as the text.
        message = str(ctx.get("error", "")) or gettext("This value is not valid.")
        return message.removeprefix("Value error, ")
    if kind in ("string_type", "model_type", "dict_type", "list_type"):
        return gettext("This value has the wrong type.")
    if kind == "string_unicode":
        return gettext("This text is not valid UTF-8.")
    if kind == "json_invalid":
        return gettext("The request body is not valid JSON.")
    return gettext("This value is not valid.")


def validation_failed(exc: ValidationError) -> ValidationFailed:
    fields: dict[str, str] = {}
    for error in exc.errors():
        loc = ".".join(str(part) for part in error["loc"]) or "__root__"
        fields.setdefault(loc, error_message(error))
    return ValidationFailed(fields=fields)


def validate(model: type[M], data: Mapping[str, Any]) -> M:
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise validation_failed(exc) from None


def form_dict(form: FormData) -> dict[str, Any]:
    """Single-valued fields as strings; empty fields are left out, as if missing."""
    data: dict[str, Any] = {}
    for key, value in form.multi_items():
        if not isinstance(value, str) or key == "csrftoken":
            continue
        if len(value) > MAX_FORM_FIELD:
            raise ValidationFailed(fields={key: _l("This text is too long.")})
        if "\x00" in value:
            raise ValidationFailed(fields={key: _l("This text contains invalid characters.")})
        if value.strip() == "":
            continue  # an empty field is a missing one: "required" rather than "invalid"
        data[key] = value
    return data


async def parse_form(request: Request, model: type[M]) -> M:
    async with request.form(max_files=0, max_fields=200) as form:
        return validate(model, form_dict(form))


async def parse_json(request: Request, model: type[M]) -> M:
    body = await request.body()
    try:
        return model.model_validate_json(body)
    except ValidationError as exc:
        raise validation_failed(exc) from None
