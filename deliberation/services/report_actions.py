"""The report's actions (issue 7): responses, the "what we heard" summary, the report, checks."""

from __future__ import annotations

from deliberation.models import Role
from deliberation.permissions import (
    FACILITATOR,
    Principal,
    Scope,
    assigned,
    define,
    global_role,
    staff_of_any,
)


def _writers(p: Principal, s: Scope | None) -> bool:
    """Anyone who writes texts residents read: facilitators, assigned staff, admins."""
    return global_role(Role.FACILITATOR)(p, s) or staff_of_any(p, s)


RESPONSE_WRITE = define(
    "report.respond",
    assigned(FACILITATOR),
    scoped=True,
    description="Answer contributions (you said, we did) with a status and a justification",
)
SUMMARY_WRITE = define(
    "report.summary",
    assigned(FACILITATOR),
    scoped=True,
    description='Generate, edit and publish the "what we heard" summary',
)
REPORT_WRITE = define(
    "report.edit",
    assigned(FACILITATOR),
    scoped=True,
    description="Write the report's own texts (announcement, conclusions, where published)",
)
PLAIN_LANGUAGE_CHECK = define(
    "plain_language.check",
    _writers,
    scoped=False,
    description="Run the plain-language check on a text being written",
)
