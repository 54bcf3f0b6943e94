"""The demo desk: customers, teams, services, CIs, one login per role, the calendars
and SLAs, and the helpers each process's demo step writes its history with.

`manage.py seed_demo` builds the desk, then asks every registered process for its
demo step (`Process.demo`), which writes months of history through the real services
(with `when=`), so numbers, events, counters and timestamps are what the product
itself would have written. Then `settle` does what the beat tasks would have done
while that history ran.
"""

from __future__ import annotations

import math
import random
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from datetime import time as clock_time
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import Group
from django.core.management.base import CommandError
from django.db.models import F, OuterRef, Subquery
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext as _

from catalog.management.commands.seed_holidays import public_holidays
from catalog.models import (
    Calendar,
    CIType,
    ConfigurationItem,
    Criticality,
    Customer,
    Holiday,
    Service,
    ServiceLevelAgreement,
    SLATarget,
    Team,
    TeamRate,
    WorkingPeriod,
)

from .. import escalation, sla
from ..base import roles
from ..models import Ticket, TicketEvent, User
from .catalog import FIRST_LINE, document_catalog

DEMO_PASSWORD = "demo"
# (role, username): the logins `make run` prints; every demo user has DEMO_PASSWORD.
DEMO_LOGINS: tuple[tuple[str, str], ...] = (
    (roles.REQUESTER, "requester"),
    (roles.AGENT, "agent"),
    (roles.TEAM_LEAD, "team_lead"),
    (roles.CHANGE_MANAGER, "change_manager"),
    (roles.MANAGER, "manager"),
    (roles.ADMIN, "admin"),
)

# --- the catalog ------------------------------------------------------------------------

# (name, code, members see each other's tickets)
CUSTOMERS = (
    ("Retail banking", "retail-banking", True),
    ("Corporate banking", "corporate-banking", False),
    ("Insurance", "insurance", False),
    ("Finance and risk", "finance-risk", True),
    ("Human resources", "human-resources", False),
)
DEMO_CUSTOMER_CODES = tuple(code for _name, code, _share in CUSTOMERS)

# (name, email, description, extra agents "First Last"; the first extra of a
# second-line team is its team lead)
TEAMS = (
    (FIRST_LINE, "servicedesk@example.com",
     "First line: takes every call, mail and portal ticket and solves what it can.",
     ("Sanne de Vries", "Lars Eriksson", "Mei Chen", "Tom Janssen")),
    ("Network operations", "netops@example.com",
     "LAN, Wi-Fi, WAN links, firewalls, VPN and telephony.",
     ("Nina Berg", "Pieter Smit", "Wei Zhang")),
    ("Application operations", "appops@example.com",
     "Runs the business applications: ERP, CRM, HR portal and their interfaces.",
     ("Anna Lindqvist", "Daan Bakker", "Li Na", "Erik Holm")),
    ("Database operations", "dbops@example.com",
     "Database servers, the data warehouse, backups and restores.",
     ("Jonas Nilsson", "Fleur Visser")),
    ("Workplace services", "workplace@example.com",
     "Laptops, printers, mobile devices, email and file shares.",
     ("Karin Dekker", "Ola Svensson", "Hui Wang")),
    ("Identity and access", "iam@example.com",
     "Accounts, passwords, multi-factor authentication and access rights.",
     ("Maria Andersson", "Bram Mulder")),
)


@dataclass(frozen=True)
class CatalogSpec:
    """A demo service: its owner team and the CIs it runs on."""

    name: str
    code: str
    team: str
    cis: tuple[tuple[str, str], ...]


SERVICES = (
    CatalogSpec("Email and calendar", "email", "Workplace services",
                (("mail-exch-01", CIType.SERVER), ("mail-exch-02", CIType.SERVER))),
    CatalogSpec("Workplace devices", "workplace-devices", "Workplace services",
                (("print-srv-01", CIType.SERVER),)),
    CatalogSpec("VPN and remote access", "vpn", "Network operations",
                (("vpn-gw-01", CIType.NETWORK), ("fw-edge-01", CIType.NETWORK))),
    CatalogSpec("Office network and Wi-Fi", "network", "Network operations",
                (("core-sw-01", CIType.NETWORK), ("wlan-ctrl-01", CIType.NETWORK))),
    CatalogSpec("Accounts and access", "access", "Identity and access",
                (("ad-dc-01", CIType.SERVER), ("ad-dc-02", CIType.SERVER))),
    CatalogSpec("ERP (finance)", "erp", "Application operations",
                (("erp-app-01", CIType.APPLICATION), ("erp-db-01", CIType.DATABASE))),
    CatalogSpec("CRM", "crm", "Application operations",
                (("crm-app-01", CIType.APPLICATION),)),
    CatalogSpec("HR self-service portal", "hr-portal", "Application operations",
                (("hr-portal-01", CIType.APPLICATION),)),
    CatalogSpec("Data warehouse and reporting", "reporting", "Database operations",
                (("dwh-db-01", CIType.DATABASE), ("etl-01", CIType.SERVER))),
    CatalogSpec("Telephony and contact centre", "telephony", "Network operations",
                (("pbx-01", CIType.SERVER),)),
    CatalogSpec("File shares and collaboration", "file-shares", "Workplace services",
                (("fs-01", CIType.STORAGE),)),
)

# --- service levels ---------------------------------------------------------------------

OFFICE_CALENDAR = "Office hours"
OFFICE_HOURS = (clock_time(8), clock_time(17))  # Monday to Friday
# priority -> (response, resolution) in minutes of calendar time
SLA_TARGETS = {1: (30, 240), 2: (60, 480), 3: (240, 1440), 4: (480, 2880)}
# Infrastructure everyone needs around the clock runs on the 24×7 calendar; the business
# applications and the workplace on office hours.
ROUND_THE_CLOCK = ("vpn", "network", "access", "telephony")
# One customer buys a tighter agreement for one service: the most specific SLA wins.
CUSTOMER_SLA = ("corporate-banking", "erp",
                {1: (15, 120), 2: (30, 240), 3: (120, 720), 4: (240, 1440)})

REQUESTER_NAMES = (
    "Emma Jansen", "Noah Peeters", "Julia Svensson", "Liam de Jong", "Sofia Karlsson",
    "Lucas Hendriks", "Wang Fang", "Olivia Berg", "Milan Vos", "Elin Lund", "Zhou Min",
    "Finn van Dijk", "Saga Nyström", "Levi Meijer", "Tess Kuipers", "Hugo Ström",
    "Liu Yang", "Isa Willems", "Axel Eklund", "Mila Bos", "Chen Jie", "Sem de Boer",
    "Ebba Holmberg", "Lotte Prins", "Gao Lei", "Ruben Kok", "Wilma Sandberg", "Jesse Post",
    "Vera Lindgren", "Zhao Lin",
)
REQUESTERS_PER_CUSTOMER = 6
MONITORING_USERNAME = "monitoring"

# --- the arrival pattern ----------------------------------------------------------------

# Relative volume per weekday (Monday first) and per hour of the day.
WEEKDAY_FACTOR = (1.35, 1.1, 1.05, 1.0, 0.9, 0.22, 0.15)
HOUR_WEIGHTS = (1, 1, 1, 1, 1, 2, 4, 10, 22, 26, 24, 20, 14, 18, 20, 18, 14, 8, 5, 4, 3, 2, 2, 1)


@dataclass
class Desk:
    """The people and catalog the history is written with."""

    customers: list[Customer]
    teams: dict[str, Team]
    members: dict[int, list[User]]  # team pk -> agents
    services: list[tuple[CatalogSpec, Service, list[ConfigurationItem]]]
    requesters: dict[int, list[User]]  # customer pk -> requesters
    monitoring: User
    logins: dict[str, User]

    def agent(self, rng: random.Random, team: Team) -> User:
        return rng.choice(self.members[team.pk])


def weighted(rng: random.Random, weights: dict[Any, int]) -> Any:
    return rng.choices(list(weights), weights=list(weights.values()))[0]


def poisson(rng: random.Random, mean: float) -> int:
    """Knuth's method; fine for the small means of a day's arrivals."""
    limit, k, p = math.exp(-mean), 0, 1.0
    while True:
        p *= rng.random()
        if p <= limit:
            return k
        k += 1


def office_time(moment: datetime, rng: random.Random) -> datetime:
    """The moment, or the next working morning if it falls outside office hours."""
    local = timezone.localtime(moment)
    if local.weekday() < 5 and 8 <= local.hour < 18:
        return moment
    day = local.date() if local.hour < 8 else local.date() + timedelta(days=1)
    while day.weekday() >= 5:
        day += timedelta(days=1)
    start = timezone.make_aware(datetime(day.year, day.month, day.day, 8))
    return start + timedelta(minutes=rng.uniform(5, 90))


def lognormal(rng: random.Random, median: float, sigma: float = 0.7) -> float:
    return rng.lognormvariate(math.log(median), sigma)


def username_of(full_name: str) -> str:
    return ".".join(full_name.lower().replace("-", "").split())


def demo_usernames() -> list[str]:
    names = [username for _role, username in DEMO_LOGINS] + [MONITORING_USERNAME]
    for _team, _email, _desc, extras in TEAMS:
        names += [username_of(person) for person in extras]
    return names


def build_desk() -> Desk:
    password = make_password(DEMO_PASSWORD)  # hashed once: PBKDF2 per user is slow
    groups = {group.name: group for group in Group.objects.all()}
    missing = set(roles.ALL_ROLES) - set(groups)
    if missing:
        raise CommandError(_("Role groups are missing (%(names)s); run migrate first.")
                           % {"names": ", ".join(sorted(missing))})

    def person(username: str, full_name: str, role: str | None, **extra: Any) -> User:
        first, _sep, last = full_name.partition(" ")
        user = User.objects.create(
            username=username, first_name=first, last_name=last, password=password,
            email=f"{username}@example.com", **extra,
        )
        if role:
            user.groups.add(groups[role])
        return user

    customers = [Customer.objects.create(name=name, code=code, share_tickets=share)
                 for name, code, share in CUSTOMERS]
    logins = {
        username: person(username, full_name, role, **extra)
        for (role, username), (full_name, extra) in zip(DEMO_LOGINS, (
            ("Robin Requester", {"customer": customers[0]}),
            ("Alex Agent", {}),
            ("Tara Teamlead", {}),
            ("Chris Changemanager", {}),
            ("Morgan Manager", {}),
            ("Ada Admin", {"is_staff": True, "is_superuser": True}),
        ), strict=True)
    }
    monitoring = person(MONITORING_USERNAME, "Monitoring System", None)
    monitoring.set_unusable_password()
    monitoring.save(update_fields=["password"])

    teams: dict[str, Team] = {}
    members: dict[int, list[User]] = {}
    for name, email, description, extras in TEAMS:
        team = Team.objects.create(name=name, email=email, description=description)
        people = [person(username_of(full), full, roles.AGENT) for full in extras]
        if name == FIRST_LINE:
            people = [logins["agent"], logins["team_lead"], *people]
            team.lead = logins["team_lead"]
            # The service desk categorises what names no service.
            team.is_triage = True
        else:
            people[0].groups.add(groups[roles.TEAM_LEAD])
            team.lead = people[0]
        team.save(update_fields=["lead", "is_triage"])
        team.members.add(*people)
        teams[name] = team
        members[team.pk] = people

    services = []
    for spec in SERVICES:
        owner = teams[spec.team]
        service = Service.objects.create(
            name=spec.name, code=spec.code, owner_team=owner,
            description=_("Owned by %(team)s.") % {"team": owner.name},
        )
        cis = []
        for ci_name, ci_type in spec.cis:
            ci = ConfigurationItem.objects.create(name=ci_name, ci_type=ci_type,
                                                  owner_team=owner)
            ci.services.add(service)
            cis.append(ci)
        services.append((spec, service, cis))
    document_catalog({service.code: service for _spec, service, _cis in services},
                     teams, logins["admin"])

    names = iter(REQUESTER_NAMES)
    requesters: dict[int, list[User]] = {}
    for customer in customers:
        people = [logins["requester"]] if customer == customers[0] else []
        for _i in range(REQUESTERS_PER_CUSTOMER - len(people)):
            full = next(names)
            people.append(person(username_of(full), full, roles.REQUESTER, customer=customer))
        requesters[customer.pk] = people
    return Desk(customers, teams, members, services, requesters, monitoring, logins)


def build_service_levels(desk: Desk, now: datetime, days: int, country: str,
                         say: Callable[[str], None]) -> None:
    """The office calendar (with the country's public holidays over the history and
    the year ahead) and an SLA per service; before any ticket, so each one gets its
    due times from the real `itsm.sla.apply`."""
    # What an hour of each team costs, with a raise a quarter ago (rates are dated).
    start = timezone.localdate(now - timedelta(days=days))
    raise_day = timezone.localdate(now - timedelta(days=90))
    TeamRate.objects.bulk_create(
        TeamRate(team=team, hourly_rate=Decimal(rate) * factor, valid_from=valid_from)
        for position, team in enumerate(desk.teams.values())
        for rate in (str(65 + 10 * position),)
        for valid_from, factor in ((start, Decimal(1)), (raise_day, Decimal("1.05")))
        if valid_from >= start)
    office, _created = Calendar.objects.get_or_create(
        name=OFFICE_CALENDAR, defaults={
            "time_zone": settings.TIME_ZONE,
            "description": _("Monday to Friday 08:00-17:00, public holidays off."),
        })
    if not office.periods.exists():
        WorkingPeriod.objects.bulk_create(
            WorkingPeriod(calendar=office, weekday=day, start=OFFICE_HOURS[0],
                          end=OFFICE_HOURS[1])
            for day in range(5))
    first = timezone.localdate(now - timedelta(days=days)).year
    last = timezone.localdate(now).year + 1
    known = set(office.holidays.values_list("date", flat=True))
    added = 0
    try:
        for year in range(first, last + 1):
            entries, _subdiv = public_holidays(country, None, year)
            new = [Holiday(calendar=office, date=day, name=name[:100])
                   for day, name in sorted(entries.items()) if day not in known]
            Holiday.objects.bulk_create(new)
            added += len(new)
    except CommandError as error:
        say(_("No public holidays in %(calendar)s: %(error)s")
                          % {"calendar": office.name, "error": error})
    else:
        say(_("%(calendar)s: %(n)d public holidays of %(country)s "
                            "%(first)d-%(last)d.")
                          % {"calendar": office.name, "n": added,
                             "country": country.upper(), "first": first, "last": last})

    always = Calendar.default()
    customers = {customer.code: customer for customer in desk.customers}

    def agreement(service: Service | None, calendar: Calendar, targets: dict, name: str,
                  customer: Customer | None = None) -> None:
        agreement = ServiceLevelAgreement.objects.create(
            name=name, service=service, customer=customer, calendar=calendar)
        SLATarget.objects.bulk_create(
            SLATarget(sla=agreement, priority=priority, response_minutes=response,
                      resolution_minutes=resolution)
            for priority, (response, resolution) in targets.items())

    for spec, service, _cis in desk.services:
        round_the_clock = spec.code in ROUND_THE_CLOCK
        if round_the_clock:
            service.criticality = Criticality.CRITICAL
            service.save(update_fields=["criticality"])
        agreement(service, always if round_the_clock else office, SLA_TARGETS,
                  _("%(service)s standard (%(calendar)s)")
                  % {"service": spec.name, "calendar": always.name if round_the_clock
                     else office.name})
        if spec.code == CUSTOMER_SLA[1]:
            customer = customers[CUSTOMER_SLA[0]]
            agreement(service, office, CUSTOMER_SLA[2],
                      _("%(service)s premium for %(customer)s")
                      % {"service": spec.name, "customer": customer.name}, customer)
    # Tickets that name no service are timed by the default SLA while triage decides.
    if not ServiceLevelAgreement.objects.default().exists():
        agreement(None, office, SLA_TARGETS, _("Default, while a ticket is categorised"))
    say(_("Created %(n)d SLAs on the %(office)s and %(always)s calendars.")
        % {"n": ServiceLevelAgreement.objects.count(), "office": office.name,
           "always": always.name})


def arrivals(rng: random.Random, now: datetime, days: int, per_day: float,
             weights: tuple[float, ...] = WEEKDAY_FACTOR,
             hours: tuple[int, ...] = HOUR_WEIGHTS) -> Iterator[datetime]:
    """Creation times, oldest first: office-hour and Monday peaks, quiet weekends."""
    base = per_day / (sum(weights) / 7)
    today = timezone.localdate(now)
    for offset in range(days - 1, -1, -1):
        day: date = today - timedelta(days=offset)
        count = poisson(rng, base * weights[day.weekday()])
        chosen = rng.choices(range(24), weights=hours, k=count)
        moments = sorted(
            timezone.make_aware(datetime(day.year, day.month, day.day, hour))
            + timedelta(seconds=rng.randrange(3600))
            for hour in chosen
        )
        yield from (moment for moment in moments if moment <= now)


def settle(now: datetime) -> tuple[int, int, int]:
    """What the beat tasks and the clock would have done while the history ran: each
    ticket's `updated_at` is its last event (every save above stamped the wall clock),
    the SLA flags the every-minute scan would have set, at their moments, and the
    escalations they caused; then the scan runs once, as it would now. Returns (flags,
    escalations, flagged now)."""
    latest = (TicketEvent.objects.filter(ticket=OuterRef("pk"))
              .order_by("-created_at").values("created_at")[:1])
    Ticket.objects.update(updated_at=Coalesce(Subquery(latest), F("created_at")))
    flags = sla.flag_history(now)
    escalated = escalation.escalate_history(flags)
    flagged_now = sum(len(pks) for pks in sla.scan(now).values())
    return len(flags), len(escalated), flagged_now
