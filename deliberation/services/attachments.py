"""Attachments of a consultation: PDFs and images, recognised by their content, kept in the DB.

Why the database and not a media folder: the files are few and small (plans, posters, the
report), a row and its bytes commit or roll back together, backups and multi-process deploys
need nothing more, and deleting a consultation deletes its files. The bytes column is deferred,
so listings never read it.
"""

from __future__ import annotations

import hashlib
import re

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from deliberation.errors import NotFound, ValidationFailed
from deliberation.events import catalogue as ev
from deliberation.events import commit, record
from deliberation.i18n import _l
from deliberation.models import Attachment, Consultation
from deliberation.permissions import CONSULTATION_EDIT, Principal, authorize
from deliberation.services.consultations import scope_of
from deliberation.text import fold

MAX_BYTES = 10 * 1024 * 1024
MAX_PER_CONSULTATION = 30
EXTENSIONS = {
    "application/pdf": "pdf",
    "image/png": "png",
    "image/jpeg": "jpg",
    "image/webp": "webp",
}


def sniff(data: bytes) -> str | None:
    """The content type from the file's first bytes (never from its name), or None."""
    if data.startswith(b"%PDF-"):
        return "application/pdf"
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if data.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if len(data) >= 12 and data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "image/webp"
    return None


def safe_filename(name: str, content_type: str) -> str:
    stem = name.rsplit("/", 1)[-1].rsplit("\\", 1)[-1].rsplit(".", 1)[0]
    stem = re.sub(r"[^A-Za-z0-9_-]+", "-", fold(stem)).strip("-")[:80] or "plik"
    return f"{stem}.{EXTENSIONS[content_type]}"


async def add_attachment(
    session: AsyncSession,
    principal: Principal,
    consultation: Consultation,
    *,
    title: str,
    filename: str,
    data: bytes,
) -> Attachment:
    """Store a PDF or image. Emits attachment.added. ValidationFailed for size and type."""
    authorize(principal, CONSULTATION_EDIT, scope_of(consultation))
    if not data:
        raise ValidationFailed(fields={"file": _l("Choose a file.")})
    if len(data) > MAX_BYTES:
        raise ValidationFailed(fields={"file": _l("The file is too large: at most 10 MB.")})
    content_type = sniff(data)
    if content_type is None:
        raise ValidationFailed(
            fields={"file": _l("This type of file is not allowed: send a PDF, PNG, JPEG or WebP.")}
        )
    count = len(
        list(
            await session.scalars(
                select(Attachment.id).where(Attachment.consultation_id == consultation.id)
            )
        )
    )
    if count >= MAX_PER_CONSULTATION:
        raise ValidationFailed(fields={"file": _l("This consultation has too many attachments.")})
    name = safe_filename(filename, content_type)
    attachment = Attachment(
        consultation_id=consultation.id,
        title=title.strip()[:200] or name,
        filename=name,
        content_type=content_type,
        size=len(data),
        sha256=hashlib.sha256(data).hexdigest(),
        data=data,
        uploaded_by_id=principal.user_id,
    )
    session.add(attachment)
    await session.flush()
    record(
        session, ev.AttachmentAdded(consultation_id=consultation.id, attachment_id=attachment.id)
    )
    await commit(session)
    return attachment


async def remove_attachment(
    session: AsyncSession, principal: Principal, consultation: Consultation, attachment_id: int
) -> None:
    """Delete one attachment. Emits attachment.removed."""
    authorize(principal, CONSULTATION_EDIT, scope_of(consultation))
    attachment = await session.get(Attachment, attachment_id)
    if attachment is None or attachment.consultation_id != consultation.id:
        raise NotFound()
    await session.delete(attachment)
    record(
        session, ev.AttachmentRemoved(consultation_id=consultation.id, attachment_id=attachment_id)
    )
    await commit(session)


async def list_attachments(session: AsyncSession, consultation_id: int) -> list[Attachment]:
    rows = await session.scalars(
        select(Attachment)
        .where(Attachment.consultation_id == consultation_id)
        .order_by(Attachment.created_at, Attachment.id)
    )
    return list(rows)


async def attachment_with_data(
    session: AsyncSession, consultation_id: int, attachment_id: int
) -> Attachment:
    from sqlalchemy.orm import undefer

    attachment = await session.scalar(
        select(Attachment)
        .where(Attachment.id == attachment_id, Attachment.consultation_id == consultation_id)
        .options(undefer(Attachment.data))
    )
    if attachment is None:
        raise NotFound()
    return attachment
