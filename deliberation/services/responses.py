"""You said, we did: the city's response to each contribution, claim codes, and telling people.

Anonymous contributors get a claim code when they take part (``issue_claim_code``); with it they
read the response on the "what happened to my input?" page, no account needed.
"""

from __future__ import annotations

import hashlib
import ipaddress
import logging
import secrets
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from deliberation import i18n, ratelimit
from deliberation.db import utcnow
from deliberation.errors import NotFound, RateLimited, ValidationFailed
from deliberation.events import catalogue as ev
from deliberation.events import commit, record
from deliberation.i18n import _l
from deliberation.mail import Mail, Mailer
from deliberation.models import (
    Consultation,
    Contribution,
    ModerationState,
    Theme,
    User,
    contribution_themes,
)
from deliberation.models.report import ClaimCode, ContributionResponse, ResponseStatus
from deliberation.permissions import Principal, Scope, authorize
from deliberation.security import keyed_hash
from deliberation.services.report_actions import RESPONSE_WRITE

log = logging.getLogger(__name__)

MAX_JUSTIFICATION = 5000
# Crockford's base32 without look-alikes: no I, L, O, U.
CODE_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
CODE_LENGTH = 12  # 60 bits
_LOOKALIKES = str.maketrans({"O": "0", "I": "1", "L": "1"})
# Codes tried on the "what happened to my input?" page, per network (/24 or /48): 60 bits per
# code and 10 tries per 10 minutes make guessing anyone's code hopeless; a person who mistypes
# theirs a few times is not stopped.
CLAIM_LIMIT = ratelimit.Limit(capacity=10, period_seconds=600)

STATUS_LABELS = {
    ResponseStatus.ACCEPTED: _l("Accepted"),
    ResponseStatus.PARTLY_ACCEPTED: _l("Partly accepted"),
    ResponseStatus.NOT_ACCEPTED: _l("Not accepted"),
    ResponseStatus.NOT_APPLICABLE: _l("Not applicable"),
    ResponseStatus.ANSWERED: _l("Answer given"),
}


# --- claim codes --------------------------------------------------------------------------------


def normalize_code(code: str) -> str:
    """'abcd-efgh 1234' -> 'ABCDEFGH1234'; O, I and L read as 0, 1, 1."""
    return "".join(ch for ch in code.upper() if ch.isalnum()).translate(_LOOKALIKES)


def hash_code(code: str) -> str:
    return hashlib.sha256(normalize_code(code).encode("ascii", "replace")).hexdigest()


def format_code(raw: str) -> str:
    return "-".join(raw[i : i + 4] for i in range(0, len(raw), 4))


async def issue_claim_code(session: AsyncSession, contribution: Contribution) -> str:
    """A new random code for this contribution (the caller commits); only its hash is stored.

    Issuing again replaces the old code. Call it when an anonymous participant contributes and
    show the returned code once ("keep it to see what happened to your input").
    """
    if contribution.id is None:
        await session.flush()
    raw = "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))
    existing = await session.scalar(
        select(ClaimCode).where(ClaimCode.contribution_id == contribution.id)
    )
    if existing is None:
        session.add(ClaimCode(contribution_id=contribution.id, code_hash=hash_code(raw)))
    else:
        existing.code_hash = hash_code(raw)
        existing.created_at = utcnow()
    await session.flush()
    return format_code(raw)


@dataclass(frozen=True)
class Claimed:
    contribution: Contribution
    consultation: Consultation
    response: ContributionResponse | None


def network_of(host: str | None) -> str:
    """The /24 (IPv4) or /48 (IPv6) a client address belongs to ("unknown" without one)."""
    try:
        address = ipaddress.ip_address(host or "")
    except ValueError:
        return "unknown"
    prefix = 24 if address.version == 4 else 48
    return str(ipaddress.ip_network(f"{address}/{prefix}", strict=False))


def claim_network_key(secret_key: str, host: str | None) -> str:
    """The rate-limit key of a client's network; the address is never stored in clear."""
    return "claim:n:" + keyed_hash(secret_key, "network", network_of(host))


async def take_claim_try(
    session: AsyncSession, network: str, limit: ratelimit.Limit = CLAIM_LIMIT
) -> None:
    """One token from the network's bucket (``claim_network_key``), committed in its own
    transaction so failed guesses count too; RateLimited, in the reader's language, when empty.

    Every kind of claim code (a contribution's, a survey response's) draws from this one bucket.
    """
    try:
        await ratelimit.take(session, network, limit)
    except RateLimited as exc:
        minutes = max(1, (exc.retry_after + 59) // 60)
        raise RateLimited(
            exc.retry_after,
            i18n.ngettext(
                "Too many codes were tried from your network. To keep everyone's codes "
                "safe, wait %(num)s minute and try again.",
                "Too many codes were tried from your network. To keep everyone's codes "
                "safe, wait %(num)s minutes and try again.",
                minutes,
            ),
        ) from None
    await session.commit()


def check_code_shape(code: str) -> None:
    """NotFound with a clear message unless the code has 12 letters and digits."""
    if len(normalize_code(code)) != CODE_LENGTH:
        raise NotFound(
            _l("This code has 12 letters and digits. Check it and try again."), code="claim_invalid"
        )


async def find_contribution(session: AsyncSession, code: str) -> Claimed | None:
    """The contribution behind a well-formed claim code and its response, if any."""
    row = await session.scalar(select(ClaimCode).where(ClaimCode.code_hash == hash_code(code)))
    if row is None:
        return None
    contribution = await session.get(Contribution, row.contribution_id)
    if contribution is None:
        return None
    consultation = await session.get(Consultation, contribution.consultation_id)
    if consultation is None:
        return None
    return Claimed(contribution, consultation, await response_of(session, contribution.id))


async def claim(
    session: AsyncSession,
    code: str,
    *,
    network: str | None = None,
    limit: ratelimit.Limit = CLAIM_LIMIT,
) -> Claimed:
    """The contribution behind a claim code and its response. NotFound with a clear message.

    With ``network`` (``claim_network_key``), every attempt takes a token from that network's
    bucket first (``take_claim_try``). The "what happened to my input?" page uses
    ``deliberation.services.claims.find``, which also asks the features for their codes.
    """
    if network is not None:
        await take_claim_try(session, network, limit)
    check_code_shape(code)
    claimed = await find_contribution(session, code)
    if claimed is None:
        raise NotFound(
            _l("We found no contribution with this code. Check the code and try again."),
            code="claim_not_found",
        )
    return claimed


# --- responses ----------------------------------------------------------------------------------


async def response_of(session: AsyncSession, contribution_id: int) -> ContributionResponse | None:
    return await session.scalar(
        select(ContributionResponse).where(ContributionResponse.contribution_id == contribution_id)
    )


def parse_status(value: str) -> ResponseStatus:
    if value not in ResponseStatus._value2member_map_:
        raise ValidationFailed(fields={"status": _l("Choose one of the options.")})
    return ResponseStatus(value)


def _check_justification(text: str) -> str:
    text = text.strip()
    if not text:
        raise ValidationFailed(
            fields={"justification": _l("Explain the decision in a few plain sentences.")}
        )
    if len(text) > MAX_JUSTIFICATION:
        raise ValidationFailed(fields={"justification": _l("This text is too long.")})
    return text


async def _targets(
    session: AsyncSession,
    consultation: Consultation,
    contribution_ids: Sequence[int],
    theme_id: int | None,
) -> list[Contribution]:
    if theme_id is not None:
        theme = await session.get(Theme, theme_id)
        if theme is None or theme.consultation_id != consultation.id:
            raise ValidationFailed(
                fields={"theme_id": _l("This theme belongs to another consultation.")}
            )
        rows = await session.scalars(
            select(Contribution)
            .join(contribution_themes, contribution_themes.c.contribution_id == Contribution.id)
            .where(
                contribution_themes.c.theme_id == theme_id,
                Contribution.moderation_state == ModerationState.VISIBLE,
            )
            .order_by(Contribution.id)
        )
        found = list(rows)
        if not found:
            raise ValidationFailed(
                fields={"theme_id": _l("No visible contribution has this theme.")}
            )
        return found
    if not contribution_ids:
        raise ValidationFailed(fields={"contribution_id": _l("Choose a contribution.")})
    rows = await session.scalars(select(Contribution).where(Contribution.id.in_(contribution_ids)))
    found = list(rows)
    if len(found) != len(set(contribution_ids)):
        raise NotFound(_l("We could not find this contribution."), code="contribution_not_found")
    if any(c.consultation_id != consultation.id for c in found):
        raise ValidationFailed(
            fields={"contribution_id": _l("This contribution belongs to another consultation.")}
        )
    return found


async def respond(
    session: AsyncSession,
    principal: Principal,
    consultation: Consultation,
    *,
    status: str,
    justification: str,
    contribution_ids: Sequence[int] = (),
    theme_id: int | None = None,
    mailer: Mailer | None = None,
    base_url: str = "",
) -> list[ContributionResponse]:
    """Answer contributions (or all visible ones of a theme); tell account holders by e-mail.

    Emits contribution.responded. ValidationFailed, NotFound, PermissionDenied; nothing changes
    when any check fails.
    """
    authorize(principal, RESPONSE_WRITE, Scope(consultation.id, consultation.status))
    parsed = parse_status(status)
    text = _check_justification(justification)
    targets = await _targets(session, consultation, contribution_ids, theme_id)
    existing = {
        r.contribution_id: r
        for r in await session.scalars(
            select(ContributionResponse).where(
                ContributionResponse.contribution_id.in_([c.id for c in targets])
            )
        )
    }
    saved = []
    for contribution in targets:
        row = existing.get(contribution.id)
        if row is None:
            row = ContributionResponse(
                consultation_id=consultation.id, contribution_id=contribution.id
            )
            session.add(row)
        row.status = parsed
        row.justification = text
        row.theme_id = theme_id
        row.responded_by_id = principal.user_id
        row.updated_at = utcnow()
        saved.append(row)
    await session.flush()
    record(
        session,
        ev.ContributionResponded(
            consultation_id=consultation.id,
            contribution_ids=[c.id for c in targets],
            status=parsed.value,
        ),
    )
    await commit(session)
    if mailer is not None:
        await notify_authors(session, consultation, targets, saved, mailer, base_url)
    return saved


async def notify_authors(
    session: AsyncSession,
    consultation: Consultation,
    contributions: Sequence[Contribution],
    responses: Sequence[ContributionResponse],
    mailer: Mailer,
    base_url: str,
) -> int:
    """E-mail each author with an account who accepts notifications; returns how many were sent."""
    user_ids = {c.author_user_id for c in contributions if c.author_user_id is not None}
    if not user_ids:
        return 0
    users = {
        u.id: u
        for u in await session.scalars(
            select(User).where(
                User.id.in_(user_ids),
                User.email.is_not(None),
                User.deleted_at.is_(None),
                User.email_notifications.is_(True),
            )
        )
    }
    by_contribution = {r.contribution_id: r for r in responses}
    sent = 0
    for contribution in contributions:
        user = users.get(contribution.author_user_id or -1)
        response = by_contribution.get(contribution.id)
        if user is None or user.email is None or response is None:
            continue
        with i18n.language(user.language or "pl"):
            mail = Mail(
                to=user.email,
                subject=i18n.gettext(
                    "Your contribution to %(title)s has an answer", title=consultation.title
                ),
                body=i18n.gettext(
                    "The city answered your contribution:\n\n%(body)s\n\n"
                    "Decision: %(status)s\n\n%(justification)s\n\n%(link)s",
                    body=contribution.body[:500],
                    status=str(STATUS_LABELS[response.status]),
                    justification=response.justification,
                    link=f"{base_url}/consultations/{consultation.id}/you-said-we-did"
                    f"#contribution-{contribution.id}",
                ),
            )
        await mailer.send(mail)
        response.notified_at = utcnow()
        sent += 1
    if sent:
        await session.commit()  # only the notified_at stamps: no event
    return sent


@dataclass(frozen=True)
class Progress:
    total: int
    answered: int

    @property
    def ratio(self) -> float:
        return self.answered / self.total if self.total else 0.0


async def progress(session: AsyncSession, consultation_id: int) -> Progress:
    """How many visible contributions have a response."""
    visible = (
        Contribution.consultation_id == consultation_id,
        Contribution.moderation_state == ModerationState.VISIBLE,
    )
    total = await session.scalar(select(func.count()).select_from(Contribution).where(*visible))
    answered = await session.scalar(
        select(func.count())
        .select_from(Contribution)
        .join(ContributionResponse, ContributionResponse.contribution_id == Contribution.id)
        .where(*visible)
    )
    return Progress(total=int(total or 0), answered=int(answered or 0))
