"""One "what happened to my input?" page for every claim code.

The core's codes belong to contributions (``responses.find_contribution``). A feature that gives
codes of its own (a survey response's code) names a provider in ``PROVIDERS`` (feature name ->
"module:function"); it is loaded by name, like ``report_sections``, and only when that feature is
wired into the app: the core never imports a feature. A provider gets a well-formed code and
returns a ``FeatureClaim`` (the partial the page includes and what it shows) or None.

Every code tried takes one token from the client network's single bucket first
(``responses.take_claim_try``), whichever kind of code it turns out to be and whichever page
(``/my-input`` or a feature's old address) it was typed on.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from deliberation import ratelimit
from deliberation.errors import NotFound
from deliberation.features import wired_providers
from deliberation.i18n import _l
from deliberation.services import responses


@dataclass(frozen=True)
class FeatureClaim:
    """What a feature found for a code: ``template`` is included by the page with ``claim``
    set to ``data``; it shows only what belongs to this code."""

    template: str
    data: Any


ClaimProvider = Callable[[AsyncSession, str], Awaitable[FeatureClaim | None]]

PROVIDERS: dict[str, str] = {"surveys": "surveys.claims:find_claim"}


def providers_for(features: Iterable[Any]) -> list[ClaimProvider]:
    """The claim providers of the features wired into the app (``app.state.features``)."""
    return wired_providers(features, PROVIDERS)


async def find(
    session: AsyncSession,
    code: str,
    providers: Sequence[ClaimProvider],
    *,
    network: str | None = None,
    limit: ratelimit.Limit = responses.CLAIM_LIMIT,
) -> responses.Claimed | FeatureClaim:
    """What a claim code of any kind was given for. With ``network`` the try is counted first
    (RateLimited when the bucket is empty); NotFound with a clear message otherwise."""
    if network is not None:
        await responses.take_claim_try(session, network, limit)
    responses.check_code_shape(code)
    claimed = await responses.find_contribution(session, code)
    if claimed is not None:
        return claimed
    for provider in providers:
        found = await provider(session, code)
        if found is not None:
            return found
    raise NotFound(
        _l("We found nothing with this code. Check the code and try again."),
        code="claim_not_found",
    )
