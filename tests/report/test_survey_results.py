"""Published survey results in the report (page, PDF, XLSX, JSON) and highlights in the summary."""

from __future__ import annotations

import io
from typing import Any

import pytest
from openpyxl import load_workbook
from pypdf import PdfReader
from sqlalchemy import select

from deliberation.features import load_features
from deliberation.models import Contribution, ModerationState
from deliberation.permissions import ANONYMOUS
from deliberation.services import participants, report_sections, summaries
from deliberation.services import report as report_service
from deliberation.summary import SectionKind, Summary, SummaryFormatError, check_sources
from surveys import responses as survey_responses
from surveys import services as survey_services
from surveys.models import SurveyStatus
from tests.conftest import TEST_SECRET
from tests.helpers import html
from tests.report.conftest import principal
from tests.report.test_views import publish_report

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")

HIDDEN_IDEA = "Ukryta odpowiedź ankiety o grillu 777."


def definition(with_ideas: bool = True) -> dict[str, Any]:
    questions: list[dict[str, Any]] = [
        {
            "type": "single_choice",
            "key": "visit",
            "title": "Czy odwiedzasz park?",
            "required": True,
            "options": [{"key": "yes", "label": "Tak, często"}, {"key": "no", "label": "Nie"}],
        },
        {
            "type": "multiple_choice",
            "key": "needs",
            "title": "Czego brakuje w parku?",
            "options": [
                {"key": "benches", "label": "Ławek"},
                {"key": "lights", "label": "Latarni"},
            ],
        },
        {
            "type": "scale",
            "key": "rating",
            "title": "Jak oceniasz park?",
            "min_label": "Źle",
            "max_label": "Świetnie",
        },
    ]
    if with_ideas:
        questions.append(
            {"type": "long_text", "key": "ideas", "title": "Twoje pomysły", "max_length": 500}
        )
    return {
        "title": "Ankieta parkowa",
        "sections": [{"key": "main", "title": "Park", "questions": questions}],
    }


ANSWERS = [
    {"visit": "yes", "needs": ["benches", "lights"], "rating": 4, "ideas": "Więcej cienia."},
    {"visit": "yes", "needs": ["benches"], "rating": 5, "ideas": HIDDEN_IDEA},
    {"visit": "no", "needs": ["lights"], "rating": 2},
]


async def make_survey(
    session, cast, title: str, *, publish: bool, with_ideas: bool = True, answers=ANSWERS
):
    staff = await principal(session, cast.facilitator)
    survey = await survey_services.create_survey(
        session, staff, cast.consultation, title=title, working=definition(with_ideas)
    )
    await survey_services.set_status(session, staff, cast.consultation, survey, SurveyStatus.OPEN)
    for index, full in enumerate(answers):
        answer = {k: v for k, v in full.items() if with_ideas or k != "ideas"}
        participant = await participants.ensure_participant(
            session,
            secret_key=TEST_SECRET,
            participant_secret=f"report-{survey.id}-{index}",
            user=None,
        )
        await survey_responses.submit_response(
            session, ANONYMOUS, cast.consultation, survey, participant.id, answer
        )
    if publish:
        await survey_services.publish_results(session, staff, cast.consultation, survey, True)
    return survey


async def hide(session, body: str) -> int:
    contribution = await session.scalar(select(Contribution).where(Contribution.body == body))
    contribution.moderation_state = ModerationState.HIDDEN
    await session.commit()
    return contribution.id


def providers() -> list[report_sections.Provider]:
    return report_sections.providers_for(load_features())


async def test_report_has_per_question_results_of_published_surveys_only(session, cast):
    published = await make_survey(session, cast, "Ankieta parkowa", publish=True)
    await make_survey(session, cast, "Ankieta robocza", publish=False)
    hidden_id = await hide(session, HIDDEN_IDEA)
    staff = await principal(session, cast.facilitator)
    data = await report_service.build(session, staff, cast.consultation, "pl", providers())
    assert [s.title for s in data.surveys] == ["Ankieta parkowa", "Ankieta robocza"]
    assert [s.id for s in data.survey_results] == [published.id]
    survey = data.survey_results[0]
    assert survey.responses == 3 and survey.by_channel == {"online": 3, "paper": 0}
    assert survey.url == f"/consultations/{cast.consultation.id}/surveys/{published.id}/results"
    by_key = {q.key: q for q in survey.questions}
    visit = by_key["visit"]
    assert [(line.label, line.count, line.online) for line in visit.lines] == [
        ("Tak, często", 2, 2),
        ("Nie", 1, 1),
    ]
    assert visit.respondents == 3 and visit.choice
    assert "Tak, często" in visit.reading  # the survey's own one-sentence reading
    assert 'role="img"' in visit.chart_svg
    assert f'id="survey-{published.id}-chart-visit-title"' in visit.chart_svg
    assert "Średnia ocena" in by_key["rating"].reading or "średnia" in by_key["rating"].reading
    assert not by_key["rating"].choice
    assert by_key["ideas"].quotes == ("Więcej cienia.",)  # the hidden answer is never quoted
    assert hidden_id not in survey.text_contribution_ids and len(survey.text_contribution_ids) == 1
    # Nothing without providers: the core alone knows no feature.
    bare = await report_service.build(session, staff, cast.consultation, "pl")
    assert bare.survey_results == []


async def test_report_page_pdf_xlsx_and_json_show_the_results(session, cast, client):
    survey = await make_survey(session, cast, "Ankieta parkowa", publish=True)
    await make_survey(session, cast, "Druga ankieta", publish=True, with_ideas=False)
    await make_survey(session, cast, "Ankieta robocza", publish=False)
    await publish_report(session, cast)
    base = f"/consultations/{cast.consultation.id}/report"
    doc = html(await client.get(base))
    sections = doc.select("section.survey-results")
    assert [s.h3.get_text() for s in sections] == ["Ankieta parkowa", "Druga ankieta"]
    first = sections[0]
    result = first.select_one(f"#survey-{survey.id}-visit")
    assert result.h4.get_text() == "Czy odwiedzasz park?"
    svg = result.select_one("figure.chart svg")
    assert svg["role"] == "img" and svg.title is not None and svg.desc is not None
    table = result.select_one("table.results-table")
    assert table.caption is not None
    assert [tr.th.get_text() for tr in table.tbody.select("tr")] == ["Tak, często", "Nie"]
    assert result.select_one(".reading").get_text()
    assert first.select_one(
        f'a[href="/consultations/{cast.consultation.id}/surveys/{survey.id}/results"]'
    )
    ids = [tag["id"] for tag in doc.select("[id]")]
    assert len(ids) == len(set(ids))  # two surveys with the same question keys: ids stay unique
    assert "Ankieta robocza" not in " ".join(s.get_text() for s in sections)

    data = (await client.get(base + ".json")).json()
    assert [s["title"] for s in data["survey_results"]] == ["Ankieta parkowa", "Druga ankieta"]
    visit = data["survey_results"][0]["questions"][0]
    assert visit["key"] == "visit" and visit["respondents"] == 3
    assert [a["count"] for a in visit["answers"]] == [2, 1]
    assert "<svg" not in str(data["survey_results"])

    workbook = load_workbook(io.BytesIO((await client.get(base + ".xlsx")).content))
    assert workbook.sheetnames == ["Uwagi", "Wyniki ankiet"]
    rows = list(workbook["Wyniki ankiet"].iter_rows(values_only=True))
    assert rows[0][:3] == ("Ankieta", "Pytanie", "Odpowiedź")
    assert ("Ankieta parkowa", "Czy odwiedzasz park?", "Tak, często", 2, 0, 2) in [
        r[:6] for r in rows
    ]

    english = load_workbook(io.BytesIO((await client.get(base + ".xlsx?lang=en")).content))
    assert english.sheetnames == ["Contributions", "Survey results"]
    assert next(english["Survey results"].iter_rows(values_only=True))[:2] == ("Survey", "Question")
    english_page = html(await client.get(base + "?lang=en"))
    assert english_page.html["lang"] == "en"
    assert english_page.select_one("#r-surveys").get_text() == "Survey results"
    assert "people answered" in english_page.select_one("section.survey-results").get_text()

    pdf = await client.get(base + ".pdf")
    text = " ".join(
        " ".join(page.extract_text().split()) for page in PdfReader(io.BytesIO(pdf.content)).pages
    )
    assert "Czy odwiedzasz park?" in text and "Tak, często" in text


async def test_summary_has_survey_highlights_with_sources_and_a_link(session, cast, client):
    survey = await make_survey(session, cast, "Ankieta parkowa", publish=True)
    await make_survey(session, cast, "Ankieta robocza", publish=False)
    hidden_id = await hide(session, HIDDEN_IDEA)
    await client.login(cast.facilitator.email)
    staff_url = f"/staff/consultations/{cast.consultation.id}/summary"
    assert (await client.submit(staff_url + "/generate?lang=pl")).status_code == 303
    assert (await client.submit(staff_url + "?lang=pl", {"publish": "1"})).status_code == 303
    found = await summaries.published(session, cast.consultation.id, "pl")
    survey_sections = [s for s in found.summary.sections if s.kind is SectionKind.SURVEY]
    assert len(survey_sections) == 1
    sentences = survey_sections[0].sentences
    assert sentences and "Tak, często" in sentences[0].text and "67" in sentences[0].text
    results = f"/consultations/{cast.consultation.id}/surveys/{survey.id}/results"
    for sentence in sentences:
        assert sentence.link.startswith(results + "#result-")
        assert sentence.sources and hidden_id not in sentence.sources
    text = " ".join(s.text for s in found.summary.sentences())
    assert "Ankieta robocza" not in text and "grillu" not in text
    page = html(await client.get(f"/consultations/{cast.consultation.id}/what-we-heard"))
    link = page.select_one("a.results-link")
    assert link is not None and link["href"].startswith(results)
    # The link leads to the survey's published results page.
    assert (await client.get(link["href"].split("#")[0])).status_code == 200
    # Printed, the link is the site's public address (base_url), not a bare path.
    await publish_report(session, cast)
    pdf = await client.get(f"/consultations/{cast.consultation.id}/report.pdf")
    assert pdf.status_code == 200
    printed = "".join(
        "".join(page.extract_text().split()) for page in PdfReader(io.BytesIO(pdf.content)).pages
    )
    assert "http://testserver" + results in printed


async def test_a_survey_without_open_answers_is_cited_by_its_results_page(session, cast):
    await make_survey(session, cast, "Bez pytań otwartych", publish=True, with_ideas=False)
    staff = await principal(session, cast.facilitator)
    reports = await report_sections.survey_reports(
        session, staff, cast.consultation, "en", providers()
    )
    highlights = report_sections.highlights(reports)
    assert [h.question for h in highlights] == [
        "Czy odwiedzasz park?",
        "Czego brakuje w parku?",
    ]  # the scale is not a choice; the most answered questions first
    assert all(not h.source_ids and h.link for h in highlights)
    await summaries.generate_draft(
        session, staff, cast.consultation, "en", summaries.make_summarizer(None), highlights
    )
    draft = await summaries.get_version(
        session, cast.consultation.id, "en", summaries.SummaryState.DRAFT
    )
    summary = Summary.from_dict(draft.content)
    survey = next(s for s in summary.sections if s.kind is SectionKind.SURVEY)
    assert survey.sentences[0].text.startswith("Most respondents")
    check_sources(summary, [], allow_empty=False)  # no contribution: the link is the source
    with pytest.raises(SummaryFormatError):  # only a survey sentence may rest on a link alone
        bad = Summary.from_dict(
            {
                "language": "en",
                "sections": [
                    {
                        "kind": "theme",
                        "heading": "x",
                        "sentences": [{"text": "x", "sources": [], "link": "/a"}],
                    }
                ],
            }
        )
        check_sources(bad, [])


@pytest.mark.parametrize(
    "link", ["javascript:alert(1)", "//evil.example/x", "https://evil.example", "/a b", 5]
)
def test_a_stored_link_must_be_a_path_on_this_site(link):
    data = {
        "language": "pl",
        "sections": [
            {
                "kind": "survey",
                "heading": "A",
                "sentences": [{"text": "x", "sources": [1], "link": link}],
            }
        ],
    }
    with pytest.raises(SummaryFormatError):
        Summary.from_dict(data)
