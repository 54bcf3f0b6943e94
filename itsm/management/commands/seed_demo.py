"""`manage.py seed_demo`: fill an empty database with a believable service desk.

The desk (`itsm.demo`: customers, teams, services, CIs, one login per role, calendars
and SLAs), then each registered process's demo step in menu order (`Process.demo`),
which writes its history through the real services, then what the beat tasks would
have done meanwhile (`itsm.demo.settle`). The command knows no process by name.
"""

from __future__ import annotations

import random
import time
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction
from django.db.models import ProtectedError
from django.utils import timezone
from django.utils.translation import gettext as _

from catalog.models import (
    ConfigurationItem,
    Customer,
    Service,
    ServiceCategory,
    ServiceLevelAgreement,
    Supplier,
    Team,
)
from itsm import demo, facts, notifications, registry
from itsm.demo import DEMO_LOGINS, DEMO_PASSWORD  # noqa: F401 (what `make run` prints)
from itsm.demo.catalog import DEMO_CATEGORY_CODES, DEMO_SUPPLIERS
from itsm.models import Ticket, TicketEvent, TicketSequence, User


class Command(BaseCommand):
    help = _("Load demo customers, teams, services, users (one per role) and months of "
             "ticket history, with the KPIs measured from it.")

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
        elif Customer.objects.filter(code__in=demo.DEMO_CUSTOMER_CODES).exists():
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
        # History is not news: nobody is notified of it; whoever measures it (the KPI
        # engine) hears of it once, when it is all written.
        with transaction.atomic(), notifications.silenced(), facts.history():
            desk = demo.build_desk()
            self.stdout.write(
                _("Created %(c)d customers, %(t)d teams, %(s)d services and %(u)d users.")
                % {"c": len(desk.customers), "t": len(desk.teams), "s": len(desk.services),
                   "u": User.objects.count()})
            demo.build_service_levels(desk, now, options["days"], options["country"],
                                      say=self.stdout.write)
            written = {}
            for process in registry.processes():
                if process.demo is not None:
                    written[process] = process.demo(
                        desk, rng, now, days=options["days"], per_day=options["per_day"],
                        progress=self._progress)
            for step in registry.demo_steps():
                step(desk, rng, now, days=options["days"])
            flags, escalated, flagged_now = demo.settle(now)
        self.stdout.write(_("SLA history: %(e)d warnings and breaches flagged, %(x)d "
                            "escalated; the scan now flagged %(n)d more.")
                          % {"e": flags, "x": escalated, "n": flagged_now})
        self.stdout.write(self.style.SUCCESS(
            _("Loaded %(tickets)s; %(e)d events in %(s).1f s.") % {
                "tickets": ", ".join(f"{process.label_plural}: {count}"
                                     for process, count in written.items()),
                "e": TicketEvent.objects.count(), "s": time.monotonic() - started,
            }))

    def _reset(self) -> None:
        try:
            with transaction.atomic():
                Ticket.objects.all().delete()
                for reset in registry.demo_resets():
                    reset([team[0] for team in demo.TEAMS])
                TicketSequence.objects.update(last_value=0)
                ConfigurationItem.objects.filter(
                    name__in=[ci for spec in demo.SERVICES for ci, _type in spec.cis]).delete()
                Service.objects.filter(code__in=[spec.code for spec in demo.SERVICES]).delete()
                ServiceLevelAgreement.objects.filter(
                    service__isnull=True, calendar__name=demo.OFFICE_CALENDAR).delete()
                Supplier.objects.filter(name__in=DEMO_SUPPLIERS).delete()
                ServiceCategory.objects.filter(code__in=DEMO_CATEGORY_CODES).delete()
                Team.objects.filter(name__in=[team[0] for team in demo.TEAMS]).delete()
                User.objects.filter(customer__code__in=demo.DEMO_CUSTOMER_CODES).delete()
                User.objects.filter(username__in=demo.demo_usernames()).delete()
                Customer.objects.filter(code__in=demo.DEMO_CUSTOMER_CODES).delete()
        except ProtectedError as exc:
            raise CommandError(_("Cannot reset: other records still use the demo data (%(e)s).")
                               % {"e": exc}) from exc
        self.stdout.write(_("Deleted the tickets and the demo data."))

    def _progress(self, what: str, done: int, total: int) -> None:
        """A progress bar on a terminal; a line per tenth in a log."""
        width = 30
        filled = width * done // max(total, 1)
        line = _("%(what)s [%(bar)s] %(done)d/%(total)d") % {
            "what": what, "bar": "#" * filled + "." * (width - filled), "done": done,
            "total": total}
        if self.stdout.isatty():
            self.stdout.write("\r" + line, ending="\n" if done >= total else "")
            self.stdout.flush()
            return
        decile = (what, 10 * done // max(total, 1))
        if decile != getattr(self, "_decile", None):
            self._decile = decile
            self.stdout.write(line)


