"""Comments and attachments: the writers for what hangs off any ticket."""

from __future__ import annotations

from pathlib import PurePath

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.template.defaultfilters import filesizeformat
from django.utils import timezone
from django.utils.translation import gettext as _

from .base import roles
from .choices import EventKind
from .models import Attachment, Comment, Ticket, TicketEvent
from .workflow import record_response

MAX_COMMENT_LENGTH = 20_000


def can_see(ticket: Ticket, user) -> bool:
    return Ticket.objects.visible_to(user).filter(pk=ticket.pk).exists()


def may_contribute(ticket: Ticket, user) -> bool:
    """May add comments and files: those who work tickets, and the people a ticket is
    for (its requester, or their customer's members when it shares) but not readers."""
    if roles.is_worker(user):
        return True
    return not roles.is_staff_reader(user) and can_see(ticket, user)


def add_comment(ticket: Ticket, *, author, body: str, is_public: bool = True,
                when=None) -> Comment:
    """Add a comment; requesters' are always public, an agent's first one is a response."""
    body = (body or "").strip()
    if not body:
        raise ValidationError({"body": _("A comment cannot be empty.")})
    if len(body) > MAX_COMMENT_LENGTH:
        raise ValidationError({"body": _("A comment is limited to %(n)d characters.")
                               % {"n": MAX_COMMENT_LENGTH}})
    if not may_contribute(ticket, author):
        raise PermissionDenied(_("You may not comment on this ticket."))
    worker = roles.is_worker(author)
    if not worker:
        is_public = True  # requesters have no internal notes
    if ticket.closed_at is not None:
        raise ValidationError({"body": _("A closed ticket takes no more comments.")})
    now = when or timezone.now()
    with transaction.atomic():
        comment = Comment.objects.create(
            ticket=ticket, author=author, body=body, is_public=is_public, created_at=now
        )
        TicketEvent.objects.create(
            ticket=ticket, actor=author, kind=EventKind.COMMENT, comment=comment,
            is_public=is_public, created_at=now,
            field="public" if is_public else "internal",
        )
        if worker:
            record_response(ticket, now)
        Ticket.objects.filter(pk=ticket.pk).update(updated_at=now)
    return comment


def validate_upload(upload: UploadedFile) -> tuple[str, str]:
    """Check size and type; return (clean original name, content type to serve)."""
    name = PurePath((upload.name or "").replace("\\", "/")).name.strip()
    if not name:
        raise ValidationError({"file": _("The file has no name.")})
    if upload.size is None or upload.size <= 0:
        raise ValidationError({"file": _("The file is empty.")})
    if upload.size > settings.ATTACHMENT_MAX_BYTES:
        raise ValidationError({"file": _("The file is larger than %(limit)s.")
                               % {"limit": filesizeformat(settings.ATTACHMENT_MAX_BYTES)}})
    extension = PurePath(name).suffix.lower().lstrip(".")
    content_type = settings.ATTACHMENT_TYPES.get(extension)
    if content_type is None:
        allowed = ", ".join(sorted(settings.ATTACHMENT_TYPES))
        raise ValidationError({"file": _("Files of type “%(ext)s” are not accepted. "
                                         "Accepted: %(allowed)s.")
                               % {"ext": extension or "?", "allowed": allowed}})
    return name[:255], content_type


def add_attachment(ticket: Ticket, *, uploaded_by, upload: UploadedFile) -> Attachment:
    """Store a file under a generated name and note it on the timeline."""
    if not may_contribute(ticket, uploaded_by):
        raise PermissionDenied(_("You may not add files to this ticket."))
    if ticket.closed_at is not None:
        raise ValidationError({"file": _("A closed ticket takes no more files.")})
    name, content_type = validate_upload(upload)
    with transaction.atomic():
        attachment = Attachment(
            ticket=ticket, original_name=name, content_type=content_type,
            size=upload.size, uploaded_by=uploaded_by,
        )
        attachment.file.save(name, upload, save=False)
        attachment.save()
        TicketEvent.objects.create(
            ticket=ticket, actor=uploaded_by, kind=EventKind.ATTACHMENT, field="file",
            new_value=name, is_public=True, created_at=attachment.created_at,
        )
    return attachment
