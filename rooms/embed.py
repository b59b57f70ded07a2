"""Livestream embeds from allow-listed providers, loaded only after the resident clicks."""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import parse_qs, urlsplit

from deliberation.errors import ValidationFailed
from deliberation.i18n import _l

_YOUTUBE_ID = re.compile(r"^[A-Za-z0-9_-]{6,20}$")
_PEERTUBE_ID = re.compile(r"^[A-Za-z0-9-]{6,60}$")
# PeerTube and call hosts run by the city or its partners are listed here.
PEERTUBE_HOSTS = frozenset({"tube.network.europa.eu", "framatube.org", "peertube.uno"})
CALL_HOSTS = frozenset({"meet.jit.si"})


@dataclass(frozen=True)
class Embed:
    provider: str
    # An iframe source (video) or None for a call, which opens as a link.
    frame_url: str | None
    link_url: str


def parse_embed(url: str) -> Embed:
    """Recognise an allow-listed livestream or call URL; anything else is refused."""
    parts = urlsplit(url.strip())
    host = (parts.hostname or "").lower()
    if parts.scheme != "https":
        raise _refused()
    if host in ("www.youtube.com", "youtube.com", "m.youtube.com", "youtu.be"):
        video = parts.path.lstrip("/") if host == "youtu.be" else ""
        if not video:
            video = (parse_qs(parts.query).get("v") or [""])[0]
        if not video and parts.path.startswith(("/live/", "/embed/")):
            video = parts.path.split("/")[2]
        if not _YOUTUBE_ID.match(video):
            raise _refused()
        return Embed(
            "YouTube",
            f"https://www.youtube-nocookie.com/embed/{video}",
            f"https://youtu.be/{video}",
        )
    if host in PEERTUBE_HOSTS:
        video = parts.path.rstrip("/").rsplit("/", 1)[-1]
        if not _PEERTUBE_ID.match(video):
            raise _refused()
        return Embed("PeerTube", f"https://{host}/videos/embed/{video}", url.strip())
    if host in CALL_HOSTS or host.endswith(".bigbluebutton.org"):
        return Embed("Jitsi" if host in CALL_HOSTS else "BigBlueButton", None, url.strip())
    raise _refused()


def _refused() -> ValidationFailed:
    return ValidationFailed(
        fields={"embed_url": _l("Use a YouTube, PeerTube, Jitsi or BigBlueButton address.")}
    )
