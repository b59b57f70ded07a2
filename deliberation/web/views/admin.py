"""Administration: the list of accounts and their global roles."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field
from sqlalchemy import func, or_, select
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute

from deliberation.errors import NotFound, ValidationFailed
from deliberation.i18n import _l
from deliberation.models import Consultation, ConsultationRole, Role, StaffRole, User
from deliberation.permissions import CONSULTATION_ASSIGN_STAFF, USERS_MANAGE
from deliberation.services import accounts
from deliberation.text import fold
from deliberation.web.forms import form_dict, validate
from deliberation.web.redirects import see_other
from deliberation.web.routing import page
from deliberation.web.templating import render

PAGE_SIZE = 50


class RoleForm(BaseModel):
    role: Role = Field()


async def users(request: Request) -> Response:
    query = request.query_params.get("q", "").strip()[:100]
    try:
        page_number = max(1, int(request.query_params.get("page", "1")))
    except ValueError:
        page_number = 1
    stmt = select(User).where(User.deleted_at.is_(None))
    if query:
        pattern = f"%{fold(query)}%"
        stmt = stmt.where(
            or_(func.lower(User.email).like(pattern), func.lower(User.display_name).like(pattern))
        )
    total = await request.state.db.scalar(select(func.count()).select_from(stmt.subquery()))
    rows = await request.state.db.scalars(
        stmt.order_by(User.id).offset((page_number - 1) * PAGE_SIZE).limit(PAGE_SIZE)
    )
    return render(
        request,
        "admin/users.html",
        users=list(rows),
        query=query,
        total=total,
        page_number=page_number,
        pages=max(1, (total + PAGE_SIZE - 1) // PAGE_SIZE),
        roles=list(Role),
        saved=request.query_params.get("saved"),
    )


async def change_role(request: Request) -> Response:
    user_id = request.path_params["user_id"]
    async with request.form(max_files=0, max_fields=10) as form:
        data = form_dict(form)
    target = await request.state.db.get(User, user_id)
    if target is None or target.is_deleted:
        raise NotFound()
    form_data = validate(RoleForm, data)
    if target.id == request.state.user.id and form_data.role is not Role.ADMIN:
        raise ValidationFailed(_l("You cannot take away your own administrator role."))
    await accounts.set_role(request.state.db, target, form_data.role)
    return see_other(request.url_for("admin:users").path + f"?saved={target.id}")


class AssignForm(BaseModel):
    email: str = Field(min_length=3, max_length=254)
    role: StaffRole


class UnassignForm(BaseModel):
    user_id: int
    role: StaffRole


async def _consultation(request: Request) -> Consultation:
    consultation = await request.state.db.get(Consultation, request.path_params["consultation_id"])
    if consultation is None:
        raise NotFound()
    return consultation  # type: ignore[no-any-return]


async def _staff_rows(request: Request, consultation_id: int) -> list[Any]:
    rows = await request.state.db.execute(
        select(ConsultationRole.role, User)
        .join(User, User.id == ConsultationRole.user_id)
        .where(ConsultationRole.consultation_id == consultation_id)
        .order_by(ConsultationRole.role, User.display_name)
    )
    return list(rows)


async def staff(request: Request) -> Response:
    consultation = await _consultation(request)
    errors: dict[str, Any] = {}
    message = None
    status = 200
    if request.method == "POST":
        async with request.form(max_files=0, max_fields=10) as form:
            data = form_dict(form)
        db = request.state.db
        try:
            if data.get("remove"):
                removal = validate(UnassignForm, data)
                await accounts.unassign_staff(
                    db,
                    consultation_id=consultation.id,
                    user_id=removal.user_id,
                    role=removal.role,
                )
            else:
                assignment = validate(AssignForm, data)
                target = await accounts.find_user_by_email(db, assignment.email)
                if target is None or target.is_deleted:
                    raise ValidationFailed(fields={"email": _l("No account uses this e-mail.")})
                await accounts.assign_staff(
                    db, consultation_id=consultation.id, user_id=target.id, role=assignment.role
                )
        except ValidationFailed as exc:
            errors, message, status = exc.fields, exc.message, exc.status
        else:
            return see_other(request.url.path + "?saved=1")
    return render(
        request,
        "admin/staff.html",
        status,
        consultation=consultation,
        rows=await _staff_rows(request, consultation.id),
        staff_roles=list(StaffRole),
        errors=errors,
        message=message,
        saved=request.query_params.get("saved"),
    )


def routes() -> list[BaseRoute]:
    return [
        page("/admin/users", users, action=USERS_MANAGE, name="admin:users"),
        page(
            "/admin/users/{user_id:int}/role",
            change_role,
            action=USERS_MANAGE,
            name="admin:user_role",
            methods=["POST"],
        ),
        page(
            "/admin/consultations/{consultation_id:int}/staff",
            staff,
            action=CONSULTATION_ASSIGN_STAFF,
            name="admin:consultation_staff",
            methods=["GET", "POST"],
        ),
    ]
