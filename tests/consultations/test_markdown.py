"""The description sanitizer: nothing active survives rendering, and unsafe input is named."""

from __future__ import annotations

from pathlib import Path

import pytest
from bs4 import BeautifulSoup

from deliberation.markdown import render_markdown, unsafe_reason

OWN_PAYLOADS = [
    "<script>alert(1)</script>",
    "<SCRIPT SRC=//evil.example/x.js></SCRIPT>",
    "<img src=x onerror=alert(1)>",
    "<svg/onload=alert(1)>",
    "<iframe src=javascript:alert(1)></iframe>",
    "[klik](javascript:alert(1))",
    "[klik](JaVaScRiPt:alert(1))",
    "[klik](jav&#x09;ascript:alert(1))",
    "[klik](&#106;avascript:alert(1))",
    "[klik](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
    "[klik](vbscript:msgbox(1))",
    "![obraz](javascript:alert(1))",
    '<a href="javascript:alert(1)">x</a>',
    "[ref]\n\n[ref]: javascript:alert(1)",
    '<div style="background:url(javascript:alert(1))">x</div>',
    "<<script>script>alert(1)<</script>/script>",
    "<math><mtext><table><mglyph><style><img src=x onerror=alert(1)>",
]


def assert_inert(rendered: str) -> None:
    soup = BeautifulSoup(rendered, "html.parser")
    for tag in soup.find_all(True):
        assert tag.name not in {
            "script",
            "iframe",
            "svg",
            "img",
            "style",
            "object",
            "embed",
            "math",
        }
        for name, value in tag.attrs.items():
            assert not name.lower().startswith("on"), (name, rendered)
            assert name != "style"
            if name in ("href", "src"):
                assert (
                    value.split(":", 1)[0].lower() in {"http", "https", "mailto", "tel"}
                    or ":" not in value
                )
        if tag.name == "a":
            assert "nofollow" in tag.get("rel", []) and "noopener" in tag.get("rel", [])


@pytest.mark.parametrize("payload", OWN_PAYLOADS)
def test_own_payloads_are_inert_and_refused(payload):
    assert_inert(str(render_markdown(payload)))
    assert unsafe_reason(payload) is not None


def _file_payloads() -> list[str]:
    path = Path(__file__).parents[1] / "data" / "xss_payloads.txt"
    if not path.exists():
        return []
    lines = path.read_text(encoding="utf-8").splitlines()
    return [line for line in lines if line.strip() and not line.startswith("#")]


@pytest.mark.skipif(not _file_payloads(), reason="tests/data/xss_payloads.txt not written yet")
@pytest.mark.parametrize("payload", _file_payloads() or [""])
def test_shared_xss_list_renders_inert(payload):
    assert_inert(str(render_markdown(payload)))


def test_ordinary_polish_text_is_kept():
    text = "## Co planujemy\n\nData: 5 maja. **Ławki** i [mapa](https://dabrowa-gornicza.pl/mapa)."
    assert unsafe_reason(text) is None
    soup = BeautifulSoup(str(render_markdown(text)), "html.parser")
    assert soup.h2.get_text() == "Co planujemy"
    assert soup.strong.get_text() == "Ławki"
    link = soup.a
    assert link["href"] == "https://dabrowa-gornicza.pl/mapa"
    assert set(link["rel"]) >= {"nofollow", "noopener"}
