"""Running Alembic from code: the CLI's ``db upgrade``/``db downgrade`` and the tests use this.

The core's migrations live in ``deliberation/migrations``; each feature package may keep its own
branch in ``<feature>/migrations/versions`` that depends on a core revision. ``heads`` upgrades
all branches.
"""

from __future__ import annotations

import asyncio
import importlib
from importlib import resources
from pathlib import Path

from alembic import command
from alembic.config import Config

from deliberation.features import FEATURES

MODEL_MODULES = ("deliberation.models",)


def feature_packages() -> list[str]:
    return [name.split(".")[0] for name in FEATURES]


def import_all_models() -> None:
    """Register every table on ``Base.metadata`` (core and features) for autogenerate."""
    for module in MODEL_MODULES:
        importlib.import_module(module)
    for package in feature_packages():
        try:
            importlib.import_module(f"{package}.models")
        except ModuleNotFoundError as exc:
            if exc.name != f"{package}.models":
                raise


def alembic_config(database_url: str) -> Config:
    config = Config()
    config.set_main_option("script_location", str(resources.files("deliberation") / "migrations"))
    locations = [str(Path(str(resources.files("deliberation"))) / "migrations" / "versions")]
    for package in feature_packages():
        folder = Path(str(resources.files(package))) / "migrations" / "versions"
        if folder.is_dir():
            locations.append(str(folder))
    config.set_main_option("version_locations", " ".join(locations))
    config.set_main_option("path_separator", "space")
    config.set_main_option("sqlalchemy.url", database_url.replace("%", "%%"))
    return config


def upgrade(database_url: str, revision: str = "heads") -> None:
    command.upgrade(alembic_config(database_url), revision)


def downgrade(database_url: str, revision: str) -> None:
    command.downgrade(alembic_config(database_url), revision)


async def upgrade_async(database_url: str, revision: str = "heads") -> None:
    """For callers already inside an event loop (env.py runs its own with asyncio.run)."""
    await asyncio.to_thread(upgrade, database_url, revision)
