"""Public pages, languages, error pages and the health check."""

from __future__ import annotations

from tests.helpers import html


async def test_home_lists_nothing_yet_in_polish(client):
    response = await client.get("/")
    assert response.status_code == 200
    page = html(response)
    assert page.html["lang"] == "pl"
    assert page.h1.get_text(strip=True) == "Konsultacje społeczne"
    assert "Nie ma jeszcze żadnych konsultacji" in page.select_one(".empty-state").get_text()
    assert page.select_one("a.skip-link")["href"] == "#main"
    assert page.find("main", id="main") is not None


async def test_accept_language_english(client):
    response = await client.get("/", headers={"accept-language": "en-GB,en;q=0.9"})
    assert html(response).h1.get_text(strip=True) == "Public consultations"


async def test_language_switch_sets_cookie_and_redirects_locally(client):
    await client.get("/")
    response = await client.submit(
        "/language", {"language": "en", "next": "https://evil.example/phish"}
    )
    assert response.status_code == 303
    assert response.headers["location"] == "/"
    assert html(await client.get("/accessibility")).h1.get_text(strip=True) == (
        "Accessibility statement"
    )


async def test_language_switch_rejects_unknown_language(client):
    response = await client.submit("/language", {"language": "de"})
    assert response.status_code == 422
    assert "Wybierz jedną z możliwości." in response.text


async def test_not_found_page_in_both_languages(client):
    response = await client.get("/no-such-page")
    assert response.status_code == 404
    assert html(response).h1.get_text(strip=True) == "Nie znaleziono strony"
    response = await client.get("/no-such-page", headers={"accept-language": "en"})
    assert html(response).h1.get_text(strip=True) == "Page not found"


async def test_api_errors_are_json(client):
    response = await client.get("/api/nothing-here")
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"


async def test_healthz(client):
    response = await client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok"}


async def test_security_headers_and_request_id(client):
    response = await client.get("/", headers={"x-request-id": "abcdef123456"})
    assert response.headers["x-request-id"] == "abcdef123456"
    assert "frame-ancestors 'none'" in response.headers["content-security-policy"]
    assert response.headers["x-content-type-options"] == "nosniff"


async def test_server_error_page_in_polish(app, client):
    from starlette.routing import Route

    from deliberation.permissions import VIEW_PUBLIC
    from deliberation.web.routing import guarded

    async def broken(request):
        raise RuntimeError("boom")

    app.router.routes.insert(0, Route("/test-broken", guarded(broken, VIEW_PUBLIC)))
    transport_client = client
    transport_client._transport.raise_app_exceptions = False  # as a real server would
    response = await transport_client.get("/test-broken")
    assert response.status_code == 500
    assert html(response).h1.get_text(strip=True) == "Błąd serwera"
    api = await transport_client.get("/test-broken", headers={"accept": "application/json"})
    assert api.json()["error"]["code"] == "server_error"


async def test_htmx_error_is_a_partial(client):
    response = await client.submit("/language", {"language": "xx"}, headers={"hx-request": "true"})
    assert response.status_code == 422
    assert response.headers["hx-retarget"] == "#flash"
    assert "<html" not in response.text
    assert html(response).select_one('[role="alert"]') is not None
