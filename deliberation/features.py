"""What a feature package contributes to the platform, declared in one manifest.

``create_app`` reads the manifests of ``FEATURES`` in order; the core never imports a feature
elsewhere, and features do not import each other.
"""

from __future__ import annotations

import importlib
from collections.abc import Awaitable, Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession
from starlette.routing import BaseRoute

# Module paths of the feature manifests, wired in this order.
FEATURES: tuple[str, ...] = ("rooms.feature", "surveys.feature", "moderation.feature")


@dataclass(frozen=True)
class Feature:
    name: str
    routes: Callable[[], Sequence[BaseRoute]] = lambda: ()
    # Called once the app has started: subscribe to the bus, start background tasks.
    startup: Callable[[Any], Awaitable[None]] | None = None
    shutdown: Callable[[Any], Awaitable[None]] | None = None
    # Adds this feature's part of the demo consultation.
    demo: Callable[[AsyncSession, dict[str, Any]], Awaitable[None]] | None = None
    staff_links: Sequence[tuple[str, str]] = field(default_factory=tuple)


def load_features(names: Sequence[str] = FEATURES) -> list[Feature]:
    features = []
    for name in names:
        module = importlib.import_module(name)
        feature = getattr(module, "FEATURE", None)
        if not isinstance(feature, Feature):
            raise RuntimeError(f"{name} has no FEATURE manifest")
        features.append(feature)
    return features


def wired_providers(features: Iterable[Any], targets: Mapping[str, str]) -> list[Any]:
    """The functions named by ``targets`` (feature name -> ``"module:function"``) of the
    features wired into the app (``app.state.features``), imported only for those features."""
    wired = {getattr(feature, "name", "") for feature in features}
    found: list[Any] = []
    for name, target in targets.items():
        if name in wired:
            module, _, function = target.partition(":")
            found.append(getattr(importlib.import_module(module), function))
    return found
