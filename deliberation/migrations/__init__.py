"""Alembic migrations of the core; feature packages keep theirs in ``<feature>/migrations``."""
