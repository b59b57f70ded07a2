"""Moderation's actions. Acting on a contribution uses the core's CONTRIBUTION_MODERATE."""

from __future__ import annotations

from deliberation.permissions import (
    FACILITATOR,
    MODERATOR,
    Principal,
    Scope,
    admin,
    assigned,
    define,
    logged_in,
)


def moderator_anywhere(p: Principal, _s: Scope | None) -> bool:
    return p.is_admin or bool(p.staff_consultations(MODERATOR))


REPORT = define(
    "moderation.report",
    logged_in,
    scoped=True,
    description="Report a contribution to the moderators (once per contribution)",
)
APPEAL = define(
    "moderation.appeal",
    logged_in,
    scoped=True,
    description="Ask once for a second look at one's own hidden contribution",
)
QUEUE = define(
    "moderation.queue",
    moderator_anywhere,
    scoped=False,
    description="See the moderation queue and the audit log of one's consultations",
)
SETTINGS = define(
    "moderation.settings",
    assigned(MODERATOR, FACILITATOR),
    scoped=True,
    description="Choose pre- or post-moderation, report threshold, links and blocked words",
)
SITE_SETTINGS = define(
    "moderation.site_settings",
    admin,
    scoped=False,
    description="Edit the site-wide blocked words and block participants everywhere",
)
