"""Every domain event type, with its schema. The one place that lists them all.

An event says what happened, after the change is committed. Payloads carry ids and small facts,
not whole objects: subscribers load what they need. Feature packages add their types here too,
so the whole system's vocabulary stays in one file (docs/events.md is generated from it).
"""

from __future__ import annotations

import json
from typing import Any, ClassVar

from pydantic import BaseModel, ConfigDict

EVENT_TYPES: dict[str, type[Event]] = {}


class Event(BaseModel):
    """Base of every event; subclasses set ``type`` (dotted, ``noun.verb_past``)."""

    model_config = ConfigDict(frozen=True, extra="forbid")
    type: ClassVar[str]

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        name = cls.__dict__.get("type")
        if name is None:
            raise TypeError(f"{cls.__name__} must define a 'type' class attribute")
        if name in EVENT_TYPES:
            raise TypeError(f"event type {name!r} is defined twice")
        EVENT_TYPES[name] = cls

    def envelope(self) -> dict[str, Any]:
        return {"type": self.type, "data": self.model_dump(mode="json")}


def parse_event(envelope: dict[str, Any] | str) -> Event:
    """Rebuild an event from its envelope; unknown types and bad payloads raise ValueError."""
    if isinstance(envelope, str):
        envelope = json.loads(envelope)
        assert isinstance(envelope, dict)
    cls = EVENT_TYPES.get(str(envelope.get("type")))
    if cls is None:
        raise ValueError(f"unknown event type {envelope.get('type')!r}")
    return cls.model_validate(envelope.get("data", {}))


# --- accounts -----------------------------------------------------------------------------------


class UserRegistered(Event):
    type: ClassVar[str] = "user.registered"
    user_id: int


class UserLoggedIn(Event):
    type: ClassVar[str] = "user.logged_in"
    user_id: int


class UserPasswordChanged(Event):
    type: ClassVar[str] = "user.password_changed"
    user_id: int


class PasswordResetRequested(Event):
    type: ClassVar[str] = "user.password_reset_requested"
    user_id: int


class UserDeleted(Event):
    type: ClassVar[str] = "user.deleted"
    user_id: int


class UserRoleChanged(Event):
    type: ClassVar[str] = "user.role_changed"
    user_id: int
    role: str


class StaffAssigned(Event):
    type: ClassVar[str] = "consultation.staff_assigned"
    consultation_id: int
    user_id: int
    role: str


class StaffRemoved(Event):
    type: ClassVar[str] = "consultation.staff_removed"
    consultation_id: int
    user_id: int
    role: str


# --- consultations and the contribution record --------------------------------------------------


class ConsultationCreated(Event):
    type: ClassVar[str] = "consultation.created"
    consultation_id: int


class ConsultationUpdated(Event):
    type: ClassVar[str] = "consultation.updated"
    consultation_id: int


class ConsultationStatusChanged(Event):
    type: ClassVar[str] = "consultation.status_changed"
    consultation_id: int
    status: str
    # True when the calendar changed it (collecting ended), not a person.
    automatic: bool = False


class ContributionCreated(Event):
    type: ClassVar[str] = "contribution.created"
    consultation_id: int
    contribution_id: int
    channel: str


class ContributionModerated(Event):
    type: ClassVar[str] = "contribution.moderated"
    consultation_id: int
    contribution_id: int
    state: str
    # What the contribution came from ("room_question", "comment"...), so a feature can tell at
    # once whether the decision concerns it.
    source_type: str | None = None


class ContributionLinked(Event):
    type: ClassVar[str] = "contribution.linked"
    consultation_id: int
    from_id: int
    to_id: int
    kind: str


# --- consultations: phases, attachments, meetings, registrations, notes ------------------------


class ConsultationPhasesChanged(Event):
    type: ClassVar[str] = "consultation.phases_changed"
    consultation_id: int


class AttachmentAdded(Event):
    type: ClassVar[str] = "attachment.added"
    consultation_id: int
    attachment_id: int


class AttachmentRemoved(Event):
    type: ClassVar[str] = "attachment.removed"
    consultation_id: int
    attachment_id: int


class MeetingCreated(Event):
    type: ClassVar[str] = "meeting.created"
    consultation_id: int
    meeting_id: int


class MeetingUpdated(Event):
    type: ClassVar[str] = "meeting.updated"
    consultation_id: int
    meeting_id: int


class RegistrationChanged(Event):
    """Someone registered, joined the waiting list, was promoted from it, or cancelled."""

    type: ClassVar[str] = "meeting.registration_changed"
    consultation_id: int
    meeting_id: int
    user_id: int
    status: str  # registered | waiting | cancelled


class MeetingNotesPublished(Event):
    type: ClassVar[str] = "meeting.notes_published"
    consultation_id: int
    meeting_id: int


class ContributionTagged(Event):
    type: ClassVar[str] = "contribution.tagged"
    consultation_id: int
    contribution_id: int
    theme_ids: list[int]


# --- report: responses, "what we heard", plain language -----------------------------------------


class ContributionResponded(Event):
    """Staff answered contributions (one, or every one of a theme): you said, we did."""

    type: ClassVar[str] = "contribution.responded"
    consultation_id: int
    contribution_ids: list[int]
    status: str


class SummaryDraftGenerated(Event):
    type: ClassVar[str] = "summary.draft_generated"
    consultation_id: int
    language: str


class SummaryDraftEdited(Event):
    type: ClassVar[str] = "summary.draft_edited"
    consultation_id: int
    language: str


class SummaryPublished(Event):
    type: ClassVar[str] = "summary.published"
    consultation_id: int
    language: str


class ReportTextSaved(Event):
    type: ClassVar[str] = "report.text_saved"
    consultation_id: int


class ReadabilityConfirmed(Event):
    """A summary above the plain-language target was published after a confirmation."""

    type: ClassVar[str] = "consultation.readability_confirmed"
    consultation_id: int
    score: float
    target: float


# --- surveys -----------------------------------------------------------------------------------


class SurveyCreated(Event):
    type: ClassVar[str] = "survey.created"
    consultation_id: int
    survey_id: int


class SurveyUpdated(Event):
    """The definition or settings changed; ``version`` is the version now answered."""

    type: ClassVar[str] = "survey.updated"
    consultation_id: int
    survey_id: int
    version: int
    new_version: bool = False


class SurveyStatusChanged(Event):
    type: ClassVar[str] = "survey.status_changed"
    consultation_id: int
    survey_id: int
    status: str  # open | closed


class SurveyResponseSubmitted(Event):
    type: ClassVar[str] = "survey.response_submitted"
    consultation_id: int
    survey_id: int
    response_id: int
    channel: str  # online | paper


class SurveyResponseUpdated(Event):
    type: ClassVar[str] = "survey.response_updated"
    consultation_id: int
    survey_id: int
    response_id: int


class SurveyResultsPublished(Event):
    type: ClassVar[str] = "survey.results_published"
    consultation_id: int
    survey_id: int
    published: bool


# --- comments ----------------------------------------------------------------------------------


class CommentCreated(Event):
    type: ClassVar[str] = "comment.created"
    consultation_id: int
    comment_id: int
    parent_id: int | None
    contribution_id: int
    meeting_id: int | None = None  # a thread on this meeting's notes


class CommentUpdated(Event):
    """Edited, deleted by its author, upvoted, or its reply e-mails turned off or on: readers
    re-render it."""

    type: ClassVar[str] = "comment.updated"
    consultation_id: int
    comment_id: int
    change: str  # edited | deleted | voted | muted (reply e-mails turned off or on)


# --- moderation --------------------------------------------------------------------------------


class ContributionReported(Event):
    type: ClassVar[str] = "contribution.reported"
    consultation_id: int
    contribution_id: int
    reports: int


class ParticipantBlocked(Event):
    type: ClassVar[str] = "participant.blocked"
    participant_id: int
    consultation_id: int | None


class ParticipantUnblocked(Event):
    type: ClassVar[str] = "participant.unblocked"
    participant_id: int
    consultation_id: int | None


class AppealFiled(Event):
    type: ClassVar[str] = "appeal.filed"
    consultation_id: int
    contribution_id: int


# --- rooms (live Q&A) --------------------------------------------------------------------------


class RoomAdvanced(Event):
    """A room's event log grew to ``seq``; other processes read the new events from the database.

    Sent at most once per room per tick by the rooms hub, never once per vote.
    """

    type: ClassVar[str] = "room.advanced"
    room_id: int
    seq: int
    urgent: bool = True
    # The highest urgent event (question, moderation) among the advances of the tick, 0 if none:
    # a process that has not sent it yet sends it at once, even when it already knew of ``seq``.
    urgent_seq: int = 0
