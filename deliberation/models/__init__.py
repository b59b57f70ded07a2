"""The core's tables. Feature packages keep their own models and import ``Base`` from here."""

from deliberation.db import Base
from deliberation.models.consultations import (
    AreaKind,
    Attachment,
    Consultation,
    ConsultationRole,
    ConsultationStatus,
    Phase,
    PhaseKind,
)
from deliberation.models.contributions import (
    AuthorKind,
    Channel,
    Contribution,
    ContributionLink,
    LinkKind,
    ModerationState,
    Theme,
    contribution_themes,
)
from deliberation.models.meetings import Meeting, MeetingFormat, Registration, RegistrationStatus
from deliberation.models.ratelimit import RateBucket
from deliberation.models.report import ContributionResponse as ContributionResponse
from deliberation.models.users import (
    Participant,
    PasswordResetToken,
    Role,
    StaffRole,
    User,
    UserSession,
)

__all__ = [
    "AreaKind",
    "Attachment",
    "AuthorKind",
    "Base",
    "Channel",
    "Consultation",
    "ConsultationRole",
    "ConsultationStatus",
    "Contribution",
    "ContributionLink",
    "LinkKind",
    "Meeting",
    "MeetingFormat",
    "ModerationState",
    "Participant",
    "PasswordResetToken",
    "Phase",
    "PhaseKind",
    "RateBucket",
    "Registration",
    "RegistrationStatus",
    "Role",
    "StaffRole",
    "Theme",
    "User",
    "UserSession",
    "contribution_themes",
]
