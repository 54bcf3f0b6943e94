"""`manage.py measure_tickets`: store the KPI facts of tickets written without them.

The workflow measures every ticket as its clocks stop (`itsm.facts`); this measures
what was written before that (an upgrade) in one streamed pass, with a progress bar.
Run `recompute_kpis` afterwards.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand
from django.utils.translation import gettext as _

from itsm import facts
from itsm.base.progress import progress_bar


class Command(BaseCommand):
    help = _("Measure the KPI facts (times to respond and resolve) of existing tickets.")

    def handle(self, *args: Any, **options: Any) -> None:
        with progress_bar(self, _("tickets"), options["verbosity"]) as progress:
            changed = facts.measure_all(progress=progress)
        self.stdout.write(self.style.SUCCESS(
            _("%(n)d tickets had new facts.") % {"n": changed}))
