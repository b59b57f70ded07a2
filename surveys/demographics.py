"""The city's optional demographic questions (age band, district), added as a last section.

They are ordinary optional single-choice questions, so validation, results and cross-tabs treat
them like any other; their keys are fixed so every survey can be cut by them the same way.
"""

from __future__ import annotations

from typing import Any

from deliberation.i18n import gettext
from deliberation.text import slugify

SECTION_KEY = "about-you"
AGE_KEY = "age-band"
DISTRICT_KEY = "district"
AGE_BANDS = ("under-18", "18-29", "30-44", "45-59", "60-74", "75-plus")
MAX_DISTRICTS = 60


def age_label(key: str) -> str:
    if key == "under-18":
        return gettext("under 18")
    if key == "75-plus":
        return gettext("75 or older")
    return key.replace("-", "–")


def district_key(name: str, index: int) -> str:
    slug = slugify(name).replace("_", "-")[:60].strip("-")
    return slug or f"d{index}"


def demographic_section(settings: dict[str, Any]) -> dict[str, Any] | None:
    """The section for these settings ({"age_band": bool, "districts": [...]}), or None."""
    questions: list[dict[str, Any]] = []
    if settings.get("age_band"):
        questions.append(
            {
                "type": "single_choice",
                "key": AGE_KEY,
                "title": gettext("How old are you?"),
                "options": [{"key": key, "label": age_label(key)} for key in AGE_BANDS],
            }
        )
    districts = [name for name in settings.get("districts", []) if name.strip()]
    if len(districts) >= 2:
        options, seen = [], set()
        for index, name in enumerate(districts[:MAX_DISTRICTS]):
            key = district_key(name, index)
            if key in seen:
                continue
            seen.add(key)
            options.append({"key": key, "label": name.strip()[:200]})
        questions.append(
            {
                "type": "single_choice",
                "key": DISTRICT_KEY,
                "title": gettext("Which district do you live in?"),
                "options": options,
            }
        )
    if not questions:
        return None
    return {
        "key": SECTION_KEY,
        "title": gettext("About you"),
        "description": gettext(
            "These questions are optional. We use the answers only to compare groups."
        ),
        "questions": questions,
    }


def compose(working: dict[str, Any], settings: dict[str, Any]) -> dict[str, Any]:
    """The definition residents answer: the builder's sections plus the demographic one."""
    sections = [s for s in working.get("sections", []) if s.get("key") != SECTION_KEY]
    extra = demographic_section(settings)
    return {**working, "sections": [*sections, *([extra] if extra else [])]}
