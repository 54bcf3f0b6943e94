"""The verbs every kind of ticket shares: log one, edit it, close what has stayed
resolved, and the writers of what hangs off a ticket (comments, attachments).

Each process's own services call these with its kind; `itsm.workflow` stays the only
writer of status, assignment, priority and the counters.
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import PurePath
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.template.defaultfilters import filesizeformat
from django.utils import timezone
from django.utils.translation import gettext as _

from . import notifications, registry, workflow
from .base import roles
from .choices import Channel, EventKind
from .models import Attachment, Comment, Ticket, TicketEvent
from .workflow import record_response

MAX_COMMENT_LENGTH = 20_000


def create_ticket(kind: str, *, actor, requester=None, team=None, assignee=None, when=None,
                  **fields: Any) -> Ticket:
    """Log a ticket of `kind`. The desk logs for anyone; a requester logs for themself,
    through the portal, choosing only what the process lets them (`requester_fields`).

    The customer defaults to the requester's, a CI names the service when no service
    is given, and the workflow routes the ticket (`workflow.open_ticket`).
    """
    process = registry.process_for(kind)
    if actor is not None and not roles.is_worker(actor):
        if roles.is_staff_reader(actor) or not process.requesters_may_log:
            raise PermissionDenied(_("Your role may not log this kind of ticket."))
        requester, team, assignee = actor, None, None
        fields = {name: value for name, value in fields.items()
                  if name in process.requester_fields}
        fields["channel"] = Channel.PORTAL
        fields["impact"] = 3  # the desk assesses impact; the requester says how urgent
    requester = requester or actor
    if requester is None:
        raise ValidationError({"requester": _("A ticket needs a requester.")})
    if fields.get("customer") is None:
        fields["customer"] = requester.customer
    fields = process.prepare(fields, actor=actor, requester=requester, when=when)
    if fields.get("service") is None and fields.get("configuration_item") is not None:
        fields["service"] = fields["configuration_item"].primary_service()
    ticket = process.model(kind=kind, requester=requester, **fields)
    with transaction.atomic():
        workflow.open_ticket(ticket, actor=actor, team=team, assignee=assignee, when=when)
        process.after_write(ticket, set(fields), actor=actor)
    return ticket


def update_ticket(ticket: Ticket, *, actor, expected_version: int | None = None,
                  when=None, **changes: Any) -> Ticket:
    """Change the plain fields the ticket's process lets agents edit (at `when`, for
    history written afterwards)."""
    process = registry.process_for(ticket)
    changes = process.validate_changes(ticket, dict(changes))
    ci = changes.get("configuration_item")
    if ci is not None and "service" not in changes and ticket.service_id is None:
        changes["service"] = ci.primary_service()
    with transaction.atomic():
        workflow.update(ticket, actor=actor, editable=process.editable_fields,
                        expected_version=expected_version, when=when, **changes)
        process.after_write(ticket, set(changes), actor=actor)
    return ticket


AUTO_CLOSE_BATCH = 1000


def auto_close_resolved(now=None) -> int:
    """Close tickets that stayed resolved for their workflow's `auto_close_days`
    (0: never), through its `auto_close` transition; idempotent."""
    now = now or timezone.now()
    closed = 0
    for process in registry.processes():
        flow = process.workflow
        if flow.auto_close is None or not flow.setting("auto_close_days"):
            continue
        close = flow.named(flow.auto_close)
        ids = list(process.model.objects.filter(
            status__in=close.sources,
            resolved_at__lte=now - timedelta(days=flow.setting("auto_close_days")))
            .values_list("pk", flat=True)[:AUTO_CLOSE_BATCH])
        for pk in ids:
            with transaction.atomic():
                ticket = (process.model.objects.select_for_update()
                          .filter(pk=pk, status__in=close.sources).first())
                if ticket is not None:
                    auto_close(ticket, when=now)
                    closed += 1
    return closed


def auto_close(ticket: Ticket, *, when=None) -> Ticket:
    """Close a ticket that stayed resolved past its workflow's `auto_close_days`: the
    system acts, and the timeline says why."""
    flow = workflow.workflow_for(ticket)
    note = _("Closed automatically after %(days)d days resolved.") % {
        "days": flow.setting("auto_close_days")}
    return workflow.transition(ticket, flow.named(flow.auto_close).target, actor=None,
                               when=when, note=note)


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
        notifications.comment_added(ticket, comment)
        if not worker:
            resume_on_reply(ticket, when=now)
    return comment


def resume_on_reply(ticket: Ticket, *, when=None) -> bool:
    """A ticket on hold waiting for its requester resumes when they reply: its SLA
    clock runs again, and the timeline says why. True if it resumed."""
    flow = workflow.workflow_for(ticket)
    if not (flow.awaiting_requester and flow.resume_on_reply
            and ticket.status in flow.on_hold):
        return False
    ticket = registry.concrete(ticket)
    if not flow.awaiting_requester(ticket):
        return False
    resume = flow.named(flow.resume_on_reply)
    workflow.transition(ticket, resume.target, actor=None, via=resume.name, when=when,
                        note=_("Resumed: the requester replied."))
    return True


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


def note_link(first: Ticket, second: Ticket, *, actor, first_field: str, second_field: str,
              when, linked: bool = True) -> None:
    """A link made (or, not `linked`, removed) between two tickets, as an event on both:
    on each, `field` names what the other is to it ("problem", "incident") and the
    value is the other's number, with its title as the note when linked."""
    def event(ticket: Ticket, field: str, other: Ticket) -> TicketEvent:
        return TicketEvent(ticket_id=ticket.pk, actor=actor, kind=EventKind.LINK, field=field,
                           new_value=other.number if linked else "",
                           old_value="" if linked else other.number,
                           note=other.title[:200] if linked else "", created_at=when)

    TicketEvent.objects.bulk_create([event(first, first_field, second),
                                     event(second, second_field, first)])
