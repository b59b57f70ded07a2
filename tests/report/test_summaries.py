"""What we heard from the database: the park sample, sources, hidden input, immutability."""

from __future__ import annotations

import httpx
import pytest
from sqlalchemy import select

from deliberation.errors import Conflict, NotFound, PermissionDenied
from deliberation.models import Contribution, ModerationState
from deliberation.models.report import SummaryState
from deliberation.services import summaries
from deliberation.summary import BuiltinSummarizer, HttpSummarizer, SectionKind, Summary
from tests.report.conftest import HIDDEN_TEXT, PENDING_TEXT, load_sample, principal, sample_rows

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")


async def draft(session, cast, language="pl"):
    who = await principal(session, cast.facilitator)
    row = await summaries.generate_draft(
        session, who, cast.consultation, language, summaries.make_summarizer(None)
    )
    return row, Summary.from_dict(row.content)


async def test_load_items_skips_hidden_and_pending(session, cast):
    await load_sample(session, cast.consultation)
    items = await summaries.load_items(session, cast.consultation.id)
    assert len(items) == 48
    assert all(item.themes for item in items)
    texts = {item.text for item in items}
    assert HIDDEN_TEXT not in texts and PENDING_TEXT not in texts


async def test_every_labelled_theme_shows_up_and_every_sentence_has_sources(session, cast):
    by_id = await load_sample(session, cast.consultation)
    _row, summary = await draft(session, cast)
    text = " ".join(
        [section.heading for section in summary.sections] + [s.text for s in summary.sentences()]
    ).lower()
    for theme in {row["theme"] for row in sample_rows()}:
        assert theme.lower() in text, theme
    visible_ids = {c.id for c in by_id.values()}
    for sentence in summary.sentences():
        assert sentence.sources, sentence.text
        assert set(sentence.sources) <= visible_ids
    assert HIDDEN_TEXT[:20] not in text and PENDING_TEXT[:20] not in text
    assert summary.sections[0].kind is SectionKind.PARTICIPATION


async def test_english_summary(session, cast):
    await load_sample(session, cast.consultation)
    _row, summary = await draft(session, cast, "en")
    assert summary.language == "en"
    assert any("contribution" in s.text.lower() for s in summary.sentences())


async def test_published_summary_does_not_change_while_the_draft_regenerates(session, cast):
    await load_sample(session, cast.consultation)
    who = await principal(session, cast.facilitator)
    await draft(session, cast)
    published = await summaries.publish(session, who, cast.consultation, "pl")
    frozen = dict(published.content)
    # New input arrives and the draft is made again.
    from tests.report.conftest import add

    for n in range(5):
        await add(session, cast.consultation, f"Nowe ławki numer {n}.", themes=("ławki",))
    await session.commit()
    row, regenerated = await draft(session, cast)
    assert row.contributions == 53
    assert "Ławki" in [s.heading for s in regenerated.sections]
    still = await summaries.published(session, cast.consultation.id, "pl")
    assert still is not None and still.row.content == frozen
    assert "Ławki" not in [s.heading for s in still.summary.sections]


async def test_editing_keeps_sources_and_removing_drops_the_sentence(session, cast):
    await load_sample(session, cast.consultation)
    _row, before = await draft(session, cast)
    who = await principal(session, cast.facilitator)
    first = before.sections[1].sentences[0]
    second = before.sections[1].sentences[1]
    await summaries.edit_draft(
        session,
        who,
        cast.consultation,
        "pl",
        {"1.0": "Zdanie napisane na nowo."},
        {"1.1"},
    )
    row = await summaries.get_version(session, cast.consultation.id, "pl", SummaryState.DRAFT)
    after = Summary.from_dict(row.content)
    assert row.edited
    assert after.sections[1].sentences[0].text == "Zdanie napisane na nowo."
    assert after.sections[1].sentences[0].sources == first.sources
    kept = [(s.text, s.sources) for s in after.sections[1].sentences]
    assert (second.text, second.sources) not in kept
    assert len(kept) == len(before.sections[1].sentences) - 1
    assert len(list(after.sentences())) == len(list(before.sentences())) - 1


async def test_publishing_without_a_draft_is_refused(session, cast):
    who = await principal(session, cast.facilitator)
    with pytest.raises(NotFound):
        await summaries.publish(session, who, cast.consultation, "pl")


@pytest.mark.parametrize("who", ["other_facilitator", "moderator", "resident"])
async def test_only_facilitators_write_the_summary(session, cast, who):
    with pytest.raises(PermissionDenied):
        await summaries.generate_draft(
            session,
            await principal(session, getattr(cast, who)),
            cast.consultation,
            "pl",
            BuiltinSummarizer(),
        )


async def test_sources_flag_contributions_hidden_after_publication(session, cast):
    by_id = await load_sample(session, cast.consultation)
    target = by_id[1]
    target.moderation_state = ModerationState.HIDDEN
    await session.commit()
    found = await summaries.sources(session, cast.consultation.id, [target.id, by_id[2].id])
    assert [c.id for c in found] == [target.id, by_id[2].id]
    assert found[0].moderation_state is ModerationState.HIDDEN
    assert await session.scalar(select(Contribution.id).where(Contribution.id == target.id))


def test_summarizer_url_switches_to_http():
    assert isinstance(summaries.make_summarizer(None), BuiltinSummarizer)
    assert isinstance(summaries.make_summarizer("https://llm.example/summary"), HttpSummarizer)


def test_summarizer_url_setting_must_be_http(settings):
    from deliberation.settings import ConfigurationError, load_settings

    with pytest.raises(ConfigurationError, match="DELIBERATION_SUMMARIZER_URL"):
        load_settings(secret_key="x" * 40, summarizer_url="ftp://example.org")


async def test_a_failing_external_summarizer_changes_nothing(session, cast):
    await load_sample(session, cast.consultation)
    broken = HttpSummarizer(
        "https://llm.example/summary",
        client=httpx.Client(transport=httpx.MockTransport(lambda r: httpx.Response(500))),
    )
    with pytest.raises(Conflict) as caught:
        await summaries.generate_draft(
            session, await principal(session, cast.facilitator), cast.consultation, "pl", broken
        )
    assert caught.value.code == "summarizer_failed"
    draft = await summaries.get_version(session, cast.consultation.id, "pl", SummaryState.DRAFT)
    assert draft is None
