"""The moderation feature manifest: the queue, the audit log, reports, appeals, transparency."""

from __future__ import annotations

from typing import Any

from deliberation.features import Feature


def _routes() -> list[Any]:
    from moderation import views

    return views.routes()


async def _startup(app: Any) -> None:
    from deliberation.settings import Mode
    from moderation.guard import warm_up_in_background

    # Development and tests load the lemma data on the first post that needs it.
    if app.state.settings.mode is Mode.PRODUCTION:
        warm_up_in_background()


FEATURE = Feature(
    name="moderation",
    routes=_routes,
    startup=_startup,
)
