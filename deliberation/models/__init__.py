"""The core's tables. Feature packages keep their own models and import ``Base`` from here."""

from deliberation.db import Base
from deliberation.models.consultations import Consultation, ConsultationRole, ConsultationStatus
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
from deliberation.models.ratelimit import RateBucket
from deliberation.models.users import (
    Participant,
    PasswordResetToken,
    Role,
    StaffRole,
    User,
    UserSession,
)

__all__ = [
    "AuthorKind",
    "Base",
    "Channel",
    "Consultation",
    "ConsultationRole",
    "ConsultationStatus",
    "Contribution",
    "ContributionLink",
    "LinkKind",
    "ModerationState",
    "Participant",
    "PasswordResetToken",
    "RateBucket",
    "Role",
    "StaffRole",
    "Theme",
    "User",
    "UserSession",
    "contribution_themes",
]
