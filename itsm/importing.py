"""Ticket history from another tool: each format's rows become `Record`s, written in
batches by `Importer`.

Imported history keeps its own figures (its timestamps, counters and SLA verdict): the
SLA engine does not judge it again, so it is written directly here, not through the
workflow, and only here. Each ticket keeps its number in the other tool
(`external_number`, shown on its page); running an import again updates what it
wrote, never duplicates it. Teams, services and people the file names are created once
and marked as imported (people without a login), so the ownership report lists them
until someone owns them. The KPI facts of each ticket are measured as the workflow
measures them (`itsm.facts.measure`), and the caller's `facts.history()` block hears
how far back the import reached.

The formats (`FORMATS`) are pure functions from CSV rows to records or `RowError`s
(with the line of the file), so a bad row is reported and skipped, or (strict) stops
the import before anything is written.
"""

from __future__ import annotations

import csv
import itertools
import re
from collections.abc import Callable, Iterable, Iterator
from contextlib import nullcontext
from dataclasses import dataclass, field
from datetime import datetime, tzinfo
from typing import Any, TextIO

from django.db import connection, transaction
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _

from catalog.models import Customer, Service, Team

from . import facts, registry
from .choices import Channel, EventKind, TicketKind
from .models import Ticket, TicketEvent, User
from .workflow import Workflow, reserve_numbers

# Where a ticket is in its life, in words every format can map its states onto; the
# kind's workflow names the status of each (`status_of`).
NEW, OPEN, ON_HOLD, RESOLVED, CLOSED = "new", "open", "on_hold", "resolved", "closed"
STAGES = (NEW, OPEN, ON_HOLD, RESOLVED, CLOSED)


class RowError(Exception):
    """A row that cannot be imported: its line in the file and why."""

    def __init__(self, line: int, reason: str):
        super().__init__(f"line {line}: {reason}")
        self.line, self.reason = line, reason


@dataclass
class Record:
    """One ticket as the file describes it (names, not ids)."""

    line: int
    external_number: str
    opened_at: datetime
    kind: str = TicketKind.INCIDENT
    title: str = ""
    description: str = ""
    status: str = ""  # a stored status of the kind's workflow …
    stage: str = ""  # … or a stage, mapped onto one
    priority: int = 4
    impact: int = 3
    urgency: int = 3
    service: str = ""
    customer: str = ""
    team: str = ""
    assignee: str = ""
    requester: str = ""
    channel: str = Channel.PHONE
    responded_at: datetime | None = None
    resolved_at: datetime | None = None
    closed_at: datetime | None = None
    reassignment_count: int = 0
    reopen_count: int = 0
    # The source's SLA verdict: None when it has none.
    resolution_breached: bool | None = None
    refs: dict[str, Any] = field(default_factory=dict)


# --- reading values ---------------------------------------------------------------------


def _blank(value: str | None, empty: tuple[str, ...] = ("",)) -> str:
    value = (value or "").strip()
    return "" if value in empty else value


def _when(value: str, formats: tuple[str, ...], tz: tzinfo, column: str) -> datetime | None:
    """A timestamp in one of `formats` (or ISO 8601 for ()), in `tz` unless it says
    otherwise; None when empty."""
    if not value:
        return None
    try:
        if not formats:
            parsed = datetime.fromisoformat(value)
        else:
            for fmt in formats:
                try:
                    parsed = datetime.strptime(value, fmt)
                    break
                except ValueError:
                    continue
            else:
                raise ValueError(value)
    except ValueError:
        raise ValueError(_("%(column)s: “%(value)s” is not a date and time.")
                         % {"column": column, "value": value}) from None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=tz)


def _number(value: str, column: str, *, low: int = 0, high: int | None = None,
            default: int = 0) -> int:
    """A whole number (or the leading one of "3 - Moderate") within [low, high]."""
    if not value:
        return default
    match = re.match(r"\s*(-?\d+)", value)
    if match is None:
        raise ValueError(_("%(column)s: “%(value)s” is not a number.")
                         % {"column": column, "value": value})
    number = int(match.group(1))
    if number < low or (high is not None and number > high):
        raise ValueError(_("%(column)s: %(value)s is out of range.")
                         % {"column": column, "value": number})
    return number


def _flag(value: str, column: str) -> bool | None:
    lowered = value.strip().lower()
    if not lowered:
        return None
    if lowered in {"true", "1", "yes"}:
        return True
    if lowered in {"false", "0", "no"}:
        return False
    raise ValueError(_("%(column)s: “%(value)s” is neither true nor false.")
                     % {"column": column, "value": value})


def _rows(stream: TextIO) -> Iterator[tuple[int, dict[str, str]]]:
    """The rows of a CSV file with the line each starts on."""
    reader = csv.DictReader(stream)
    line = reader.line_num + 1
    for row in reader:
        yield line, row
        line = reader.line_num + 1


def _each(rows: Iterable[tuple[int, dict[str, str]]],
          parse: Callable[[int, dict[str, str]], Record]) -> Iterator[Record | RowError]:
    for line, row in rows:
        try:
            yield parse(line, row)
        except ValueError as exc:
            yield RowError(line, str(exc))


# --- the formats ------------------------------------------------------------------------

GENERIC_COLUMNS = (
    "kind", "number", "title", "service", "customer", "team", "assignee", "requester",
    "priority", "impact", "urgency", "status", "channel", "opened_at", "responded_at",
    "resolved_at", "closed_at", "reassignment_count", "reopen_count",
    "resolution_breached", "close_code", "caused_by_change",
)


def generic(stream: TextIO, tz: tzinfo) -> Iterator[Record | RowError]:
    """One row per ticket with the columns of GENERIC_COLUMNS (README, "Importing
    history"): times in ISO 8601 (without an offset: the organisation's time zone),
    `status` a stored status of the kind, `resolution_breached` true or false (empty:
    no SLA verdict)."""

    def parse(line: int, row: dict[str, str]) -> Record:
        value = {name: _blank(row.get(name)) for name in GENERIC_COLUMNS}
        for required in ("number", "title", "opened_at", "status"):
            if not value[required]:
                raise ValueError(_("%(column)s is required.") % {"column": required})
        kind = value["kind"] or TicketKind.INCIDENT
        if registry.find(kind) is None:
            raise ValueError(_("kind: “%(value)s” is not a kind of ticket here.")
                             % {"value": kind})
        channel = value["channel"] or Channel.PHONE
        if channel not in Channel.values:
            raise ValueError(_("channel: “%(value)s” is not one of %(choices)s.")
                             % {"value": channel, "choices": ", ".join(Channel.values)})
        refs = {name: value[name] for name in ("close_code", "caused_by_change") if value[name]}
        return Record(
            line=line, external_number=value["number"], kind=kind, title=value["title"],
            status=value["status"], service=value["service"], customer=value["customer"],
            team=value["team"], assignee=value["assignee"], requester=value["requester"],
            priority=_number(value["priority"], "priority", low=1, high=4, default=4),
            impact=_number(value["impact"], "impact", low=1, high=3, default=3),
            urgency=_number(value["urgency"], "urgency", low=1, high=3, default=3),
            channel=channel,
            opened_at=_when(value["opened_at"], (), tz, "opened_at"),
            responded_at=_when(value["responded_at"], (), tz, "responded_at"),
            resolved_at=_when(value["resolved_at"], (), tz, "resolved_at"),
            closed_at=_when(value["closed_at"], (), tz, "closed_at"),
            reassignment_count=_number(value["reassignment_count"], "reassignment_count"),
            reopen_count=_number(value["reopen_count"], "reopen_count"),
            resolution_breached=_flag(value["resolution_breached"], "resolution_breached"),
            refs=refs)

    return _each(_rows(stream), parse)


SERVICENOW_STATES = {"New": NEW, "Active": OPEN, "Awaiting User Info": ON_HOLD,
                     "Awaiting Problem": ON_HOLD, "Awaiting Vendor": ON_HOLD,
                     "Awaiting Evidence": ON_HOLD, "Resolved": RESOLVED, "Closed": CLOSED}
SERVICENOW_CHANNELS = {"Phone": Channel.PHONE, "Email": Channel.EMAIL,
                       "Self service": Channel.PORTAL, "IVR": Channel.PHONE,
                       "Walk in": Channel.WALK_IN}
SERVICENOW_DATES = ("%d/%m/%Y %H:%M", "%d/%m/%Y %H:%M:%S")


def servicenow(stream: TextIO, tz: tzinfo) -> Iterator[Record | RowError]:
    """A ServiceNow incident event log: several rows per incident, one after another;
    each incident is its row with the highest `sys_mod_count` (ties: the latest
    `sys_updated_at`). `?` is empty; dates are d/m/Y H:M in the organisation's time
    zone; "3 - Moderate" is priority 3; `made_sla` false is a breached resolution."""

    def value(row: dict[str, str], name: str) -> str:
        return _blank(row.get(name), ("", "?"))

    def latest(line: int, row: dict[str, str]) -> tuple[int, datetime]:
        return (_number(value(row, "sys_mod_count"), "sys_mod_count"),
                _when(value(row, "sys_updated_at"), SERVICENOW_DATES, tz, "sys_updated_at")
                or datetime.min.replace(tzinfo=tz))

    def parse(line: int, row: dict[str, str]) -> Record:
        state = value(row, "incident_state")
        if state not in SERVICENOW_STATES:
            raise ValueError(_("incident_state: “%(value)s” is not a ServiceNow incident "
                               "state.") % {"value": state})
        opened_at = _when(value(row, "opened_at"), SERVICENOW_DATES, tz, "opened_at")
        if opened_at is None:
            raise ValueError(_("%(column)s is required.") % {"column": "opened_at"})
        made_sla = _flag(value(row, "made_sla"), "made_sla")
        symptom = value(row, "u_symptom")
        where = " / ".join(filter(None, (value(row, "category"), value(row, "subcategory"))))
        refs = {name: value(row, name) for name in (
            "sys_mod_count", "closed_code", "problem_id", "rfc", "caused_by", "cmdb_ci",
            "location", "resolved_by") if value(row, name)}
        return Record(
            line=line, external_number=value(row, "number"),
            title=(f"{symptom} ({where})" if symptom and where else symptom or where
                   or value(row, "number"))[:200],
            stage=SERVICENOW_STATES[state], service=value(row, "category"),
            team=value(row, "assignment_group"), assignee=value(row, "assigned_to"),
            requester=value(row, "caller_id"),
            channel=SERVICENOW_CHANNELS.get(value(row, "contact_type"), Channel.PHONE),
            priority=_number(value(row, "priority"), "priority", low=1, high=4, default=4),
            impact=_number(value(row, "impact"), "impact", low=1, high=3, default=3),
            urgency=_number(value(row, "urgency"), "urgency", low=1, high=3, default=3),
            opened_at=opened_at,
            resolved_at=_when(value(row, "resolved_at"), SERVICENOW_DATES, tz, "resolved_at"),
            closed_at=_when(value(row, "closed_at"), SERVICENOW_DATES, tz, "closed_at"),
            reassignment_count=_number(value(row, "reassignment_count"), "reassignment_count"),
            reopen_count=_number(value(row, "reopen_count"), "reopen_count"),
            resolution_breached=None if made_sla is None else not made_sla, refs=refs)

    def incidents() -> Iterator[Record | RowError]:
        for number, group in itertools.groupby(_rows(stream),
                                               key=lambda pair: _blank(pair[1].get("number"))):
            rows = list(group)
            if not number:
                for line, _row in rows:
                    yield RowError(line, _("%(column)s is required.") % {"column": "number"})
                continue
            try:
                line, row = max(rows, key=lambda pair: latest(*pair))
            except ValueError as exc:
                yield RowError(rows[0][0], str(exc))
                continue
            yield from _each([(line, row)], parse)

    return incidents()


BPIC14_DATES = ("%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M", "%d-%m-%Y %H:%M:%S", "%d/%m/%Y %H:%M:%S")
# BPIC 2014 rates impact and urgency 1 (high) to 5 (low); ours run 1 to 3.
BPIC14_SCALE = {1: 1, 2: 1, 3: 2, 4: 3, 5: 3}


def bpic14(stream: TextIO, tz: tzinfo) -> Iterator[Record | RowError]:
    """The BPI Challenge 2014 incident records (Rabobank ICT): one row per incident;
    priority 5 (the lowest) is our 4; a `reopen_time` is one reopen; the service is
    the affected service component; related changes are kept with the ticket."""

    def parse(line: int, row: dict[str, str]) -> Record:
        value = {name: _blank(row.get(name)) for name in row}
        number = value.get("incident_id", "")
        if not number:
            raise ValueError(_("%(column)s is required.") % {"column": "incident_id"})
        opened_at = _when(value.get("open_time", ""), BPIC14_DATES, tz, "open_time")
        if opened_at is None:
            raise ValueError(_("%(column)s is required.") % {"column": "open_time"})
        status = value.get("status", "")
        stage = CLOSED if status == "Closed" else OPEN
        changes = [item for item in re.split(r"[,;\s]+", value.get("related_change", ""))
                   if item]
        refs = {"related_changes": changes} if changes else {}
        for name in ("closure_code", "ci_name_aff", "km_number", "handle_time_hours"):
            if value.get(name):
                refs[name] = value[name]
        category = value.get("category", "")
        ci = value.get("ci_name_aff", "")
        return Record(
            line=line, external_number=number,
            title=(f"{category.capitalize()}: {ci}" if ci else category or number)[:200],
            stage=stage, service=value.get("service_component_wbs_aff", ""),
            priority=min(_number(value.get("priority", ""), "priority", low=1, high=5,
                                 default=5), 4),
            impact=BPIC14_SCALE[_number(value.get("impact", ""), "impact", low=1, high=5,
                                        default=5)],
            urgency=BPIC14_SCALE[_number(value.get("urgency", ""), "urgency", low=1, high=5,
                                         default=5)],
            opened_at=opened_at,
            resolved_at=_when(value.get("resolved_time", ""), BPIC14_DATES, tz,
                              "resolved_time"),
            closed_at=_when(value.get("close_time", ""), BPIC14_DATES, tz, "close_time"),
            reassignment_count=_number(value.get("x_reassignments", ""), "x_reassignments"),
            reopen_count=1 if value.get("reopen_time") else 0, refs=refs)

    return _each(_rows(stream), parse)


FORMATS: dict[str, Callable[[TextIO, tzinfo], Iterator[Record | RowError]]] = {
    "generic": generic, "servicenow": servicenow, "bpic14": bpic14}


# --- writing ----------------------------------------------------------------------------


def status_of(flow: Workflow, stage: str) -> str:
    """The kind's status for a stage: its initial one, the one work starts in, its
    first on-hold one, its first resolved one, the one its auto-close leads to (else
    its first closed one)."""
    if stage == NEW:
        return flow.initial
    if stage == OPEN:
        started = flow.start_on_assign or next(
            (t.target for t in flow.transitions_from(flow.initial)
             if flow.is_open(t.target) and t.target not in flow.on_hold), flow.initial)
        return started
    if stage == ON_HOLD and flow.on_hold:
        return sorted(flow.on_hold)[0]
    if stage == RESOLVED and flow.resolved:
        return sorted(flow.resolved)[0]
    if stage in (RESOLVED, CLOSED) and flow.closed:
        closing = flow.named(flow.auto_close) if flow.auto_close else None
        return closing.target if closing else sorted(flow.closed)[0]
    return status_of(flow, OPEN)


@dataclass
class ImportResult:
    created: int = 0
    updated: int = 0
    errors: list[RowError] = field(default_factory=list)

    @property
    def skipped(self) -> int:
        return len(self.errors)


class ImportAborted(Exception):
    """A strict import met a bad row (`error`), or a dry run ended: nothing is kept;
    `result` says what would have been written."""

    def __init__(self, result: ImportResult, error: RowError | None = None):
        super().__init__(str(error) if error else "dry run")
        self.result, self.error = result, error


def _batches(items: Iterable[Any], size: int) -> Iterator[list[Any]]:
    iterator = iter(items)
    while batch := list(itertools.islice(iterator, size)):
        yield batch


BATCH = 1000
# What an update of an imported ticket rewrites.
WRITTEN = ("title", "status", "priority", "impact", "urgency", "service", "category",
           "customer", "requester", "assignment_team", "first_assignment_team", "assignee",
           "channel", "created_at", "responded_at", "resolved_at", "closed_at",
           "reassignment_count", "reopen_count", "resolution_breached", "external_sla",
           "external_refs", *facts.FACT_FIELDS)


class Importer:
    """Writes records of one source (`generic`, `servicenow`, `bpic14`) in batches.

    Names become rows once: a service by code or name, a team by name, a person by
    username, a customer by name; the ids are remembered for the run.
    """

    def __init__(self, source: str, *, strict: bool = False,
                 progress: Callable[[int], None] | None = None):
        self.source, self.strict, self.progress = source, strict, progress
        self._services: dict[str, tuple[int, int | None]] = {}
        self._teams: dict[str, int] = {}
        self._people: dict[str, int] = {}
        self._customers: dict[str, int] = {}

    def run(self, records: Iterable[Record | RowError], *, dry_run: bool = False
            ) -> ImportResult:
        """Import every record. A strict run or a dry run is one transaction: the
        first bad row of a strict run, or the end of a dry run, raises ImportAborted
        (with the result so far) and undoes it all."""
        result = ImportResult()
        with transaction.atomic() if (self.strict or dry_run) else nullcontext():
            for batch in _batches(records, BATCH):
                good = []
                for item in batch:
                    error = item if isinstance(item, RowError) else self._check(item)
                    if error is None:
                        good.append(item)
                    elif self.strict:
                        raise ImportAborted(result, error)
                    else:
                        result.errors.append(error)
                with transaction.atomic():
                    created, updated = self._write(self._latest(good))
                result.created += created
                result.updated += updated
                if self.progress is not None:
                    self.progress(len(batch))
            if dry_run:
                raise ImportAborted(result)
        return result

    # --- checks -------------------------------------------------------------------

    def _check(self, record: Record) -> RowError | None:
        process = registry.find(record.kind)
        if process is None:
            return RowError(record.line, _("kind: “%(value)s” is not a kind of ticket here.")
                            % {"value": record.kind})
        flow = process.workflow
        if record.status:
            if record.status not in flow.statuses.values:
                return RowError(record.line, _("status: “%(value)s” is not a status of "
                                               "%(kind)s; choose from %(choices)s.")
                                % {"value": record.status, "kind": record.kind,
                                   "choices": ", ".join(flow.statuses.values)})
        else:
            record.status = status_of(flow, record.stage or OPEN)
        if flow.is_open(record.status):
            record.resolved_at = record.closed_at = None  # an open ticket is not resolved yet
        elif record.status not in flow.closed:
            record.closed_at = None
        for name in ("responded_at", "resolved_at", "closed_at"):
            moment = getattr(record, name)
            if moment is not None and moment < record.opened_at:
                return RowError(record.line, _("%(column)s is before opened_at.")
                                % {"column": name})
        if (record.resolved_at and record.closed_at
                and record.closed_at < record.resolved_at):
            return RowError(record.line, _("closed_at is before resolved_at."))
        if not record.title:
            return RowError(record.line, _("%(column)s is required.") % {"column": "title"})
        return None

    @staticmethod
    def _latest(records: list[Record]) -> list[Record]:
        """One record per number in a batch: the last one read."""
        return list({record.external_number: record for record in records}.values())

    # --- names --------------------------------------------------------------------

    def _service(self, name: str) -> tuple[int | None, int | None]:
        """(service id, its category id), the service created (imported) if new."""
        if not name:
            return None, None
        if name not in self._services:
            found = (Service.objects.filter(code=name).first()
                     or Service.objects.filter(name=name).first())
            if found is None:
                found = Service.objects.create(name=name[:200],
                                               code=_unique_code(Service, name), imported=True)
            self._services[name] = (found.pk, found.category_id)
        return self._services[name]

    def _team(self, name: str) -> int | None:
        if not name:
            return None
        if name not in self._teams:
            team, _created = Team.objects.get_or_create(name=name[:200],
                                                        defaults={"imported": True})
            self._teams[name] = team.pk
        return self._teams[name]

    def _customer(self, name: str) -> int | None:
        if not name:
            return None
        if name not in self._customers:
            customer = (Customer.objects.filter(code=name).first()
                        or Customer.objects.filter(name=name).first())
            if customer is None:
                customer = Customer.objects.create(name=name[:200],
                                                   code=_unique_code(Customer, name),
                                                   imported=True)
            self._customers[name] = customer.pk
        return self._customers[name]

    def _person(self, name: str) -> int | None:
        """A person by username (or the name as the other tool wrote it), created
        without a login if new: history names people who never use this desk."""
        if not name:
            return None
        if name not in self._people:
            username = slugify(name)[:150] or "imported"
            user = User.objects.filter(username=name).first() or \
                User.objects.filter(username=username).first()
            if user is None:
                first, _space, last = name.partition(" ")
                user = User(username=username, first_name=first[:150], last_name=last[:150],
                            is_active=False)
                user.set_unusable_password()
                user.save()
            self._people[name] = user.pk
        return self._people[name]

    def _someone(self) -> int:
        """Who logged a ticket the file names nobody for."""
        return self._person(f"import-{self.source}")

    # --- rows ---------------------------------------------------------------------

    def _fill(self, ticket: Ticket, record: Record) -> Ticket:
        service_id, category_id = self._service(record.service)
        team_id = self._team(record.team)
        ticket.kind = record.kind
        ticket.title = record.title
        ticket.status = record.status
        ticket.priority, ticket.impact, ticket.urgency = (
            record.priority, record.impact, record.urgency)
        ticket.service_id, ticket.category_id = service_id, category_id
        ticket.customer_id = self._customer(record.customer)
        ticket.requester_id = self._person(record.requester) or self._someone()
        ticket.assignment_team_id = team_id
        # Never passed on: the team that has it was the first; else unknown.
        ticket.first_assignment_team_id = team_id if record.reassignment_count == 0 else None
        ticket.assignee_id = self._person(record.assignee)
        ticket.channel = record.channel
        ticket.created_at = record.opened_at
        ticket.responded_at = record.responded_at
        ticket.resolved_at = record.resolved_at
        ticket.closed_at = record.closed_at
        ticket.reassignment_count = record.reassignment_count
        ticket.reopen_count = record.reopen_count
        ticket.external_sla = record.resolution_breached is not None
        ticket.resolution_breached = bool(record.resolution_breached)
        ticket.external_refs = record.refs
        facts.measure(ticket)
        return ticket

    def _write(self, records: list[Record]) -> tuple[int, int]:
        if not records:
            return 0, 0
        existing = {ticket.external_number: ticket for ticket in Ticket.objects.filter(
            import_source=self.source,
            external_number__in=[record.external_number for record in records])}
        updates, creations = [], []
        for record in records:
            ticket = existing.get(record.external_number)
            if ticket is not None and ticket.kind != record.kind:
                continue  # a number once imported as another kind keeps its kind
            if ticket is not None:
                before = _written(ticket)
                if _written(self._fill(ticket, record)) != before:
                    updates.append(ticket)
            else:
                creations.append(self._fill(Ticket(external_number=record.external_number,
                                                   import_source=self.source), record))
        for ticket in (*updates, *creations):
            facts.changed(ticket, None)  # in the caller's history() block: how far back
        if updates:
            Ticket.objects.bulk_update(updates, WRITTEN, batch_size=500)
        by_kind: dict[str, list[Ticket]] = {}
        for ticket in creations:
            by_kind.setdefault(ticket.kind, []).append(ticket)
        for kind, tickets in by_kind.items():
            for ticket, number in zip(tickets, reserve_numbers(kind, len(tickets)),
                                      strict=True):
                ticket.number = number
            Ticket.objects.bulk_create(tickets, batch_size=500)
            _insert_kind_rows(registry.process_for(kind).model, tickets)
        note = _("Imported from %(source)s, where it was %(number)s.")
        TicketEvent.objects.bulk_create(
            [TicketEvent(ticket_id=ticket.pk, kind=EventKind.CREATED, new_value=ticket.status,
                         note=note % {"source": self.source, "number": ticket.external_number},
                         is_public=True, created_at=ticket.created_at)
             for ticket in creations], batch_size=1000)
        return len(creations), len(updates)


def _written(ticket: Ticket) -> tuple:
    """What an import writes of a ticket, to tell whether running it again changed it."""
    return tuple(getattr(ticket, Ticket._meta.get_field(name).attname) for name in WRITTEN)


def _insert_kind_rows(model: type[Ticket], tickets: list[Ticket]) -> None:
    """The kind's own table rows (their defaults) for tickets just written to the
    ticket table: Django's bulk_create writes one table of a multi-table model only."""
    if model is Ticket or not tickets:
        return
    link = model._meta.parents[Ticket]
    own = [f for f in model._meta.local_concrete_fields if f is not link]
    columns = ", ".join(connection.ops.quote_name(f.column) for f in (link, *own))
    defaults = [f.get_db_prep_save(f.get_default(), connection) for f in own]
    table = connection.ops.quote_name(model._meta.db_table)
    for chunk in _batches(tickets, 500):
        placeholders = ", ".join(["(" + ", ".join(["%s"] * (1 + len(own))) + ")"] * len(chunk))
        params = [value for ticket in chunk for value in (ticket.pk, *defaults)]
        with connection.cursor() as cursor:
            cursor.execute(f"INSERT INTO {table} ({columns}) VALUES {placeholders}", params)


def _unique_code(model: type, name: str) -> str:
    """A free `code` (a slug of 40) for a new catalog row named `name`."""
    code = slugify(name)[:40] or "imported"
    taken = set(model.objects.filter(code__startswith=code[:34]).values_list("code", flat=True))
    candidate, n = code, 1
    while candidate in taken:
        n += 1
        candidate = f"{code[:34]}-{n}"
    return candidate


def import_file(stream: TextIO, source: str, *, tz: tzinfo | None = None,
                strict: bool = False, dry_run: bool = False,
                progress: Callable[[int], None] | None = None) -> ImportResult:
    """Import a file of one of FORMATS as history: the KPIs are recomputed once, from
    the earliest ticket written (`facts.history()`). A dry run checks and counts
    everything, then writes nothing (and recomputes nothing); a strict import that
    meets a bad row raises ImportAborted and writes nothing."""
    tz = tz or timezone.get_default_timezone()
    importer = Importer(source, strict=strict, progress=progress)
    try:
        with facts.history():
            return importer.run(FORMATS[source](stream, tz), dry_run=dry_run)
    except ImportAborted as aborted:
        if aborted.error is not None:
            raise
        return aborted.result
