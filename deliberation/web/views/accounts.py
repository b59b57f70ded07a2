"""Registration, login, logout, passwords, the account page, data download and deletion."""

from __future__ import annotations

import json
from typing import Any

from pydantic import BaseModel, EmailStr, Field, model_validator
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute

from deliberation import i18n
from deliberation.errors import ValidationFailed
from deliberation.i18n import _l, gettext
from deliberation.mail import Mail
from deliberation.permissions import ACCOUNT_CREATE, ACCOUNT_MANAGE_OWN
from deliberation.ratelimit import Limit
from deliberation.services import accounts
from deliberation.web import cookies
from deliberation.web.forms import form_dict, validate
from deliberation.web.redirects import safe_next, see_other
from deliberation.web.routing import page
from deliberation.web.templating import render

PASSWORD = Field(min_length=10, max_length=128)


class PasswordsMatch(BaseModel):
    password: str = PASSWORD
    password_confirm: str = Field(max_length=128)

    @model_validator(mode="after")
    def _match(self) -> Any:
        if self.password != self.password_confirm:
            raise ValueError(str(_l("The two passwords are different.")))
        return self


class RegisterForm(PasswordsMatch):
    email: EmailStr = Field(max_length=254)
    display_name: str = Field(min_length=1, max_length=80)


class LoginForm(BaseModel):
    email: str = Field(min_length=1, max_length=254)
    password: str = Field(min_length=1, max_length=128)


class PasswordChangeForm(PasswordsMatch):
    current_password: str = Field(min_length=1, max_length=128)


class ResetRequestForm(BaseModel):
    email: EmailStr = Field(max_length=254)


class PreferencesForm(BaseModel):
    language: str = Field(pattern="^(pl|en)$")
    email_notifications: bool = False


class DeleteForm(BaseModel):
    password: str = Field(min_length=1, max_length=128)


async def _form(request: Request) -> dict[str, Any]:
    async with request.form(max_files=0, max_fields=50) as form:
        return form_dict(form)


def _render(request: Request, name: str, status: int = 200, **context: Any) -> Response:
    return render(request, name, status, **context)


def _invalid(request: Request, name: str, exc: ValidationFailed, data: dict[str, Any]) -> Response:
    data = {k: v for k, v in data.items() if "password" not in k}
    return _render(request, name, exc.status, errors=exc.fields, message=exc.message, data=data)


def _start_session(request: Request, response: Response, login: accounts.LoginSession) -> None:
    max_age = request.app.state.settings.session_days * 24 * 3600
    cookies.set_cookie(request, response, cookies.SESSION, login.token, max_age=max_age)
    if login.user.language in i18n.LANGUAGES:
        cookies.set_cookie(
            request, response, cookies.LANGUAGE, login.user.language, max_age=cookies.YEAR
        )


async def register(request: Request) -> Response:
    if request.method == "GET":
        return _render(request, "accounts/register.html", data={})
    data = await _form(request)
    try:
        form = validate(RegisterForm, data)
        await accounts.register(
            request.state.db,
            email=form.email,
            display_name=form.display_name,
            password=form.password,
            language=i18n.get_language(),
        )
        settings = request.app.state.settings
        login = await accounts.login(
            request.state.db,
            email=form.email,
            password=form.password,
            session_days=settings.session_days,
        )
    except ValidationFailed as exc:
        return _invalid(request, "accounts/register.html", exc, data)
    response = see_other(request.url_for("account").path)
    _start_session(request, response, login)
    return response


async def login(request: Request) -> Response:
    next_url = safe_next(request.query_params.get("next"))
    if request.method == "GET":
        return _render(request, "accounts/login.html", data={}, next=next_url)
    data = await _form(request)
    next_url = safe_next(data.get("next"), next_url)
    settings = request.app.state.settings
    try:
        form = validate(LoginForm, data)
        login_session = await accounts.login(
            request.state.db,
            email=form.email,
            password=form.password,
            session_days=settings.session_days,
            limit=Limit(settings.login_attempts_per_minute, 60),
            replace_token=request.cookies.get(cookies.SESSION),
        )
    except ValidationFailed as exc:
        return _render(
            request,
            "accounts/login.html",
            exc.status,
            errors=exc.fields,
            message=exc.message,
            data={"email": data.get("email", "")},
            next=next_url,
        )
    response = see_other(next_url)
    _start_session(request, response, login_session)
    return response


async def logout(request: Request) -> Response:
    token = request.cookies.get(cookies.SESSION)
    if token:
        await accounts.logout(request.state.db, token)
    response = see_other(request.url_for("home").path)
    cookies.clear_cookie(request, response, cookies.SESSION)
    return response


async def account(request: Request) -> Response:
    return _render(request, "accounts/account.html", saved=request.query_params.get("saved"))


async def change_password(request: Request) -> Response:
    data = await _form(request)
    try:
        form = validate(PasswordChangeForm, data)
        await accounts.change_password(
            request.state.db,
            request.state.user,
            current=form.current_password,
            new=form.password,
            keep_token=request.cookies.get(cookies.SESSION),
        )
    except ValidationFailed as exc:
        return _render(
            request, "accounts/account.html", exc.status, errors=exc.fields, message=exc.message
        )
    return see_other(request.url_for("account").path + "?saved=password")


async def preferences(request: Request) -> Response:
    data = await _form(request)
    try:
        form = validate(PreferencesForm, data)
    except ValidationFailed as exc:
        return _render(
            request, "accounts/account.html", exc.status, errors=exc.fields, message=exc.message
        )
    user = request.state.user
    await accounts.set_notifications(request.state.db, user, form.email_notifications)
    await accounts.set_language(request.state.db, user, form.language)
    response = see_other(request.url_for("account").path + "?saved=preferences")
    cookies.set_cookie(request, response, cookies.LANGUAGE, form.language, max_age=cookies.YEAR)
    return response


async def download_data(request: Request) -> Response:
    data = await accounts.export_data(request.state.db, request.state.user)
    return Response(
        json.dumps(data, ensure_ascii=False, indent=2),
        media_type="application/json",
        headers={"Content-Disposition": 'attachment; filename="my-data.json"'},
    )


async def delete_account(request: Request) -> Response:
    data = await _form(request)
    try:
        form = validate(DeleteForm, data)
        await accounts.delete_account(request.state.db, request.state.user, password=form.password)
    except ValidationFailed as exc:
        return _render(
            request, "accounts/account.html", exc.status, errors=exc.fields, message=exc.message
        )
    response = _render(request, "accounts/deleted.html", user=None)
    cookies.clear_cookie(request, response, cookies.SESSION)
    return response


async def reset_request(request: Request) -> Response:
    if request.method == "GET":
        return _render(request, "accounts/reset_request.html", data={})
    data = await _form(request)
    settings = request.app.state.settings
    try:
        form = validate(ResetRequestForm, data)
        found = await accounts.request_password_reset(
            request.state.db, form.email, valid_minutes=settings.password_reset_minutes
        )
    except ValidationFailed as exc:
        return _invalid(request, "accounts/reset_request.html", exc, data)
    if found is not None:
        user, token = found
        link = settings.base_url.rstrip("/") + request.url_for("password_reset", token=token).path
        with i18n.language(user.language or i18n.get_language()):
            mail = Mail(
                to=user.email or "",
                subject=gettext("Set a new password"),
                body=gettext(
                    "Someone asked to set a new password for your account. If it was you, "
                    "open this link within %(minutes)s minutes:\n\n%(link)s\n\n"
                    "If it was not you, ignore this message; your password stays the same.",
                    minutes=settings.password_reset_minutes,
                    link=link,
                ),
            )
        await request.app.state.mailer.send(mail)
    # The same answer whether or not the address has an account.
    return _render(request, "accounts/reset_sent.html")


async def reset_password(request: Request) -> Response:
    token = request.path_params["token"]
    db = request.state.db
    if request.method == "GET":
        try:
            await accounts.check_reset_token(db, token)
        except ValidationFailed as exc:
            return _render(request, "accounts/reset_invalid.html", exc.status, message=exc.message)
        return _render(request, "accounts/reset_password.html", token=token)
    data = await _form(request)
    try:
        form = validate(PasswordsMatch, data)
        await accounts.reset_password(db, token, form.password)
    except ValidationFailed as exc:
        if exc.code == "reset_token_invalid":
            return _render(request, "accounts/reset_invalid.html", exc.status, message=exc.message)
        return _render(
            request,
            "accounts/reset_password.html",
            exc.status,
            errors=exc.fields,
            message=exc.message,
            token=token,
        )
    return see_other(request.url_for("login").path + "?reset=1")


def routes() -> list[BaseRoute]:
    both = ["GET", "POST"]
    return [
        page("/register", register, action=ACCOUNT_CREATE, name="register", methods=both),
        page("/login", login, action=ACCOUNT_CREATE, name="login", methods=both),
        page("/logout", logout, action=ACCOUNT_CREATE, name="logout", methods=["POST"]),
        page(
            "/password-reset",
            reset_request,
            action=ACCOUNT_CREATE,
            name="password_reset_request",
            methods=both,
        ),
        page(
            "/password-reset/{token}",
            reset_password,
            action=ACCOUNT_CREATE,
            name="password_reset",
            methods=both,
        ),
        page("/account", account, action=ACCOUNT_MANAGE_OWN, name="account"),
        page(
            "/account/password",
            change_password,
            action=ACCOUNT_MANAGE_OWN,
            name="password_change",
            methods=["POST"],
        ),
        page(
            "/account/preferences",
            preferences,
            action=ACCOUNT_MANAGE_OWN,
            name="preferences",
            methods=["POST"],
        ),
        page("/account/data", download_data, action=ACCOUNT_MANAGE_OWN, name="account_data"),
        page(
            "/account/delete",
            delete_account,
            action=ACCOUNT_MANAGE_OWN,
            name="account_delete",
            methods=["POST"],
        ),
    ]
