"""Fail unless the wheel carries what a `pip install .` needs to run."""

from __future__ import annotations

import sys
import zipfile

REQUIRED_PREFIXES = (
    "deliberation/_templates/base.html",
    "deliberation/_static/css/app.css",
    "deliberation/_static/vendor/htmx-2.0.11/htmx.min.js",
    "deliberation/locale/pl/LC_MESSAGES/messages.mo",
    "deliberation/migrations/env.py",
    "deliberation/migrations/versions/0001_core.py",
    "deliberation/demo/park_contributions_pl.jsonl",
)

names = set(zipfile.ZipFile(sys.argv[1]).namelist())
missing = [p for p in REQUIRED_PREFIXES if p not in names]
if missing:
    sys.exit(f"the wheel lacks: {', '.join(missing)}")
print(f"wheel OK: {len(names)} files")
