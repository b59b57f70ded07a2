"""The permission layer as a matrix: role x action x consultation state."""

from __future__ import annotations

import pytest

from deliberation.errors import LoginRequired, PermissionDenied
from deliberation.models import ConsultationStatus, Role, StaffRole
from deliberation.permissions import (
    ACCOUNT_CREATE,
    ACCOUNT_MANAGE_OWN,
    ACTIONS,
    CONSULTATION_ASSIGN_STAFF,
    CONSULTATION_CREATE,
    CONSULTATION_EDIT,
    CONSULTATION_PUBLISH,
    CONSULTATION_VIEW_DRAFT,
    CONTRIBUTION_MODERATE,
    MEETING_REGISTER,
    RECORD_WRITE,
    STAFF_AREA,
    STAFF_HOME,
    TAKE_PART,
    USERS_MANAGE,
    VIEW_PUBLIC,
    Principal,
    Scope,
    authorize,
    can,
    define,
)

C = 10  # the consultation in scope
OTHER = 20

PRINCIPALS = {
    "anonymous": Principal(),
    "participant": Principal(participant_id=5),
    "resident": Principal(user_id=1, role=Role.RESIDENT),
    "facilitator_unassigned": Principal(user_id=2, role=Role.FACILITATOR),
    "facilitator": Principal(
        user_id=3, role=Role.FACILITATOR, assignments=frozenset({(C, StaffRole.FACILITATOR)})
    ),
    "facilitator_elsewhere": Principal(
        user_id=4, role=Role.FACILITATOR, assignments=frozenset({(OTHER, StaffRole.FACILITATOR)})
    ),
    "moderator": Principal(
        user_id=5, role=Role.MODERATOR, assignments=frozenset({(C, StaffRole.MODERATOR)})
    ),
    "moderator_elsewhere": Principal(
        user_id=6, role=Role.MODERATOR, assignments=frozenset({(OTHER, StaffRole.MODERATOR)})
    ),
    "admin": Principal(user_id=7, role=Role.ADMIN),
}

ALL = set(PRINCIPALS)
LOGGED_IN = ALL - {"anonymous", "participant"}
STAFF = {"facilitator", "facilitator_elsewhere", "moderator", "moderator_elsewhere", "admin"}
EXPECTED = {
    VIEW_PUBLIC: ALL,
    TAKE_PART: ALL,
    ACCOUNT_CREATE: ALL,
    ACCOUNT_MANAGE_OWN: LOGGED_IN,
    USERS_MANAGE: {"admin"},
    CONSULTATION_CREATE: {
        "facilitator_unassigned",
        "facilitator",
        "facilitator_elsewhere",
        "admin",
    },
    CONSULTATION_EDIT: {"facilitator", "admin"},
    CONSULTATION_PUBLISH: {"facilitator", "admin"},
    CONSULTATION_ASSIGN_STAFF: {"admin"},
    CONSULTATION_VIEW_DRAFT: {"facilitator", "moderator", "admin"},
    RECORD_WRITE: {"facilitator", "admin"},
    CONTRIBUTION_MODERATE: {"moderator", "admin"},
    STAFF_AREA: STAFF,
    STAFF_HOME: STAFF | {"facilitator_unassigned"},
    MEETING_REGISTER: LOGGED_IN,
}
CLOSED = (ConsultationStatus.CLOSED, ConsultationStatus.REPORT_PUBLISHED)


def expected(action, status):
    if action is RECORD_WRITE and status in CLOSED:
        return set()  # a closed consultation's record no longer changes
    return EXPECTED[action]


def test_core_actions_are_all_in_the_matrix():
    core_prefixes = {"public", "account", "users", "staff", "consultation", "record", "meeting"}
    core = {a for a in ACTIONS.values() if a.name.split(".")[0] in core_prefixes}
    assert core <= set(EXPECTED)
    assert all(action.name in ACTIONS for action in EXPECTED)


@pytest.mark.parametrize("status", list(ConsultationStatus))
@pytest.mark.parametrize("action", list(EXPECTED), ids=lambda a: a.name)
@pytest.mark.parametrize("who", list(PRINCIPALS))
def test_matrix(who, action, status):
    scope = Scope(consultation_id=C, status=status) if action.scoped else None
    assert can(PRINCIPALS[who], action, scope) is (who in expected(action, status))


def test_authorize_raises_login_required_for_anonymous_and_forbidden_for_others():
    scope = Scope(consultation_id=C, status=ConsultationStatus.DRAFT)
    with pytest.raises(LoginRequired):
        authorize(PRINCIPALS["anonymous"], CONSULTATION_EDIT, scope)
    with pytest.raises(PermissionDenied):
        authorize(PRINCIPALS["resident"], CONSULTATION_EDIT, scope)
    authorize(PRINCIPALS["facilitator"], CONSULTATION_EDIT, scope)


def test_scoped_action_without_scope_is_a_programming_error():
    with pytest.raises(ValueError):
        can(PRINCIPALS["admin"], CONSULTATION_EDIT)


def test_actions_cannot_be_defined_twice():
    with pytest.raises(ValueError):
        define("public.view", lambda p, s: True, scoped=False, description="again")


async def test_http_routes_enforce_actions(client):
    response = await client.get("/account/data")
    assert response.status_code == 303
    assert response.headers["location"].startswith("/login?next=")
    api = await client.api(
        "POST", "/account/delete", json={}, headers={"accept": "application/json"}
    )
    assert api.status_code == 401
    assert api.json()["error"]["code"] == "login_required"
