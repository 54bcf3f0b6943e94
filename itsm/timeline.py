"""A ticket's timeline as people read it: the events of one action as one entry, and
for requesters, plain sentences instead of field changes.

One action writes several events at one moment (resolving writes the status and the
resolution code and notes); `entries` groups the events of the same moment and actor.
The desk reads each change; a requester reads what happened, in words
(`Entry.sentences`).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from django.utils.html import format_html
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _

from .base import roles
from .base.people import display_name
from .choices import EventKind
from .models import Ticket, TicketEvent
from .workflow import Workflow, workflow_for


@dataclass
class Entry:
    """The events one person (or the system) wrote at one moment."""

    events: list[TicketEvent] = field(default_factory=list)

    by_desk: bool = False  # written by someone who works tickets

    @property
    def first(self) -> TicketEvent:
        return self.events[0]

    @property
    def at(self):
        return self.first.created_at

    @property
    def actor(self):
        return self.first.actor

    @property
    def kind(self) -> str:
        """The entry's main kind: a status change outranks the fields it carried."""
        kinds = [event.kind for event in self.events]
        for kind in (EventKind.STATUS, EventKind.CREATED, EventKind.COMMENT):
            if kind in kinds:
                return kind
        return kinds[0]

    @property
    def comment(self):
        return next((e.comment for e in self.events if e.comment_id), None)

    @property
    def is_internal_comment(self) -> bool:
        return any(e.kind == EventKind.COMMENT and not e.is_public for e in self.events)

    @property
    def notes(self) -> list[str]:
        return [event.note for event in self.events if event.note]

    @property
    def pk(self) -> int:
        return self.first.pk

    def value(self, name: str) -> str | None:
        """The new value of a field this entry changed."""
        return next((e.new_value for e in self.events
                     if e.kind == EventKind.FIELD and e.field == name), None)


def entries(events: Iterable[TicketEvent]) -> list[Entry]:
    """Group time-ordered events: one entry per moment and actor; and say which were
    written by the desk (one query for all the actors)."""
    grouped: list[Entry] = []
    for event in events:
        last = grouped[-1] if grouped else None
        if (last is not None and last.at == event.created_at
                and last.first.actor_id == event.actor_id
                and not (event.comment_id and last.comment is not None)):
            last.events.append(event)
        else:
            grouped.append(Entry([event]))
    actors = {entry.first.actor_id for entry in grouped if entry.first.actor_id}
    desk = set(roles.workers_among(actors)) if actors else set()
    for entry in grouped:
        entry.by_desk = entry.first.actor_id in desk
    return grouped


# --- the requester's words ------------------------------------------------------------


def _who(entry: Entry, viewer) -> str:
    actor = entry.actor
    if actor is None:
        return _("The service desk")
    if viewer is not None and actor.pk == viewer.pk:
        return _("You")
    return display_name(actor.username, actor.first_name, actor.last_name)


def _choice_label(ticket: Ticket, name: str, value: str | None) -> str:
    if not value:
        return ""
    try:
        model_field = ticket._meta.get_field(name)
    except Exception:  # noqa: BLE001 (a field of another kind: show the stored value)
        return value
    return str(dict((str(k), v) for k, v in model_field.flatchoices).get(value, value))


def _move_of(flow: Workflow, old: str, new: str) -> str:
    """The move a status change with no transition of its own stands for (imported
    history), told by where it went."""
    if new in flow.resolved:
        return "resolve"
    if new in flow.on_hold:
        return "hold"
    if old in flow.resolved:
        return "reopen"
    if old in flow.on_hold:
        return "resume"
    return "start" if old == flow.initial else ""


def _status_sentence(entry: Entry, ticket: Ticket, flow: Workflow, who: str) -> str:
    """What a move says, told by the transition it went through: a kind's own moves
    (submitted for approval, fulfilled) go by the status they reached."""
    event = next(e for e in entry.events if e.kind == EventKind.STATUS)
    old, new = event.old_value, event.new_value
    transition = flow.find(old, new)
    name = transition.name if transition else _move_of(flow, old, new)
    if new in flow.resolved:
        code = _choice_label(ticket, "resolution_code", entry.value("resolution_code"))
        if code:
            return _("%(who)s resolved the ticket: %(how)s.") % {"who": who, "how": code}
        if name == "resolve":
            return _("%(who)s resolved the ticket.") % {"who": who}
    if new in flow.closed and old in flow.resolved:
        if entry.actor is None:
            return _("The ticket was closed.")
        return _("%(who)s confirmed the resolution; the ticket is closed.") % {"who": who}
    if new in flow.closed:
        return _("%(who)s closed the ticket as “%(status)s”.") % {
            "who": who, "status": flow.label(new)}
    if name == "hold":
        reason = _choice_label(ticket, "on_hold_reason", entry.value("on_hold_reason"))
        if reason:
            return _("%(who)s put the ticket on hold: %(reason)s.") % {"who": who,
                                                                        "reason": reason}
        return _("%(who)s put the ticket on hold.") % {"who": who}
    if (transition.reopens if transition else name == "reopen"):
        return _("%(who)s reopened the ticket.") % {"who": who}
    if name == "resume":
        return _("Work on the ticket resumed.")
    if name == "start":
        return _("%(who)s started work on the ticket.") % {"who": who}
    return _("%(who)s moved the ticket to “%(status)s”.") % {"who": who,
                                                          "status": flow.label(new)}


def sentences(entry: Entry, ticket: Ticket, viewer) -> list[SafeString]:
    """What a requester reads for one entry (only public events reach them)."""
    who = _who(entry, viewer)
    flow = workflow_for(ticket)
    kind = entry.kind
    if kind == EventKind.CREATED:
        return [format_html("{}", _("%(who)s logged the ticket.") % {"who": who})]
    if kind == EventKind.STATUS:
        return [format_html("{}", _status_sentence(entry, ticket, flow, who))]
    if kind == EventKind.COMMENT:
        if entry.by_desk:
            return [format_html("{}", _("%(who)s replied:") % {"who": who})]
        return [format_html("{}", _("%(who)s wrote:") % {"who": who})]
    lines = []
    for event in entry.events:
        if event.kind == EventKind.FEEDBACK:
            lines.append(format_html("{}", _("%(who)s rated how it was handled: %(rating)s of "
                                             "5.") % {"who": who, "rating": event.new_value}))
        if event.kind == EventKind.APPROVAL:
            said = (_("%(who)s approved at the step “%(step)s”.")
                    if event.new_value == "approved"
                    else _("%(who)s refused at the step “%(step)s”."))
            lines.append(format_html("{}", said % {"who": who, "step": event.field}))
        if event.kind == EventKind.ATTACHMENT:
            lines.append(format_html("{}", _("%(who)s attached %(name)s.")
                                     % {"who": who, "name": event.new_value}))
    return lines
