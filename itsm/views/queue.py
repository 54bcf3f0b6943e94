"""The queue: every kind of work in one list (`/work/`), and each kind's list (the
same queue filtered to the kind, at `/incidents/` …).

Named queues (all open, mine, my teams, unassigned, to be categorised), the filters of
`TicketFilterSet` (or the kind's own), saved filters, a choice of columns, sorting by an
allow-list, 50 rows a page, and bulk assign / bulk transition for agents, each through
the workflow. Rows are read as the columns they show from the ticket table alone,
their related names one query per related model for the page, and each kind's flags
(e.g. major incident) one query per kind on the page. With htmx, filtering, paging,
sorting and bulk actions replace only the results; without JavaScript every control is
a plain link or form.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from operator import itemgetter
from typing import Any
from urllib.parse import urlencode

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.html import format_html
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.safestring import SafeString
from django.utils.timezone import template_localtime
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.http import require_POST

from catalog.models import Customer, Service, ServiceCategory, Team

from .. import registry, workflow
from ..base import roles
from ..base.api.readers import BriefRelation, load_briefs
from ..base.pagination import CappedCountPaginator
from ..base.people import display_name
from ..base.templatetags.ui import ago, priority_label, time_left
from ..base.views import require_worker, staff_page
from ..filters import Queue, TicketFilterSet, kind_choices, status_choices
from ..forms import LookupInput, active_teams, worker_field
from ..models import NEXT_DUE, Preferences, SavedFilter, Ticket, User
from .common import desk_page

PAGE_SIZE = 50
NEW_TICKETS_POLL_SECONDS = 60


@dataclass
class Clock:
    """The SLA column of one row: when the next clock falls due and how it stands."""

    state: str  # ok, warning, breached, paused, met, missed, none
    due: datetime | None = None
    seconds_left: int | None = None


def sla_clock(row, now: datetime) -> Clock:
    if row.response_breached and row.responded_at is None or row.resolution_breached:
        state = "breached"
    else:
        state = "ok"
    if row.resolved_at is not None or row.closed_at is not None:
        return Clock("missed" if state == "breached" else "met")
    if row.on_hold_since is not None and row.responded_at is not None:
        return Clock("paused")
    if row.responded_at is None:
        due, warn_at = row.response_due, row.response_warn_at
    else:
        due, warn_at = row.resolution_due, row.resolution_warn_at
    if due is None:
        return Clock("none")
    if state != "breached" and due <= now:
        state = "breached"
    elif state == "ok" and warn_at is not None and warn_at <= now:
        state = "warning"
    return Clock(state, due, int((due - now).total_seconds()))


@dataclass
class Row:
    values: Any
    names: dict[str, Any]
    href: str
    can_take: bool
    status_label: str
    kind_label: str
    clock: Clock
    flags: list
    cells: SafeString = SafeString("")

    def __getattr__(self, name: str) -> Any:
        return getattr(self.values, name)


class Cells:
    """What a page's cells share, worked out once per page: the translated words and
    marks, and the reader's date formats (Django's public `date_format`)."""

    def __init__(self, now: datetime) -> None:
        self.now = now
        self.unassigned = format_html('<span class="muted">{}</span>', _("Unassigned"))
        self.breached = format_html('<span class="flag flag-breach" title="{}">{}</span>',
                                    _("SLA breached"), _("SLA"))
        self.triage = format_html('<span class="flag flag-triage" title="{}">{}</span>',
                                  _("No service yet: the triage team categorises it"),
                                  _("To be categorised"))
        self.clock_words = {"paused": _("Paused"), "met": _("Met"), "missed": _("Missed")}

    priority = staticmethod(priority_label)

    @staticmethod
    def moment(value: datetime, format_name: str) -> str:
        return date_format(template_localtime(value), format_name)


def utc_iso(moment: datetime) -> str:
    """A moment for a <time datetime>: UTC, to the second."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _title(row: Row, cells: Cells) -> SafeString:
    marks = [format_html(' <span class="flag {}" title="{}">{}</span>', flag.css, flag.title,
                         flag.text) for flag in row.flags]
    if row.response_breached or row.resolution_breached:
        marks.append(SafeString(" ") + cells.breached)
    if row.service_id is None and row.resolved_at is None and row.closed_at is None:
        marks.append(SafeString(" ") + cells.triage)
    return format_html('<td class="title"><a href="{}">{}</a>{}</td>', row.href, row.title,
                       SafeString("".join(marks)))


def _sla(row: Row, cells: Cells) -> SafeString:
    clock = row.clock
    if clock.due is None:
        return format_html('<td class="sla sla-{}">{}</td>', clock.state,
                           cells.clock_words.get(clock.state, "—"))
    # The exact due time is the <time>'s; the page's script shows it on hover.
    return format_html('<td class="sla sla-{}"><time datetime="{}">{}</time></td>', clock.state,
                       utc_iso(clock.due), time_left(clock.seconds_left))


def _name(key: str, *, narrow: bool = True, empty: str = "—") -> Callable[[Row, Cells], str]:
    css = ' class="hide-sm"' if narrow else ""

    def cell(row: Row, cells: Cells) -> SafeString:
        name = row.names.get(key)
        if name is None and key == "assignee":
            return format_html("<td>{}</td>", cells.unassigned)
        return format_html("<td{}>{}</td>", SafeString(css), name if name is not None else empty)

    return cell


@dataclass(frozen=True)
class Column:
    """A column of the queue: its heading, whether it sorts, and its cell."""

    key: str
    label: str
    sortable: bool = False
    narrow: bool = False  # hidden on small screens
    cell: Callable[[Row, Cells], str] | None = None


COLUMNS = (
    Column("number", gettext_lazy("Number"), True, cell=lambda row, cells: format_html(
        '<td class="num"><a href="{}">{}</a></td>', row.href, row.number)),
    Column("kind", gettext_lazy("Kind"), True, narrow=True, cell=lambda row, cells: format_html(
        '<td class="hide-sm">{}</td>', row.kind_label)),
    Column("title", gettext_lazy("Title"), True, cell=_title),
    Column("priority", gettext_lazy("Priority"), True, cell=lambda row, cells: format_html(
        '<td><span class="prio prio-{}">{}</span></td>', row.priority,
        cells.priority(row.priority))),
    Column("status", gettext_lazy("Status"), True, cell=lambda row, cells: format_html(
        '<td><span class="badge status-{}">{}</span></td>', row.status, row.status_label)),
    Column("sla", gettext_lazy("SLA"), True, cell=_sla),
    Column("service", gettext_lazy("Service"), narrow=True, cell=_name("service")),
    Column("category", gettext_lazy("Category"), narrow=True, cell=_name("category")),
    Column("team", gettext_lazy("Team"), narrow=True, cell=_name("team")),
    Column("assignee", gettext_lazy("Assignee"), True, cell=_name("assignee", narrow=False)),
    Column("requester", gettext_lazy("Requester"), narrow=True, cell=_name("requester")),
    Column("customer", gettext_lazy("Customer"), narrow=True, cell=_name("customer")),
    Column("created_at", gettext_lazy("Created"), True, narrow=True,
           cell=lambda row, cells: format_html(
               '<td class="hide-sm">{}</td>', cells.moment(row.created_at,
                                                           "SHORT_DATETIME_FORMAT"))),
    Column("updated_at", gettext_lazy("Updated"), True, cell=lambda row, cells: format_html(
        '<td><time datetime="{}">{}</time></td>', utc_iso(row.updated_at),
        ago(row.updated_at))),
)
BY_KEY = {column.key: column for column in COLUMNS}
DEFAULT_COLUMNS = ("number", "kind", "title", "priority", "status", "sla", "service", "team",
                   "assignee", "updated_at")

# ?ordering= allow-list: the URL key -> the ORM ordering. Anything else is the default.
ORDERINGS: dict[str, tuple[Any, ...]] = {
    "number": ("number",),
    "kind": ("kind",),
    "title": ("title",),
    "priority": ("priority",),
    "status": ("status",),
    "sla": (NEXT_DUE,),
    "created_at": ("created_at",),
    "updated_at": ("updated_at",),
    "assignee": ("assignee__first_name", "assignee__last_name", "assignee__username"),
}
DEFAULT_ORDERING = "-created_at"

# What a row reads: the ticket's own columns, never its kind's table.
ROW_COLUMNS = (
    "pk", "number", "kind", "title", "priority", "status", "version", "created_at",
    "updated_at", "responded_at", "resolved_at", "closed_at", "on_hold_since",
    "response_due", "resolution_due", "response_warn_at", "resolution_warn_at",
    "response_breached", "resolution_breached", "service_id", "category_id",
    "assignment_team_id", "assignee_id", "requester_id", "customer_id",
)


def _person(values: tuple) -> str:
    return display_name(*values[1:])


PERSON_COLUMNS = ("pk", "username", "first_name", "last_name")
# The names a row shows, by column; people share one query.
NAMES = {
    "service": BriefRelation("service", "service_id", Service, ("pk", "name"), itemgetter(1)),
    "category": BriefRelation("category", "category_id", ServiceCategory, ("pk", "name"),
                              itemgetter(1)),
    "team": BriefRelation("team", "assignment_team_id", Team, ("pk", "name"), itemgetter(1)),
    "customer": BriefRelation("customer", "customer_id", Customer, ("pk", "name"),
                              itemgetter(1)),
    "assignee": BriefRelation("assignee", "assignee_id", User, PERSON_COLUMNS, _person),
    "requester": BriefRelation("requester", "requester_id", User, PERSON_COLUMNS, _person),
}


# --- the filter bar ---------------------------------------------------------------------


class Options:
    """The option lists of a queue page, read once per request (one plain query each)
    and shared by the filter bar and the bulk bar."""

    def __init__(self) -> None:
        self._lists: dict[str, list[tuple[int, str]]] = {}

    def _read(self, name: str, read) -> list[tuple[int, str]]:
        if name not in self._lists:
            self._lists[name] = list(read())
        return self._lists[name]

    def teams(self) -> list[tuple[int, str]]:
        return self._read("teams", lambda: active_teams().values_list("pk", "name"))

    def categories(self) -> list[tuple[int, str]]:
        return self._read("categories", lambda: ServiceCategory.objects.order_by(
            "position", "name").values_list("pk", "name"))



def select_field(field: forms.Field, options: list[tuple[int, str]], empty: str
                 ) -> forms.TypedChoiceField:
    """A select over a read option list; the value is the chosen row's id."""
    return forms.TypedChoiceField(choices=[("", empty), *options], coerce=int,
                                  empty_value=None, required=False, label=field.label)


def filter_form_widgets(filterset: TicketFilterSet, options: Options) -> None:
    """Widgets fit for the dense queue page, over option lists read once."""
    form = filterset.form
    if "kind" in form.fields:  # only the kinds this desk has
        form.fields["kind"].choices = kind_choices()
    for name in ("status", "priority", "kind"):
        if name in form.fields:
            # A plain list: the page's template lays the checkboxes out from it.
            choices = [(str(value), label) for value, label in form.fields[name].choices]
            form.fields[name].choices = choices
            form.fields[name].widget = forms.CheckboxSelectMultiple(choices=choices)
    # Only the widgets change: the FilterSet's fields (an id or a natural key, scoped to
    # what the user may see) still read the request, as in the API.
    selects = {
        "team": (options.teams, _("Any team")),
        "category": (options.categories, _("Any category")),
    }
    for name, (read, empty) in selects.items():
        if name in form.fields:
            form.fields[name].widget = forms.Select(choices=[("", empty), *read()])
    # People and services are many: typed, with suggestions (their username or code).
    typed = {"assignee": ("lookup-workers", _("Anyone")),
             "service": ("lookup-services", _("Any service"))}
    for name, (lookup, placeholder) in typed.items():
        if name in form.fields:
            form.fields[name].widget = LookupInput(lookup, attrs={"placeholder": placeholder})
    if "breached" in form.fields:
        form.fields["breached"].widget = forms.Select(
            choices=[("", _("Any")), ("true", _("Breached")), ("false", _("Not breached"))])
    if "is_major" in form.fields:
        form.fields["is_major"].widget = forms.Select(
            choices=[("", _("Any")), ("true", _("Major")), ("false", _("Not major"))])
    form.fields["q"].widget = forms.TextInput(attrs={
        "type": "search", "placeholder": _("Number, title or description"),
        "data-shortcut": "search", "autocomplete": "off",
    })


SHOWN_FILTERS = ("q", "kind", "status", "priority", "team", "assignee", "service", "category",
                 "breached", "is_major")


# --- rows -------------------------------------------------------------------------------


def build_rows(values: list, now: datetime, columns: list[Column], user) -> list[Row]:
    """The page's rows with the names its columns show, status labels, SLA clocks and
    kind flags, whether the user may take each, and each row's cells rendered
    (`Column.cell`)."""
    relations = [NAMES[column.key] for column in columns if column.key in NAMES]
    names = load_briefs(relations, values)
    flags: dict[int, list] = {}
    by_kind: dict[str, list[int]] = {}
    for row in values:
        by_kind.setdefault(row.kind, []).append(row.pk)
    for kind, ids in by_kind.items():
        process = registry.find(kind)
        if process is not None:
            flags.update(process.row_flags(ids))
    labels: dict[tuple[str, str], str] = {}
    lists = {kind: registry.list_url(kind) for kind in by_kind}  # a ticket is at <number>/
    my_teams = ({team.pk for team in user.teams.filter(is_active=True)}
                if roles.is_worker(user) else None)
    rows = []
    for row in values:
        process = registry.find(row.kind)
        key = (row.kind, row.status)
        if key not in labels:
            labels[key] = workflow.status_label(row.kind, row.status)
        rows.append(Row(
            values=row,
            names={relation.name: names[relation.name].get(getattr(row, relation.id_attr))
                   for relation in relations},
            href=f"{lists[row.kind]}{row.number}/",
            can_take=my_teams is not None and workflow.may_take(row, user, my_teams),
            status_label=labels[key],
            kind_label=process.label if process else row.kind,
            clock=sla_clock(row, now),
            flags=flags.get(row.pk, []),
        ))
    cells = Cells(now)
    for row in rows:
        row.cells = SafeString("".join(column.cell(row, cells) for column in columns))
    return rows


# --- the page ---------------------------------------------------------------------------


def _ordering(requested: str | None) -> tuple[str, tuple[Any, ...]]:
    """The allowed ordering for `?ordering=` (default newest first), as (key, ORM)."""
    key = (requested or "").strip()
    name = key.removeprefix("-")
    if name not in ORDERINGS:
        key, name = DEFAULT_ORDERING, DEFAULT_ORDERING.removeprefix("-")
    descending = key.startswith("-")
    terms = []
    for term in ORDERINGS[name]:
        if isinstance(term, str):
            terms.append(f"-{term}" if descending else term)
        else:
            terms.append(term.desc(nulls_last=True) if descending
                         else term.asc(nulls_last=True))
    return key, (*terms, "-id" if descending else "id")


def columns_of(user, process: registry.Process | None) -> list[Column]:
    chosen = [key for key in Preferences.of(user).queue_columns if key in BY_KEY]
    keys = chosen or list(DEFAULT_COLUMNS)
    if process is not None and "kind" in keys:
        keys.remove("kind")  # one kind's list
    return [BY_KEY[key] for key in keys]


def header_cells(columns: list[Column], current: str) -> list[dict[str, Any]]:
    cells = []
    for column in columns:
        sort = None
        if current == column.key:
            sort = "ascending"
        elif current == f"-{column.key}":
            sort = "descending"
        cells.append({"column": column, "sort": sort,
                      "next": f"-{column.key}" if sort == "ascending" else column.key})
    return cells


def queue_data(request: HttpRequest) -> QueryDict:
    """The request's filters, without empty ones; the queue "all open" unless the
    request names one ("queue=" is all tickets)."""
    data = QueryDict(mutable=True)
    for key, values in request.GET.lists():
        kept = [value for value in values if value.strip()]
        if kept:
            data.setlist(key, kept)
    if "queue" not in request.GET:
        data["queue"] = Queue.OPEN
    return data


def tickets_of(user, process: registry.Process | None) -> QuerySet:
    """The ticket rows a queue lists: every kind's, or one kind's (the ticket table
    alone: counting and paging a kind's list never joins the kind's own table)."""
    tickets = Ticket.objects.visible_to(user)
    return tickets.filter(kind=process.kind) if process is not None else tickets


def queue_page(request: HttpRequest, process: registry.Process | None) -> HttpResponse:
    user = request.user
    data = queue_data(request)
    filterset_class = process.get_filterset() if process else TicketFilterSet
    filterset = filterset_class(data, queryset=tickets_of(user, process), request=request)
    options = Options()
    filter_form_widgets(filterset, options)
    ordering, order_by = _ordering(request.GET.get("ordering"))
    queryset: QuerySet = filterset.qs.order_by(*order_by)
    page = CappedCountPaginator(queryset, PAGE_SIZE).get_page(request.GET.get("page"))
    now = timezone.now()
    columns = columns_of(user, process)
    rows = build_rows(list(page.object_list.values_list(*ROW_COLUMNS, named=True)), now,
                      columns, user)
    query = data.copy()
    query.pop("page", None)
    context = {
        "process": process,
        "title": process.label_plural if process else _("Work"),
        "shown_filters": [filterset.form[name] for name in SHOWN_FILTERS
                          if name in filterset.form.fields],
        "page_obj": page,
        "rows": rows,
        "columns": columns,
        "header": header_cells(columns, ordering),
        "all_columns": COLUMNS,
        "ordering": ordering,
        "queue": data.get("queue", ""),
        "queues": Queue.CHOICES,
        "query": query.urlencode(),
        "now": now,
        "list_url": request.path,
        "poll_seconds": NEW_TICKETS_POLL_SECONDS,
        "saved_filters": SavedFilter.objects.visible_to(user).select_related("team", "owner"),
        "save_filter_form": SaveFilterForm(user=user),
        "create_url": (reverse(f"{process.url_namespace}:create")
                       if process is not None and process.desk_create else None),
        "creatable": registry.desk_kinds(),
    }
    if roles.is_worker(user):
        context["bulk_form"] = BulkForm(process=process, options=options)
        context["bulk_offers"] = registry.bulk_offers_for(process)
    template = "itsm/queue/_results.html" if request.headers.get("HX-Target") == \
        "queue-results" else "itsm/queue/queue.html"
    return render(request, template, context)


@desk_page
def work_queue(request: HttpRequest) -> HttpResponse:
    """`/work/`: every kind of ticket."""
    return queue_page(request, None)


@desk_page
def kind_queue(request: HttpRequest, kind: str) -> HttpResponse:
    """A kind's list: the queue filtered to that kind, with its own filters."""
    return queue_page(request, registry.process_for(kind))


@staff_page
def new_tickets(request: HttpRequest) -> HttpResponse:
    """How many tickets matching the queue's filters were logged since `since`: the
    hint the queue polls for ("3 new tickets — show")."""
    data = queue_data(request)
    since = StrictIsoMoment().clean_or_none(request.GET.get("since"))
    process = registry.find(request.GET.get("for", ""))
    count = 0
    if since is not None:
        filterset_class = process.get_filterset() if process else TicketFilterSet
        filterset = filterset_class(data, queryset=tickets_of(request.user, process),
                                    request=request)
        count = filterset.qs.filter(created_at__gt=since).order_by()[:100].count()
    refresh = reverse(f"{process.url_namespace}:list") if process else reverse("work")
    query = query_without(request.GET.urlencode(), "since", "for")
    return render(request, "itsm/queue/_new_tickets.html",
                  {"count": count, "refresh_url": f"{refresh}?{query}"})


class StrictIsoMoment(forms.DateTimeField):
    def clean_or_none(self, value: str | None) -> datetime | None:
        try:
            return self.clean(value)
        except ValidationError:
            return None


# --- saved filters and columns ------------------------------------------------------------


class SaveFilterForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=100)
    query = forms.CharField(widget=forms.HiddenInput, required=False, max_length=2000)
    team = forms.ModelChoiceField(label=_("Share with"), queryset=Team.objects.none(),
                                  required=False, empty_label=_("Only me"))

    def __init__(self, *args: Any, user, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["team"].queryset = user.teams.filter(is_active=True).only("pk", "name")


def _back(request: HttpRequest) -> str:
    target = request.POST.get("next") or request.GET.get("next") or reverse("work")
    if not url_has_allowed_host_and_scheme(target, {request.get_host()}):
        return reverse("work")
    return target


@require_POST
@staff_page
def save_filter(request: HttpRequest) -> HttpResponse:
    form = SaveFilterForm(request.POST, user=request.user)
    if form.is_valid():
        data = form.cleaned_data
        _saved, created = SavedFilter.objects.update_or_create(
            owner=request.user, name=data["name"].strip(),
            defaults={"query": data["query"].lstrip("?"), "team": data["team"]})
        messages.success(request, (_("Filter “%(name)s” saved.") if created else
                                   _("Filter “%(name)s” updated.")) % {"name": data["name"]})
    else:
        messages.error(request, _("The filter was not saved: %(errors)s") % {
            "errors": "; ".join(e for errors in form.errors.values() for e in errors)})
    return redirect(_back(request))


@require_POST
@staff_page
def delete_filter(request: HttpRequest, pk: int) -> HttpResponse:
    saved = get_object_or_404(SavedFilter, pk=pk, owner=request.user)
    saved.delete()
    messages.success(request, _("Filter “%(name)s” deleted.") % {"name": saved.name})
    return redirect(_back(request))


@require_POST
@staff_page
def choose_columns(request: HttpRequest) -> HttpResponse:
    chosen = [key for key in request.POST.getlist("columns") if key in BY_KEY]
    preferences = Preferences.of(request.user)
    preferences.queue_columns = chosen  # none chosen: back to the defaults
    preferences.save()
    messages.success(request, _("Columns saved."))
    return redirect(_back(request))


# --- bulk actions -------------------------------------------------------------------------


class BulkForm(forms.Form):
    """Assign or move the chosen tickets; each goes through the workflow on its own."""

    ACTIONS = (("assign", gettext_lazy("Assign")), ("transition", gettext_lazy("Set status")))
    action = forms.ChoiceField(choices=ACTIONS, label=gettext_lazy("Action"))
    team = forms.ModelChoiceField(queryset=Team.objects.none(), required=False,
                                  label=gettext_lazy("Team"))
    assignee = forms.ModelChoiceField(queryset=User.objects.none(), required=False,
                                      label=gettext_lazy("Assignee"))
    status = forms.ChoiceField(choices=(), required=False, label=gettext_lazy("Status"))
    note = forms.CharField(required=False, max_length=5000, label=gettext_lazy("Reason"),
                           widget=forms.TextInput(attrs={"placeholder": gettext_lazy(
                               "Reason, where the status change needs one")}))

    def __init__(self, *args: Any, process: registry.Process | None,
                 options: Options | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.is_bound:  # the chosen team, as a row
            self.fields["team"].queryset = active_teams()
        else:  # the page's option list, read once
            options = options or Options()
            self.fields["team"] = select_field(self.fields["team"], options.teams(),
                                               _("Keep the team"))
        self.fields["assignee"] = worker_field(_("Assignee"), required=False)
        self.fields["assignee"].widget.attrs["placeholder"] = _("Keep the assignee")
        statuses = (process.workflow.statuses.choices if process else status_choices())
        self.fields["status"].choices = [("", _("Choose…")), *statuses]


def bulk_apply(user, numbers: list[str], data: dict[str, Any]) -> tuple[list[str], list[str]]:
    """Apply the bulk action to each visible ticket: (done numbers, refusals)."""
    done, refused = [], []
    tickets = {t.number: t for t in Ticket.objects.visible_to(user).filter(number__in=numbers)}
    for number in numbers:
        found = tickets.get(number)
        if found is None:
            refused.append(_("%(number)s: no such ticket.") % {"number": number})
            continue
        process = registry.find(found.kind)
        if process is None:
            refused.append(_("%(number)s: this kind of ticket cannot be worked here yet.")
                           % {"number": number})
            continue
        ticket = process.model.objects.get(pk=found.pk)
        try:
            if data["action"] == "assign":
                team = data.get("team") or workflow.UNSET
                assignee = data.get("assignee") or workflow.UNSET
                if team is workflow.UNSET and assignee is workflow.UNSET:
                    raise ValidationError(_("Choose a team or an assignee."))
                workflow.assign(ticket, actor=user, team=team, assignee=assignee)
            else:
                target = data.get("status")
                chosen = process.workflow.find(ticket.status, target) if target else None
                if chosen is None:
                    raise ValidationError(
                        _("cannot go from “%(source)s” to “%(target)s”.")
                        % {"source": process.workflow.label(ticket.status),
                           "target": process.workflow.label(target or "")})
                missing = [name for name in chosen.requires if name != "note"]
                if missing:
                    raise ValidationError(_("“%(action)s” needs more than a reason; open the "
                                            "ticket to do it.") % {"action": chosen.label})
                workflow.transition(ticket, chosen.target, actor=user,
                                    note=data.get("note", ""), via=chosen.name)
        except (ValidationError, PermissionDenied, workflow.StaleVersion) as exc:
            reason = "; ".join(getattr(exc, "messages", None) or [str(exc)])
            refused.append(_("%(number)s: %(reason)s") % {"number": number, "reason": reason})
        else:
            done.append(number)
    return done, refused


@require_POST
@staff_page
def bulk_action(request: HttpRequest) -> HttpResponse:
    """Assign or move the ticked tickets; a refusal is reported by number."""
    require_worker(request)
    process = registry.find(request.POST.get("for", ""))
    form = BulkForm(request.POST, process=process)
    numbers = list(dict.fromkeys(n.strip().upper() for n in request.POST.getlist("ticket")
                                 if n.strip()))[:PAGE_SIZE * 4]
    if not numbers:
        messages.error(request, _("Tick the tickets first."))
    elif not form.is_valid():
        messages.error(request, "; ".join(e for errors in form.errors.values() for e in errors))
    else:
        done, refused = bulk_apply(request.user, numbers, form.cleaned_data)
        if done:
            messages.success(request, ngettext("%(count)d ticket updated: %(numbers)s.",
                                               "%(count)d tickets updated: %(numbers)s.",
                                               len(done))
                             % {"count": len(done), "numbers": ", ".join(done)})
        for refusal in refused:
            messages.error(request, _("Not changed: %(reason)s") % {"reason": refusal})
    return redirect(_back(request))


def query_without(query: str, *names: str) -> str:
    data = QueryDict(query, mutable=True)
    for name in names:
        data.pop(name, None)
    return urlencode(list(data.lists()), doseq=True)
