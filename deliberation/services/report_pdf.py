"""The report as a tagged PDF (PDF/UA-1), rendered by WeasyPrint from the print template.

WeasyPrint is imported on first use: it loads Pango and fonts, which the server does not need
at start-up.
"""

from __future__ import annotations


def render_pdf(html: str, base_url: str) -> bytes:
    """HTML -> PDF bytes; blocking, so callers run it in a thread."""
    from weasyprint import HTML

    document = HTML(string=html, base_url=base_url)
    result = document.write_pdf(pdf_variant="pdf/ua-1")
    if result is None:  # only when a target file is given
        raise RuntimeError("WeasyPrint returned no PDF")
    return bytes(result)
