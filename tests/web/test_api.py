"""The JSON API: schemas, OpenAPI generated from them, validation errors in the user's language."""

from __future__ import annotations

import pytest
from pydantic import BaseModel, Field
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse

from deliberation.permissions import ACTIONS, VIEW_PUBLIC
from deliberation.web.openapi import api_route, openapi_document
from deliberation.web.routing import action_of


async def test_openapi_lists_every_api_route_with_schemas(client, app):
    document = (await client.get("/api/openapi.json")).json()
    assert document["openapi"].startswith("3.")
    assert "/api/me" in document["paths"]
    me = document["paths"]["/api/me"]["get"]
    assert me["responses"]["200"]["content"]["application/json"]["schema"]["$ref"].endswith("/Me")
    assert "Me" in document["components"]["schemas"]
    api_paths = {
        route.path for route in app.routes if getattr(route, "path", "").startswith("/api/")
    }
    assert {p.replace(":int", "") for p in api_paths} <= set(document["paths"]) | {
        p for p in api_paths if "{" in p
    }


def test_every_route_declares_a_known_action(app):
    """The permission layer covers every HTTP route (static files aside)."""
    from starlette.routing import Mount, Route, WebSocketRoute

    for route in app.routes:
        if isinstance(route, Mount) and route.name == "static":
            continue
        if isinstance(route, WebSocketRoute):
            continue  # sockets authorize every message (tests/rooms/ checks them)
        assert isinstance(route, Route), route
        action = action_of(route)
        assert action is not None, f"{route.path} has no action"
        assert ACTIONS[action.name] is action


async def test_me_anonymous_and_logged_in(client, session):
    from tests.helpers import create_user

    assert (await client.get("/api/me")).json()["authenticated"] is False
    user = await create_user(session)
    await client.login(user.email)
    body = (await client.get("/api/me")).json()
    assert body["authenticated"] is True and body["user_id"] == user.id


class Echo(BaseModel):
    name: str = Field(min_length=1, max_length=5)
    count: int = Field(ge=0, le=10)


async def echo(request: Request) -> JSONResponse:
    return JSONResponse(request.state.body.model_dump())


@pytest.fixture
def echo_app(app: Starlette) -> Starlette:
    app.router.routes.insert(
        0,
        api_route(
            "/api/test-echo",
            echo,
            action=VIEW_PUBLIC,
            name="api:test_echo",
            summary="Echo",
            method="POST",
            body=Echo,
        ),
    )
    return app


@pytest.mark.parametrize(
    ("payload", "field", "message"),
    [
        ({"count": 1}, "name", "To pole jest wymagane."),
        ({"name": "abcdefg", "count": 1}, "name", "Wpisz najwyżej 5 znaków."),
        ({"name": "a", "count": "many"}, "count", "Wpisz liczbę."),
        ({"name": "a", "count": 11}, "count", "Wpisz wartość nie większą niż 10."),
        ({"name": 5, "count": 1}, "name", "Ta wartość ma zły typ."),
    ],
)
async def test_api_validation_errors(echo_app, client, payload, field, message):
    response = await client.api("POST", "/api/test-echo", json=payload)
    assert response.status_code == 422
    error = response.json()["error"]
    assert error["code"] == "validation_failed"
    assert error["fields"][field] == message


async def test_api_malformed_json_and_encoding(echo_app, client):
    await client.prime()
    headers = {"x-csrftoken": client.csrf(), "content-type": "application/json"}
    bad_json = await client.post("/api/test-echo", content=b"{not json", headers=headers)
    assert bad_json.status_code == 422
    assert (
        bad_json.json()["error"]["fields"]["__root__"]
        == "Treść żądania nie jest poprawnym JSON-em."
    )
    bad_utf8 = await client.post(
        "/api/test-echo", content=b'{"name": "\xff", "count": 1}', headers=headers
    )
    assert bad_utf8.status_code == 422
    ok = await client.api("POST", "/api/test-echo", json={"name": "ok", "count": 3})
    assert ok.json() == {"name": "ok", "count": 3}


def test_openapi_document_from_routes():
    route = api_route(
        "/api/x/{item_id:int}",
        echo,
        action=VIEW_PUBLIC,
        name="api:x",
        summary="X",
        method="POST",
        body=Echo,
    )
    document = openapi_document([route])
    op = document["paths"]["/api/x/{item_id}"]["post"]
    assert op["parameters"][0] == {
        "name": "item_id",
        "in": "path",
        "required": True,
        "schema": {"type": "integer"},
    }
    assert op["requestBody"]["content"]["application/json"]["schema"]["$ref"].endswith("/Echo")
    assert op["x-permission"] == "public.view"
