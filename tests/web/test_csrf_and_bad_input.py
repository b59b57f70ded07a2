"""CSRF on every state-changing request; malformed input gets a clear 4xx and changes nothing."""

from __future__ import annotations

from sqlalchemy import func, select

from deliberation.models import User
from tests.helpers import PASSWORD, html


async def users(session):
    return await session.scalar(select(func.count()).select_from(User))


FORM = {
    "email": "x@example.org",
    "display_name": "X",
    "password": PASSWORD,
    "password_confirm": PASSWORD,
}


async def test_form_without_csrf_token_is_refused_in_polish(client, session):
    await client.get("/")
    response = await client.post("/register", data=FORM)
    assert response.status_code == 403
    assert "Formularz wygasł albo pochodzi z innej strony." in html(response).get_text()
    assert await users(session) == 0


async def test_form_with_foreign_csrf_token_is_refused(client, make_client, session):
    other = make_client()
    await other.get("/")
    await client.get("/")
    response = await client.post("/register", data={**FORM, "csrftoken": other.csrf()})
    assert response.status_code == 403
    assert await users(session) == 0


async def test_request_without_any_cookie_is_refused(client, session):
    response = await client.post("/register", data=FORM)
    assert response.status_code == 403
    assert await users(session) == 0


async def test_htmx_header_token_is_accepted(client):
    await client.get("/")
    response = await client.post(
        "/language",
        data={"language": "en"},
        headers={"x-csrftoken": client.csrf(), "hx-request": "true"},
    )
    assert response.status_code == 303


async def test_csrf_failure_in_english(client):
    await client.get("/")
    response = await client.post("/register", data=FORM, headers={"accept-language": "en"})
    assert "Your form has expired or came from another site." in response.text


async def test_api_json_csrf_required(client):
    await client.get("/")
    response = await client.post("/logout", json={}, headers={"accept": "application/json"})
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "csrf_failed"


async def test_form_field_too_long_or_with_nul(client, session):
    too_long = await client.submit("/register", {**FORM, "display_name": "x" * 30_000})
    assert too_long.status_code == 422
    nul = await client.submit("/register", {**FORM, "display_name": "a\x00b"})
    assert nul.status_code == 422
    assert await users(session) == 0


async def test_wrong_encoding_in_form(client, session):
    await client.get("/")
    body = b"csrftoken=" + client.csrf().encode() + b"&email=%FF%FE&display_name=x"
    response = await client.post(
        "/register",
        content=body,
        headers={"content-type": "application/x-www-form-urlencoded"},
    )
    assert response.status_code in (400, 422)
    assert await users(session) == 0


async def test_forged_cookie_is_refused(client):
    client.cookies.set("csrftoken", "forged-value", domain="testserver.local")
    response = await client.post("/language", data={"language": "en", "csrftoken": "forged-value"})
    assert response.status_code == 403


async def test_multipart_form_token_is_accepted(client):
    await client.prime()
    response = await client.post(
        "/language",
        data={"language": "en", "csrftoken": client.csrf()},
        files={"unused": ("a.txt", b"x", "text/plain")},
    )
    assert response.status_code == 303


async def test_method_not_allowed_is_translated(client):
    response = await client.put("/login", headers={"x-csrftoken": "whatever"})
    assert response.status_code in (403, 405)
    response = await client.get("/logout")
    assert response.status_code == 405
    assert "Ten adres nie przyjmuje takiego żądania." in response.text


async def test_login_open_redirect_refused(client, session):
    from tests.helpers import create_user

    user = await create_user(session)
    response = await client.submit(
        "/login", {"email": user.email, "password": PASSWORD, "next": "//evil.example/x"}
    )
    assert response.status_code == 303
    assert response.headers["location"] == "/"
