"""Role x action matrix for every moderation action, through HTTP with CSRF tokens."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import pytest
from sqlalchemy import select

from deliberation.models import Contribution, ModerationState, Role, StaffRole, User
from deliberation.services import accounts
from moderation import services
from moderation.models import AuditAction
from tests.helpers import create_user, html
from tests.moderation.factories import make_consultation, make_staff, participant_of, post

ROLES = (
    "anonymous",
    "author",
    "other_resident",
    "moderator_elsewhere",
    "facilitator_here",
    "moderator_here",
    "admin",
)
ALLOWED = {"moderator_here", "admin"}


@pytest.fixture(autouse=True)
def _generous_limits(monkeypatch: pytest.MonkeyPatch) -> None:
    from deliberation.ratelimit import Limit
    from moderation import guard

    big = Limit(10_000, 60)
    monkeypatch.setattr(guard, "LIMITS", guard.Limits(big, big, big, big))


async def _world(session: Any) -> dict[str, Any]:
    consultation = await make_consultation(session)
    elsewhere = await make_consultation(session)
    users: dict[str, User | None] = {
        "anonymous": None,
        "author": await create_user(session),
        "other_resident": await create_user(session),
        "moderator_elsewhere": await make_staff(
            session, elsewhere, StaffRole.MODERATOR, Role.MODERATOR
        ),
        "facilitator_here": await make_staff(
            session, consultation, StaffRole.FACILITATOR, Role.FACILITATOR
        ),
        "moderator_here": await make_staff(
            session, consultation, StaffRole.MODERATOR, Role.MODERATOR
        ),
        "admin": await create_user(session, Role.ADMIN),
    }
    hider = await make_staff(session, consultation, StaffRole.MODERATOR, Role.MODERATOR)
    return {"consultation": consultation, "users": users, "hider": hider}


async def _comment(session: Any, world: dict[str, Any], state: str = "visible") -> Contribution:
    author = world["users"]["author"]
    comment = await post(session, world["consultation"], author, f"Uwaga {id(object())} o parku")
    contribution = await session.get(Contribution, comment.contribution_id)
    if state in ("hidden", "appealed"):
        hider = world["hider"]
        await services.moderate(
            session,
            await accounts.principal_for(session, hider),
            hider,
            contribution.consultation_id,
            [contribution.id],
            AuditAction.HIDE,
            "spam",
        )
    if state == "appealed":
        await services.file_appeal(
            session,
            await accounts.principal_for(session, author),
            author,
            contribution.consultation_id,
            contribution.id,
            "",
        )
    return contribution


Case = Callable[[Any, dict[str, Any], Any], Awaitable[tuple[Any, Callable[[], Awaitable[bool]]]]]


async def _client(make_client: Any, user: User | None) -> Any:
    client = make_client()
    if user is not None:
        await client.login(user.email)
    else:
        await client.prime()
    return client


async def _state(session: Any, contribution: Contribution) -> ModerationState:
    return await session.scalar(
        select(Contribution.moderation_state)
        .where(Contribution.id == contribution.id)
        .execution_options(populate_existing=True)
    )


def _act(action: str, start: str, end: ModerationState) -> Case:
    async def case(session: Any, world: dict[str, Any], client: Any) -> Any:
        contribution = await _comment(session, world, start)
        url = f"/consultations/{world['consultation'].id}/moderation/act"
        response = await client.submit(
            url, {"ids": str(contribution.id), "action": action, "reason": "offensive"}
        )

        async def changed() -> bool:
            return await _state(session, contribution) is end

        return response, changed

    return case


async def _redact(session: Any, world: dict[str, Any], client: Any) -> Any:
    contribution = await _comment(session, world)
    response = await client.submit(
        f"/consultations/{world['consultation'].id}/moderation/redact",
        {"contribution_id": str(contribution.id), "fragment": "parku"},
    )

    async def changed() -> bool:
        body = await session.scalar(
            select(Contribution.body)
            .where(Contribution.id == contribution.id)
            .execution_options(populate_existing=True)
        )
        return "parku" not in body

    return response, changed


async def _block(session: Any, world: dict[str, Any], client: Any) -> Any:
    from moderation.guard import is_blocked

    target = await create_user(session)
    pid = (await participant_of(session, target)).id
    cid = world["consultation"].id
    response = await client.submit(
        f"/consultations/{cid}/moderation/block",
        {"participant_id": str(pid), "days": "7", "reason": "spam"},
    )

    async def changed() -> bool:
        return await is_blocked(session, pid, cid)

    return response, changed


async def _unblock(session: Any, world: dict[str, Any], client: Any) -> Any:
    from moderation.guard import is_blocked

    target = await create_user(session)
    pid = (await participant_of(session, target)).id
    cid = world["consultation"].id
    hider = world["hider"]
    block = await services.block(
        session,
        await accounts.principal_for(session, hider),
        hider,
        cid,
        pid,
        days=7,
        everywhere=False,
        reason="spam",
    )
    response = await client.submit(f"/moderation/blocks/{block.id}/lift", {"reason": ""})

    async def changed() -> bool:
        return not await is_blocked(session, pid, cid)

    return response, changed


async def _decide(session: Any, world: dict[str, Any], client: Any) -> Any:
    from moderation.models import Appeal

    contribution = await _comment(session, world, "appealed")
    appeal_id = await session.scalar(
        select(Appeal.id).where(Appeal.contribution_id == contribution.id)
    )
    response = await client.submit(
        f"/consultations/{world['consultation'].id}/moderation/appeals/{appeal_id}",
        {"outcome": "restored"},
    )

    async def changed() -> bool:
        return await _state(session, contribution) is ModerationState.VISIBLE

    return response, changed


CASES: dict[str, Case] = {
    "approve": _act("approve", "pending", ModerationState.VISIBLE),
    "hide": _act("hide", "visible", ModerationState.HIDDEN),
    "restore": _act("restore", "hidden", ModerationState.VISIBLE),
    "redact": _redact,
    "block": _block,
    "unblock": _unblock,
    "decide_appeal": _decide,
}


async def _pending(session: Any, world: dict[str, Any]) -> None:
    from moderation.models import Mode, ModerationSettings

    session.add(ModerationSettings(consultation_id=world["consultation"].id, mode=Mode.PRE))
    await session.commit()


@pytest.mark.parametrize("action", list(CASES))
async def test_moderation_action_matrix(session, make_client, action: str) -> None:
    world = await _world(session)
    if action == "approve":
        await _pending(session, world)
    for role in ROLES:
        client = await _client(make_client, world["users"][role])
        response, changed = await CASES[action](session, world, client)
        if role in ALLOWED:
            assert response.status_code == 303, (role, response.text[:300])
            assert await changed(), role
        else:
            assert response.status_code in (401, 403), (role, response.status_code)
            assert not await changed(), role


async def test_settings_matrix(session, make_client) -> None:
    world = await _world(session)
    cid = world["consultation"].id
    allowed = {"moderator_here", "admin", "facilitator_here"}
    for role in ROLES:
        client = await _client(make_client, world["users"][role])
        response = await client.submit(
            f"/consultations/{cid}/moderation/settings",
            {"mode": "pre", "report_threshold": "2", "max_links": "1"},
        )
        expected = (303,) if role in allowed else (401, 403)
        assert response.status_code in expected, (role, response.status_code)


async def test_queue_and_audit_show_only_own_consultations(session, make_client) -> None:
    world = await _world(session)
    contribution = await _comment(session, world, "appealed")
    for role in ROLES:
        client = await _client(make_client, world["users"][role])
        queue = await client.get("/moderation")
        audit = await client.get("/moderation/audit")
        if role in ALLOWED:
            assert html(queue).find(id=f"queue-item-{contribution.id}") is not None, role
            assert len(html(audit).select("tbody tr[id^=audit-]")) >= 2, role
        elif role == "moderator_elsewhere":
            assert html(queue).find(id=f"queue-item-{contribution.id}") is None
            assert html(audit).select("tbody tr[id^=audit-]") == []
        else:
            assert queue.status_code in (303, 403), (role, queue.status_code)
            assert audit.status_code in (303, 403), (role, audit.status_code)


async def test_moderation_actions_need_csrf(session, make_client) -> None:
    world = await _world(session)
    contribution = await _comment(session, world)
    client = await _client(make_client, world["users"]["admin"])
    response = await client.post(
        f"/consultations/{world['consultation'].id}/moderation/act",
        data={"ids": str(contribution.id), "action": "hide", "reason": "spam"},
    )
    assert response.status_code == 403
    assert await _state(session, contribution) is ModerationState.VISIBLE


async def test_author_cannot_see_others_pending(session, make_client) -> None:
    world = await _world(session)
    await _pending(session, world)
    contribution = await _comment(session, world, "pending")
    for role in ("other_resident", "anonymous", "moderator_elsewhere"):
        client = await _client(make_client, world["users"][role])
        page = html(await client.get(f"/consultations/{world['consultation'].id}/comments"))
        assert page.find(attrs={"data-contribution": str(contribution.id)}) is None, role
    author = await _client(make_client, world["users"]["author"])
    page = html(await author.get(f"/consultations/{world['consultation'].id}/comments"))
    assert page.find(attrs={"data-contribution": str(contribution.id)}) is not None
