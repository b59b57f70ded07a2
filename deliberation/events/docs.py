"""Render the event catalogue as Markdown: ``python -m deliberation.events.docs > docs/events.md``.

A test fails when docs/events.md differs from this output, so the page never goes stale.
"""

from __future__ import annotations

import importlib

from deliberation.events.catalogue import EVENT_TYPES
from deliberation.features import FEATURES


def _type_name(annotation: object) -> str:
    name = getattr(annotation, "__name__", None)
    return name if name and not str(annotation).startswith("typing") else str(annotation)


def render() -> str:
    for name in FEATURES:  # features append their own types when imported
        importlib.import_module(name)
    lines = [
        "# Domain events",
        "",
        "Generated from `deliberation/events/catalogue.py` by",
        "`python -m deliberation.events.docs > docs/events.md`; do not edit by hand.",
        "",
        "Events are published after the transaction that caused them commits: in-process with one",
        "server process, through PostgreSQL LISTEN/NOTIFY when several share a database.",
        "",
        "| Event | Fields | Meaning |",
        "|---|---|---|",
    ]
    for name in sorted(EVENT_TYPES):
        cls = EVENT_TYPES[name]
        fields = ", ".join(
            f"`{field}`: {_type_name(info.annotation).replace('|', 'or')}"
            for field, info in cls.model_fields.items()
        )
        doc = " ".join((cls.__doc__ or "").split()) if cls.__doc__ != cls.__base__.__doc__ else ""
        lines.append(f"| `{name}` | {fields} | {doc} |")
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    print(render(), end="")
