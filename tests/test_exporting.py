"""Tests for deliberation.exporting: formula neutralization and CSV, XLSX and JSON output."""

from __future__ import annotations

import csv
import datetime as dt
import enum
import io
import json
import uuid
from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest

from deliberation.exporting import (
    DANGEROUS_PREFIXES,
    XLSX_MAX_CELL,
    neutralize_cell,
    sheet_name,
    write_csv,
    write_json,
    write_xlsx,
)

POLISH = "Zażółć gęślą jaźń — ŁÓDŹ, Dąbrowa Górnicza"
WHEN = dt.datetime(2024, 5, 17, 18, 30, tzinfo=dt.timezone(dt.timedelta(hours=2)))


class Status(enum.StrEnum):
    ACCEPTED = "uwzględniona"


class Priority(enum.IntEnum):
    HIGH = -1


def read_csv(data: bytes) -> list[list[str]]:
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline="")))


def read_xlsx(data: bytes) -> dict[str, list[tuple[object, ...]]]:
    workbook = openpyxl.load_workbook(io.BytesIO(data))
    return {ws.title: list(ws.iter_rows(values_only=True)) for ws in workbook.worksheets}


# --- neutralize_cell -----------------------------------------------------------------------


def test_dangerous_prefixes_are_the_owasp_list() -> None:
    assert set(DANGEROUS_PREFIXES) == {"=", "+", "-", "@", "\t", "\r"}


@pytest.mark.parametrize(
    "value",
    [
        "=1+1",
        '=HYPERLINK("http://evil.example","kliknij")',
        "+48 123 456 789",
        "-5",
        "-2+3+cmd|' /C calc'!A0",
        "@SUM(A1:A2)",
        "\tcell",
        "\rcell",
        "   =1+1",  # after leading whitespace
        "\n=1+1",
        "\u00a0=1+1",  # no-break space
    ],
)
def test_risky_text_gets_a_single_quote(value: str) -> None:
    assert neutralize_cell(value) == "'" + value


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (-5, "-5"),  # numbers stay numbers
        (-2.5, "-2.5"),
        (Decimal("-10.50"), "-10.50"),
        (Priority.HIGH, "-1"),
        (0, "0"),
        ("a=b", "a=b"),  # only the start counts
        ("e-mail", "e-mail"),
        ("", ""),
        (None, ""),
        (True, "true"),
        (WHEN, "2024-05-17T18:30:00+02:00"),
        (dt.date(2024, 5, 17), "2024-05-17"),
        (Status.ACCEPTED, "uwzględniona"),
        (POLISH, POLISH),
    ],
)
def test_safe_values_are_rendered_unchanged(value: object, text: str) -> None:
    assert neutralize_cell(value) == text


# --- CSV -----------------------------------------------------------------------------------


def test_csv_round_trips_polish_text_and_neutralizes_cells() -> None:
    rows = [
        [1, POLISH, WHEN, None],
        [-5, "=1+1", "-5", 'cytat "w cudzysłowie", z przecinkiem\ni nową linią'],
    ]
    data = write_csv(rows, header=["lp", "treść", "kiedy", "=uwagi"])
    assert data.startswith(b"\xef\xbb\xbf")  # BOM: Excel then reads UTF-8
    assert data.count(b"\r\n") == 3  # CRLF after each record; the embedded \n stays as is
    assert read_csv(data) == [
        ["lp", "treść", "kiedy", "'=uwagi"],
        ["1", POLISH, "2024-05-17T18:30:00+02:00", ""],
        ["-5", "'=1+1", "'-5", 'cytat "w cudzysłowie", z przecinkiem\ni nową linią'],
    ]


def test_csv_accepts_any_iterable_of_rows() -> None:
    data = write_csv(([i, f"wiersz {i}"] for i in range(3)), header=["id", "nazwa"])
    assert read_csv(data)[1:] == [["0", "wiersz 0"], ["1", "wiersz 1"], ["2", "wiersz 2"]]


# --- XLSX ----------------------------------------------------------------------------------


def test_xlsx_round_trips_values_and_neutralizes_text() -> None:
    rows = [
        [1, 2.5, Decimal("3.25"), True, POLISH, WHEN, None],
        [-5, -0.5, Decimal(-1), False, "=1+1", "-5", "@SUM(A1)"],
    ]
    data = write_xlsx({"Uwagi": (["lp", "a", "b", "c", "treść", "kiedy", "+x"], rows)})
    assert read_xlsx(data) == {
        "Uwagi": [
            ("lp", "a", "b", "c", "treść", "kiedy", "'+x"),
            (1, 2.5, 3.25, True, POLISH, "2024-05-17T18:30:00+02:00", None),
            (-5, -0.5, -1, False, "'=1+1", "'-5", "'@SUM(A1)"),
        ]
    }


def test_xlsx_never_stores_a_formula() -> None:
    data = write_xlsx({"s": (["h"], [["=1+1"], ["  =2+2"], ["-3"]])})
    sheet = openpyxl.load_workbook(io.BytesIO(data)).active
    assert sheet is not None
    assert [cell.data_type for (cell,) in sheet.iter_rows()] == ["s", "s", "s", "s"]


def test_xlsx_drops_control_characters_and_caps_long_text() -> None:
    rows = [["przed\x00\x07\x1bpo"], ["x" * (XLSX_MAX_CELL + 10)]]
    values = read_xlsx(write_xlsx({"s": (["h"], rows)}))["s"]
    assert values[1] == ("przedpo",)
    text = values[2][0]
    assert isinstance(text, str)
    assert len(text) == XLSX_MAX_CELL
    assert text.endswith("…")


def test_xlsx_keeps_several_sheets_in_order_with_valid_names() -> None:
    sheets = {
        "Ankieta: pytania [1/2]?": (["a"], [[1]]),
        "Ankieta* pytania (1\\2)": (["b"], [[2]]),
        "Bardzo długa nazwa arkusza z odpowiedziami mieszkańców": (["c"], [[3]]),
    }
    workbook = read_xlsx(write_xlsx(sheets))
    assert list(workbook) == [
        "Ankieta_ pytania _1_2__",
        "Ankieta_ pytania (1_2)",
        "Bardzo długa nazwa arkusza z od",
    ]
    assert [rows[1][0] for rows in workbook.values()] == [1, 2, 3]


def test_xlsx_needs_a_sheet() -> None:
    with pytest.raises(ValueError, match="at least one sheet"):
        write_xlsx({})


@pytest.mark.parametrize(
    ("name", "taken", "expected"),
    [
        ("Uwagi", [], "Uwagi"),
        ("a/b\\c:d*e?f[g]h", [], "a_b_c_d_e_f_g_h"),
        ("x" * 40, [], "x" * 31),
        ("Uwagi", ["UWAGI"], "Uwagi (2)"),
        ("Uwagi", ["uwagi", "Uwagi (2)"], "Uwagi (3)"),
        ("y" * 40, ["y" * 31], "y" * 27 + " (2)"),
        ("'cytat'", [], "cytat"),
        ("", [], "Sheet"),
        ("   ", [], "Sheet"),
        ("History", [], "History_"),
    ],
)
def test_sheet_names_follow_excel_rules(name: str, taken: list[str], expected: str) -> None:
    result = sheet_name(name, taken)
    assert result == expected
    assert len(result) <= 31


# --- JSON ----------------------------------------------------------------------------------


def test_json_keeps_polish_letters_and_renders_dates() -> None:
    ident = uuid.UUID("12345678-1234-5678-1234-567812345678")
    data = write_json(
        {
            "tekst": POLISH,
            "kiedy": WHEN,
            "dzień": dt.date(2024, 5, 17),
            "kwota": Decimal("10.50"),
            "id": ident,
            "status": Status.ACCEPTED,
            "brak": None,
            "formuła": "=1+1",  # JSON is not opened by spreadsheets: left as written
        }
    )
    assert POLISH.encode("utf-8") in data  # not \u escapes
    assert json.loads(data) == {
        "tekst": POLISH,
        "kiedy": "2024-05-17T18:30:00+02:00",
        "dzień": "2024-05-17",
        "kwota": "10.50",
        "id": str(ident),
        "status": "uwzględniona",
        "brak": None,
        "formuła": "=1+1",
    }


def test_json_refuses_what_it_cannot_represent() -> None:
    with pytest.raises(TypeError, match="object"):
        write_json({"x": object()})
    with pytest.raises(ValueError, match="JSON compliant"):
        write_json({"x": float("nan")})


def test_xss_payloads_survive_every_format_as_text() -> None:
    path = Path(__file__).parent / "data" / "xss_payloads.txt"
    lines = path.read_text(encoding="utf-8").split("\n")
    payloads = [line for line in lines if line and not line.startswith("#")]
    assert len(payloads) >= 60
    rows = [[payload] for payload in payloads]
    assert read_csv(write_csv(rows, header=["treść"]))[1:] == [
        [neutralize_cell(payload)] for payload in payloads
    ]
    # XLSX cannot hold control characters such as the form feed in "<script\f>".
    assert read_xlsx(write_xlsx({"s": (["treść"], rows)}))["s"][1:] == [
        (neutralize_cell(payload).replace("\x0c", ""),) for payload in payloads
    ]
    assert json.loads(write_json(payloads)) == payloads


def test_xlsx_package_is_well_formed_with_a_bold_frozen_header() -> None:
    import xml.dom.minidom
    import zipfile

    data = write_xlsx(
        {"Uwagi & <odpowiedzi>": (["Lp.", "Treść"], [[1, 'a < b & "c"'], [2, "  spacje  "]])}
    )
    package = zipfile.ZipFile(io.BytesIO(data))
    assert package.namelist()[0] == "[Content_Types].xml"
    for name in package.namelist():
        xml.dom.minidom.parseString(package.read(name))  # noqa: S318 (our own output)
    workbook = openpyxl.load_workbook(io.BytesIO(data))
    sheet = workbook.active
    assert sheet is not None and sheet.title == "Uwagi & <odpowiedzi>"
    assert [c.font.b for c in sheet[1]] == [True, True]
    assert [c.font.b for c in sheet[2]] == [False, False]
    assert sheet.freeze_panes == "A2"
    assert [tuple(r) for r in sheet.iter_rows(values_only=True)] == [
        ("Lp.", "Treść"),
        (1, 'a < b & "c"'),
        (2, "  spacje  "),
    ]


def test_xlsx_columns_past_z_and_odd_numbers() -> None:
    row = [*range(30), float("nan"), Decimal("1E+2"), 10**20]
    values = read_xlsx(write_xlsx({"s": ([str(i) for i in range(len(row))], [row])}))["s"]
    assert values[1][:30] == tuple(range(30))
    assert values[1][30] == "nan"  # not a number Excel can store: kept as text
    assert values[1][31] == 100 and values[1][32] == 10**20
