"""Comment threads on a consultation: post, reply, edit, delete, upvote, read a page of a thread.

Each comment is a contribution (channel online_comment) created through the record service, so
moderation, the report and exports see it like any other voice. Before anything is stored the
moderation guard refuses blocked participants, applies rate limits and may hold the text.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Hashable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any, Protocol
from typing import cast as cast_type

from sqlalchemy import (
    ARRAY,
    Boolean,
    Integer,
    String,
    Table,
    and_,
    any_,
    bindparam,
    cast,
    func,
    literal,
    literal_column,
    not_,
    or_,
    select,
    true,
    union_all,
    update,
)
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import make_transient_to_detached

from deliberation import i18n
from deliberation.db import utcnow
from deliberation.errors import (
    Conflict,
    LoginRequired,
    NotFound,
    PermissionDenied,
    ValidationFailed,
)
from deliberation.events import catalogue as ev
from deliberation.events import commit, record
from deliberation.i18n import _l, gettext
from deliberation.mail import Mail, Mailer
from deliberation.models import (
    AuthorKind,
    Channel,
    Consultation,
    ConsultationStatus,
    Contribution,
    Meeting,
    ModerationState,
    Participant,
    User,
)
from deliberation.models.comments import (
    MAX_DEPTH,
    Comment,
    CommentRevision,
    CommentSettings,
    CommentVote,
    Stance,
)
from deliberation.permissions import (
    ANONYMOUS,
    CONSULTATION_VIEW_DRAFT,
    CONTRIBUTION_MODERATE,
    FACILITATOR,
    Principal,
    Scope,
    anyone,
    assigned,
    authorize,
    can,
    define,
    logged_in,
)
from deliberation.services import record as record_service
from moderation import audit as moderation_audit
from moderation import guard
from moderation.models import AuditAction

COMMENT_POST = define(
    "comment.post",
    anyone,
    scoped=True,
    needs_login=False,
    description="Comment on a consultation (residents; anonymous participants when allowed)",
)
COMMENT_VOTE = define(
    "comment.vote", logged_in, scoped=True, description="Upvote a comment, once per resident"
)
COMMENT_SETTINGS = define(
    "comment.settings",
    assigned(FACILITATOR),
    scoped=True,
    description="Choose who may comment on a consultation",
)

log = logging.getLogger(__name__)
EDIT_WINDOW = timedelta(minutes=15)
PAGE_SIZE = 30
S = ModerationState


class Sort(StrEnum):
    NEWEST = "newest"
    OLDEST = "oldest"
    SUPPORTED = "supported"


@dataclass
class Viewer:
    principal: Principal
    participant_id: int | None
    moderator: bool = False


@dataclass(frozen=True, slots=True)
class CommentRow:
    """What a thread page shows of a comment: plain values, not an ORM object, so a page's
    structure can be kept between requests (and ~100 rows load faster without the ORM)."""

    id: int
    consultation_id: int
    contribution_id: int
    parent_id: int | None
    meeting_id: int | None
    depth: int
    stance: Stance | None
    author_participant_id: int | None
    author_user_id: int | None
    author_name: str
    notify_replies: bool
    created_at: datetime
    edited_at: datetime | None
    deleted_at: datetime | None


@dataclass(frozen=True, slots=True)
class ContributionRow:
    id: int
    moderation_state: ModerationState
    hidden_reason: str | None
    body: str
    support_count: int
    author_participant_id: int | None


_ROW_COLUMNS = (
    Comment.id,
    Comment.consultation_id,
    Comment.contribution_id,
    Comment.parent_id,
    Comment.meeting_id,
    Comment.depth,
    Comment.stance,
    Comment.author_participant_id,
    Comment.author_user_id,
    Comment.author_name,
    Comment.notify_replies,
    Comment.created_at,
    Comment.edited_at,
    Comment.deleted_at,
    Contribution.id,
    Contribution.moderation_state,
    Contribution.hidden_reason,
    Contribution.body,
    Contribution.support_count,
    Contribution.author_participant_id,
)
_SPLIT = 14  # the first _SPLIT columns are the comment's


def _rows(row: Sequence[Any]) -> tuple[CommentRow, ContributionRow]:
    return CommentRow(*row[:_SPLIT]), ContributionRow(*row[_SPLIT:])


@dataclass
class CommentView:
    comment: Comment | CommentRow
    contribution: Contribution | ContributionRow
    replies: list[CommentView] = field(default_factory=list)
    mine: bool = False
    voted: bool = False
    moderator: bool = False

    @property
    def state(self) -> str:
        return self.contribution.moderation_state.value

    @property
    def shows_body(self) -> bool:
        state = self.contribution.moderation_state
        if state is S.VISIBLE:
            return True
        if state is S.DELETED_BY_AUTHOR:
            return False
        return self.mine or self.moderator

    @property
    def editable(self) -> bool:
        return (
            self.mine
            and self.contribution.moderation_state in (S.VISIBLE, S.PENDING)
            and utcnow() - self.comment.created_at <= EDIT_WINDOW
        )

    @property
    def can_reply(self) -> bool:
        return self.comment.depth < MAX_DEPTH and self.contribution.moderation_state is S.VISIBLE


@dataclass
class Thread:
    consultation: Consultation
    comments: list[CommentView]
    sort: Sort
    page: int
    has_more: bool
    allow_anonymous: bool
    open: bool
    viewer: Viewer
    meeting: Meeting | None = None  # a thread on this meeting's notes


def _insert(session: AsyncSession) -> Any:
    bind = session.get_bind()
    return pg_insert if bind.dialect.name == "postgresql" else sqlite_insert


def _scope(consultation: Consultation) -> Scope:
    return Scope(consultation_id=consultation.id, status=consultation.status)


async def get_consultation(
    session: AsyncSession, principal: Principal, consultation_id: int
) -> Consultation:
    """The consultation if the principal may read it (drafts: its staff only)."""
    consultation = await session.get(Consultation, consultation_id)
    if consultation is None:
        raise NotFound()
    if consultation.status is ConsultationStatus.DRAFT and not can(
        principal, CONSULTATION_VIEW_DRAFT, _scope(consultation)
    ):
        raise NotFound()
    return consultation


async def allows_anonymous(session: AsyncSession, consultation_id: int) -> bool:
    row = await session.get(CommentSettings, consultation_id)
    return bool(row and row.allow_anonymous)


async def set_allow_anonymous(
    session: AsyncSession, principal: Principal, consultation: Consultation, allow: bool
) -> None:
    """Let anonymous participants comment (pre-moderation is then forced on)."""
    authorize(principal, COMMENT_SETTINGS, _scope(consultation))
    row = await session.get(CommentSettings, consultation.id)
    if row is None:
        row = CommentSettings(consultation_id=consultation.id)
        session.add(row)
    row.allow_anonymous = allow
    record(session, ev.ConsultationUpdated(consultation_id=consultation.id))
    await commit(session)


async def post_comment(
    session: AsyncSession,
    principal: Principal,
    consultation: Consultation,
    *,
    user: User | None,
    participant: Participant,
    body: str,
    stance: Stance | None = None,
    parent_id: int | None = None,
    meeting_id: int | None = None,
    network: str,
    mailer: Mailer | None = None,
) -> Comment:
    """Add a comment or reply. Emits contribution.created and comment.created.

    LoginRequired (anonymous where not allowed), PermissionDenied (blocked), RateLimited,
    Conflict (closed consultation, reply too deep or to a removed comment), ValidationFailed.
    """
    authorize(principal, COMMENT_POST, _scope(consultation))
    if consultation.status is not ConsultationStatus.PUBLISHED:
        raise Conflict(_l("Comments are closed for this consultation."), code="comments_closed")
    # One round trip for what the guard needs and the thread's settings.
    known = await guard.facts(
        session,
        consultation_id=consultation.id,
        participant_id=participant.id,
        also=_ALLOWS_ANONYMOUS,
    )
    anonymous_allowed = bool(known.also[0])
    if user is None and not anonymous_allowed:
        raise LoginRequired()
    parent = await _parent(session, consultation.id, parent_id) if parent_id else None
    if parent is not None:
        if meeting_id is not None and meeting_id != parent.meeting_id:
            raise NotFound()
        meeting_id = parent.meeting_id  # a reply stays in its parent's thread
    elif meeting_id is not None:
        await meeting_thread(session, consultation, meeting_id)
    admission = await guard.decide(known, body, force_pre_moderation=anonymous_allowed)
    body = body.strip()
    if not body:
        raise ValidationFailed(fields={"body": _l("This field is required.")})
    if len(body) > record_service.MAX_BODY:
        raise ValidationFailed(fields={"body": _l("This text is too long.")})
    now = utcnow()
    values: dict[str, Any] = {
        "consultation_id": consultation.id,
        "channel": Channel.ONLINE_COMMENT,
        "body": body,
        "author_kind": AuthorKind.ACCOUNT if user else AuthorKind.PARTICIPANT,
        "author_user_id": user.id if user else None,
        "author_participant_id": participant.id,
        "moderation_state": admission.state,
        "parent_id": parent.id if parent else None,
        "meeting_id": meeting_id,
        "depth": parent.depth + 1 if parent else 0,
        "stance": stance,
        "author_name": (user.display_name if user else participant.display_name) or "",
        "now": now,
    }
    comment_id, contribution_id = await _store(session, values)
    record(
        session,
        ev.ContributionCreated(
            consultation_id=consultation.id,
            contribution_id=contribution_id,
            channel=Channel.ONLINE_COMMENT.value,
        ),
    )
    if admission.reasons:
        moderation_audit.write(
            session,
            action=AuditAction.AUTO_HOLD,
            actor=None,
            consultation_id=consultation.id,
            contribution_id=contribution_id,
            participant_id=participant.id,
            reason=", ".join(admission.reasons),
            after={"state": admission.state.value},
        )
    record(
        session,
        ev.CommentCreated(
            consultation_id=consultation.id,
            comment_id=comment_id,
            parent_id=values["parent_id"],
            contribution_id=contribution_id,
            meeting_id=meeting_id,
        ),
    )
    # Last, so the bucket rows stay locked for the shortest time before the commit.
    await guard.take_tokens(session, participant_id=participant.id, network=network)
    await commit(session)
    comment = Comment(
        id=comment_id,
        consultation_id=consultation.id,
        contribution_id=contribution_id,
        parent_id=values["parent_id"],
        meeting_id=meeting_id,
        depth=values["depth"],
        stance=stance,
        author_participant_id=participant.id,
        author_user_id=values["author_user_id"],
        author_name=values["author_name"],
        notify_replies=True,
        created_at=now,
        edited_at=None,
        deleted_at=None,
    )
    # Stored above: the session knows it as stored, without reading it back.
    make_transient_to_detached(comment)
    session.add(comment)
    if parent is not None and mailer is not None and admission.state is S.VISIBLE:
        mail = await _reply_mail(session, parent, comment, consultation)
        if mail is not None:
            _send_later(mailer, mail)
    return comment


# Whether anonymous participants may comment, read with the guard's facts (``:cid``).
_ALLOWS_ANONYMOUS = (
    select(CommentSettings.allow_anonymous)
    .where(CommentSettings.consultation_id == bindparam("cid", type_=Integer))
    .scalar_subquery(),
)


async def _store(session: AsyncSession, values: dict[str, Any]) -> tuple[int, int]:
    """Insert the contribution (its source: the comment) and the comment; their ids.

    On PostgreSQL one statement: the comment's id is drawn from its sequence first, so the
    contribution names its source as it is inserted (no UPDATE afterwards) and the comment
    then points at the contribution (the foreign key is checked at the end of the statement).
    Elsewhere three plain statements. Core, not the ORM: no unit-of-work flushes."""
    if session.get_bind().dialect.name == "postgresql":
        row = (await session.execute(_store_statement(), values)).one()
        return int(row[0]), int(row[1])
    contributions, comments = _tables()
    contribution_id = (
        await session.execute(
            contributions.insert()
            .values(**_contribution_values(values), source_type="comment")
            .returning(contributions.c.id)
        )
    ).scalar_one()
    comment_id = (
        await session.execute(
            comments.insert()
            .values(**_comment_values(values), contribution_id=contribution_id)
            .returning(comments.c.id)
        )
    ).scalar_one()
    await session.execute(
        contributions.update()
        .where(contributions.c.id == contribution_id)
        .values(source_id=comment_id)
    )
    return int(comment_id), int(contribution_id)


def _tables() -> tuple[Table, Table]:
    return cast_type(Table, Contribution.__table__), cast_type(Table, Comment.__table__)


_CONTRIBUTION_KEYS = (
    "consultation_id",
    "channel",
    "body",
    "author_kind",
    "author_user_id",
    "author_participant_id",
    "moderation_state",
)
_COMMENT_KEYS = (
    "consultation_id",
    "parent_id",
    "meeting_id",
    "depth",
    "stance",
    "author_participant_id",
    "author_user_id",
    "author_name",
)


def _contribution_values(values: dict[str, Any]) -> dict[str, Any]:
    now = values["now"]
    return {
        **{k: values[k] for k in _CONTRIBUTION_KEYS},
        "support_count": 0,
        "created_at": now,
        "updated_at": now,
    }


def _comment_values(values: dict[str, Any]) -> dict[str, Any]:
    return {
        **{k: values[k] for k in _COMMENT_KEYS},
        "notify_replies": True,
        "created_at": values["now"],
    }


_store_statements: list[Any] = []


def _store_statement() -> Any:
    """Built once, with parameters named as in ``post_comment``'s ``values``."""
    if _store_statements:
        return _store_statements[0]
    contributions, comments = _tables()

    def param(table: Any, name: str, column: str | None = None) -> Any:
        return bindparam(name, type_=table.c[column or name].type)

    new_id = select(func.nextval(func.pg_get_serial_sequence("comments", "id")).label("id")).cte(
        "new_comment"
    )
    k_columns = [*_CONTRIBUTION_KEYS, "source_type", "source_id", "support_count"]
    k_columns += ["created_at", "updated_at"]
    k_values = [param(contributions, k) for k in _CONTRIBUTION_KEYS]
    k_values += [literal("comment", String()), new_id.c.id, literal(0, Integer)]
    k_values += [param(contributions, "now", "created_at")] * 2
    added = (
        contributions.insert()
        .from_select(k_columns, select(*k_values))
        .returning(contributions.c.id)
        .cte("new_contribution")
    )
    c_columns = ["id", "contribution_id", *_COMMENT_KEYS, "notify_replies", "created_at"]
    c_values = [new_id.c.id, added.c.id, *(param(comments, k) for k in _COMMENT_KEYS)]
    c_values += [literal(True, Boolean()), param(comments, "now", "created_at")]
    statement = (
        comments.insert()
        .from_select(c_columns, select(*c_values).select_from(new_id).join(added, true()))
        .returning(comments.c.id, comments.c.contribution_id)
    )
    _store_statements.append(statement)
    return statement


# E-mails go out after the commit, off the request: a slow mail server never delays a post.
_sending: set[asyncio.Task[None]] = set()


def _send_later(mailer: Mailer, mail: Mail) -> None:
    async def send() -> None:
        try:
            await mailer.send(mail)
        except Exception:
            log.exception("reply notification to %s failed", mail.to)

    task = asyncio.get_running_loop().create_task(send())
    _sending.add(task)
    task.add_done_callback(_sending.discard)


async def mail_sent() -> None:
    """Wait until every reply notification queued so far has been handed to the mailer."""
    while _sending:
        await asyncio.gather(*_sending)


async def meeting_thread(
    session: AsyncSession, consultation: Consultation, meeting_id: int
) -> Meeting:
    """The meeting whose published notes residents discuss; NotFound before publication."""
    meeting = await session.get(Meeting, meeting_id)
    if (
        meeting is None
        or meeting.consultation_id != consultation.id
        or meeting.notes_published_at is None
    ):
        raise NotFound()
    return meeting


async def _parent(session: AsyncSession, consultation_id: int, parent_id: int) -> Comment:
    parent = await session.get(Comment, parent_id)
    if parent is None or parent.consultation_id != consultation_id:
        raise NotFound()
    if parent.depth >= MAX_DEPTH:
        raise Conflict(_l("This thread cannot go any deeper."), code="too_deep")
    state = await session.scalar(
        select(Contribution.moderation_state).where(Contribution.id == parent.contribution_id)
    )
    if state is not S.VISIBLE:
        raise Conflict(_l("You cannot reply to this comment."), code="parent_not_visible")
    return parent


async def _reply_mail(
    session: AsyncSession, parent: Comment, reply: Comment, consultation: Consultation
) -> Mail | None:
    """The e-mail telling the parent's author about a reply, unless they do not want it."""
    if parent.author_user_id is None or parent.author_user_id == reply.author_user_id:
        return None
    if not parent.notify_replies:
        return None
    author = await session.get(User, parent.author_user_id)
    if author is None or author.email is None or not author.email_notifications:
        return None
    with i18n.language(author.language or i18n.DEFAULT_LANGUAGE):
        return Mail(
            to=author.email,
            subject=gettext("New reply to your comment: %(title)s", title=consultation.title),
            body=gettext(
                "%(name)s replied to your comment in the consultation “%(title)s”.\n\n"
                "To stop these e-mails for this thread, use the link under your comment, or turn "
                "off e-mail notifications in your account settings.",
                name=reply.author_name,
                title=consultation.title,
            ),
        )


async def _own(session: AsyncSession, principal: Principal, comment_id: int) -> Comment:
    comment = await session.get(Comment, comment_id)
    if comment is None:
        raise NotFound()
    if principal.user_id is None or comment.author_user_id != principal.user_id:
        raise PermissionDenied()
    return comment


async def edit_comment(
    session: AsyncSession, principal: Principal, consultation_id: int, comment_id: int, body: str
) -> Comment:
    """The author changes the text within 15 minutes; the old text is kept as a revision.

    Emits comment.updated. PermissionDenied, Conflict (too late or removed), ValidationFailed.
    """
    comment = await _own(session, principal, comment_id)
    if comment.consultation_id != consultation_id:
        raise NotFound()
    contribution = await session.get(Contribution, comment.contribution_id)
    assert contribution is not None
    if contribution.moderation_state not in (S.VISIBLE, S.PENDING):
        raise Conflict(_l("This comment can no longer be edited."), code="not_editable")
    if utcnow() - comment.created_at > EDIT_WINDOW:
        raise Conflict(
            _l("Comments can be edited for 15 minutes after posting."), code="edit_window"
        )
    cleaned = body.strip()
    if not cleaned:
        raise ValidationFailed(fields={"body": _l("This field is required.")})
    if len(cleaned) > record_service.MAX_BODY:
        raise ValidationFailed(fields={"body": _l("This text is too long.")})
    if cleaned != contribution.body:
        session.add(CommentRevision(comment_id=comment.id, body=contribution.body))
        contribution.body = cleaned
        comment.edited_at = utcnow()
        record(
            session,
            ev.CommentUpdated(
                consultation_id=consultation_id, comment_id=comment.id, change="edited"
            ),
        )
    await commit(session)
    return comment


async def delete_comment(
    session: AsyncSession, principal: Principal, consultation_id: int, comment_id: int
) -> Comment:
    """The author removes a comment: it shows as deleted, replies stay. Emits comment.updated."""
    comment = await _own(session, principal, comment_id)
    if comment.consultation_id != consultation_id:
        raise NotFound()
    contribution = await session.get(Contribution, comment.contribution_id)
    assert contribution is not None
    if contribution.moderation_state is not S.DELETED_BY_AUTHOR:
        contribution.moderation_state = S.DELETED_BY_AUTHOR
        comment.deleted_at = utcnow()
        record(
            session,
            ev.CommentUpdated(
                consultation_id=consultation_id, comment_id=comment.id, change="deleted"
            ),
        )
    await commit(session)
    return comment


async def upvote(
    session: AsyncSession,
    principal: Principal,
    consultation: Consultation,
    comment_id: int,
    participant_id: int,
) -> bool:
    """One upvote per participant (a repeat changes nothing). Emits comment.updated if counted."""
    authorize(principal, COMMENT_VOTE, _scope(consultation))
    comment = await session.get(Comment, comment_id)
    if comment is None or comment.consultation_id != consultation.id:
        raise NotFound()
    if comment.author_participant_id == participant_id:
        raise Conflict(_l("You cannot upvote your own comment."), code="own_comment")
    inserted = await session.execute(
        _insert(session)(CommentVote)
        .values(comment_id=comment.id, participant_id=participant_id, created_at=utcnow())
        .on_conflict_do_nothing(index_elements=["comment_id", "participant_id"])
        .returning(CommentVote.id)
    )
    if inserted.first() is None:
        await commit(session)
        return False
    await session.execute(
        update(Contribution)
        .where(Contribution.id == comment.contribution_id)
        .values(support_count=Contribution.support_count + 1)
        .execution_options(synchronize_session=False)
    )
    record(
        session,
        ev.CommentUpdated(consultation_id=consultation.id, comment_id=comment.id, change="voted"),
    )
    await commit(session)
    return True


async def mute_replies(
    session: AsyncSession, principal: Principal, consultation_id: int, comment_id: int, mute: bool
) -> None:
    """The author stops (or resumes) e-mails about replies to this comment."""
    comment = await _own(session, principal, comment_id)
    if comment.consultation_id != consultation_id:
        raise NotFound()
    if comment.notify_replies is mute:
        comment.notify_replies = not mute
        # The author's page shows the choice; kept pages are dropped by an event.
        record(
            session,
            ev.CommentUpdated(
                consultation_id=consultation_id, comment_id=comment.id, change="muted"
            ),
        )
    await commit(session)


# --- reading --------------------------------------------------------------------------------


def _visible_to(viewer: Viewer) -> Any:
    if viewer.moderator:
        return True
    shown = Contribution.moderation_state.in_([S.VISIBLE, S.HIDDEN, S.DELETED_BY_AUTHOR])
    reported = and_(
        Contribution.moderation_state == S.PENDING, Contribution.hidden_reason.is_not(None)
    )
    if viewer.participant_id is None:
        return or_(shown, reported)
    return or_(shown, reported, Contribution.author_participant_id == viewer.participant_id)


async def viewer_for(
    session: AsyncSession,
    principal: Principal,
    consultation: Consultation,
    participant_id: int | None,
) -> Viewer:
    return Viewer(
        principal=principal,
        participant_id=participant_id,
        moderator=can(principal, CONTRIBUTION_MODERATE, _scope(consultation)),
    )


class OrderCache(Protocol):
    """Where ``load_thread`` may keep a thread's order (the web layer's FragmentCache)."""

    def get(self, consultation_id: int, key: Hashable) -> Any | None: ...
    def version(self, consultation_id: int) -> int: ...
    def put(
        self, consultation_id: int, key: Hashable, value: Any, *, version: int | None = None
    ) -> None: ...


# (id, created_at, support_count) of one top-level comment: enough to place it in any sort.
Placed = tuple[int, datetime, int]


def _placed_sort(sort: Sort, placed: list[Placed]) -> list[Placed]:
    """Newest first (ties: the higher id), oldest first, or most supported first."""
    if sort is Sort.OLDEST:
        return sorted(placed, key=lambda p: (p[1], p[0]))
    if sort is Sort.SUPPORTED:
        return sorted(placed, key=lambda p: (p[2], p[0]), reverse=True)
    return sorted(placed, key=lambda p: (p[1], p[0]), reverse=True)


def _in_thread(meeting_id: int | None) -> Any:
    return Comment.meeting_id.is_(None) if meeting_id is None else Comment.meeting_id == meeting_id


async def _placed(
    session: AsyncSession, consultation_id: int, meeting_id: int | None, *where: Any
) -> list[Placed]:
    rows = await session.execute(
        select(Comment.id, Comment.created_at, Contribution.support_count)
        .join(Contribution, Contribution.id == Comment.contribution_id)
        .where(
            Comment.consultation_id == consultation_id,
            Comment.parent_id.is_(None),
            _in_thread(meeting_id),
            *where,
        )
    )
    return [(i, created, support) for i, created, support in rows]


async def _top_order(
    session: AsyncSession,
    consultation_id: int,
    viewer: Viewer,
    sort: Sort,
    orders: OrderCache | None,
    meeting_id: int | None = None,
) -> list[Placed]:
    """Every top-level comment this viewer may see, in order.

    What everyone may see (or, for moderators, everything) is the same for every reader, so
    it is kept in ``orders`` until an event names the consultation; a participant's own
    comments that others cannot see yet are added to their copy.
    """
    kind = "moderator" if viewer.moderator else "public"
    key = ("comment-order", consultation_id, meeting_id, sort.value, kind)
    shared: list[Placed] | None = orders.get(consultation_id, key) if orders else None
    if shared is None:
        version = orders.version(consultation_id) if orders else 0
        everyone = Viewer(principal=viewer.principal, participant_id=None)
        visible = () if viewer.moderator else (_visible_to(everyone),)
        shared = _placed_sort(sort, await _placed(session, consultation_id, meeting_id, *visible))
        if orders is not None:
            orders.put(consultation_id, key, shared, version=version)
    if viewer.moderator or viewer.participant_id is None:
        return shared
    own = await _placed(
        session,
        consultation_id,
        meeting_id,
        Comment.author_participant_id == viewer.participant_id,
        not_(_visible_to(Viewer(principal=viewer.principal, participant_id=None))),
    )
    return _placed_sort(sort, [*shared, *own]) if own else shared


async def load_thread(
    session: AsyncSession,
    consultation: Consultation,
    viewer: Viewer,
    *,
    sort: Sort = Sort.NEWEST,
    page: int = 1,
    orders: OrderCache | None = None,
    meeting: Meeting | None = None,
) -> Thread:
    """One page of top-level comments with all their replies, as this viewer may see them:
    the consultation's thread, or the thread on ``meeting``'s notes."""
    page = max(1, page)
    meeting_id = meeting.id if meeting else None
    order = await _top_order(session, consultation.id, viewer, sort, orders, meeting_id)
    start = (page - 1) * PAGE_SIZE
    wanted = [placed[0] for placed in order[start : start + PAGE_SIZE + 1]]
    found = (
        {
            c.id: (c, k)
            for c, k in map(
                _rows,
                await session.execute(
                    select(*_ROW_COLUMNS)
                    .join(Contribution, Contribution.id == Comment.contribution_id)
                    # Checked again: the order may be a moment older than a moderator's decision.
                    .where(Comment.id.in_(wanted), _visible_to(viewer))
                ),
            )
        }
        if wanted
        else {}
    )
    rows = [found[i] for i in wanted if i in found]
    has_more = len(order) > start + PAGE_SIZE
    views = [_view(c, k, viewer) for c, k in rows[:PAGE_SIZE]]
    if views:
        # Every reply under the page's comments in one query (replies go MAX_DEPTH deep):
        # children of the page's comments, and children of those.
        top_ids = [v.comment.id for v in views]
        if session.get_bind().dialect.name == "postgresql":
            # The children's ids as one array (an InitPlan): both levels then come from the
            # parent_id index, where "IN (subquery)" made PostgreSQL scan the table.
            children = select(func.array_agg(Comment.id)).where(Comment.parent_id.in_(top_ids))
            # The cast makes it "= ANY(array)", not "= ANY(subquery)".
            deeper = Comment.parent_id == any_(cast(children.scalar_subquery(), ARRAY(Integer)))
        else:
            deeper = Comment.parent_id.in_(select(Comment.id).where(Comment.parent_id.in_(top_ids)))
        replies = await session.execute(
            select(*_ROW_COLUMNS)
            .join(Contribution, Contribution.id == Comment.contribution_id)
            .where(or_(Comment.parent_id.in_(top_ids), deeper), _visible_to(viewer))
            .order_by(Comment.depth, Comment.created_at, Comment.id)
        )
        by_id = {v.comment.id: v for v in views}
        for c, k in map(_rows, replies):
            parent = by_id.get(c.parent_id) if c.parent_id is not None else None
            if parent is None:
                continue  # its parent is not shown to this viewer
            reply = _view(c, k, viewer)
            parent.replies.append(reply)
            by_id[c.id] = reply
    await _mark_votes(session, viewer, views)
    return Thread(
        consultation=consultation,
        comments=views,
        sort=sort,
        page=page,
        has_more=has_more,
        allow_anonymous=await allows_anonymous(session, consultation.id),
        open=consultation.status is ConsultationStatus.PUBLISHED,
        viewer=viewer,
        meeting=meeting,
    )


@dataclass(frozen=True)
class SharedPage:
    """One page of a thread as a reader with no participant sees it: the same for everyone, so
    it is kept until an event names the consultation. A signed-in reader's page is this one
    with their votes and their own comments marked (see ``reader_marks``)."""

    comments: list[CommentView]
    has_more: bool
    allow_anonymous: bool


async def shared_page(
    session: AsyncSession,
    consultation: Consultation,
    principal: Principal,
    *,
    sort: Sort,
    page: int,
    orders: OrderCache,
    meeting: Meeting | None = None,
) -> SharedPage:
    page = max(1, page)
    meeting_id = meeting.id if meeting else None
    key = ("comment-page", consultation.id, meeting_id, sort.value, page)
    found: SharedPage | None = orders.get(consultation.id, key)
    if found is not None:
        return found
    version = orders.version(consultation.id)
    everyone = Viewer(principal=principal, participant_id=None)
    thread = await load_thread(
        session, consultation, everyone, sort=sort, page=page, orders=orders, meeting=meeting
    )
    found = SharedPage(thread.comments, thread.has_more, thread.allow_anonymous)
    orders.put(consultation.id, key, found, version=version)
    return found


async def reader_marks(
    session: AsyncSession,
    consultation_id: int,
    meeting_id: int | None,
    participant_id: int,
    comment_ids: list[int],
) -> tuple[set[int], bool]:
    """In one query: which of ``comment_ids`` this participant upvoted, and whether they have a
    comment in this thread that others cannot see (pending, rejected...): their page is then
    not the shared one with marks, and must be loaded for them."""
    postgresql = session.get_bind().dialect.name == "postgresql"
    stmt = _marks_statement(postgresql, meeting_id is not None)
    params: dict[str, Any] = {"cid": consultation_id, "pid": participant_id, "ids": comment_ids}
    if meeting_id is not None:
        params["mid"] = meeting_id
    rows = (await session.execute(stmt, params)).all()
    return {i for i, vote in rows if vote}, any(not vote for _, vote in rows)


_marks_statements: dict[tuple[bool, bool], Any] = {}


def _marks_statement(postgresql: bool, in_meeting: bool) -> Any:
    """Built once (building it cost more than running it): the parameters change, not the
    text, so PostgreSQL also reuses its prepared plan."""
    key = (postgresql, in_meeting)
    found = _marks_statements.get(key)
    if found is not None:
        return found
    pid = bindparam("pid", type_=Integer)
    thread = Comment.meeting_id == bindparam("mid", type_=Integer) if in_meeting else None
    own = (
        select(Comment.id.label("id"), literal_column("0").label("vote"))
        .join(Contribution, Contribution.id == Comment.contribution_id)
        .where(
            Contribution.author_participant_id == pid,
            Comment.consultation_id == bindparam("cid", type_=Integer),
            Comment.meeting_id.is_(None) if thread is None else thread,
            not_(_visible_to(Viewer(principal=ANONYMOUS, participant_id=None))),
        )
        .limit(1)
        .subquery()
    )
    among = (
        CommentVote.comment_id == any_(bindparam("ids", type_=ARRAY(Integer)))
        if postgresql
        else CommentVote.comment_id.in_(bindparam("ids", expanding=True))
    )
    found = union_all(
        select(own.c.id, own.c.vote),
        select(CommentVote.comment_id, literal_column("1")).where(
            CommentVote.participant_id == pid, among
        ),
    )
    _marks_statements[key] = found
    return found


def personal(views: list[CommentView], viewer: Viewer, voted: set[int]) -> list[CommentView]:
    """A shared page's comments as this viewer sees them: their own and their votes marked."""
    if viewer.participant_id is None:
        return views
    return [
        CommentView(
            comment=v.comment,
            contribution=v.contribution,
            replies=personal(v.replies, viewer, voted),
            mine=v.comment.author_participant_id == viewer.participant_id,
            voted=v.comment.id in voted,
        )
        for v in views
    ]


def _view(
    comment: Comment | CommentRow, contribution: Contribution | ContributionRow, viewer: Viewer
) -> CommentView:
    return CommentView(
        comment=comment,
        contribution=contribution,
        mine=viewer.participant_id is not None
        and comment.author_participant_id == viewer.participant_id,
        moderator=viewer.moderator,
    )


def flatten(views: list[CommentView]) -> list[CommentView]:
    out: list[CommentView] = []
    for v in views:
        out.append(v)
        out.extend(flatten(v.replies))
    return out


async def _mark_votes(session: AsyncSession, viewer: Viewer, views: list[CommentView]) -> None:
    if viewer.participant_id is None or not views:
        return
    flat = flatten(views)
    voted = set(
        await session.scalars(
            select(CommentVote.comment_id).where(
                CommentVote.participant_id == viewer.participant_id,
                CommentVote.comment_id.in_([v.comment.id for v in flat]),
            )
        )
    )
    for v in flat:
        v.voted = v.comment.id in voted


async def load_one(
    session: AsyncSession,
    consultation: Consultation,
    viewer: Viewer,
    *,
    comment_id: int | None = None,
    contribution_id: int | None = None,
) -> CommentView | None:
    """One comment (without replies) as this viewer may see it; None if hidden from them."""
    stmt = (
        select(Comment, Contribution)
        .join(Contribution, Contribution.id == Comment.contribution_id)
        .where(Comment.consultation_id == consultation.id, _visible_to(viewer))
    )
    if comment_id is not None:
        stmt = stmt.where(Comment.id == comment_id)
    else:
        stmt = stmt.where(Comment.contribution_id == contribution_id)
    row = (await session.execute(stmt)).first()
    if row is None:
        return None
    view = _view(row[0], row[1], viewer)
    await _mark_votes(session, viewer, [view])
    return view


async def is_pending(session: AsyncSession, comment: Comment) -> bool:
    state = await session.scalar(
        select(Contribution.moderation_state).where(Contribution.id == comment.contribution_id)
    )
    return state is S.PENDING


async def meeting_of(session: AsyncSession, comment_id: int) -> int | None:
    """The meeting whose notes' thread holds this comment (None: the consultation's)."""
    found: int | None = await session.scalar(
        select(Comment.meeting_id).where(Comment.id == comment_id)
    )
    return found


async def parent_of(session: AsyncSession, comment: Comment) -> Comment | None:
    return await session.get(Comment, comment.parent_id) if comment.parent_id else None


async def revisions(session: AsyncSession, comment_id: int) -> Sequence[CommentRevision]:
    rows = await session.scalars(
        select(CommentRevision)
        .where(CommentRevision.comment_id == comment_id)
        .order_by(CommentRevision.id)
    )
    return rows.all()
