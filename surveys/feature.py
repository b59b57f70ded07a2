"""The surveys feature manifest: routes and the demo park survey."""

from __future__ import annotations

from deliberation.features import Feature
from surveys.demo import load_demo
from surveys.web import routes

FEATURE = Feature(name="surveys", routes=routes, demo=load_demo)
