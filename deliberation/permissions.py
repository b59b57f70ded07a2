"""The permission layer: named actions with rules, checked for every HTTP route and WS message.

An action is a registered object, not a string, so a typo fails at import time instead of
silently denying. Rules look at a ``Principal`` (who is acting) and, for actions scoped to a
consultation, at that consultation's id and status. Feature packages define their own actions
with ``define``; ``ACTIONS`` lists them all for the role x action matrix tests.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from deliberation.errors import LoginRequired, PermissionDenied
from deliberation.models import ConsultationStatus, Role, StaffRole


@dataclass(frozen=True)
class Principal:
    """Who is acting: an account, an anonymous participant, or nobody yet."""

    user_id: int | None = None
    role: Role | None = None
    participant_id: int | None = None
    assignments: frozenset[tuple[int, StaffRole]] = field(default_factory=frozenset)

    @property
    def is_authenticated(self) -> bool:
        return self.user_id is not None

    @property
    def is_admin(self) -> bool:
        return self.role is Role.ADMIN

    def holds(self, consultation_id: int, role: StaffRole) -> bool:
        return (consultation_id, role) in self.assignments

    def staff_consultations(self, role: StaffRole) -> set[int]:
        return {cid for cid, held in self.assignments if held is role}


ANONYMOUS = Principal()


@dataclass(frozen=True)
class Scope:
    """The consultation an action touches."""

    consultation_id: int
    status: ConsultationStatus


Rule = Callable[[Principal, Scope | None], bool]


@dataclass(frozen=True)
class Action:
    name: str
    rule: Rule
    scoped: bool
    needs_login: bool
    description: str

    def __str__(self) -> str:
        return self.name


ACTIONS: dict[str, Action] = {}


def define(
    name: str, rule: Rule, *, scoped: bool, description: str, needs_login: bool = True
) -> Action:
    if name in ACTIONS:
        raise ValueError(f"action {name!r} is defined twice")
    action = Action(name, rule, scoped, needs_login, description)
    ACTIONS[name] = action
    return action


def can(principal: Principal, action: Action, scope: Scope | None = None) -> bool:
    if action.scoped and scope is None:
        raise ValueError(f"action {action.name} needs a consultation scope")
    return action.rule(principal, scope)


def authorize(principal: Principal, action: Action, scope: Scope | None = None) -> None:
    """Raise LoginRequired or PermissionDenied unless the principal may do the action."""
    if can(principal, action, scope):
        return
    if action.needs_login and not principal.is_authenticated:
        raise LoginRequired()
    raise PermissionDenied()


# --- rules ---------------------------------------------------------------------------------------


def anyone(_p: Principal, _s: Scope | None) -> bool:
    return True


def logged_in(p: Principal, _s: Scope | None) -> bool:
    return p.is_authenticated


def admin(p: Principal, _s: Scope | None) -> bool:
    return p.is_admin


def global_role(*roles: Role) -> Rule:
    def rule(p: Principal, _s: Scope | None) -> bool:
        return p.is_admin or (p.role is not None and p.role in roles)

    return rule


def assigned(*roles: StaffRole) -> Rule:
    """Admins, and staff assigned to this consultation in one of ``roles``."""

    def rule(p: Principal, s: Scope | None) -> bool:
        if p.is_admin:
            return True
        return s is not None and any(p.holds(s.consultation_id, role) for role in roles)

    return rule


def staff_of_any(p: Principal, _s: Scope | None) -> bool:
    return p.is_admin or bool(p.assignments)


def while_open(rule: Rule) -> Rule:
    """The rule, but only while the consultation's record may still change."""

    def wrapped(p: Principal, s: Scope | None) -> bool:
        if s is not None and s.status in (
            ConsultationStatus.CLOSED,
            ConsultationStatus.REPORT_PUBLISHED,
        ):
            return False
        return rule(p, s)

    return wrapped


FACILITATOR = StaffRole.FACILITATOR
MODERATOR = StaffRole.MODERATOR

# --- the core's actions --------------------------------------------------------------------------

VIEW_PUBLIC = define(
    "public.view", anyone, scoped=False, needs_login=False, description="Read public pages"
)
TAKE_PART = define(
    "public.take_part",
    anyone,
    scoped=False,
    needs_login=False,
    description="Take part as an anonymous participant or a resident",
)
ACCOUNT_CREATE = define(
    "account.create", anyone, scoped=False, needs_login=False, description="Register, log in"
)
ACCOUNT_MANAGE_OWN = define(
    "account.manage_own",
    logged_in,
    scoped=False,
    description="Change own password and language, download own data, delete own account",
)
USERS_MANAGE = define(
    "users.manage", admin, scoped=False, description="Create users and change their roles"
)
CONSULTATION_CREATE = define(
    "consultation.create",
    global_role(Role.FACILITATOR),
    scoped=False,
    description="Create a consultation (admins and facilitators)",
)
CONSULTATION_EDIT = define(
    "consultation.edit",
    assigned(FACILITATOR),
    scoped=True,
    description="Edit a consultation, its phases, meetings and attachments",
)
CONSULTATION_PUBLISH = define(
    "consultation.publish",
    assigned(FACILITATOR),
    scoped=True,
    description="Publish, close a consultation and publish its report",
)
CONSULTATION_ASSIGN_STAFF = define(
    "consultation.assign_staff",
    admin,
    scoped=True,
    description="Assign facilitators and moderators to a consultation",
)
CONSULTATION_VIEW_DRAFT = define(
    "consultation.view_draft",
    assigned(FACILITATOR, MODERATOR),
    scoped=True,
    description="See an unpublished consultation and the full record",
)
RECORD_WRITE = define(
    "record.write",
    while_open(assigned(FACILITATOR)),
    scoped=True,
    description="Enter meeting notes, paper forms and e-mails; tag themes; link contributions",
)
CONTRIBUTION_MODERATE = define(
    "contribution.moderate",
    assigned(MODERATOR),
    scoped=True,
    description="Approve, hide, restore and redact contributions; block participants",
)
STAFF_AREA = define("staff.area", staff_of_any, scoped=False, description="Open the staff area")

# --- consultations, meetings and the record (issue #3) -------------------------------------------

MEETING_REGISTER = define(
    "meeting.register",
    logged_in,
    scoped=False,
    description="Register for a meeting or its waiting list, and cancel",
)
STAFF_HOME = define(
    "staff.home",
    lambda p, s: global_role(Role.FACILITATOR)(p, s) or staff_of_any(p, s),
    scoped=False,
    description="Open the staff list of consultations (facilitators, assigned staff, admins)",
)
