"""`manage.py seed_demo`: fill an empty database with a believable service desk.

Customers, teams, services, CIs, one login per role and months of incident history
that ends now. Every incident is written through the real services
(`create_incident`, `workflow.assign`, `workflow.transition`, `add_comment`, each
with `when=`), so numbers, events, counters and timestamps are what the product
itself would have written. The history is drawn from a seeded random generator:
the same `--seed` gives the same desk.
"""

from __future__ import annotations

import math
import random
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from datetime import time as clock_time
from typing import Any

from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import Group
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction
from django.db.models import F, OuterRef, ProtectedError, Subquery
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
    ServiceCategory,
    ServiceLevelAgreement,
    SLATarget,
    Supplier,
    SupportLevel,
    Team,
    WorkingPeriod,
)
from incidents.choices import IncidentStatus, OnHoldReason, ResolutionCode
from incidents.models import Incident
from incidents.services import create_incident
from itsm import sla, workflow
from itsm.base import roles
from itsm.choices import Channel, EventKind
from itsm.escalation import BREACH_FLAGS, next_level
from itsm.models import Ticket, TicketEvent, TicketSequence, User
from itsm.services import add_comment

from ._demo_catalog import DEMO_CATEGORY_CODES, DEMO_SUPPLIERS, FIRST_LINE, document_catalog

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
class ServiceSpec:
    """A demo service: who owns it, how often it breaks, what people report, what fixed it."""

    name: str
    code: str
    team: str
    weight: int  # share of the incident volume
    cis: tuple[tuple[str, str], ...]
    titles: tuple[str, ...]
    fixes: tuple[str, ...]


SERVICES = (
    ServiceSpec(
        "Email and calendar", "email", "Workplace services", 14,
        (("mail-exch-01", CIType.SERVER), ("mail-exch-02", CIType.SERVER)),
        ("Outlook keeps asking for my password", "Cannot send email to external addresses",
         "Shared mailbox not visible in Outlook", "Meeting invitations arrive twice",
         "Mailbox full, cannot receive mail", "Calendar of my team is not loading"),
        ("Rebuilt the Outlook profile", "Archived old mail and raised the mailbox quota",
         "Re-added the shared mailbox permissions", "Removed a stale delegate rule"),
    ),
    ServiceSpec(
        "Workplace devices", "workplace-devices", "Workplace services", 16,
        (("print-srv-01", CIType.SERVER),),
        ("Laptop does not start after update", "Printer on floor 3 prints blank pages",
         "Docking station: external monitors stay black", "Laptop battery drains within an hour",
         "Keyboard on my laptop types wrong characters", "New starter laptop not ready"),
        ("Rolled back the failed driver update", "Replaced the toner and cleared the queue",
         "Updated the docking station firmware", "Replaced the battery under warranty"),
    ),
    ServiceSpec(
        "VPN and remote access", "vpn", "Network operations", 9,
        (("vpn-gw-01", CIType.NETWORK), ("fw-edge-01", CIType.NETWORK)),
        ("VPN disconnects every few minutes", "Cannot connect to VPN from home",
         "VPN connects but no internal sites load", "Remote desktop to my PC fails"),
        ("Reissued the VPN certificate", "Adjusted the split-tunnel routes",
         "Cleared the stale session on the gateway"),
    ),
    ServiceSpec(
        "Office network and Wi-Fi", "network", "Network operations", 8,
        (("core-sw-01", CIType.NETWORK), ("wlan-ctrl-01", CIType.NETWORK)),
        ("Wi-Fi on the 4th floor is very slow", "No network on the desk port in room 2.14",
         "Guest Wi-Fi login page does not appear", "Network drops during video calls"),
        ("Moved the access point to a free channel", "Re-patched the desk port",
         "Restarted the guest portal service"),
    ),
    ServiceSpec(
        "Accounts and access", "access", "Identity and access", 13,
        (("ad-dc-01", CIType.SERVER), ("ad-dc-02", CIType.SERVER)),
        ("Account locked out", "Forgot my password", "MFA app lost with my old phone",
         "Need access to the finance share", "New colleague cannot log in"),
        ("Unlocked the account and reset the password", "Re-enrolled the MFA device",
         "Added the user to the right access group"),
    ),
    ServiceSpec(
        "ERP (finance)", "erp", "Application operations", 10,
        (("erp-app-01", CIType.APPLICATION), ("erp-db-01", CIType.DATABASE)),
        ("Invoice approval screen hangs", "Month-end report shows wrong totals",
         "Cannot post journal entries", "ERP very slow since this morning"),
        ("Cleared the locked approval batch", "Re-ran the period-close job",
         "Restarted the application server after a memory leak"),
    ),
    ServiceSpec(
        "CRM", "crm", "Application operations", 8,
        (("crm-app-01", CIType.APPLICATION),),
        ("Customer records do not save", "CRM search returns no results",
         "Cannot log a customer call in CRM", "CRM export to Excel fails"),
        ("Rebuilt the search index", "Fixed the field validation rule",
         "Increased the export size limit"),
    ),
    ServiceSpec(
        "HR self-service portal", "hr-portal", "Application operations", 5,
        (("hr-portal-01", CIType.APPLICATION),),
        ("Cannot submit my leave request", "Payslip not visible in the portal",
         "Expense claim stuck in approval"),
        ("Re-synced the manager hierarchy", "Republished the payslip batch"),
    ),
    ServiceSpec(
        "Data warehouse and reporting", "reporting", "Database operations", 7,
        (("dwh-db-01", CIType.DATABASE), ("etl-01", CIType.SERVER)),
        ("Daily sales dashboard not refreshed", "Report times out",
         "Numbers in the risk report differ from the source"),
        ("Restarted the failed ETL job and reloaded the day", "Added a missing index",
         "Fixed the currency conversion in the load"),
    ),
    ServiceSpec(
        "Telephony and contact centre", "telephony", "Network operations", 5,
        (("pbx-01", CIType.SERVER),),
        ("Calls drop after 30 seconds", "Softphone shows offline",
         "Queue statistics missing on the wall board"),
        ("Replaced the faulty SIP trunk configuration", "Re-registered the softphone"),
    ),
    ServiceSpec(
        "File shares and collaboration", "file-shares", "Workplace services", 5,
        (("fs-01", CIType.STORAGE),),
        ("Cannot open files on the team share", "Deleted a folder by mistake, please restore",
         "Share is almost full"),
        ("Restored the folder from last night's backup", "Fixed the share permissions",
         "Extended the volume"),
    ),
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
# (impact, urgency) -> weight; gives about 2 % P1, 8 % P2, 38 % P3, 52 % P4.
IMPACT_URGENCY = {(1, 1): 2, (1, 2): 3, (2, 1): 5, (1, 3): 3, (2, 2): 25, (3, 1): 10,
                  (2, 3): 20, (3, 2): 20, (3, 3): 12}
CHANNELS = {Channel.PORTAL: 35, Channel.PHONE: 30, Channel.EMAIL: 20, Channel.MONITORING: 12,
            Channel.WALK_IN: 3}
# Median minutes to the first response and hours of work to a resolution, by priority.
RESPONSE_MINUTES = {1: 8, 2: 25, 3: 90, 4: 180}
RESOLUTION_HOURS = {1: 2.5, 2: 6, 3: 18, 4: 36}
RESOLUTION_CODES = {
    ResolutionCode.SOLVED_PERMANENTLY: 45, ResolutionCode.SOLVED_WORKAROUND: 15,
    ResolutionCode.SOLVED_REMOTELY: 20, ResolutionCode.USER_ERROR: 10,
    ResolutionCode.NOT_REPRODUCIBLE: 7, ResolutionCode.DUPLICATE: 3,
}
HOLD_REASONS = {OnHoldReason.AWAITING_CALLER: 60, OnHoldReason.AWAITING_SUPPLIER: 25,
                OnHoldReason.AWAITING_CHANGE: 10, OnHoldReason.AWAITING_PROBLEM: 5}
MONITORING_ALERTS = ("CPU above 95 % for 15 minutes", "service check failed",
                     "disk usage above 90 %", "host unreachable", "response time above 5 s")
MAJOR_EVERY_DAYS = 21

GREETINGS = ("Hello, I am looking into this now.", "Thanks for reporting; I have picked this up.",
             "I am on it and will update you within the hour.",
             "Could you tell me since when this happens?")
WORK_NOTES = ("Checked the logs; no errors on the server side.",
              "Reproduced the issue on a test account.",
              "Same symptom reported by two other users this week.",
              "Waiting for the vendor knowledge base article.")
CHASERS = ("Any update on this?", "This is still happening, please help.",
           "It is blocking my work today.")


@dataclass
class Desk:
    """The people and catalog the history is written with."""

    customers: list[Customer]
    teams: dict[str, Team]
    members: dict[int, list[User]]  # team pk -> agents
    services: list[tuple[ServiceSpec, Service, list[ConfigurationItem]]]
    requesters: dict[int, list[User]]  # customer pk -> requesters
    monitoring: User


def _weighted(rng: random.Random, weights: dict[Any, int]) -> Any:
    return rng.choices(list(weights), weights=list(weights.values()))[0]


def _poisson(rng: random.Random, mean: float) -> int:
    """Knuth's method; fine for the small means of a day's arrivals."""
    limit, k, p = math.exp(-mean), 0, 1.0
    while True:
        p *= rng.random()
        if p <= limit:
            return k
        k += 1


def _office_time(moment: datetime, rng: random.Random) -> datetime:
    """The moment, or the next working morning if it falls outside office hours."""
    local = timezone.localtime(moment)
    if local.weekday() < 5 and 8 <= local.hour < 18:
        return moment
    day = local.date() if local.hour < 8 else local.date() + timedelta(days=1)
    while day.weekday() >= 5:
        day += timedelta(days=1)
    start = timezone.make_aware(datetime(day.year, day.month, day.day, 8))
    return start + timedelta(minutes=rng.uniform(5, 90))


def _lognormal(rng: random.Random, median: float, sigma: float = 0.7) -> float:
    return rng.lognormvariate(math.log(median), sigma)


class Command(BaseCommand):
    help = _("Load demo customers, teams, services, users (one per role) and incident history.")

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--days", type=int, default=182,
                            help=_("Days of incident history ending now (default 182)."))
        parser.add_argument("--per-day", type=float, default=16.0,
                            help=_("Mean incidents a day over the week (default 16: about "
                                   "20 on a working day, 3 on a weekend day)."))
        parser.add_argument("--seed", type=int, default=42,
                            help=_("Random seed; the same seed gives the same history."))
        parser.add_argument("--country", default="SE",
                            help=_("Country whose public holidays the office calendar "
                                   "observes (ISO code, default SE)."))
        parser.add_argument("--reset", action="store_true",
                            help=_("Delete every ticket and the demo catalog and users first."))

    def handle(self, *args: Any, **options: Any) -> None:
        if options["days"] < 1 or options["per_day"] <= 0:
            raise CommandError(_("--days and --per-day must be positive."))
        if options["reset"]:
            self._reset()
        elif Customer.objects.filter(code__in=DEMO_CUSTOMER_CODES).exists():
            self.stdout.write(_("Demo data is already loaded; nothing to do "
                                "(use --reset to replace it)."))
            return
        elif Ticket.objects.exists():
            raise CommandError(_("This database already has tickets; seed_demo only fills an "
                                 "empty database (or use --reset to delete them)."))

        started = time.monotonic()
        rng = random.Random(options["seed"])
        now = timezone.now().replace(microsecond=0)
        # All or nothing: an interrupted run leaves an empty database to start again on.
        with transaction.atomic():
            desk = self._build_desk()
            self.stdout.write(
                _("Created %(c)d customers, %(t)d teams, %(s)d services and %(u)d users.")
                % {"c": len(desk.customers), "t": len(desk.teams), "s": len(desk.services),
                   "u": User.objects.count()})
            self._build_service_levels(desk, now, options["days"], options["country"])
            incidents = self._write_history(desk, rng, now, options["days"],
                                            options["per_day"])
            # Ticket.updated_at is auto_now, so every save above stamped the wall clock;
            # the last event is when each ticket really changed.
            latest = (TicketEvent.objects.filter(ticket=OuterRef("pk"))
                      .order_by("-created_at").values("created_at")[:1])
            Ticket.objects.update(updated_at=Coalesce(Subquery(latest), F("created_at")))
            self._flag_sla_history(now)
        by_status = {status: Incident.objects.filter(status=status).count()
                     for status in IncidentStatus.values}
        self.stdout.write(self.style.SUCCESS(
            _("Loaded %(n)d incidents with %(e)d events in %(s).1f s: %(statuses)s.") % {
                "n": incidents, "e": TicketEvent.objects.count(),
                "s": time.monotonic() - started,
                "statuses": ", ".join(f"{k} {v}" for k, v in by_status.items()),
            }))

    # --- setup ---------------------------------------------------------------------

    def _reset(self) -> None:
        try:
            with transaction.atomic():
                Ticket.objects.all().delete()
                TicketSequence.objects.update(last_value=0)
                ConfigurationItem.objects.filter(
                    name__in=[ci for spec in SERVICES for ci, _type in spec.cis]).delete()
                Service.objects.filter(code__in=[spec.code for spec in SERVICES]).delete()
                Supplier.objects.filter(name__in=DEMO_SUPPLIERS).delete()
                ServiceCategory.objects.filter(code__in=DEMO_CATEGORY_CODES).delete()
                Team.objects.filter(name__in=[team[0] for team in TEAMS]).delete()
                User.objects.filter(customer__code__in=DEMO_CUSTOMER_CODES).delete()
                User.objects.filter(username__in=self._demo_usernames()).delete()
                Customer.objects.filter(code__in=DEMO_CUSTOMER_CODES).delete()
        except ProtectedError as exc:
            raise CommandError(_("Cannot reset: other records still use the demo data (%(e)s).")
                               % {"e": exc}) from exc
        self.stdout.write(_("Deleted the tickets and the demo data."))

    @staticmethod
    def _demo_usernames() -> list[str]:
        names = [username for _role, username in DEMO_LOGINS] + [MONITORING_USERNAME]
        for _team, _email, _desc, extras in TEAMS:
            names += [_username(person) for person in extras]
        return names

    def _build_desk(self) -> Desk:
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
            people = [person(_username(full), full, roles.AGENT) for full in extras]
            if name == FIRST_LINE:
                people = [logins["agent"], logins["team_lead"], *people]
                team.lead = logins["team_lead"]
            else:
                people[0].groups.add(groups[roles.TEAM_LEAD])
                team.lead = people[0]
            team.save(update_fields=["lead"])
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
                people.append(person(_username(full), full, roles.REQUESTER, customer=customer))
            requesters[customer.pk] = people
        return Desk(customers, teams, members, services, requesters, monitoring)

    # --- service levels ------------------------------------------------------------

    def _build_service_levels(self, desk: Desk, now: datetime, days: int,
                              country: str) -> None:
        """The office calendar (with the country's public holidays over the history and
        the year ahead) and an SLA per service; before any ticket, so each one gets its
        due times from the real `itsm.sla.apply`."""
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
            self.stdout.write(_("No public holidays in %(calendar)s: %(error)s")
                              % {"calendar": office.name, "error": error})
        else:
            self.stdout.write(_("%(calendar)s: %(n)d public holidays of %(country)s "
                                "%(first)d-%(last)d.")
                              % {"calendar": office.name, "n": added,
                                 "country": country.upper(), "first": first, "last": last})

        always = Calendar.default()
        customers = {customer.code: customer for customer in desk.customers}

        def agreement(service: Service, calendar: Calendar, targets: dict, name: str,
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
        self.stdout.write(_("Created %(n)d SLAs on the %(office)s and %(always)s calendars.")
                          % {"n": ServiceLevelAgreement.objects.count(), "office": office.name,
                             "always": always.name})

    def _flag_sla_history(self, now: datetime) -> None:
        """Flag what the every-minute scan would have flagged while the history ran.

        The stories are written one ticket at a time, so the beat task cannot be replayed
        along the way. Each warning or due time a ticket crossed while its clock ran (before
        its response, resolution, close or current hold) is flagged with an event at that
        moment; then `itsm.sla.scan(now)` runs once as the beat task would now (it finds
        nothing left unless a moment is exactly now).
        """
        questions = (
            ("response_warned", "response_warn_at", ("responded_at", "closed_at")),
            ("response_breached", "response_due", ("responded_at", "closed_at")),
            ("resolution_warned", "resolution_warn_at",
             ("resolved_at", "closed_at", "on_hold_since")),
            ("resolution_breached", "resolution_due",
             ("resolved_at", "closed_at", "on_hold_since")),
        )
        flags = [flag for flag, _moment, _stops in questions]
        changed: list[Ticket] = []
        events: list[TicketEvent] = []
        for ticket in Ticket.objects.filter(sla__isnull=False).only(
                "pk", "response_due", "resolution_due", "response_warn_at",
                "resolution_warn_at", "responded_at", "resolved_at", "closed_at",
                "on_hold_since", *flags):
            dirty = False
            for flag, moment_field, stops in questions:
                moment = getattr(ticket, moment_field)
                ended = min([now, *(getattr(ticket, stop) for stop in stops
                                    if getattr(ticket, stop) is not None)])
                if moment is None or getattr(ticket, flag) or moment > ended:
                    continue
                setattr(ticket, flag, True)
                dirty = True
                events.append(TicketEvent(ticket_id=ticket.pk, kind=EventKind.SLA,
                                          field=flag, old_value="False", new_value="True",
                                          created_at=moment))
            if dirty:
                changed.append(ticket)
        Ticket.objects.bulk_update(changed, flags, batch_size=500)
        escalations = self._escalations(events)
        TicketEvent.objects.bulk_create(events + escalations, batch_size=1000)
        flagged = sum(len(pks) for pks in sla.scan(now).values())
        self.stdout.write(_("SLA history: %(e)d warnings and breaches flagged on %(t)d "
                            "tickets, %(x)d escalated; the scan now flagged %(n)d more.")
                          % {"e": len(events), "t": len(changed), "x": len(escalations),
                             "n": flagged})

    @staticmethod
    def _escalations(flag_events: list[TicketEvent]) -> list[TicketEvent]:
        """The escalation each breach caused along its service's support path, as
        `itsm.escalation` writes it, from the team that held the ticket at that moment."""
        breaches = [event for event in flag_events if event.field in BREACH_FLAGS]
        if not breaches:
            return []
        ids = {event.ticket_id for event in breaches}
        service_of = dict(Ticket.objects.filter(pk__in=ids).values_list("pk", "service_id"))
        paths: dict[int, list[SupportLevel]] = {}
        for level in SupportLevel.objects.select_related("team", "supplier"):
            paths.setdefault(level.service_id, []).append(level)
        teams = dict(Team.objects.values_list("name", "pk"))
        held: dict[int, list[tuple[datetime, str]]] = {}
        for ticket_id, at, name in (
                TicketEvent.objects.filter(ticket_id__in=ids, kind=EventKind.ASSIGNMENT,
                                           field="assignment_team")
                .order_by("created_at", "pk").values_list("ticket_id", "created_at",
                                                          "new_value")):
            held.setdefault(ticket_id, []).append((at, name))
        escalations = []
        for breach in breaches:
            team = next((name for at, name in reversed(held.get(breach.ticket_id, []))
                         if at <= breach.created_at), "")
            level = next_level(paths.get(service_of[breach.ticket_id], []), teams.get(team))
            if level is not None:
                escalations.append(TicketEvent(
                    ticket_id=breach.ticket_id, kind=EventKind.SLA, field="escalated",
                    old_value=team, new_value=str(level.party), note=level.note,
                    created_at=breach.created_at))
        return escalations

    # --- history -------------------------------------------------------------------

    def _arrivals(self, rng: random.Random, now: datetime, days: int,
                  per_day: float) -> Iterator[datetime]:
        """Creation times, oldest first: office-hour and Monday peaks, quiet weekends."""
        base = per_day / (sum(WEEKDAY_FACTOR) / 7)
        today = timezone.localdate(now)
        for offset in range(days - 1, -1, -1):
            day: date = today - timedelta(days=offset)
            count = _poisson(rng, base * WEEKDAY_FACTOR[day.weekday()])
            hours = rng.choices(range(24), weights=HOUR_WEIGHTS, k=count)
            moments = sorted(
                timezone.make_aware(datetime(day.year, day.month, day.day, hour))
                + timedelta(seconds=rng.randrange(3600))
                for hour in hours
            )
            yield from (moment for moment in moments if moment <= now)

    def _write_history(self, desk: Desk, rng: random.Random, now: datetime, days: int,
                       per_day: float) -> int:
        arrivals = list(self._arrivals(rng, now, days, per_day))
        total, written = len(arrivals), 0
        self._decile: int | None = None
        next_major = (arrivals[0] if arrivals else now) + timedelta(
            days=rng.uniform(3, MAJOR_EVERY_DAYS))
        for done, created in enumerate(arrivals, start=1):
            story = _Story(desk, rng, now)
            if created >= next_major and timezone.localtime(created).weekday() < 5:
                written += story.major(created)
                next_major = created + timedelta(
                    days=rng.uniform(MAJOR_EVERY_DAYS * 0.5, MAJOR_EVERY_DAYS * 1.5))
            else:
                written += story.ordinary(created)
            if done % 100 == 0 or done == total:
                self._progress(done, total)
        return written

    def _progress(self, done: int, total: int) -> None:
        """A progress bar on a terminal; a line per tenth in a log."""
        width = 30
        filled = width * done // max(total, 1)
        line = _("Incidents [%(bar)s] %(done)d/%(total)d") % {
            "bar": "#" * filled + "." * (width - filled), "done": done, "total": total}
        if self.stdout.isatty():
            self.stdout.write("\r" + line, ending="\n" if done >= total else "")
            self.stdout.flush()
            return
        decile = 10 * done // max(total, 1)
        if decile != self._decile:
            self._decile = decile
            self.stdout.write(line)


def _username(full_name: str) -> str:
    return ".".join(full_name.lower().replace("-", "").split())


class _Story:
    """The life of one incident (or a major incident and its children), written in order
    through the real services and cut off at `now`."""

    def __init__(self, desk: Desk, rng: random.Random, now: datetime):
        self.desk, self.rng, self.now = desk, rng, now

    # helpers

    def _agent(self, team: Team) -> User:
        return self.rng.choice(self.desk.members[team.pk])

    def _later(self, moment: datetime, minutes: float) -> datetime:
        return moment + timedelta(minutes=minutes)

    def _due(self, moment: datetime) -> bool:
        return moment <= self.now

    def _hops(self, team: Team, owner: Team) -> list[Team]:
        """The teams an incident is passed to after its first one."""
        first_line = self.desk.teams[FIRST_LINE]
        hops: list[Team] = []
        if team == first_line and owner != first_line:
            if self.rng.random() < 0.35:
                hops.append(owner)
        elif self.rng.random() < 0.08:
            hops.append(self._other_team(team))
        if hops and self.rng.random() < 0.12:
            hops.append(self._other_team(hops[-1]))
        return hops

    def _other_team(self, team: Team) -> Team:
        first_line = self.desk.teams[FIRST_LINE]
        return self.rng.choice([other for other in self.desk.teams.values()
                                if other not in (team, first_line)])

    # one incident

    def ordinary(self, created: datetime) -> int:
        rng, desk = self.rng, self.desk
        weights = [spec.weight for spec, _service, _cis in desk.services]
        spec, service, cis = rng.choices(desk.services, weights=weights)[0]
        channel = _weighted(rng, CHANNELS)
        impact, urgency = _weighted(rng, IMPACT_URGENCY)
        first_line = desk.teams[FIRST_LINE]
        fields: dict[str, Any] = {"service": service, "impact": impact, "urgency": urgency,
                                  "channel": channel}
        if channel == Channel.MONITORING:
            ci = rng.choice(cis)
            requester, actor, team = desk.monitoring, None, service.owner_team
            fields.update(configuration_item=ci, customer=None,
                          title=f"{ci.name}: {rng.choice(MONITORING_ALERTS)}",
                          description=_("Alert raised by monitoring."))
        else:
            customer = rng.choice(desk.customers)
            requester = rng.choice(desk.requesters[customer.pk])
            title = rng.choice(spec.titles)
            fields.update(title=title, description=_("%(title)s. Reported by %(who)s.")
                          % {"title": title, "who": requester.get_full_name()})
            if rng.random() < 0.4:
                fields["configuration_item"] = rng.choice(cis)
            if channel == Channel.PORTAL:
                actor, team = requester, None  # routed to the service's owner team
                fields.pop("configuration_item", None)
            else:
                actor, team = self._agent(first_line), first_line
        # Whoever answers a call or a visit takes the incident on the spot.
        assignee = actor if channel in (Channel.PHONE, Channel.WALK_IN) else None
        incident = create_incident(actor=actor, requester=requester, team=team,
                                   assignee=assignee, when=created, **fields)
        self._live(incident, created, spec)
        return 1

    def _live(self, incident: Incident, created: datetime, spec: ServiceSpec,
              parent_resolved: datetime | None = None) -> datetime | None:
        """Respond, escalate, hold, resolve, maybe reopen, close; returns the resolution."""
        rng = self.rng
        priority = incident.priority

        def office(moment: datetime) -> datetime:
            return moment if priority <= 2 else _office_time(moment, rng)

        # Some incidents are logged twice or by mistake and cancelled quickly.
        if parent_resolved is None and rng.random() < 0.02:
            when = office(self._later(created, rng.uniform(5, 120)))
            if self._due(when):
                workflow.transition(incident, IncidentStatus.CANCELLED,
                                    actor=self._agent(incident.assignment_team), when=when,
                                    note=_("Duplicate of an incident logged earlier."))
            return None

        if incident.assignee is not None:
            t, worker = created, incident.assignee
        else:
            t = office(self._later(created, _lognormal(rng, RESPONSE_MINUTES[priority])))
            if not self._due(t) or (parent_resolved is not None and t >= parent_resolved):
                return None
            worker = self._agent(incident.assignment_team)
            workflow.assign(incident, actor=worker, assignee=worker, when=t)
        if rng.random() < 0.4:
            t = self._later(t, rng.uniform(1, 15))
            if not self._due(t):
                return None
            add_comment(incident, author=worker, body=rng.choice(GREETINGS), when=t)

        if parent_resolved is not None:
            # Children wait for their major incident and resolve with it.
            t = self._later(t, rng.uniform(5, 30))
            if rng.random() < 0.3 and self._due(t) and t < parent_resolved:
                add_comment(incident, author=worker, when=t,
                            body=_("Linked to major incident %(n)s; updates follow there.")
                            % {"n": incident.parent.number})
            return None

        # First line escalates a share of its calls to the service's owner; some calls
        # reach a team that is not the right one and are passed on again.
        hops = self._hops(incident.assignment_team, incident.service.owner_team)
        for team in hops:
            t = self._later(t, _lognormal(rng, 40 if priority <= 2 else 120))
            if not self._due(t):
                return None
            if rng.random() < 0.5:
                add_comment(incident, author=worker, is_public=False, when=t,
                            body=_("Passing this to %(team)s.") % {"team": team.name})
            workflow.assign(incident, actor=worker, team=team, when=t)
            t = office(self._later(t, _lognormal(rng, RESPONSE_MINUTES[priority])))
            if not self._due(t):
                return None
            worker = self._agent(team)
            workflow.assign(incident, actor=worker, assignee=worker, when=t)

        effort = timedelta(hours=_lognormal(rng, RESOLUTION_HOURS[priority], 0.8))
        if rng.random() < 0.3:
            note_at = self._later(t, effort.total_seconds() / 120)
            if not self._due(note_at):
                return None
            add_comment(incident, author=worker, body=rng.choice(WORK_NOTES), is_public=False,
                        when=note_at)
            t = note_at

        on_hold = False
        if rng.random() < 0.15:
            t = self._later(t, effort.total_seconds() / 180)
            if not self._due(t):
                return None
            workflow.transition(incident, IncidentStatus.ON_HOLD, actor=worker, when=t,
                                on_hold_reason=_weighted(rng, HOLD_REASONS))
            on_hold = True
            t = self._later(t, _lognormal(rng, 600 if priority <= 2 else 1800))
            if rng.random() < 0.7:
                t = office(t)
                if not self._due(t):
                    return None
                workflow.transition(incident, IncidentStatus.IN_PROGRESS, actor=worker, when=t)
                on_hold = False
        if (not on_hold and incident.requester != self.desk.monitoring
                and effort > timedelta(days=1) and rng.random() < 0.25):
            chase = self._later(t, effort.total_seconds() / 90)
            if not self._due(chase):
                return None
            add_comment(incident, author=incident.requester, body=rng.choice(CHASERS), when=chase)

        resolved = office(t + effort)
        if not self._due(resolved):
            return None
        resolved = self._resolve(incident, worker, resolved, spec)
        if resolved is None:
            return None
        self._after_resolution(incident, worker, resolved, spec)
        return resolved

    def _resolve(self, incident: Incident, worker: User, when: datetime,
                 spec: ServiceSpec) -> datetime | None:
        code = _weighted(self.rng, RESOLUTION_CODES)
        notes = {
            ResolutionCode.SOLVED_PERMANENTLY: self.rng.choice(spec.fixes) + ".",
            ResolutionCode.SOLVED_WORKAROUND: _("Workaround given: %(fix)s; the root cause is "
                                                "being followed up.")
            % {"fix": self.rng.choice(spec.fixes).lower()},
            ResolutionCode.SOLVED_REMOTELY: _("Solved in a remote session: %(fix)s.")
            % {"fix": self.rng.choice(spec.fixes).lower()},
            ResolutionCode.USER_ERROR: _("Explained the correct steps to the caller; works now."),
            ResolutionCode.NOT_REPRODUCIBLE: _("Could not reproduce; the caller confirms it "
                                               "works again."),
            ResolutionCode.DUPLICATE: _("Same issue as an incident already being worked on."),
        }[code]
        workflow.transition(incident, IncidentStatus.RESOLVED, actor=worker, when=when,
                            resolution_code=code, resolution_notes=notes)
        return when

    def _after_resolution(self, incident: Incident, worker: User, resolved: datetime,
                          spec: ServiceSpec, may_reopen: bool = True) -> None:
        rng = self.rng
        if may_reopen and rng.random() < 0.03:
            t = self._later(resolved, rng.uniform(60, 2 * 24 * 60))
            if not self._due(t):
                return
            workflow.transition(incident, IncidentStatus.IN_PROGRESS, actor=worker, when=t,
                                note=_("The caller reports the problem is back."))
            t = _office_time(self._later(t, _lognormal(rng, 240)), rng)
            if not self._due(t):
                return
            resolved = self._resolve(incident, worker, t, spec) or resolved
        if incident.requester != self.desk.monitoring and rng.random() < 0.25:
            t = self._later(resolved, rng.uniform(10, 2 * 24 * 60))
            if self._due(t):
                workflow.transition(incident, IncidentStatus.CLOSED, actor=incident.requester,
                                    when=t, note=_("Confirmed by the caller."))
                return
        days = settings.AUTO_CLOSE_DAYS
        t = resolved + timedelta(days=days)
        if days and self._due(t):
            # What incidents.tasks.auto_close_resolved_incidents_task would have done then.
            workflow.transition(incident, IncidentStatus.CLOSED, actor=None, when=t,
                                note=_("Closed automatically after %(days)d days resolved.")
                                % {"days": days})

    # a major incident and its children

    def major(self, created: datetime) -> int:
        rng, desk = self.rng, self.desk
        infra = [s for s in desk.services if s[0].team != "Workplace services"]
        spec, service, cis = rng.choice(infra)
        ci = rng.choice(cis)
        desk_agent = self._agent(desk.teams[FIRST_LINE])
        parent = create_incident(
            actor=desk_agent, requester=desk.monitoring, team=service.owner_team, when=created,
            service=service, configuration_item=ci, impact=1, urgency=1, is_major=True,
            channel=Channel.MONITORING, customer=None,
            title=_("Major incident: %(service)s unavailable") % {"service": service.name},
            description=_("%(ci)s is down; many users affected.") % {"ci": ci.name},
        )
        lead = service.owner_team.lead or self._agent(service.owner_team)
        t = self._later(created, rng.uniform(3, 10))
        if not self._due(t):
            return 1
        workflow.assign(parent, actor=lead, assignee=lead, when=t)
        if self._due(self._later(t, 2)):
            add_comment(parent, author=lead, when=self._later(t, 2),
                        body=_("Major incident declared; bridge call opened. Next update in "
                               "30 minutes."))
        effort = timedelta(hours=_lognormal(rng, 3, 0.5))
        resolved_at = t + effort
        children = []
        for _i in range(rng.randint(3, 10)):
            logged = self._later(created, rng.uniform(5, 90))
            if not self._due(logged) or logged >= resolved_at:
                continue
            customer = rng.choice(desk.customers)
            requester = rng.choice(desk.requesters[customer.pk])
            child = create_incident(
                actor=desk_agent, requester=requester, team=desk.teams[FIRST_LINE],
                when=logged, service=service, impact=2, urgency=rng.choice((1, 2)),
                channel=rng.choice((Channel.PHONE, Channel.EMAIL)), parent=parent,
                title=rng.choice(spec.titles),
                description=_("Reported by %(who)s during the outage.")
                % {"who": requester.get_full_name()},
            )
            self._live(child, logged, spec, parent_resolved=resolved_at)
            children.append(child)
        if not self._due(resolved_at):
            return 1 + len(children)
        notes = rng.choice(spec.fixes) + "."
        # Resolve the children at the parent's moment, as incidents.services.resolve_children
        # would (it stamps the wall clock, which is wrong for history).
        for child in children:
            if child.status == IncidentStatus.NEW:
                workflow.transition(child, IncidentStatus.IN_PROGRESS, actor=None,
                                    when=resolved_at)
            workflow.transition(
                child, IncidentStatus.RESOLVED, actor=None, when=resolved_at,
                resolution_code=ResolutionCode.RESOLVED_BY_PARENT,
                resolution_notes=_("Resolved with %(number)s: %(notes)s")
                % {"number": parent.number, "notes": notes},
            )
        workflow.transition(parent, IncidentStatus.RESOLVED, actor=lead, when=resolved_at,
                            resolution_code=ResolutionCode.SOLVED_PERMANENTLY,
                            resolution_notes=notes)
        self._after_resolution(parent, lead, resolved_at, spec, may_reopen=False)
        for child in children:
            self._after_resolution(child, lead, resolved_at, spec, may_reopen=False)
        return 1 + len(children)
