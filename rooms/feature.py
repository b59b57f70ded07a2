"""The live rooms feature manifest: routes, the fan-out hub, and the staff link."""

from __future__ import annotations

from typing import Any

from deliberation.features import Feature


def _routes() -> list[Any]:
    from rooms import api, views

    return [*views.routes(), *api.routes()]


async def _startup(app: Any) -> None:
    from rooms.hub import Hub

    hub = Hub(app)
    app.state.room_hub = hub
    await hub.start()
    app.state.bus.subscribe(_follower(app), types=["contribution.moderated"])


def _follower(app: Any) -> Any:
    """A moderator's decision in the queue reaches the room's screens (issue #5)."""
    from rooms import services

    async def follow(event: Any) -> None:
        if event.source_type != "room_question":
            return
        async with app.state.db.session() as session:
            await services.follow_moderation(session, event.contribution_id)

    return follow


async def _shutdown(app: Any) -> None:
    hub = getattr(app.state, "room_hub", None)
    if hub is not None:
        await hub.stop()


FEATURE = Feature(name="rooms", routes=_routes, startup=_startup, shutdown=_shutdown)
