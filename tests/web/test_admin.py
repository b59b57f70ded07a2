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


async def test_admin_assigns_and_removes_consultation_staff(client, session):
    from sqlalchemy import select

    from deliberation.models import ConsultationRole, StaffRole
    from deliberation.services import consultations

    admin = await create_user(session, Role.ADMIN)
    moderator = await create_user(session, Role.MODERATOR)
    consultation = await consultations.create_consultation(
        session, title="Plac", summary="Krótko.", created_by_id=None
    )
    url = f"/admin/consultations/{consultation.id}/staff"
    await client.login(admin.email)
    assert html(await client.get(url)).h1.get_text(strip=True) == "Zespół konsultacji"
    unknown = await client.submit(url, {"email": "nobody@example.org", "role": "moderator"})
    assert unknown.status_code == 422
    assert "Żadne konto nie używa tego adresu e-mail." in unknown.text
    done = await client.submit(url, {"email": moderator.email.upper(), "role": "moderator"})
    assert done.status_code == 303
    held = await session.scalars(
        select(ConsultationRole.role).where(ConsultationRole.user_id == moderator.id)
    )
    assert list(held) == [StaffRole.MODERATOR]
    page = html(await client.get(url))
    assert page.find(id=f"staff-{moderator.id}-moderator") is not None
    removed = await client.submit(
        url, {"remove": "1", "user_id": str(moderator.id), "role": "moderator"}
    )
    assert removed.status_code == 303
    assert (
        list(
            await session.scalars(
                select(ConsultationRole.id).where(ConsultationRole.user_id == moderator.id)
            )
        )
        == []
    )


@pytest.mark.parametrize("role", [Role.RESIDENT, Role.FACILITATOR, Role.MODERATOR])
async def test_only_admins_assign_staff(client, session, role):
    from deliberation.services import consultations

    user = await create_user(session, role)
    consultation = await consultations.create_consultation(
        session, title="Plac", summary="Krótko.", created_by_id=user.id
    )
    await client.login(user.email)
    url = f"/admin/consultations/{consultation.id}/staff"
    assert (await client.get(url)).status_code == 403
    response = await client.submit(url, {"email": user.email, "role": "moderator"})
    assert response.status_code == 403
