"""Safe tabular exports (CSV, XLSX, JSON) shared by every feature.

Cells that a spreadsheet would run as a formula are neutralized; Polish text survives Excel.
"""

from __future__ import annotations

import csv
import datetime as dt
import enum
import io
import json
import math
import re
import uuid
import zipfile
from collections.abc import Iterable, Iterator, Mapping, Sequence
from decimal import Decimal
from xml.sax.saxutils import escape, quoteattr

# A spreadsheet starts a formula at these (OWASP "CSV injection"); tab and CR also shift cells.
DANGEROUS_PREFIXES: tuple[str, ...] = ("=", "+", "-", "@", "\t", "\r")
XLSX_MAX_CELL = 32_767  # Excel refuses longer text in one cell
_SHEET_NAME_LIMIT = 31
_SHEET_NAME_FORBIDDEN = re.compile(r"[\[\]:*?/\\\x00-\x1f]")
# Characters XML 1.0 cannot hold even escaped (control characters in pasted text, lone
# surrogates, U+FFFE/U+FFFF): dropped from XLSX cells.
_NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")

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
    if isinstance(value, bool):
        return value
    if _is_number(value) and math.isfinite(value):  # type: ignore[arg-type]
        return value
    # XML 1.0 cannot hold control characters; pasted text has them.
    text = _NOT_XML.sub("", neutralize_cell(value))
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
    """An .xlsx workbook (Office Open XML) with one sheet per entry, streamed row by row.

    The sheet XML is written directly (inline strings, a bold header row): 20,000 rows of the
    report's table take a fraction of what openpyxl's pure-Python XML writer needs. Cells are
    neutralized like the CSV's and hold no formula; numbers and booleans stay typed.
    """
    if not sheets:
        raise ValueError("an XLSX export needs at least one sheet")
    names: list[str] = []
    for name in sheets:
        names.append(sheet_name(name, names))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as package:
        package.writestr("[Content_Types].xml", _content_types(len(names)))
        package.writestr("_rels/.rels", _ROOT_RELS)
        package.writestr("xl/workbook.xml", _workbook_xml(names))
        package.writestr("xl/_rels/workbook.xml.rels", _workbook_rels(len(names)))
        package.writestr("xl/styles.xml", _STYLES)
        for number, (header, rows) in enumerate(sheets.values(), start=1):
            with package.open(f"xl/worksheets/sheet{number}.xml", "w") as part:
                for chunk in _sheet_xml(header, rows):
                    part.write(chunk.encode("utf-8"))
    return buffer.getvalue()


_MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_PKG_REL = "http://schemas.openxmlformats.org/package/2006/relationships"
_SHEET_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"
_ROOT_RELS = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    f'<Relationships xmlns="{_PKG_REL}"><Relationship Id="rId1" '
    f'Type="{_REL}/officeDocument" Target="xl/workbook.xml"/></Relationships>'
)
# Style 0: the default; style 1: bold (the header row).
_STYLES = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    f'<styleSheet xmlns="{_MAIN}">'
    '<fonts count="2"><font><sz val="11"/><name val="Calibri"/></font>'
    '<font><b/><sz val="11"/><name val="Calibri"/></font></fonts>'
    '<fills count="2"><fill><patternFill patternType="none"/></fill>'
    '<fill><patternFill patternType="gray125"/></fill></fills>'
    '<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>'
    '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>'
    '<cellXfs count="2"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>'
    '<xf numFmtId="0" fontId="1" fillId="0" borderId="0" xfId="0" applyFont="1"/></cellXfs>'
    '<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles>'
    "</styleSheet>"
)


def _content_types(count: int) -> str:
    sheets = "".join(
        f'<Override PartName="/xl/worksheets/sheet{n}.xml" ContentType="{_SHEET_TYPE}"/>'
        for n in range(1, count + 1)
    )
    office = "application/vnd.openxmlformats-officedocument.spreadsheetml"
    return (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
        '<Default Extension="rels" '
        'ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
        '<Default Extension="xml" ContentType="application/xml"/>'
        f'<Override PartName="/xl/workbook.xml" ContentType="{office}.sheet.main+xml"/>'
        f'<Override PartName="/xl/styles.xml" ContentType="{office}.styles+xml"/>'
        f"{sheets}</Types>"
    )


def _workbook_xml(names: Sequence[str]) -> str:
    sheets = "".join(
        f'<sheet name={quoteattr(name)} sheetId="{n}" r:id="rId{n}"/>'
        for n, name in enumerate(names, start=1)
    )
    return (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        f'<workbook xmlns="{_MAIN}" xmlns:r="{_REL}">'
        '<bookViews><workbookView activeTab="0"/></bookViews>'
        f"<sheets>{sheets}</sheets></workbook>"
    )


def _workbook_rels(count: int) -> str:
    sheets = "".join(
        f'<Relationship Id="rId{n}" Type="{_REL}/worksheet" Target="worksheets/sheet{n}.xml"/>'
        for n in range(1, count + 1)
    )
    return (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        f'<Relationships xmlns="{_PKG_REL}">{sheets}'
        f'<Relationship Id="rId{count + 1}" Type="{_REL}/styles" Target="styles.xml"/>'
        "</Relationships>"
    )


def _column(index: int) -> str:
    """0 -> A, 25 -> Z, 26 -> AA."""
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def _sheet_xml(header: Header, rows: Rows) -> Iterator[str]:
    """The worksheet part, a few hundred rows per chunk."""
    yield (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        f'<worksheet xmlns="{_MAIN}" xmlns:r="{_REL}">'
        '<sheetViews><sheetView workbookViewId="0"><pane ySplit="1" topLeftCell="A2" '
        'activePane="bottomLeft" state="frozen"/></sheetView></sheetViews><sheetData>'
    )
    columns: list[str] = []
    chunk: list[str] = []
    for number, row in enumerate(_with_header(header, rows), start=1):
        if len(columns) < len(row):
            columns.extend(_column(i) for i in range(len(columns), len(row)))
        style = ' s="1"' if number == 1 else ""
        cells = []
        for column, raw in zip(columns, row, strict=False):
            value = _xlsx_value(raw)
            ref = f"{column}{number}"
            if isinstance(value, bool):
                cells.append(f'<c r="{ref}"{style} t="b"><v>{int(value)}</v></c>')
            elif isinstance(value, int | float | Decimal):
                cells.append(f'<c r="{ref}"{style}><v>{value}</v></c>')
            elif value:
                text = escape(str(value))
                cells.append(
                    f'<c r="{ref}"{style} t="inlineStr"><is><t xml:space="preserve">'
                    f"{text}</t></is></c>"
                )
        chunk.append(f'<row r="{number}">{"".join(cells)}</row>')
        if len(chunk) >= 500:
            yield "".join(chunk)
            chunk = []
    yield "".join(chunk) + "</sheetData></worksheet>"


def _with_header(header: Header, rows: Rows) -> Iterator[Sequence[object]]:
    yield header
    yield from rows


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
