"""Comment thread pages: the thread (page, htmx partial, live fragments), posting and voting.

Without JavaScript every action is a plain form that redirects back to the thread; with htmx
the same partials are swapped in place, and a long poll fed by the event bus tells readers which
comment changed.
"""

from __future__ import annotations

import asyncio
import secrets
from collections import deque
from dataclasses import dataclass
from typing import Any, Literal

from markupsafe import Markup
from pydantic import BaseModel, Field
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute

from deliberation.errors import Conflict, NotFound
from deliberation.events import Event
from deliberation.events import catalogue as ev
from deliberation.i18n import _l, get_language
from deliberation.models import Consultation, ConsultationStatus, Meeting
from deliberation.models.comments import Stance
from deliberation.permissions import VIEW_PUBLIC
from deliberation.services import comments as svc
from deliberation.web.forms import parse_form
from deliberation.web.fragments import FragmentCache
from deliberation.web.participants import current_participant, remember_participant
from deliberation.web.redirects import see_other
from deliberation.web.routing import page
from deliberation.web.templating import CSRF_SLOT, url_paths, with_csrf_token
from moderation import guard
from moderation.labels import GLOBALS as MODERATION_LABELS
from moderation.models import ReportReason


class CommentForm(BaseModel):
    body: str = Field(min_length=1, max_length=10_000)
    stance: Literal["for", "against", "neutral"] | None = None
    parent_id: int | None = None
    meeting_id: int | None = None
    name: str | None = Field(default=None, max_length=80)


class EditForm(BaseModel):
    body: str = Field(min_length=1, max_length=10_000)


class SettingsForm(BaseModel):
    allow_anonymous: Literal["0", "1"] = "0"


def _htmx(request: Request) -> bool:
    return request.headers.get("hx-request") == "true"


def _sort(request: Request) -> svc.Sort:
    try:
        return svc.Sort(request.query_params.get("sort", "newest"))
    except ValueError:
        return svc.Sort.NEWEST


async def _meeting(request: Request, consultation: Consultation) -> Meeting | None:
    """``?meeting=ID``: the thread on that meeting's published notes."""
    raw = request.query_params.get("meeting", "")
    if not raw:
        return None
    if not raw.isdigit() or len(raw) > 9:
        raise NotFound()
    return await svc.meeting_thread(request.state.db, consultation, int(raw))


def _page(request: Request) -> int:
    raw = request.query_params.get("page", "1")
    return int(raw) if raw.isdigit() and 0 < int(raw) < 100_000 else 1


async def _context(request: Request) -> tuple[Consultation, svc.Viewer]:
    state = request.state
    consultation = await svc.get_consultation(
        state.db, state.principal, int(request.path_params["consultation_id"])
    )
    participant, _ = await current_participant(request, state.db, state.user, create=False)
    viewer = await svc.viewer_for(
        state.db, state.principal, consultation, participant.id if participant else None
    )
    return consultation, viewer


def link_maker(request: Request) -> Any:
    """``url_for`` for the thread's many links: each route's path is worked out once per
    page with stand-in numbers, then filled in (every parameter here is a number)."""
    app = request.app
    paths = url_paths(app)
    patterns: dict[tuple[str, tuple[str, ...]], str] = {}

    def link(name: str, /, **params: int) -> str:
        key = (name, tuple(sorted(params)))
        pattern = patterns.get(key)
        if pattern is None:
            stand_ins = {k: 7_000_000_000_001 + n for n, k in enumerate(key[1])}
            pattern = paths.path(app, name, **stand_ins).replace("{", "{{").replace("}", "}}")
            for k, number in stand_ins.items():
                pattern = pattern.replace(str(number), "{" + k + "}")
            patterns[key] = pattern
        return pattern.format(**{k: int(v) for k, v in params.items()})

    return link


def _context_extras(request: Request) -> dict[str, Any]:
    return {
        "report_reasons": list(ReportReason),
        "stances": list(Stance),
        "link": link_maker(request),
        **MODERATION_LABELS,
    }


def _render(request: Request, name: str, status_code: int = 200, **context: Any) -> Response:
    response: Response = request.app.state.templates.response(
        request, name, status_code=status_code, **_context_extras(request), **context
    )
    return response


async def _thread_html(request: Request, consultation: Consultation, viewer: svc.Viewer) -> str:
    """The thread's HTML for this reader.

    A reader with no account, no participant and no moderator role sees exactly what every such
    reader sees, so that page is rendered once per consultation, sort, page and language and
    kept until an event names the consultation (a new, edited, voted or moderated comment, a
    settings change).

    Any other reader who is not a moderator starts from the page's structure as everyone sees
    it (which comments, in which order and nesting, with their counts), kept in the same way;
    one query then finds their votes among its comments and whether they have a comment others
    cannot see yet (then, and for moderators, the page is loaded for them alone). The page is
    assembled from each comment's cached HTML, rendering fresh only their own and their voted
    comments (their vote state, their links to edit and delete).
    """
    sort, number = _sort(request), _page(request)
    meeting = await _meeting(request, consultation)
    public = request.state.user is None and viewer.participant_id is None and not viewer.moderator
    cache = request.app.state.fragments
    key = (
        "comments",
        consultation.id,
        meeting.id if meeting else None,
        sort.value,
        number,
        get_language(),
    )
    if public:
        cached: str | None = cache.get(consultation.id, key)
        if cached is not None:
            return with_csrf_token(cached, request)
        version = cache.version(consultation.id)
    db = request.state.db
    loaded: svc.Thread | None = None
    if not viewer.moderator:
        shared = await svc.shared_page(
            db,
            consultation,
            viewer.principal,
            sort=sort,
            page=number,
            orders=comment_cache(request.app),
            meeting=meeting,
        )
        voted: set[int] = set()
        private = False
        if viewer.participant_id is not None:
            voted, private = await svc.reader_marks(
                db,
                consultation.id,
                meeting.id if meeting else None,
                viewer.participant_id,
                [v.comment.id for v in svc.flatten(shared.comments)],
            )
        if not private:
            loaded = svc.Thread(
                consultation=consultation,
                comments=svc.personal(shared.comments, viewer, voted),
                sort=sort,
                page=max(1, number),
                has_more=shared.has_more,
                allow_anonymous=shared.allow_anonymous,
                open=consultation.status is ConsultationStatus.PUBLISHED,
                viewer=viewer,
                meeting=meeting,
            )
    if loaded is None:
        loaded = await svc.load_thread(
            db, consultation, viewer, sort=sort, page=number, orders=cache, meeting=meeting
        )
    elif not public:
        # Around the comments, the page differs between readers only by being signed in or
        # not (the form): kept like the rest, with a slot where the comments go.
        frame_key = (*key, "frame", loaded.open, request.state.user is not None)
        frames = comment_cache(request.app)
        frame: str | None = frames.get(consultation.id, frame_key)
        if frame is None:
            frame_version = frames.version(consultation.id)
            frame = _render_thread(request, loaded, Markup(_LIST_SLOT))  # noqa: S704 (a constant)
            frames.put(consultation.id, frame_key, frame, version=frame_version)
        comments = _assemble(loaded.comments, _comment_mains(request, loaded))
        before, after = frame.split(_LIST_SLOT)
        return with_csrf_token("".join((before, comments, after)), request)
    html = _render_thread(
        request, loaded, _assemble(loaded.comments, _comment_mains(request, loaded))
    )
    if public:
        cache.put(consultation.id, key, html, version=version)
    return with_csrf_token(html, request)


# Where a cached page frame takes the reader's comments; no text a person writes contains it.
_LIST_SLOT = "<!--list-" + secrets.token_hex(16) + "-->"


def _render_thread(request: Request, thread: svc.Thread, comments_html: Markup) -> str:
    html: str = request.app.state.templates.render(
        request,
        "comments/_thread.html",
        thread=thread,
        comments_html=comments_html,
        **_context_extras(request),
        csrf_token=CSRF_SLOT,
    )
    return html


def _assemble(views: list[svc.CommentView], mains: dict[int, Markup]) -> Markup:
    """The nested list of comments and replies (what the ``comment`` macro writes), put
    together from each comment's HTML without a template call per comment."""
    parts: list[str] = []

    def add(view: svc.CommentView) -> None:
        cid = view.comment.id
        parts.append(f'<li id="comment-{cid}" class="comment">\n  ')
        parts.append(mains[cid])
        parts.append(f'\n  <ol id="replies-{cid}" class="comment-list replies">\n    ')
        for reply in view.replies:
            add(reply)
        parts.append("\n  </ol>\n</li>")

    for view in views:
        add(view)
    # Ids are numbers and every part comes from our autoescaping templates: safe HTML.
    return Markup("".join(parts))  # noqa: S704


def comment_cache(app: Any) -> FragmentCache:
    """Rendered comments (without replies) as every reader of one kind sees them, and the
    structure and frame of each page of a thread; its own cache, so thousands of comments
    never push the consultation pages out of theirs."""
    cache: FragmentCache | None = getattr(app.state, "comment_fragments", None)
    if cache is None:
        cache = app.state.comment_fragments = FragmentCache(max_entries=25_000)
        app.state.bus.subscribe(cache.on_event)
    return cache


# Between comments rendered together; no text a person writes can contain it.
_SEPARATOR = "<!--" + secrets.token_hex(16) + "-->"


@dataclass(frozen=True)
class _Marks:
    """Where a comment rendered for every kind of reader at once differs between them: the
    upvote button's state, and the "Report" link that only signed-in readers get. HTML
    comments with a random part: escaped text a person wrote can never contain them."""

    pressed: Markup
    signed_in: Markup
    end: Markup


_MARKS = _Marks(
    *(
        Markup(f"<!--{name}-{secrets.token_hex(16)}-->")  # noqa: S704 (constants)
        for name in ("pressed", "signed-in", "end")
    )
)
_PRESSED = {False: 'aria-pressed="false"', True: 'aria-pressed="true" disabled'}


def _variants(html: str) -> dict[bool, str]:
    """One comment rendered with ``_MARKS`` as a signed-in reader (True) and as any other
    reader (False) sees it, the upvote button's state still to fill (``_pressed``)."""
    if _MARKS.signed_in not in html:
        return {True: html, False: html}
    before, rest = html.split(_MARKS.signed_in, 1)
    report, after = rest.split(_MARKS.end, 1)
    return {True: before + report + after, False: before + after}


def _pressed(html: str, voted: bool) -> Markup:
    # Rendered by our autoescaping templates, filled with a constant: safe HTML.
    return Markup(html.replace(_MARKS.pressed, _PRESSED[voted]))  # noqa: S704


def _comment_mains(request: Request, thread: svc.Thread) -> dict[int, Markup]:
    """Every comment of the page (without its replies) as HTML. A comment that is not the
    reader's own looks the same to every reader of one kind (language, thread open, signed in)
    but for the upvote button's state, so it is kept per kind with that state left to fill in,
    until an event names the consultation. The first time a comment is rendered, it is rendered
    for both kinds at once (one render with marks, cut apart), so the first signed-in reader to
    see it after an anonymous one (or the reverse) finds it ready. The reader's own comments
    (links to delete, mute, appeal) look the same to their author in every session, so once
    the 15 minutes to edit them are over (no edit link any more) they are kept too, for their
    author. Own comments still editable and every comment of a moderator's page are rendered
    for the reader; all in one template call."""
    shareable = not thread.viewer.moderator
    cache = comment_cache(request.app)
    cid = thread.consultation.id
    version = cache.version(cid)
    kind = (get_language(), thread.open)
    signed_in = request.state.user is not None
    found: dict[int, Markup] = {}
    missing: list[svc.CommentView] = []
    for view in svc.flatten(thread.comments):
        if not shareable:
            missing.append(view)
        elif view.mine:
            own = cache.get(cid, ("own comment", view.comment.id, *kind, signed_in))
            if own is None:
                missing.append(view)
            else:
                found[view.comment.id] = own
        else:
            html = cache.get(cid, ("comment", view.comment.id, *kind, signed_in))
            if html is None:
                missing.append(view)
            else:
                found[view.comment.id] = _pressed(html, view.voted)
    if missing:
        shared = {v.comment.id for v in missing if shareable and not v.mine}
        # Own comments past their edit window (checked before rendering: no edit link).
        settled = {v.comment.id for v in missing if shareable and v.mine and not v.editable}
        rendered = request.app.state.templates.render(
            request,
            "comments/_mains.html",
            views=missing,
            open=thread.open,
            separator=Markup(_SEPARATOR),  # noqa: S704 (a constant)
            variant_ids=shared,
            variant_marks=_MARKS,
            **_context_extras(request),
            csrf_token=CSRF_SLOT,
        ).split(_SEPARATOR)
        assert len(rendered) == len(missing) + 1, "one part per comment"
        for view, html in zip(missing, rendered[:-1], strict=True):
            if view.comment.id not in shared:
                # Rendered by our autoescaping templates: safe HTML already.
                found[view.comment.id] = markup = Markup(html)  # noqa: S704
                if view.comment.id in settled:
                    key = ("own comment", view.comment.id, *kind, signed_in)
                    cache.put(cid, key, markup, version=version)
                continue
            variants = _variants(html)
            for user, text in variants.items():
                cache.put(cid, ("comment", view.comment.id, *kind, user), text, version=version)
            found[view.comment.id] = _pressed(variants[signed_in], view.voted)
    return found


async def thread(request: Request) -> Response:
    consultation, viewer = await _context(request)
    html = await _thread_html(request, consultation, viewer)
    if _htmx(request):
        return Response(html, media_type="text/html")
    # The fragment comes from our autoescaping templates: it is safe HTML already.
    return _render(
        request,
        "comments/thread.html",
        consultation=consultation,
        thread_html=Markup(html),  # noqa: S704
    )


async def reply_page(request: Request) -> Response:
    """The form to answer one comment: swapped in by htmx, or a page of its own without it."""
    consultation, viewer = await _context(request)
    one = await svc.load_one(
        request.state.db, consultation, viewer, comment_id=request.path_params["comment_id"]
    )
    if one is None:
        raise NotFound()
    if not one.can_reply:
        raise Conflict(_l("You cannot reply to this comment."), code="parent_not_visible")
    if consultation.status is not ConsultationStatus.PUBLISHED:
        raise Conflict(_l("Comments are closed for this consultation."), code="comments_closed")
    name = "comments/_form.html" if _htmx(request) else "comments/reply.html"
    return _render(
        request,
        name,
        c=one,
        consultation=consultation,
        parent=one.comment,
        allow_anonymous=await svc.allows_anonymous(request.state.db, consultation.id),
    )


async def fragment(request: Request) -> Response:
    """One comment, for live updates: ``?full=1`` with its (empty) reply list, to insert it."""
    consultation, viewer = await _context(request)
    one = await svc.load_one(
        request.state.db,
        consultation,
        viewer,
        comment_id=request.path_params.get("comment_id"),
        contribution_id=request.path_params.get("contribution_id"),
    )
    if one is None:
        return Response(status_code=204)
    name = "comments/_comment.html" if request.query_params.get("full") else "comments/_main.html"
    return _render(request, name, c=one, consultation=consultation, open=True)


def _back(
    request: Request, consultation_id: int, anchor: str = "comments", meeting_id: int | None = None
) -> Response:
    url = request.url_for("comments:thread", consultation_id=consultation_id)
    query = f"?meeting={meeting_id}" if meeting_id else ""
    return see_other(f"{url.path}{query}#{anchor}")


async def post(request: Request) -> Response:
    state = request.state
    consultation = await svc.get_consultation(
        state.db, state.principal, int(request.path_params["consultation_id"])
    )
    form = await parse_form(request, CommentForm)
    participant, secret = await current_participant(request, state.db, state.user, create=True)
    assert participant is not None
    if state.user is None and form.name and not participant.display_name:
        participant.display_name = " ".join(form.name.split())[:80]
    comment = await svc.post_comment(
        state.db,
        state.principal,
        consultation,
        user=state.user,
        participant=participant,
        body=form.body,
        stance=Stance(form.stance) if form.stance else None,
        parent_id=form.parent_id,
        meeting_id=form.meeting_id,
        network=guard.network_key(request.app.state.settings.key, _client_host(request)),
        mailer=request.app.state.mailer,
    )
    if _htmx(request):
        # A fresh form with a note; the comment itself reaches every reader, the author
        # included, through the live update, so it is never inserted twice.
        pending = await svc.is_pending(state.db, comment)
        response = _render(
            request,
            "comments/_form.html",
            consultation=consultation,
            parent=await svc.parent_of(state.db, comment),
            allow_anonymous=await svc.allows_anonymous(state.db, consultation.id),
            meeting_id=comment.meeting_id,
            posted=comment,
            posted_pending=pending,
        )
    else:
        response = _back(request, consultation.id, f"comment-{comment.id}", comment.meeting_id)
    remember_participant(request, response, secret)
    return response


def _client_host(request: Request) -> str | None:
    return request.client.host if request.client else None


async def _after_change(request: Request, consultation: Consultation, comment_id: int) -> Response:
    if not _htmx(request):
        meeting_id = await svc.meeting_of(request.state.db, comment_id)
        return _back(request, consultation.id, f"comment-{comment_id}", meeting_id)
    _, viewer = await _context(request)
    one = await svc.load_one(request.state.db, consultation, viewer, comment_id=comment_id)
    if one is None:
        return Response(status_code=204)
    return _render(request, "comments/_main.html", c=one, consultation=consultation, open=True)


async def edit_page(request: Request) -> Response:
    consultation, viewer = await _context(request)
    one = await svc.load_one(
        request.state.db, consultation, viewer, comment_id=request.path_params["comment_id"]
    )
    if one is None or not one.editable:
        from deliberation.errors import NotFound

        raise NotFound()
    history = await svc.revisions(request.state.db, one.comment.id)
    return _render(request, "comments/edit.html", c=one, consultation=consultation, history=history)


async def edit(request: Request) -> Response:
    consultation, _ = await _context(request)
    form = await parse_form(request, EditForm)
    comment_id = int(request.path_params["comment_id"])
    await svc.edit_comment(
        request.state.db, request.state.principal, consultation.id, comment_id, form.body
    )
    return await _after_change(request, consultation, comment_id)


async def delete(request: Request) -> Response:
    consultation, _ = await _context(request)
    comment_id = int(request.path_params["comment_id"])
    await svc.delete_comment(request.state.db, request.state.principal, consultation.id, comment_id)
    return await _after_change(request, consultation, comment_id)


async def upvote(request: Request) -> Response:
    state = request.state
    consultation, _ = await _context(request)
    comment_id = int(request.path_params["comment_id"])
    participant, _secret = await current_participant(request, state.db, state.user, create=True)
    assert participant is not None
    await svc.upvote(state.db, state.principal, consultation, comment_id, participant.id)
    return await _after_change(request, consultation, comment_id)


async def mute(request: Request) -> Response:
    consultation, _ = await _context(request)
    comment_id = int(request.path_params["comment_id"])
    async with request.form(max_files=0, max_fields=5) as form:
        muted = form.get("mute") == "1"
    await svc.mute_replies(
        request.state.db, request.state.principal, consultation.id, comment_id, muted
    )
    return await _after_change(request, consultation, comment_id)


async def settings(request: Request) -> Response:
    state = request.state
    consultation, _ = await _context(request)
    form = await parse_form(request, SettingsForm)
    await svc.set_allow_anonymous(
        state.db, state.principal, consultation, form.allow_anonymous == "1"
    )
    return _back(request, consultation.id)


# --- live updates ---------------------------------------------------------------------------

LIVE_TYPES = (ev.CommentCreated.type, ev.CommentUpdated.type, ev.ContributionModerated.type)
WAIT_SECONDS = 25.0


class LiveFeed:
    """The last comment events of this process, numbered, fed by the event bus.

    Readers long-poll ``comments:changes`` with the last number they saw; the request waits on
    the bus (not on the database) until something changes in its consultation or 25 s pass.
    """

    def __init__(self, size: int = 2000) -> None:
        self.events: deque[tuple[int, Event]] = deque(maxlen=size)
        self.seq = 0
        self.changed = asyncio.Condition()

    async def handle(self, event: Event) -> None:
        async with self.changed:
            self.seq += 1
            self.events.append((self.seq, event))
            self.changed.notify_all()

    def since(self, consultation_id: int, after: int) -> list[Event]:
        return [
            e
            for n, e in self.events
            if n > after and getattr(e, "consultation_id", None) == consultation_id
        ]

    async def wait(self, consultation_id: int, after: int, seconds: float) -> list[Event]:
        async def changed() -> list[Event]:
            async with self.changed:
                await self.changed.wait_for(lambda: bool(self.since(consultation_id, after)))
            return self.since(consultation_id, after)

        try:
            return await asyncio.wait_for(changed(), seconds)
        except TimeoutError:
            return []


def live_feed(app: Any) -> LiveFeed:
    feed: LiveFeed | None = getattr(app.state, "comment_feed", None)
    if feed is None:
        feed = LiveFeed()
        app.state.comment_feed = feed
        app.state.bus.subscribe(feed.handle, LIVE_TYPES)
    return feed


async def changes(request: Request) -> Response:
    """Long poll: what changed in this thread after ``after`` (the page fetches each part)."""
    consultation_id = int(request.path_params["consultation_id"])
    feed = live_feed(request.app)
    raw = request.query_params.get("after", "")
    events: list[Event] = []
    if raw.isdigit() and int(raw) <= feed.seq:
        # Give the database connection back while waiting: readers may be many.
        await request.state.db.close()
        events = feed.since(consultation_id, int(raw)) or await feed.wait(
            consultation_id, int(raw), WAIT_SECONDS
        )
    response: Response = request.app.state.templates.response(
        request,
        "comments/_changes.html",
        link=link_maker(request),
        consultation_id=consultation_id,
        events=events,
        after=feed.seq,
    )
    return response


def routes() -> list[BaseRoute]:
    base = "/consultations/{consultation_id:int}/comments"
    one = base + "/{comment_id:int}"
    post_ = ("POST",)
    return [
        page(base, thread, action=VIEW_PUBLIC, name="comments:thread", visitor_cache=True),
        page(base, post, action=svc.COMMENT_POST, name="comments:post", methods=post_),
        page(one, fragment, action=VIEW_PUBLIC, name="comments:fragment"),
        page(
            base + "/by-contribution/{contribution_id:int}",
            fragment,
            action=VIEW_PUBLIC,
            name="comments:by_contribution",
        ),
        page(one + "/reply", reply_page, action=svc.COMMENT_POST, name="comments:reply_page"),
        page(one + "/edit", edit_page, action=svc.COMMENT_POST, name="comments:edit_page"),
        page(one + "/edit", edit, action=svc.COMMENT_POST, name="comments:edit", methods=post_),
        page(
            one + "/delete", delete, action=svc.COMMENT_POST, name="comments:delete", methods=post_
        ),
        page(
            one + "/upvote", upvote, action=svc.COMMENT_VOTE, name="comments:upvote", methods=post_
        ),
        page(one + "/mute", mute, action=svc.COMMENT_POST, name="comments:mute", methods=post_),
        page(
            base + "/settings",
            settings,
            action=svc.COMMENT_SETTINGS,
            name="comments:settings",
            methods=post_,
        ),
        page(base + "/changes", changes, action=VIEW_PUBLIC, name="comments:changes"),
    ]
