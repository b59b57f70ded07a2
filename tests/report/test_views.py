"""Report pages over HTTP: responses, what we heard with sources, claim codes, report, exports."""

from __future__ import annotations

import io

import pytest
from openpyxl import load_workbook
from pypdf import PdfReader
from sqlalchemy import select

from deliberation.models import ConsultationStatus
from deliberation.models.report import ContributionResponse
from deliberation.services import consultations as consultation_service
from deliberation.services import responses, summaries
from tests.helpers import html
from tests.report.conftest import HIDDEN_TEXT, PENDING_TEXT, add, load_sample, principal

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")


async def publish_report(session, cast):
    await consultation_service.advance_status(session, cast.consultation, ConsultationStatus.CLOSED)
    await consultation_service.advance_status(
        session, cast.consultation, ConsultationStatus.REPORT_PUBLISHED
    )


async def answered_sample(session, cast):
    by_id = await load_sample(session, cast.consultation)
    who = await principal(session, cast.facilitator)
    await responses.respond(
        session,
        who,
        cast.consultation,
        status="accepted",
        justification="Wymienimy latarnie przy alejkach.",
        contribution_ids=[by_id[1].id],
    )
    await summaries.generate_draft(
        session, who, cast.consultation, "pl", summaries.make_summarizer(None)
    )
    await summaries.publish(session, who, cast.consultation, "pl")
    return by_id


async def test_staff_answer_over_htmx_and_without_js(session, cast, client):
    contribution = await add(session, cast.consultation, "Potrzebna toaleta.")
    await session.commit()
    await client.login(cast.facilitator.email)
    url = f"/staff/consultations/{cast.consultation.id}/responses"
    page = await client.get(url)
    assert page.status_code == 200
    assert html(page).find(id=f"response-{contribution.id}") is not None
    bad = await client.submit(
        url,
        {"contribution_id": str(contribution.id), "status": "accepted", "justification": " "},
        headers={"hx-request": "true"},
    )
    assert bad.status_code == 422
    assert html(bad).find(id=f"error-response-{contribution.id}-justification") is not None
    ok = await client.submit(
        url,
        {"contribution_id": str(contribution.id), "status": "accepted", "justification": "Tak."},
    )
    assert ok.status_code == 303
    rows = list(await session.scalars(select(ContributionResponse)))
    assert [r.justification for r in rows] == ["Tak."]
    unknown = await client.submit(
        url, {"contribution_id": str(contribution.id), "status": "yes", "justification": "Tak."}
    )
    assert unknown.status_code == 422
    assert "Choose one of the options." in html(unknown).get_text() or unknown.text


async def test_public_summary_links_every_sentence_to_its_sources(session, cast, client):
    await answered_sample(session, cast)
    page = await client.get(f"/consultations/{cast.consultation.id}/what-we-heard")
    assert page.status_code == 200
    doc = html(page)
    sentences = doc.select(".heard-sentences li")
    assert sentences
    for li in sentences:
        link = li.select_one("a.sources-link")
        assert link is not None and link.get("hx-get") == link.get("href")
    first = sentences[0].select_one("a.sources-link")["href"]
    full = await client.get(first)
    assert full.status_code == 200
    assert html(full).select(".sources li")
    partial = await client.get(first, headers={"hx-request": "true"})
    assert html(partial).find("html") is None and html(partial).select(".sources")
    text = doc.get_text()
    assert HIDDEN_TEXT not in text and PENDING_TEXT not in text


async def test_long_source_lists_fold_with_a_count(session, cast, client):
    await answered_sample(session, cast)
    found = await summaries.published(session, cast.consultation.id, "pl")
    s, n = next(
        (si, ni)
        for si, section in enumerate(found.summary.sections)
        for ni, sentence in enumerate(section.sentences)
        if len(sentence.sources) > 10
    )
    page = await client.get(f"/consultations/{cast.consultation.id}/what-we-heard/sources/{s}/{n}")
    doc = html(page)
    assert doc.select_one(".sources details summary") is not None
    assert len(doc.select(".sources > ul > li")) == 10


async def test_claim_code_page(session, cast, client):
    contribution = await add(session, cast.consultation, "Anonimowo: więcej koszy.")
    code = await responses.issue_claim_code(session, contribution)
    await session.commit()
    missing = await client.submit("/my-input", {"code": "ZZZZ-ZZZZ-ZZZZ"})
    assert missing.status_code == 404
    assert html(missing).find(id="error-code") is not None
    found = await client.submit("/my-input", {"code": code})
    assert found.status_code == 200
    assert "Anonimowo: więcej koszy." in html(found).select_one("blockquote").get_text()
    assert html(found).select_one(".answer-none") is not None
    await responses.respond(
        session,
        await principal(session, cast.facilitator),
        cast.consultation,
        status="partly_accepted",
        justification="Dołożymy kosze przy placu zabaw.",
        contribution_ids=[contribution.id],
    )
    again = await client.submit("/my-input", {"code": code})
    answer = html(again).select_one(".answer")
    assert "Dołożymy kosze" in answer.get_text()
    assert "częściowo uwzględniona" in answer.get_text().lower()


async def test_report_is_public_only_once_published(session, cast, client):
    await answered_sample(session, cast)
    url = f"/consultations/{cast.consultation.id}/report"
    assert (await client.get(url)).status_code == 404
    await publish_report(session, cast)
    page = await client.get(url)
    assert page.status_code == 200
    doc = html(page)
    assert doc.select_one("h1").get_text().startswith("Raport z konsultacji")
    table = doc.select_one("table.contributions-table")
    assert table.caption is not None
    assert all(th.get("scope") == "col" for th in table.thead.select("th"))
    assert len(table.tbody.select("tr")) == 49  # 48 visible + 1 hidden (without its text)
    assert HIDDEN_TEXT not in doc.get_text() and PENDING_TEXT not in doc.get_text()
    assert "Wymienimy latarnie" in table.get_text()
    figure = doc.select_one("figure.chart")
    assert figure.select_one(".bars")["aria-hidden"] == "true" and figure.figcaption


async def test_exports_read_back(session, cast, client):
    await answered_sample(session, cast)
    await publish_report(session, cast)
    base = f"/consultations/{cast.consultation.id}/report"
    xlsx = await client.get(base + ".xlsx")
    assert xlsx.status_code == 200
    sheet = load_workbook(io.BytesIO(xlsx.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][0] == "Lp." and len(rows) == 50
    accepted = [r for r in rows if r[5] == "Uwzględniona"]
    assert len(accepted) == 1 and accepted[0][6] == "Wymienimy latarnie przy alejkach."
    csv = await client.get(base + ".csv")
    assert csv.content.startswith(b"\xef\xbb\xbf") and "Uwzględniona" in csv.text
    data = (await client.get(base + ".json")).json()
    assert data["consultation"]["id"] == cast.consultation.id
    assert len(data["contributions"]) == 49
    assert {c["response"] for c in data["contributions"]} == {"accepted", None}
    assert data["summary"]["sections"]
    english = (await client.get(base + ".json?lang=en")).json()
    assert english["language"] == "en"


async def test_pdf_is_tagged_and_readable(session, cast, client):
    await answered_sample(session, cast)
    await publish_report(session, cast)
    response = await client.get(f"/consultations/{cast.consultation.id}/report.pdf")
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/pdf"
    reader = PdfReader(io.BytesIO(response.content))
    text = " ".join(" ".join(page.extract_text().split()) for page in reader.pages)
    assert "Raport z konsultacji" in text
    assert "Wymienimy latarnie" in text
    assert "Oświetlenie" in text or "oświetlenie" in text
    root = reader.trailer["/Root"]
    assert "/StructTreeRoot" in root and root["/MarkInfo"]["/Marked"]


async def test_progress_partial(session, cast, client):
    await answered_sample(session, cast)
    page = await client.get(f"/consultations/{cast.consultation.id}/answer-progress")
    progress = html(page).select_one("progress")
    assert progress["max"] == "48" and progress["value"] == "1"


async def test_staff_edit_and_publish_the_summary_over_http(session, cast, client):
    await load_sample(session, cast.consultation)
    await client.login(cast.facilitator.email)
    base = f"/staff/consultations/{cast.consultation.id}/summary"
    assert (await client.submit(base + "/generate?lang=pl")).status_code == 303
    page = await client.get(base + "?lang=pl")
    doc = html(page)
    first = doc.select_one(".summary-sentence textarea")
    assert first is not None and first["name"] == "s-0.0"
    response = await client.submit(
        base + "?lang=pl", {"s-0.0": "Dostaliśmy dużo uwag.", "remove": "0.1", "publish": "1"}
    )
    assert response.status_code == 303
    found = await summaries.published(session, cast.consultation.id, "pl")
    assert found is not None
    assert found.summary.sections[0].sentences[0].text == "Dostaliśmy dużo uwag."
    public = await client.get(f"/consultations/{cast.consultation.id}/what-we-heard")
    assert "Dostaliśmy dużo uwag." in html(public).select_one(".heard-sentences").get_text()


async def test_claim_code_page_limits_guessing_per_network(session, cast, app):
    import httpx

    from tests.conftest import Client

    contribution = await add(session, cast.consultation, "Anonimowo: ławki w cieniu.")
    code = await responses.issue_claim_code(session, contribution)
    await session.commit()

    def client_from(host: str, language: str) -> Client:
        transport = httpx.ASGITransport(app=app, client=(host, 4321))
        return Client(
            transport=transport,
            base_url="http://testserver",
            headers={"accept-language": language},
        )

    async with (
        client_from("203.0.113.7", "pl") as guesser,
        client_from("203.0.113.99", "en") as neighbour,
        client_from("198.51.100.1", "en") as elsewhere,
    ):
        for _ in range(responses.CLAIM_LIMIT.capacity):
            wrong = await guesser.submit("/my-input", {"code": "ZZZZ-ZZZZ-ZZZZ"})
            assert wrong.status_code == 404
        refused = await guesser.submit("/my-input", {"code": code})  # even the right one
        assert refused.status_code == 429
        assert int(refused.headers["retry-after"]) > 0
        error = html(refused).find(id="error-code").get_text()
        assert "Z Twojej sieci wpisano zbyt wiele kodów" in error
        assert "Anonimowo" not in html(refused).get_text()
        # The same /24 network shares the bucket; the message is in the reader's language.
        same_net = await neighbour.submit("/my-input", {"code": code})
        assert same_net.status_code == 429
        assert "Too many codes were tried from your network" in html(same_net).get_text()
        # Another network is not affected.
        other = await elsewhere.submit("/my-input", {"code": code})
        assert other.status_code == 200
        assert "Anonimowo: ławki w cieniu." in html(other).select_one("blockquote").get_text()


async def test_report_table_is_paged_and_filtered_on_the_web_and_whole_in_the_pdf(
    session, cast, client
):
    from deliberation.web.views.report import TABLE_PAGE

    added = []
    for n in range(2 * TABLE_PAGE + 30):
        theme = ("zieleń",) if n % 3 == 0 else ("ławki",)
        added.append(await add(session, cast.consultation, f"Uwaga numer {n}.", themes=theme))
    await session.commit()
    who = await principal(session, cast.facilitator)
    answered = [c.id for c in added[:7]]
    await responses.respond(
        session,
        who,
        cast.consultation,
        status="accepted",
        justification="Tak zrobimy.",
        contribution_ids=answered,
    )
    await publish_report(session, cast)
    url = f"/consultations/{cast.consultation.id}/report"

    def table_ids(doc):
        return [
            int(tr["id"].removeprefix("row-"))
            for tr in doc.select("table.contributions-table tbody tr")
        ]

    first = html(await client.get(url))
    assert table_ids(first) == [c.id for c in added[:TABLE_PAGE]]
    pager = first.select_one("nav.pager")
    assert "Strona 1 z 3" in pager.get_text()
    next_link = pager.select_one('a[rel="next"]')["href"]
    second = html(await client.get(url + next_link.split("#")[0]))
    assert table_ids(second) == [c.id for c in added[TABLE_PAGE : 2 * TABLE_PAGE]]
    last = html(await client.get(url + "?page=999"))  # clamped to the last page
    assert table_ids(last) == [c.id for c in added[2 * TABLE_PAGE :]]
    assert table_ids(html(await client.get(url + "?page=abc"))) == table_ids(first)
    # Filters: by theme, by answer; unknown values are ignored.
    green = html(await client.get(url + "?theme=zieleń"))
    assert table_ids(green) == [c.id for i, c in enumerate(added) if i % 3 == 0][:TABLE_PAGE]
    accepted = html(await client.get(url + "?status=accepted"))
    assert table_ids(accepted) == answered and accepted.select_one("nav.pager") is None
    open_rows = html(await client.get(url + "?status=open&page=3"))
    assert table_ids(open_rows) == [c.id for c in added[7:]][2 * TABLE_PAGE :]
    assert table_ids(html(await client.get(url + "?theme=nope&status=maybe"))) == table_ids(first)
    # Filters and the language stay in the pager's links.
    open_first = html(await client.get(url + "?lang=en&status=open"))
    assert "Page 1 of 3" in open_first.select_one("nav.pager").get_text()
    link = open_first.select_one('nav.pager a[rel="next"]')["href"]
    assert link.startswith("?") and "lang=en" in link and "status=open" in link and "page=2" in link
    # One page with every row, for printing, linked from the paged view.
    print_link = next(a["href"] for a in first.select("section a") if "all=1" in a["href"])
    every = html(await client.get(url + print_link.split("#")[0]))
    assert table_ids(every) == [c.id for c in added]
    assert every.select_one("nav.pager") is None
    # The PDF lists every contribution whatever the page.
    pdf = await client.get(url + ".pdf?page=2")
    text = " ".join(
        " ".join(page.extract_text().split()) for page in PdfReader(io.BytesIO(pdf.content)).pages
    )
    assert "Uwaga numer 0." in text and f"Uwaga numer {len(added) - 1}." in text
