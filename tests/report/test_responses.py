"""You said, we did: responses, e-mails to account holders, claim codes, bad input."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from deliberation.errors import NotFound, PermissionDenied, ValidationFailed
from deliberation.events import catalogue as ev
from deliberation.mail import ConsoleMailer
from deliberation.models import ModerationState, Role
from deliberation.models.report import ClaimCode, ContributionResponse, ResponseStatus
from deliberation.services import responses
from deliberation.services.record import ensure_theme
from tests.helpers import create_user
from tests.report.conftest import add, principal


async def count_responses(session) -> int:
    return int(await session.scalar(select(func.count()).select_from(ContributionResponse)))


async def test_respond_stores_the_answer_and_emails_the_author(session, cast):
    author = await create_user(session, Role.RESIDENT)
    contribution = await add(session, cast.consultation, "Więcej ławek przy stawie.", author=author)
    mailer = ConsoleMailer()
    who = await principal(session, cast.facilitator)
    saved = await responses.respond(
        session,
        who,
        cast.consultation,
        status="accepted",
        justification="Postawimy sześć ławek wiosną.",
        contribution_ids=[contribution.id],
        mailer=mailer,
        base_url="http://testserver",
    )
    assert [r.status for r in saved] == [ResponseStatus.ACCEPTED]
    assert saved[0].notified_at is not None
    assert len(mailer.outbox) == 1
    mail = mailer.outbox[0]
    assert mail.to == author.email
    assert "Postawimy sześć ławek" in mail.body
    assert f"#contribution-{contribution.id}" in mail.body
    progress = await responses.progress(session, cast.consultation.id)
    assert (progress.answered, progress.total) == (1, 1)


async def test_no_email_when_the_author_opted_out(session, cast):
    author = await create_user(session, Role.RESIDENT)
    author.email_notifications = False
    contribution = await add(session, cast.consultation, "Proszę o kosze na śmieci.", author=author)
    mailer = ConsoleMailer()
    await responses.respond(
        session,
        await principal(session, cast.facilitator),
        cast.consultation,
        status="partly_accepted",
        justification="Postawimy kosze przy wejściach.",
        contribution_ids=[contribution.id],
        mailer=mailer,
    )
    assert mailer.outbox == []


async def test_answering_again_replaces_the_answer(session, cast):
    contribution = await add(session, cast.consultation, "Parking przy parku.")
    who = await principal(session, cast.facilitator)
    for status in ("not_accepted", "answered"):
        await responses.respond(
            session,
            who,
            cast.consultation,
            status=status,
            justification="Uzasadnienie.",
            contribution_ids=[contribution.id],
        )
    assert await count_responses(session) == 1
    row = await responses.response_of(session, contribution.id)
    assert row is not None and row.status is ResponseStatus.ANSWERED


async def test_answer_a_whole_theme_skips_hidden(session, cast):
    a = await add(session, cast.consultation, "Ciemno w parku.", themes=("oświetlenie",))
    b = await add(session, cast.consultation, "Latarnie nie działają.", themes=("oświetlenie",))
    hidden = await add(
        session,
        cast.consultation,
        "Ukryty.",
        themes=("oświetlenie",),
        state=ModerationState.HIDDEN,
    )
    other = await add(session, cast.consultation, "Plac zabaw.", themes=("plac zabaw",))
    theme = await ensure_theme(session, cast.consultation.id, "oświetlenie")
    await responses.respond(
        session,
        await principal(session, cast.facilitator),
        cast.consultation,
        status="accepted",
        justification="Wymienimy wszystkie latarnie.",
        theme_id=theme.id,
    )
    answered = set(await session.scalars(select(ContributionResponse.contribution_id)))
    assert answered == {a.id, b.id}
    assert hidden.id not in answered and other.id not in answered


@pytest.mark.parametrize(
    ("status", "justification", "field"),
    [
        ("maybe", "Uzasadnienie.", "status"),
        ("", "Uzasadnienie.", "status"),
        ("accepted", "   ", "justification"),
        ("accepted", "x" * 5001, "justification"),
    ],
)
async def test_bad_input_changes_nothing(session, cast, status, justification, field):
    contribution = await add(session, cast.consultation, "Uwaga.")
    with pytest.raises(ValidationFailed) as caught:
        await responses.respond(
            session,
            await principal(session, cast.facilitator),
            cast.consultation,
            status=status,
            justification=justification,
            contribution_ids=[contribution.id],
        )
    assert field in caught.value.fields
    assert await count_responses(session) == 0


async def test_contribution_of_another_consultation_is_refused(session, cast):
    foreign = await add(session, cast.other_consultation, "Uwaga z innych konsultacji.")
    with pytest.raises(ValidationFailed) as caught:
        await responses.respond(
            session,
            await principal(session, cast.facilitator),
            cast.consultation,
            status="accepted",
            justification="Tak.",
            contribution_ids=[foreign.id],
        )
    assert "contribution_id" in caught.value.fields
    assert await count_responses(session) == 0


async def test_unknown_contribution_is_not_found(session, cast):
    with pytest.raises(NotFound):
        await responses.respond(
            session,
            await principal(session, cast.facilitator),
            cast.consultation,
            status="accepted",
            justification="Tak.",
            contribution_ids=[999_999],
        )


@pytest.mark.parametrize("who", ["other_facilitator", "moderator", "resident"])
async def test_only_the_consultations_facilitators_respond(session, cast, who):
    contribution = await add(session, cast.consultation, "Uwaga.")
    with pytest.raises(PermissionDenied):
        await responses.respond(
            session,
            await principal(session, getattr(cast, who)),
            cast.consultation,
            status="accepted",
            justification="Tak.",
            contribution_ids=[contribution.id],
        )
    assert await count_responses(session) == 0


async def test_respond_emits_one_event(session, cast, monkeypatch):
    contribution = await add(session, cast.consultation, "Uwaga.")
    staged: list = []
    import deliberation.services.responses as module

    real = module.record
    monkeypatch.setattr(module, "record", lambda s, e: (staged.append(e), real(s, e)))
    await responses.respond(
        session,
        await principal(session, cast.admin),
        cast.consultation,
        status="not_applicable",
        justification="To nie dotyczy parku.",
        contribution_ids=[contribution.id],
    )
    assert staged == [
        ev.ContributionResponded(
            consultation_id=cast.consultation.id,
            contribution_ids=[contribution.id],
            status="not_applicable",
        )
    ]


# --- claim codes --------------------------------------------------------------------------------


async def test_claim_code_is_random_hashed_and_finds_the_answer(session, cast):
    contribution = await add(session, cast.consultation, "Anonimowa uwaga o psach.")
    code = await responses.issue_claim_code(session, contribution)
    await session.commit()
    assert len(responses.normalize_code(code)) == responses.CODE_LENGTH
    stored = await session.scalar(select(ClaimCode.code_hash))
    assert stored != code and responses.normalize_code(code) not in stored
    claimed = await responses.claim(session, code.lower().replace("-", " "))
    assert claimed.contribution.id == contribution.id and claimed.response is None
    await responses.respond(
        session,
        await principal(session, cast.facilitator),
        cast.consultation,
        status="accepted",
        justification="Wydzielimy wybieg dla psów.",
        contribution_ids=[contribution.id],
    )
    claimed = await responses.claim(session, code)
    assert claimed.response is not None and claimed.response.status is ResponseStatus.ACCEPTED


async def test_reissuing_replaces_the_code(session, cast):
    contribution = await add(session, cast.consultation, "Uwaga.")
    first = await responses.issue_claim_code(session, contribution)
    second = await responses.issue_claim_code(session, contribution)
    assert first != second
    with pytest.raises(NotFound):
        await responses.claim(session, first)
    assert (await responses.claim(session, second)).contribution.id == contribution.id


@pytest.mark.parametrize("code", ["", "ABC", "0000-0000-0000", "x" * 40])
async def test_unknown_codes_say_so(session, cast, code):
    with pytest.raises(NotFound) as caught:
        await responses.claim(session, code)
    assert caught.value.code in ("claim_invalid", "claim_not_found")


async def test_codes_are_unique_in_the_database(session, cast):
    from sqlalchemy.exc import IntegrityError

    a = await add(session, cast.consultation, "A.")
    b = await add(session, cast.consultation, "B.")
    session.add(ClaimCode(contribution_id=a.id, code_hash="f" * 64))
    session.add(ClaimCode(contribution_id=b.id, code_hash="f" * 64))
    with pytest.raises(IntegrityError):
        await session.flush()
    await session.rollback()


async def test_claim_attempts_count_per_network_even_when_they_fail(session, cast):
    from deliberation.errors import RateLimited
    from deliberation.ratelimit import Limit

    contribution = await add(session, cast.consultation, "Anonimowa uwaga o ławkach.")
    code = await responses.issue_claim_code(session, contribution)
    await session.commit()
    limit = Limit(capacity=2, period_seconds=600)
    mine = responses.claim_network_key("secret", "192.0.2.10")
    assert mine == responses.claim_network_key("secret", "192.0.2.200")  # same /24
    assert "192.0.2" not in mine  # never stored in clear
    for _ in range(2):
        with pytest.raises(NotFound):
            await responses.claim(session, "ZZZZ-ZZZZ-ZZZZ", network=mine, limit=limit)
    await session.rollback()  # what the request does after an error: the tries stay counted
    with pytest.raises(RateLimited) as caught:
        await responses.claim(session, code, network=mine, limit=limit)
    assert caught.value.status == 429 and 0 < caught.value.retry_after <= 300
    theirs = responses.claim_network_key("secret", "2001:db8:1::5")
    claimed = await responses.claim(session, code, network=theirs, limit=limit)
    assert claimed.contribution.id == contribution.id
    assert responses.network_of("2001:db8:1:2::9") == "2001:db8:1::/48"
    assert responses.network_of(None) == responses.network_of("not an address") == "unknown"
