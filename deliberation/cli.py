"""The ``deliberation`` command: serve, migrate, load the demo, create users, check the setup."""

from __future__ import annotations

import asyncio
import sys
from typing import Any

import click

from deliberation.settings import ConfigurationError, Mode, Settings, load_settings


def _settings() -> Settings:
    try:
        return load_settings()
    except ConfigurationError as exc:
        raise click.ClickException(str(exc)) from None


@click.group()
@click.version_option(package_name="deliberation")
def main() -> None:
    """deliberation: public consultation and deliberation for cities."""


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8000, show_default=True, type=int)
@click.option("--workers", default=1, show_default=True, type=click.IntRange(1, 64))
@click.option("--reload", is_flag=True, help="Restart on code changes (development).")
@click.option("--demo", is_flag=True, help="Migrate the database and load the demo first.")
@click.option("--no-migrate", is_flag=True, help="Do not upgrade the database schema first.")
def serve(host: str, port: int, workers: int, reload: bool, demo: bool, no_migrate: bool) -> None:
    """Run the web server (uvicorn)."""
    import uvicorn

    settings = _settings()
    if workers > 1 and settings.is_sqlite:
        raise click.ClickException(
            "Several workers need PostgreSQL (they share live events through LISTEN/NOTIFY). "
            "Set DATABASE_URL to a postgresql:// URL or use --workers 1."
        )
    if not no_migrate:
        _upgrade(settings, "heads")
    if demo:
        _load_demo(settings)
    click.echo(f"Serving on http://{host}:{port}/  (Ctrl+C to stop)")
    uvicorn.run(
        "deliberation.app:create_app",
        factory=True,
        host=host,
        port=port,
        workers=workers if not reload else None,
        reload=reload,
        ws_max_size=64 * 1024,
        ws_per_message_deflate=False,
        proxy_headers=True,
        log_config=None,
    )


@main.group()
def db() -> None:
    """Database schema migrations."""


def _upgrade(settings: Settings, revision: str) -> None:
    from deliberation import migrate

    migrate.upgrade(settings.database_url, revision)


@db.command()
@click.argument("revision", default="heads")
def upgrade(revision: str) -> None:
    """Upgrade the schema (default: to the newest revision of every branch)."""
    _upgrade(_settings(), revision)
    click.echo("Database is up to date.")


@db.command()
@click.argument("revision", default="-1")
def downgrade(revision: str) -> None:
    """Downgrade the schema (default: one revision back; 'base' removes everything)."""
    from deliberation import migrate

    migrate.downgrade(_settings().database_url, revision)
    click.echo(f"Database downgraded to {revision}.")


def _run(coro: Any) -> Any:
    return asyncio.run(coro)


def _load_demo(settings: Settings) -> None:
    if settings.mode is Mode.PRODUCTION:
        raise click.ClickException("The demo has public passwords: not in production mode.")
    from deliberation.db import Database
    from deliberation.demo import DEMO_USERS, load_demo
    from deliberation.features import load_features

    async def go() -> bool:
        database = Database(settings.database_url)
        try:
            async with database.session() as session:
                return await load_demo(session, load_features())
        finally:
            await database.dispose()

    loaded = _run(go())
    click.echo("Demo data loaded." if loaded else "Demo data was already there.")
    click.echo("Demo accounts (local use only):")
    for user in DEMO_USERS:
        click.echo(f"  {user.role.value:<12} {user.email:<36} {user.password}")


@main.command()
def demo() -> None:
    """Load the demo consultation and users (idempotent)."""
    settings = _settings()
    _upgrade(settings, "heads")
    _load_demo(settings)


@main.command("create-user")
@click.option("--email", required=True)
@click.option("--name", "display_name", required=True)
@click.option(
    "--role",
    type=click.Choice(["resident", "facilitator", "moderator", "admin"]),
    default="resident",
    show_default=True,
)
@click.option("--password", prompt=True, hide_input=True, confirmation_prompt=True)
def create_user(email: str, display_name: str, role: str, password: str) -> None:
    """Create an account with a role."""
    from deliberation.db import Database
    from deliberation.errors import ValidationFailed
    from deliberation.models import Role
    from deliberation.services import accounts

    if len(password) < 10:
        raise click.ClickException("The password must have at least 10 characters.")
    settings = _settings()

    async def go() -> int:
        database = Database(settings.database_url)
        try:
            async with database.session() as session:
                user = await accounts.register(
                    session,
                    email=email,
                    display_name=display_name,
                    password=password,
                    role=Role(role),
                )
                return user.id
        finally:
            await database.dispose()

    try:
        user_id = _run(go())
    except ValidationFailed as exc:
        raise click.ClickException("; ".join(str(m) for m in exc.fields.values())) from None
    click.echo(f"Created user {user_id} ({email}) with role {role}.")


@main.command()
def check() -> None:
    """Check the configuration and that the database is reachable and migrated."""
    from deliberation.db import Database

    settings = _settings()
    click.echo(f"Configuration: OK (mode={settings.mode.value}, database={_safe_url(settings)})")

    async def go() -> str | None:
        database = Database(settings.database_url)
        try:
            await database.ping()
            from sqlalchemy import text

            async with database.engine.connect() as conn:
                try:
                    rows = await conn.execute(text("SELECT version_num FROM alembic_version"))
                    return ", ".join(sorted(r[0] for r in rows)) or None
                except Exception:  # table missing: not migrated yet
                    return None
        finally:
            await database.dispose()

    try:
        revision = _run(go())
    except Exception as exc:  # reported as a failed check, with the reason
        click.echo(f"Database: UNREACHABLE ({type(exc).__name__}: {exc})", err=True)
        sys.exit(1)
    click.echo("Database: reachable")
    if revision is None:
        click.echo("Schema: not migrated; run 'deliberation db upgrade'", err=True)
        sys.exit(1)
    click.echo(f"Schema: at {revision}")


@main.command("update-statuses")
def update_statuses() -> None:
    """Close consultations whose collecting phase has ended (every server also does it itself)."""
    from deliberation.db import Database
    from deliberation.events import create_bus
    from deliberation.services import schedule

    settings = _settings()

    async def go() -> list[int]:
        database = Database(settings.database_url)
        database.bus = create_bus(settings.database_url)
        await database.bus.start()
        try:
            return await schedule.update_statuses(database)
        finally:
            await database.bus.stop()
            await database.dispose()

    closed = _run(go())
    click.echo(f"Closed {len(closed)} consultation(s) whose collecting phase has ended.")


def _safe_url(settings: Settings) -> str:
    from sqlalchemy.engine import make_url

    return make_url(settings.database_url).render_as_string(hide_password=True)


if __name__ == "__main__":
    main()
