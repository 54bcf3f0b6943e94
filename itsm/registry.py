"""The process registry: what the core knows of each kind of ticket.

The core knows no process by name (DESIGN.md §1). Each process app describes its kind
once, as a `Process`, and registers it in its `AppConfig.ready()`; the Task kind is the
core's own and registers the same way. Everything generic — numbering, the workflow
engine, the queue, ticket pages, the portal, notifications, the tickets API, the demo
data — asks the registry. A kind is registered once and never overwritten (NetBox's
application registry works the same way).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from django.urls import reverse
from django.utils.functional import Promise

if TYPE_CHECKING:
    from .models import Ticket
    from .workflow import Transition, Workflow


@dataclass(frozen=True)
class PortalOffer:
    """What the portal's home offers for a kind: a button to a page of the process."""

    label: str | Promise
    url_name: str
    description: str | Promise = ""
    # The portal's main "report" button; one kind offers it.
    primary: bool = False


@dataclass(frozen=True)
class RowFlag:
    """A short mark on a queue row (e.g. "MAJOR"), with its tooltip."""

    css: str
    text: str | Promise
    title: str | Promise = ""


class Process:
    """One kind of work: its model, numbering, workflow and what its pages add.

    A process app subclasses this, sets the attributes and overrides the hooks it
    needs; the defaults are what a plain kind of ticket does.
    """

    kind: str  # the stored `Ticket.kind`, e.g. "incident"
    prefix: str  # of its numbers, e.g. "INC"
    model: type[Ticket]
    workflow: Workflow
    label: str | Promise
    label_plural: str | Promise
    # The desk's button to log one ("New incident") and the form's submit ("Log incident").
    create_label: str | Promise = ""
    submit_label: str | Promise = ""
    # Names its pages: the desk's under /<url_namespace>/ (with this namespace), the
    # portal's form under /portal/<url_namespace>/new/ and its API resource under
    # /api/v1/<url_namespace>/ (namespace "<url_namespace>-api"), e.g. "incidents".
    url_namespace: str
    urls: str  # module of the desk pages, e.g. "incidents.urls"
    api_urls: str | None = None
    # Shown in menus and lists in this order.
    position: int = 100
    # Fields an agent edits directly (status and assignment go through the workflow).
    editable_fields: tuple[str, ...] = ("title", "description", "impact", "urgency",
                                        "service", "configuration_item", "customer",
                                        "channel")
    # What a requester chooses when logging one for themself; the rest is the desk's.
    requester_fields: tuple[str, ...] = ("title", "description", "service", "urgency")
    # The template of the kind's own part of its detail page, if it has one.
    detail_panel: str | None = None
    portal_offer: PortalOffer | None = None
    # May agents add tasks to tickets of this kind?
    has_tasks: bool = True
    # Is it logged for someone who asked, through a channel (not the desk's own work,
    # such as a problem, opened by whoever works it)?
    has_caller: bool = True
    # Is its work timed by the service's SLA? (A problem's investigation is not.)
    under_sla: bool = True
    # Buttons to the kind's own pages on its queue: (label, URL name).
    queue_links: tuple[tuple[str | Promise, str], ...] = ()
    # May requesters log tickets of this kind for themselves (portal, API)?
    requesters_may_log: bool = True
    # Does the desk log tickets of this kind on their own page ("New …")? Tasks are
    # added to their parent instead.
    desk_create: bool = True
    # Relations of the kind's own that its detail page shows (read one query each).
    detail_related: tuple[str, ...] = ()
    # The kinds a ticket of this kind may be converted to at the desk, keeping its
    # timeline (an incident that is really a request, and back).
    converts_to: tuple[str, ...] = ()
    # The kind's own requester pages, mounted under /portal/<url_namespace>/ (its portal
    # offer may point there instead of at the core's form).
    portal_urls: str | None = None

    # --- hooks ---------------------------------------------------------------------

    def prepare(self, fields: dict[str, Any], *, actor, requester, when=None
                ) -> dict[str, Any]:
        """Check and complete a new ticket's own fields before it opens (raise a
        ValidationError naming the field); the core did the shared ones."""
        return fields

    def validate_changes(self, ticket: Ticket, changes: dict[str, Any]) -> dict[str, Any]:
        """Check an edit of the kind's own fields (raise a ValidationError naming the
        field); may add the changes they imply."""
        return changes

    def validate_transition(self, ticket: Ticket, transition: Transition) -> None:
        """Check a move the workflow allows before anything of it is written (raise a
        ValidationError naming the field the user should fill), e.g. a change scheduled
        into a freeze needs the reason for the override. Guards refuse by role and
        state; this says what is missing."""

    def fact_keys(self, ticket: Ticket) -> dict[str, Any]:
        """The kind's own dimension keys the KPIs break down by (named by their column
        from the ticket, e.g. "change__risk"), as the ticket holds them now."""
        return {}

    def after_write(self, ticket: Ticket, fields: set[str], *, actor) -> None:
        """What follows from logging a ticket or editing `fields` of it (in the same
        transaction), e.g. an outage record that follows an incident."""

    def detail_context(self, request, ticket: Ticket) -> dict[str, Any]:
        """What the kind's detail panel needs besides the ticket."""
        return {}

    def row_flags(self, ids: list[int]) -> dict[int, list[RowFlag]]:
        """Marks for the queue rows of this kind with these ticket ids (one query)."""
        return {}

    def may_convert(self, ticket: Ticket) -> str | None:
        """Why a ticket of this kind may not become another kind now (None: it may)."""
        return None

    def route(self, ticket: Ticket):
        """The team a new ticket of this kind goes to when nobody chose one (None: its
        service's owner team, else triage)."""
        return None

    def task_settled(self, parent: Ticket, task: Ticket, *, actor, when) -> None:
        """A task of one of this kind's tickets is done or cancelled (in the same
        transaction); e.g. the next fulfilment task opens."""

    def resolution_minutes(self, ticket: Ticket, calendar, minutes: float | None
                           ) -> float | None:
        """The working minutes the ticket's resolution clock allows on `calendar`: the
        SLA's target for its priority (None: it has none) unless the kind's own terms
        say otherwise."""
        return minutes

    demo: Callable[..., int] | None = None  # (desk, rng, now) -> tickets written

    def create_view(self) -> Callable:
        """The desk's page to log one (`new/`): the core's form unless the kind has its
        own way in."""
        from .views.pages import ticket_create

        return ticket_create

    def get_create_form(self) -> type:
        """The desk's form to log one (`itsm.forms.TicketCreateForm` unless the kind
        has its own)."""
        from .forms import TicketCreateForm

        return TicketCreateForm

    def get_filterset(self) -> type:
        """The FilterSet of the kind's queue and API (the core's unless it has its own)."""
        from .filters import TicketFilterSet

        return TicketFilterSet

    def get_edit_form(self) -> type:
        from .forms import TicketEditForm

        return TicketEditForm

    def get_portal_form(self) -> type | None:
        """The requester's form to log one in the portal; None: the portal offers none."""
        if not self.requesters_may_log or self.portal_offer is None:
            return None
        from .forms import PortalTicketForm

        return PortalTicketForm

    # --- derived -------------------------------------------------------------------

    def detail_url(self, number: str) -> str:
        return reverse(f"{self.url_namespace}:detail", args=[number])

    def __repr__(self) -> str:
        return f"<Process {self.kind}>"


@dataclass(frozen=True)
class TicketPart:
    """What an app other than the ticket's process shows on a ticket's page (the
    satisfaction survey, say): a template, rendered with `part` = what `context`
    returns for the request and ticket (None: nothing to show on this one)."""

    # "desk" (the agent's page, beside the ticket), "desk-main" (the agent's page, under
    # its description), "portal" (the requester's), or "portal-form" (the portal's form
    # to log one, with no ticket yet: `context` gets None).
    page: str
    template: str
    context: Callable[[Any, Ticket], dict[str, Any] | None]


_parts: list[TicketPart] = []


def add_part(part: TicketPart) -> TicketPart:
    """Show a part on every ticket's page of `part.page` (from an AppConfig.ready)."""
    if part not in _parts:
        _parts.append(part)
    return part


def parts_for(page: str, request, ticket: Ticket | None) -> list[tuple[str, dict[str, Any]]]:
    """(template, part) of each part with something to show on this ticket's page."""
    shown = []
    for part in _parts:
        if part.page == page and (found := part.context(request, ticket)) is not None:
            shown.append((part.template, found))
    return shown


@dataclass(frozen=True)
class BulkOffer:
    """A button of the queue's bulk bar that hands the ticked tickets to another app's
    page (POSTed as `ticket` numbers), e.g. "Open a problem" from incidents."""

    label: str | Promise
    url_name: str
    kinds: tuple[str, ...]  # the kinds it takes; shown on their queues and the unified one


_bulk_offers: list[BulkOffer] = []


def add_bulk_offer(offer: BulkOffer) -> None:
    if offer not in _bulk_offers:
        _bulk_offers.append(offer)


def bulk_offers_for(process: Process | None) -> list[BulkOffer]:
    """The offers of a kind's queue (every offer on the unified queue)."""
    return [offer for offer in _bulk_offers
            if process is None or process.kind in offer.kinds]


@dataclass(frozen=True)
class UserLink:
    """A page of an app in the user menu, e.g. "My approvals": for the desk (`desk`)
    or for requesters (not `desk`)."""

    label: str | Promise
    url_name: str
    desk: bool = True


_user_links: list[UserLink] = []


def add_user_link(link: UserLink) -> None:
    if link not in _user_links:
        _user_links.append(link)


def user_links(*, desk: bool) -> list[UserLink]:
    return [link for link in _user_links if link.desk == desk]


@dataclass(frozen=True)
class PlannedWork:
    """Approved work that takes a service down on purpose (a change in its window):
    outages inside it are planned, and requesters of the service are told ahead."""

    service_id: int
    service_name: str
    start: datetime
    end: datetime
    number: str
    title: str
    url: str
    disruptive: bool = True  # users may notice it (not a routine pre-approved change)


# Who knows of planned work: each (service_ids, start, end) → PlannedWork overlapping.
_planned_work: list[Callable[..., Iterable[PlannedWork]]] = []


def add_planned_work(source: Callable[..., Iterable[PlannedWork]]) -> None:
    if source not in _planned_work:
        _planned_work.append(source)


def planned_work(service_ids: Iterable[int], start: datetime, end: datetime
                 ) -> list[PlannedWork]:
    """The planned work on any of the services that shares time with [start, end),
    soonest first."""
    ids = sorted(set(service_ids))
    if not ids:
        return []
    found = [work for source in _planned_work for work in source(ids, start, end)]
    return sorted(found, key=lambda work: (work.start, work.number, work.service_id))


# What apps other than a ticket's own process do when it moves, in the same transaction:
# each (ticket, transition, actor, when), e.g. a problem marks its return when one of
# its incidents reopens.
_followers: list[Callable[..., None]] = []


def add_follower(follow: Callable[..., None]) -> None:
    if follow not in _followers:
        _followers.append(follow)


def followers() -> list[Callable[..., None]]:
    return list(_followers)


# What apps other than the processes add to the demo history, after the processes'
# steps: each (desk, rng, now, days) -> rows written (e.g. the survey answers).
_demo_steps: list[Callable[..., int]] = []


def add_demo_step(step: Callable[..., int]) -> None:
    if step not in _demo_steps:
        _demo_steps.append(step)


def demo_steps() -> list[Callable[..., int]]:
    return list(_demo_steps)


# What those apps delete of theirs when the demo data is reset, before the demo's
# teams and people go: each (team names) -> None.
_demo_resets: list[Callable[..., None]] = []


def add_demo_reset(reset: Callable[..., None]) -> None:
    if reset not in _demo_resets:
        _demo_resets.append(reset)


def demo_resets() -> list[Callable[..., None]]:
    return list(_demo_resets)


class AlreadyRegistered(Exception):
    pass


_processes: dict[str, Process] = {}


def register(process: Process) -> Process:
    """Register a kind once; a second registration of the kind or its prefix is a bug."""
    if process.kind in _processes:
        raise AlreadyRegistered(f"kind {process.kind!r} is registered already")
    if any(other.prefix == process.prefix for other in _processes.values()):
        raise AlreadyRegistered(f"number prefix {process.prefix!r} is taken")
    if process.workflow.kind != process.kind:
        raise ValueError(f"{process!r} has the workflow of {process.workflow.kind!r}")
    _processes[process.kind] = process
    return process


def processes() -> Iterator[Process]:
    """Every registered kind, in menu order."""
    return iter(sorted(_processes.values(), key=lambda p: (p.position, p.kind)))


def desk_kinds() -> list[Process]:
    """The kinds agents log at the desk (their "New …" buttons, the menu's lists)."""
    return [process for process in processes() if process.desk_create]


def portal_offers() -> list[tuple[Process, PortalOffer]]:
    """What the portal offers requesters to log, with the kind that takes it."""
    return [(process, process.portal_offer) for process in processes()
            if process.portal_offer is not None
            and (process.portal_urls or process.get_portal_form() is not None)]


def process_for(ticket_or_kind: Ticket | str) -> Process:
    """The process of a ticket or kind; KeyError for a kind nobody registered."""
    kind = ticket_or_kind if isinstance(ticket_or_kind, str) else ticket_or_kind.kind
    return _processes[kind]


def find(kind: str) -> Process | None:
    return _processes.get(kind)


def for_model(model: type) -> Process:
    """The process whose model is `model` (KeyError for a model no process has)."""
    for process in _processes.values():
        if process.model is model:
            return process
    raise KeyError(model)


def concrete(ticket: Ticket) -> Ticket:
    """The ticket as its kind's model (an Incident, a Task), read if it is a plain
    Ticket row; a kind nobody registered stays a Ticket."""
    process = _processes.get(ticket.kind)
    if process is None or isinstance(ticket, process.model):
        return ticket
    return process.model.objects.get(pk=ticket.pk)


def list_url(kind: str) -> str:
    """Where a kind's tickets live, each at `<number>/`: its desk pages, or the pages
    shared by every kind for a kind nobody registered."""
    process = _processes.get(kind)
    return reverse(f"{process.url_namespace}:list" if process else "tickets:index")


def ticket_url(kind: str, number: str) -> str:
    """Where an agent opens a ticket."""
    return f"{list_url(kind)}{number}/"
