"""Registration, login, sessions, passwords, personal data: over HTTP, as a browser would."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select, update

from deliberation.db import utcnow
from deliberation.models import Contribution, PasswordResetToken, User, UserSession
from tests.helpers import PASSWORD, create_user, field_error, html


async def register(client, email="ala@example.org", name="Ala", password=PASSWORD, confirm=None):
    return await client.submit(
        "/register",
        {
            "email": email,
            "display_name": name,
            "password": password,
            "password_confirm": confirm if confirm is not None else password,
        },
    )


async def count(session, model):
    return await session.scalar(select(func.count()).select_from(model))


async def test_register_logs_in_and_shows_account(client, session):
    response = await register(client)
    assert response.status_code == 303
    assert response.headers["location"] == "/account"
    page = html(await client.get("/account"))
    assert page.h1.get_text(strip=True) == "Moje konto"
    user = await session.scalar(select(User).where(User.email == "ala@example.org"))
    assert user is not None and user.password_hash.startswith("$argon2")


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({"email": ""}, "email", "To pole jest wymagane."),
        (
            {"email": "not-an-email"},
            "email",
            "Wpisz poprawny adres e-mail, na przykład imie@example.pl.",
        ),
        ({"display_name": "x" * 81}, "display_name", "Wpisz najwyżej 80 znaków."),
        (
            {"password": "short", "password_confirm": "short"},
            "password",
            "Wpisz co najmniej 10 znaków.",
        ),
        ({"password_confirm": "something else"}, "__root__", "Hasła się różnią."),
    ],
)
async def test_register_bad_input_changes_nothing(client, session, data, field, message):
    before = await count(session, User)
    form = {
        "email": "ok@example.org",
        "display_name": "Ok",
        "password": PASSWORD,
        "password_confirm": PASSWORD,
        **data,
    }
    response = await client.submit("/register", form)
    assert response.status_code == 422
    if field == "__root__":
        assert message in html(response).select_one("#error-summary").get_text()
    else:
        assert field_error(response, field) == message
    assert await count(session, User) == before
    assert "session" not in client.cookies


async def test_register_duplicate_email_case_insensitive(client, session):
    await create_user(session, email="dup@example.org")
    response = await register(client, email="DUP@example.org")
    assert response.status_code == 422
    assert field_error(response, "email") == "Konto z tym adresem e-mail już istnieje."


async def test_register_english_messages(client):
    await client.get("/", headers={"accept-language": "en"})
    response = await client.submit("/register", {"email": ""}, headers={"accept-language": "en"})
    assert field_error(response, "email") == "This field is required."


async def test_login_rotates_session_and_logout_ends_it(client, session):
    user = await create_user(session)
    client.cookies.set("session", "attacker-chosen-token", domain="testserver.local")
    await client.login(user.email)
    token = client.cookies.get("session")
    assert token and token != "attacker-chosen-token"
    second = await client.login(user.email)
    assert second.status_code == 303
    assert client.cookies.get("session") != token
    sessions = await session.scalar(
        select(func.count()).select_from(UserSession).where(UserSession.user_id == user.id)
    )
    assert sessions == 1  # the replaced session is gone
    await client.submit("/logout")
    assert (await client.get("/account")).status_code == 303


async def test_login_wrong_password_same_message_as_unknown_email(client, session):
    user = await create_user(session)
    wrong = await client.submit("/login", {"email": user.email, "password": "wrong password"})
    unknown = await client.submit("/login", {"email": "nobody@example.org", "password": "x" * 12})
    for response in (wrong, unknown):
        assert response.status_code == 422
        assert "Adres e-mail lub hasło są nieprawidłowe." in response.text
    assert "session" not in client.cookies


async def test_login_rate_limited_per_email(client, session):
    user = await create_user(session)
    for _ in range(5):
        await client.submit("/login", {"email": user.email, "password": "wrong password"})
    response = await client.submit("/login", {"email": user.email, "password": PASSWORD})
    assert response.status_code == 429
    assert "Spróbuj ponownie za" in response.text
    assert int(response.headers["retry-after"]) >= 1


async def test_account_requires_login_and_redirects_back(client):
    response = await client.get("/account")
    assert response.status_code == 303
    assert response.headers["location"] == "/login?next=%2Faccount"


async def test_password_change(client, session):
    user = await create_user(session)
    await client.login(user.email)
    bad = await client.submit(
        "/account/password",
        {
            "current_password": "nope nope nope",
            "password": "new password 1",
            "password_confirm": "new password 1",
        },
    )
    assert bad.status_code == 422
    assert field_error(bad, "current_password") == "Obecne hasło jest nieprawidłowe."
    ok = await client.submit(
        "/account/password",
        {
            "current_password": PASSWORD,
            "password": "new password 1",
            "password_confirm": "new password 1",
        },
    )
    assert ok.status_code == 303
    await client.submit("/logout")
    await client.login(user.email, "new password 1")


async def test_password_reset_single_use_and_expiry(client, session, app):
    user = await create_user(session)
    response = await client.submit("/password-reset", {"email": user.email})
    assert response.status_code == 200
    mail = app.state.mailer.outbox[-1]
    assert mail.to == user.email
    link = next(line for line in mail.body.splitlines() if "/password-reset/" in line)
    path = link.split("testserver", 1)[1]
    assert (await client.get(path)).status_code == 200
    done = await client.submit(
        path, {"password": "brand new pass", "password_confirm": "brand new pass"}
    )
    assert done.status_code == 303
    again = await client.submit(
        path, {"password": "another pass 12", "password_confirm": "another pass 12"}
    )
    assert again.status_code == 422
    assert "wygasł albo został już użyty" in again.text
    await client.login(user.email, "brand new pass")

    # An expired token is refused.
    await client.submit("/password-reset", {"email": user.email})
    path = next(
        line for line in app.state.mailer.outbox[-1].body.splitlines() if "/password-reset/" in line
    ).split("testserver", 1)[1]
    await session.execute(
        update(PasswordResetToken).values(expires_at=utcnow() - timedelta(minutes=1))
    )
    await session.commit()
    expired = await client.get(path)
    assert expired.status_code == 422


async def test_password_reset_unknown_email_same_answer(client, app):
    before = len(app.state.mailer.outbox)
    response = await client.submit("/password-reset", {"email": "nobody@example.org"})
    assert response.status_code == 200
    assert "Sprawdź pocztę" in response.text
    assert len(app.state.mailer.outbox) == before


async def test_download_and_delete_account(client, session):
    from deliberation.models import AuthorKind, Channel
    from deliberation.services import consultations, record

    user = await create_user(session)
    consultation = await consultations.create_consultation(
        session, title="Test", summary="Krótko.", created_by_id=None
    )
    contribution = record.add_contribution(
        session,
        consultation_id=consultation.id,
        channel=Channel.ONLINE_COMMENT,
        body="Więcej ławek, proszę.",
        author_kind=AuthorKind.ACCOUNT,
        author_user_id=user.id,
    )
    await session.commit()
    await client.login(user.email)
    data = (await client.get("/account/data")).json()
    assert data["account"]["email"] == user.email
    assert [c["text"] for c in data["contributions"]] == ["Więcej ławek, proszę."]

    refused = await client.submit("/account/delete", {"password": "wrong one!"})
    assert refused.status_code == 422
    deleted = await client.submit("/account/delete", {"password": PASSWORD})
    assert deleted.status_code == 200
    await session.refresh(user)
    assert user.email is None and user.password_hash is None and user.deleted_at is not None
    await session.refresh(contribution)
    assert contribution.body == "Więcej ławek, proszę."  # public contributions stay
    assert (
        await session.scalar(
            select(func.count()).select_from(UserSession).where(UserSession.user_id == user.id)
        )
        == 0
    )
    assert (await client.get("/account")).status_code == 303
    assert await count(session, Contribution) == 1


async def test_preferences_language_and_notifications(client, session):
    user = await create_user(session)
    await client.login(user.email)
    response = await client.submit("/account/preferences", {"language": "en"})
    assert response.status_code == 303
    await session.refresh(user)
    assert user.language == "en" and user.email_notifications is False
    assert html(await client.get("/account")).h1.get_text(strip=True) == "My account"
    bad = await client.submit("/account/preferences", {"language": "xx"})
    assert bad.status_code == 422
