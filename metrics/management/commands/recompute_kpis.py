"""`manage.py recompute_kpis [--since DATE] [--kpi K ...]`: recompute stored KPI values.

What the nightly task does for its last days, for any span: every period from the one
holding `--since` (default: the first ticket's) to now, every granularity and
dimension, with a progress bar. Safe to run while the desk works (idempotent).
"""

from __future__ import annotations

from datetime import date
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from itsm.base.progress import progress_bar
from metrics import compute
from metrics.definitions import BY_KEY, computed


class Command(BaseCommand):
    help = _("Recompute the stored KPI values from the tickets.")

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--since", help=_("First day to recompute (YYYY-MM-DD); "
                                              "default: the first ticket's."))
        parser.add_argument("--kpi", action="append", dest="kpis", metavar="KPI",
                            help=_("Only this KPI (repeatable): %(keys)s.")
                            % {"keys": ", ".join(kpi.key for kpi in computed())})

    def handle(self, *args: Any, **options: Any) -> None:
        since = None
        if options["since"]:
            try:
                since = date.fromisoformat(options["since"])
            except ValueError as exc:
                raise CommandError(_("--since: %(value)s is not a date like 2026-01-31.")
                                   % {"value": options["since"]}) from exc
        for key in options["kpis"] or ():
            if key not in BY_KEY or not BY_KEY[key].computed:
                raise CommandError(_("--kpi: %(key)s is not a KPI computed from tickets; "
                                     "choose from %(keys)s.")
                                   % {"key": key,
                                      "keys": ", ".join(kpi.key for kpi in computed())})
        with progress_bar(self, _("steps"), options["verbosity"]) as progress:
            written = compute.recompute(since=since, kpis=options["kpis"], progress=progress)
        self.stdout.write(self.style.SUCCESS(_("%(n)d KPI values written.") % {"n": written}))
