"""The builder's edits on a working definition (plain JSON), one small step at a time.

Each function returns a new dict; ``services.save_working`` validates the result as a whole.
Keys are never reused or renamed, so an edited label keeps its answers.
"""

from __future__ import annotations

import copy
import itertools
from collections.abc import Mapping, Sequence
from typing import Any

from deliberation.errors import ValidationFailed
from deliberation.i18n import _l, gettext
from surveys import definition as d

QUESTION_TYPES = (
    "single_choice",
    "multiple_choice",
    "scale",
    "ranking",
    "short_text",
    "long_text",
    "number",
    "date",
    "matrix",
)


def _fresh(prefix: str, taken: set[str]) -> str:
    for n in itertools.count(1):
        key = f"{prefix}{n}"
        if key not in taken:
            return key
    raise AssertionError("unreachable")


def _question_keys(working: Mapping[str, Any]) -> set[str]:
    return {q["key"] for s in working["sections"] for q in s["questions"]}


def default_question(kind: str, key: str) -> dict[str, Any]:
    if kind not in QUESTION_TYPES:
        raise ValidationFailed(fields={"type": _l("Choose one of the options.")})
    base: dict[str, Any] = {"type": kind, "key": key, "title": gettext("New question")}
    two = [
        {"key": "o1", "label": gettext("Option %(n)s", n=1)},
        {"key": "o2", "label": gettext("Option %(n)s", n=2)},
    ]
    if kind in ("single_choice", "multiple_choice", "ranking"):
        base["options"] = two
    elif kind == "scale":
        base.update(min=1, max=5, min_label=gettext("Very bad"), max_label=gettext("Very good"))
    elif kind == "matrix":
        base["rows"] = [{"key": "r1", "label": gettext("Row %(n)s", n=1)}]
        base["columns"] = two
    return base


def _find(working: dict[str, Any], key: str) -> tuple[list[dict[str, Any]], int, int]:
    for si, section in enumerate(working["sections"]):
        for qi, question in enumerate(section["questions"]):
            if question["key"] == key:
                return working["sections"], si, qi
    raise ValidationFailed(_l("This question no longer exists. Reload the page."))


def _section_index(working: dict[str, Any], key: str) -> int:
    for si, section in enumerate(working["sections"]):
        if section["key"] == key:
            return si
    raise ValidationFailed(_l("This section no longer exists. Reload the page."))


def add_section(working: Mapping[str, Any]) -> dict[str, Any]:
    out = copy.deepcopy(dict(working))
    key = _fresh("s", {s["key"] for s in out["sections"]})
    question = default_question("short_text", _fresh("q", _question_keys(out)))
    out["sections"].append({"key": key, "title": "", "questions": [question]})
    return out


def add_question(working: Mapping[str, Any], section_key: str, kind: str) -> dict[str, Any]:
    out = copy.deepcopy(dict(working))
    si = _section_index(out, section_key)
    out["sections"][si]["questions"].append(
        default_question(kind, _fresh("q", _question_keys(out)))
    )
    return out


def delete_question(working: Mapping[str, Any], key: str) -> dict[str, Any]:
    out = copy.deepcopy(dict(working))
    sections, si, qi = _find(out, key)
    del sections[si]["questions"][qi]
    if not sections[si]["questions"]:
        if len(sections) == 1:
            raise ValidationFailed(_l("A survey needs at least one question."))
        del sections[si]
    return out


def move_question(working: Mapping[str, Any], key: str, step: int) -> dict[str, Any]:
    """Up (-1) or down (+1); past the edge of a section it moves into the next one."""
    out = copy.deepcopy(dict(working))
    sections, si, qi = _find(out, key)
    questions = sections[si]["questions"]
    target = qi + step
    if 0 <= target < len(questions):
        questions[qi], questions[target] = questions[target], questions[qi]
    elif 0 <= si + step < len(sections) and len(questions) > 1:
        moved = questions.pop(qi)
        neighbour = sections[si + step]["questions"]
        if step < 0:
            neighbour.append(moved)
        else:
            neighbour.insert(0, moved)
    return out


# The builder's name of each list of items -> the definition's field.
ITEM_LISTS = {"opt": "options", "row": "rows", "col": "columns"}


def move_item(working: Mapping[str, Any], key: str, target: str, step: int) -> dict[str, Any]:
    """Move an option, matrix row or column up (-1) or down (+1) within its question.

    ``target`` is "<list>:<item key>" (list: opt, row or col). Keys stay, so stored answers keep
    their meaning: a new order is a safe edit even after responses (``versioning``).
    """
    out = copy.deepcopy(dict(working))
    sections, si, qi = _find(out, key)
    which, _, item = target.partition(":")
    items = sections[si]["questions"][qi].get(ITEM_LISTS.get(which, ""))
    index = next((n for n, x in enumerate(items or []) if x["key"] == item), None)
    if items is None or index is None:
        raise ValidationFailed(_l("This option no longer exists. Reload the page."))
    other = index + step
    if 0 <= other < len(items):
        items[index], items[other] = items[other], items[index]
    return out


def move_section(working: Mapping[str, Any], key: str, step: int) -> dict[str, Any]:
    out = copy.deepcopy(dict(working))
    si = _section_index(out, key)
    target = si + step
    if 0 <= target < len(out["sections"]):
        sections = out["sections"]
        sections[si], sections[target] = sections[target], sections[si]
    return out


def delete_section(working: Mapping[str, Any], key: str) -> dict[str, Any]:
    out = copy.deepcopy(dict(working))
    if len(out["sections"]) == 1:
        raise ValidationFailed(_l("A survey needs at least one section."))
    del out["sections"][_section_index(out, key)]
    return out


class Fields:
    """A form with repeated keys, read the way the builder's fields are named."""

    def __init__(self, pairs: Sequence[tuple[str, Any]]) -> None:
        self.pairs = [(k, v) for k, v in pairs if isinstance(v, str)]

    def one(self, name: str, default: str = "") -> str:
        for key, value in self.pairs:
            if key == name:
                return str(value).strip()
        return default

    def all(self, name: str) -> list[str]:
        return [str(v) for k, v in self.pairs if k == name]

    def flag(self, name: str) -> bool:
        return self.one(name) in ("1", "on", "true")


def _items(
    fields: Fields, prefix: str, existing: list[dict[str, Any]], key_prefix: str
) -> list[dict[str, Any]]:
    """Options, rows or columns: edited labels, removals and new lines, keys kept stable."""
    removed = set(fields.all(f"{prefix}_remove"))
    keys, labels = fields.all(f"{prefix}_key"), fields.all(f"{prefix}_label")
    known = {item["key"] for item in existing}
    out = [
        {"key": key, "label": label.strip()}
        for key, label in zip(keys, labels, strict=False)
        if key in known and key not in removed
    ]
    taken = known | {d.OTHER}
    for line in fields.one(f"{prefix}_new").splitlines():
        if line.strip():
            key = _fresh(key_prefix, taken)
            taken.add(key)
            out.append({"key": key, "label": line.strip()})
    return out


def _number(raw: str) -> int | float | None:
    raw = raw.replace(",", ".").replace(" ", "")
    if not raw:
        return None
    try:
        value = float(raw)
    except ValueError:
        raise ValidationFailed(_l("Enter a number.")) from None
    return int(value) if value.is_integer() else value


def _condition(raw: str, working: Mapping[str, Any]) -> dict[str, Any] | None:
    """'question|operator|value' from the condition picker."""
    if not raw:
        return None
    parts = raw.split("|", 2)
    if len(parts) != 3:
        raise ValidationFailed(fields={"condition": _l("Choose one of the options.")})
    question, operator, value = parts
    target = next(
        (q for s in working["sections"] for q in s["questions"] if q["key"] == question), None
    )
    typed: Any = (
        int(value)
        if target and target["type"] == "scale" and value.lstrip("-").isdigit()
        else value
    )
    return {"question": question, "operator": operator, "value": typed}


def update_question(working: Mapping[str, Any], key: str, fields: Fields) -> dict[str, Any]:
    out = copy.deepcopy(dict(working))
    sections, si, qi = _find(out, key)
    old = sections[si]["questions"][qi]
    kind = old["type"]
    new: dict[str, Any] = {
        "type": kind,
        "key": key,
        "title": fields.one("title"),
        "help_text": fields.one("help_text"),
        "required": fields.flag("required"),
    }
    condition = _condition(fields.one("condition"), out)
    if condition:
        new["condition"] = condition
    if kind in ("single_choice", "multiple_choice", "ranking"):
        new["options"] = _items(fields, "opt", old.get("options", []), "o")
        new["shuffle"] = fields.flag("shuffle")
        if kind != "ranking":
            new["allow_other"] = fields.flag("allow_other")
        if kind == "multiple_choice" and fields.one("max_choices"):
            new["max_choices"] = _number(fields.one("max_choices"))
    elif kind == "scale":
        low, _, high = fields.one("range", "1-5").partition("-")
        new.update(
            min=int(low) if low.isdigit() else 1,
            max=int(high) if high.isdigit() else 5,
            min_label=fields.one("min_label"),
            max_label=fields.one("max_label"),
        )
    elif kind in ("short_text", "long_text") and fields.one("max_length"):
        new["max_length"] = _number(fields.one("max_length"))
    elif kind == "number":
        new.update(
            min=_number(fields.one("min")),
            max=_number(fields.one("max")),
            integer=fields.flag("integer"),
        )
    elif kind == "date":
        new.update(min=fields.one("min") or None, max=fields.one("max") or None)
    elif kind == "matrix":
        new["rows"] = _items(fields, "row", old.get("rows", []), "r")
        new["columns"] = _items(fields, "col", old.get("columns", []), "c")
        new["shuffle"] = fields.flag("shuffle")
    sections[si]["questions"][qi] = new
    return out


def update_section(working: Mapping[str, Any], key: str, fields: Fields) -> dict[str, Any]:
    out = copy.deepcopy(dict(working))
    section = out["sections"][_section_index(out, key)]
    section["title"] = fields.one("title")
    section["description"] = fields.one("description")
    condition = _condition(fields.one("condition"), out)
    section.pop("condition", None)
    if condition:
        section["condition"] = condition
    return out


def update_intro(working: Mapping[str, Any], fields: Fields) -> dict[str, Any]:
    out = copy.deepcopy(dict(working))
    out["title"] = fields.one("title")
    out["description"] = fields.one("description")
    return out


def condition_choices(definition: d.Survey, before: str) -> list[tuple[str, str]]:
    """('question|operator|value', words) for every condition a question or section may use.

    ``before`` is the key of the question (or "section:<key>") being edited: only earlier
    questions qualify, as the definition requires.
    """
    choices: list[tuple[str, str]] = []
    for section in definition.sections:
        if before == f"section:{section.key}":
            return choices
        for q in section.questions:
            if q.key == before:
                return choices
            if isinstance(q, d.SingleChoiceQuestion):
                for key in q.option_keys():
                    label = _label(q, key)
                    choices.append(
                        (f"{q.key}|equals|{key}", gettext("“%(q)s” is “%(a)s”", q=q.title, a=label))
                    )
                    choices.append(
                        (
                            f"{q.key}|not_equals|{key}",
                            gettext("“%(q)s” is not “%(a)s”", q=q.title, a=label),
                        )
                    )
            elif isinstance(q, d.MultipleChoiceQuestion):
                for key in q.option_keys():
                    choices.append(
                        (
                            f"{q.key}|includes|{key}",
                            gettext("“%(q)s” includes “%(a)s”", q=q.title, a=_label(q, key)),
                        )
                    )
            elif isinstance(q, d.ScaleQuestion):
                for value in range(q.min, q.max + 1):
                    choices.append(
                        (
                            f"{q.key}|equals|{value}",
                            gettext("“%(q)s” is “%(a)s”", q=q.title, a=value),
                        )
                    )
    return choices


def _label(q: d.SingleChoiceQuestion | d.MultipleChoiceQuestion, key: str) -> str:
    if key == d.OTHER:
        return str(d.OTHER_LABEL)
    return next(o.label for o in q.options if o.key == key)


def condition_value(condition: d.Condition | None) -> str:
    if condition is None:
        return ""
    return f"{condition.question}|{condition.operator}|{condition.value}"
