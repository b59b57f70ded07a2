"""Where templates and static files are: inside the installed package, or the source tree."""

from __future__ import annotations

from pathlib import Path

_PACKAGE = Path(__file__).resolve().parent


def _find(name: str) -> Path:
    # A wheel ships them as deliberation/_templates and deliberation/_static (see pyproject);
    # a source checkout or an editable install has them at the top level.
    for candidate in (_PACKAGE / f"_{name}", _PACKAGE.parent / name):
        if candidate.is_dir():
            return candidate
    raise RuntimeError(f"cannot find the {name} folder next to {_PACKAGE}")


def templates_dir() -> Path:
    return _find("templates")


def static_dir() -> Path:
    return _find("static")
