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
