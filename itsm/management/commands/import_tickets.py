"""`manage.py import_tickets --format generic|servicenow|bpic14 FILE [--strict] [--dry-run]`

Brings ticket history from another tool (`itsm.importing`), streamed in batches with a
progress bar; the KPIs are recomputed once at the end. A bad row is reported with its
line and reason and skipped; `--strict` stops at the first and writes nothing;
`--dry-run` checks the whole file and writes nothing. Running it again updates what it
wrote.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _
from tqdm import tqdm

from itsm.importing import FORMATS, ImportAborted, import_file

SHOWN_ERRORS = 50


class Command(BaseCommand):
    help = _("Import ticket history from a CSV file (generic, ServiceNow or BPIC 2014).")

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", help=_("The CSV file."))
        parser.add_argument("--format", required=True, choices=sorted(FORMATS),
                            help=_("What wrote the file."))
        parser.add_argument("--strict", action="store_true",
                            help=_("Stop at the first bad row and write nothing."))
        parser.add_argument("--dry-run", action="store_true",
                            help=_("Check the whole file and write nothing."))

    def handle(self, *args: Any, **options: Any) -> None:
        path = Path(options["file"])
        if not path.is_file():
            raise CommandError(_("%(file)s: no such file.") % {"file": path})
        with path.open(newline="", encoding="utf-8-sig") as stream, \
                tqdm(unit=_("rows"), disable=options["verbosity"] == 0,
                     file=self.stderr._out) as bar:
            try:
                result = import_file(stream, options["format"], strict=options["strict"],
                                     dry_run=options["dry_run"], progress=bar.update)
            except ImportAborted as aborted:
                raise CommandError(_("%(file)s, line %(line)d: %(reason)s Nothing was "
                                     "imported.") % {"file": path, "line": aborted.error.line,
                                                     "reason": aborted.error.reason}) from None
            except UnicodeDecodeError as exc:
                raise CommandError(_("%(file)s is not UTF-8 text (%(error)s).")
                                   % {"file": path, "error": exc}) from None
        for error in result.errors[:SHOWN_ERRORS]:
            self.stderr.write(_("%(file)s, line %(line)d: %(reason)s")
                              % {"file": path, "line": error.line, "reason": error.reason})
        if len(result.errors) > SHOWN_ERRORS:
            self.stderr.write(_("… and %(n)d more bad rows.")
                              % {"n": len(result.errors) - SHOWN_ERRORS})
        summary = _("%(created)d tickets created, %(updated)d updated, %(skipped)d rows "
                    "skipped.") % {"created": result.created, "updated": result.updated,
                                   "skipped": result.skipped}
        if options["dry_run"]:
            summary = _("Dry run, nothing written: %(summary)s") % {"summary": summary}
        self.stdout.write(self.style.SUCCESS(summary))
