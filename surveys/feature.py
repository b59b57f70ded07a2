"""The surveys feature manifest: routes, the folding task and the demo park survey."""

from __future__ import annotations

from typing import Any

from deliberation.features import Feature
from surveys.demo import load_demo
from surveys.web import routes


async def _startup(app: Any) -> None:
    from surveys.folding import Folder

    folder = Folder(app.state.db.url, app.state.bus)
    app.state.survey_folder = folder
    await folder.start()


async def _shutdown(app: Any) -> None:
    folder = getattr(app.state, "survey_folder", None)
    if folder is not None:
        await folder.stop()


FEATURE = Feature(
    name="surveys", routes=routes, startup=_startup, shutdown=_shutdown, demo=load_demo
)
