"""Safe tabular exports (CSV, XLSX, JSON) shared by every feature.

Cells that a spreadsheet would run as a formula are neutralized; Polish text survives Excel.
"""

from __future__ import annotations

import csv
import datetime as dt
import enum
import io
import json
import re
import uuid
from collections.abc import Iterable, Mapping, Sequence
from decimal import Decimal

from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

# A spreadsheet starts a formula at these (OWASP "CSV injection"); tab and CR also shift cells.
DANGEROUS_PREFIXES: tuple[str, ...] = ("=", "+", "-", "@", "\t", "\r")
XLSX_MAX_CELL = 32_767  # Excel refuses longer text in one cell
_SHEET_NAME_LIMIT = 31
_SHEET_NAME_FORBIDDEN = re.compile(r"[\[\]:*?/\\\x00-\x1f]")

Header = Sequence[str]
Rows = Iterable[Sequence[object]]


def _render(value: object) -> str:
    """The text of a cell: ISO 8601 dates, empty for None, enum values, plain numbers."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dt.date | dt.time):  # datetime is a date
        return value.isoformat()
    if isinstance(value, enum.Enum):
        return _render(value.value)
    return str(value)


def _is_number(value: object) -> bool:
    return isinstance(value, int | float | Decimal) and not isinstance(value, bool)


def neutralize_cell(value: object) -> str:
    """Cell text that no spreadsheet will run: risky starts get a leading single quote.

    Numbers stay numbers (-5 is fine), but text that looks like one ("-5") is quoted too,
    since "-5+cmd|..." is text as well. Leading spaces do not hide a risky character.
    """
    text = _render(value)
    if _is_number(value) or (isinstance(value, enum.Enum) and _is_number(value.value)):
        return text
    if text.startswith(DANGEROUS_PREFIXES) or text.lstrip().startswith(DANGEROUS_PREFIXES):
        return "'" + text
    return text


def write_csv(rows: Rows, header: Header) -> bytes:
    """UTF-8 with a BOM (so Excel reads Polish letters), CRLF line ends, cells neutralized."""
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow([neutralize_cell(name) for name in header])
    writer.writerows([neutralize_cell(value) for value in row] for row in rows)
    return buffer.getvalue().encode("utf-8-sig")


def _xlsx_value(value: object) -> object:
    """Numbers and booleans stay typed; everything else becomes neutralized, XML-safe text."""
    if _is_number(value) or isinstance(value, bool):
        return value
    # openpyxl raises on control characters that XML 1.0 cannot hold; pasted text has them.
    text = ILLEGAL_CHARACTERS_RE.sub("", neutralize_cell(value))
    if len(text) > XLSX_MAX_CELL:
        text = text[: XLSX_MAX_CELL - 1] + "…"  # the CSV and JSON exports keep the full text
    return text


def sheet_name(name: str, taken: Iterable[str] = ()) -> str:
    """A valid, unique Excel sheet name: at most 31 characters, none of []:*?/\\, no edge '."""
    base = _SHEET_NAME_FORBIDDEN.sub("_", name).strip().strip("'").strip() or "Sheet"
    if base.casefold() == "history":  # Excel reserves it
        base = "History_"
    used = {other.casefold() for other in taken}
    candidate = base[:_SHEET_NAME_LIMIT].rstrip("'")
    number = 1
    while candidate.casefold() in used:
        number += 1
        suffix = f" ({number})"
        candidate = base[: _SHEET_NAME_LIMIT - len(suffix)].rstrip("'") + suffix
    return candidate


def write_xlsx(sheets: Mapping[str, tuple[Header, Rows]]) -> bytes:
    """An .xlsx workbook with one sheet per entry, written row by row (write-only mode)."""
    if not sheets:
        raise ValueError("an XLSX export needs at least one sheet")
    workbook = Workbook(write_only=True)
    names: list[str] = []
    for name, (header, rows) in sheets.items():
        names.append(sheet_name(name, names))
        worksheet = workbook.create_sheet(title=names[-1])
        worksheet.append([_xlsx_value(cell) for cell in header])
        for row in rows:
            worksheet.append([_xlsx_value(cell) for cell in row])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _json_default(value: object) -> object:
    if isinstance(value, dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, Decimal | uuid.UUID):
        return str(value)  # str keeps every digit of a Decimal
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, set | frozenset):
        return sorted(value, key=str)
    raise TypeError(f"cannot export {type(value).__name__} as JSON")


def write_json(obj: object) -> bytes:
    """UTF-8 JSON with Polish letters as they are, ISO 8601 dates, and null for None."""
    text = json.dumps(obj, ensure_ascii=False, indent=2, default=_json_default, allow_nan=False)
    return (text + "\n").encode("utf-8")
