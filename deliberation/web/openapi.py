"""JSON API routes declared with pydantic schemas, and the OpenAPI document built from them.

Each API route names its action (through the permission layer like every route), its request
body model and its response model. The body is validated before the endpoint runs, with the same
translated errors as forms, and ``/api/openapi.json`` is generated from the routes themselves.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel
from pydantic.json_schema import models_json_schema
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from deliberation import __version__
from deliberation.permissions import Action
from deliberation.web.forms import parse_json
from deliberation.web.routing import Endpoint, guarded


class ErrorBody(BaseModel):
    code: str
    message: str
    fields: dict[str, str] | None = None


class ErrorResponse(BaseModel):
    error: ErrorBody


@dataclass(frozen=True)
class Operation:
    summary: str
    body: type[BaseModel] | None
    response: type[BaseModel] | None
    tags: tuple[str, ...]
    status: int


def api_route(
    path: str,
    endpoint: Endpoint,
    *,
    action: Action,
    name: str,
    summary: str,
    method: str = "GET",
    body: type[BaseModel] | None = None,
    response: type[BaseModel] | None = None,
    tags: Sequence[str] = (),
    status: int = 200,
) -> Route:
    inner = endpoint
    if body is not None:
        model = body

        @functools.wraps(endpoint)
        async def with_body(request: Request) -> Response:
            request.state.body = await parse_json(request, model)
            return await endpoint(request)

        inner = with_body
    wrapped = guarded(inner, action)
    wrapped.operation = Operation(summary, body, response, tuple(tags), status)  # type: ignore[attr-defined]
    return Route(path, wrapped, methods=[method], name=name)


def _path_parameters(path: str) -> list[dict[str, Any]]:
    params = []
    for part in path.split("/"):
        if part.startswith("{") and part.endswith("}"):
            name, _, kind = part[1:-1].partition(":")
            schema = {"type": "integer"} if kind == "int" else {"type": "string"}
            params.append({"name": name, "in": "path", "required": True, "schema": schema})
    return params


def _clean_path(path: str) -> str:
    return "/".join(
        p.split(":")[0].rstrip("}") + "}" if p.startswith("{") else p for p in path.split("/")
    )


def openapi_document(routes: Sequence[Any], *, title: str = "deliberation") -> dict[str, Any]:
    operations = [
        (route, route.endpoint.operation)
        for route in routes
        if isinstance(route, Route) and hasattr(route.endpoint, "operation")
    ]
    models: set[type[BaseModel]] = {ErrorResponse}
    for _, op in operations:
        models.update(m for m in (op.body, op.response) if m is not None)
    ordered = sorted(models, key=lambda m: m.__name__)
    keys, definitions = models_json_schema(
        [(m, "validation") for m in ordered], ref_template="#/components/schemas/{model}"
    )
    ref = {model: keys[(model, "validation")] for model in ordered}
    paths: dict[str, dict[str, Any]] = {}
    for route, op in operations:
        method = sorted((route.methods or {"GET"}) - {"HEAD"})[0].lower()
        entry: dict[str, Any] = {
            "operationId": route.name.replace(":", "_"),
            "summary": op.summary,
            "tags": list(op.tags),
            "x-permission": route.endpoint.action.name,  # type: ignore[attr-defined]
            "parameters": _path_parameters(route.path),
            "responses": {
                "4XX": {
                    "description": "Error",
                    "content": {"application/json": {"schema": ref[ErrorResponse]}},
                }
            },
        }
        if op.body is not None:
            entry["requestBody"] = {
                "required": True,
                "content": {"application/json": {"schema": ref[op.body]}},
            }
        ok: dict[str, Any] = {"description": "OK"}
        if op.response is not None:
            ok["content"] = {"application/json": {"schema": ref[op.response]}}
        entry["responses"][str(op.status)] = ok
        paths.setdefault(_clean_path(route.path), {})[method] = entry
    return {
        "openapi": "3.1.0",
        "info": {"title": title, "version": __version__},
        "paths": paths,
        "components": {
            "schemas": definitions.get("$defs", {}),
            "securitySchemes": {
                "session": {"type": "apiKey", "in": "cookie", "name": "session"},
                "csrf": {"type": "apiKey", "in": "header", "name": "x-csrftoken"},
            },
        },
    }
