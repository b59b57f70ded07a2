"""Administrators manage global roles; nobody else can."""

from __future__ import annotations

import pytest

from deliberation.models import Role
from tests.helpers import create_user, html


@pytest.mark.parametrize("role", [Role.RESIDENT, Role.FACILITATOR, Role.MODERATOR])
async def test_only_admins_open_the_users_page(client, session, role):
    user = await create_user(session, role)
    await client.login(user.email)
    assert (await client.get("/admin/users")).status_code == 403
    target = await create_user(session)
    response = await client.submit(f"/admin/users/{target.id}/role", {"role": "admin"})
    assert response.status_code == 403
    await session.refresh(target)
    assert target.role is Role.RESIDENT


async def test_admin_changes_a_role_and_searches(client, session):
    admin = await create_user(session, Role.ADMIN)
    target = await create_user(session, email="zofia.zolc@example.org")
    await client.login(admin.email)
    page = html(await client.get("/admin/users?q=ZOFIA"))
    assert page.find(id=f"user-{target.id}") is not None
    assert page.find(id=f"user-{admin.id}") is None
    response = await client.submit(f"/admin/users/{target.id}/role", {"role": "moderator"})
    assert response.status_code == 303
    await session.refresh(target)
    assert target.role is Role.MODERATOR
    bad = await client.submit(f"/admin/users/{target.id}/role", {"role": "emperor"})
    assert bad.status_code == 422
    own = await client.submit(f"/admin/users/{admin.id}/role", {"role": "resident"})
    assert own.status_code == 422
    assert "Nie możesz odebrać sobie roli administratora." in own.text
    missing = await client.submit("/admin/users/999999/role", {"role": "resident"})
    assert missing.status_code == 404


async def test_anonymous_is_sent_to_login(client):
    response = await client.get("/admin/users")
    assert response.status_code == 303
    assert response.headers["location"].startswith("/login")
