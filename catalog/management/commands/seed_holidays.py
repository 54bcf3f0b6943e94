"""`manage.py seed_holidays`: a year of a country's public holidays into a calendar.

    manage.py seed_holidays --calendar "Berlin office" --country DE --subdiv BY --year 2026

The dates come from the `holidays` package. Running it again is harmless: holidays are
matched by date, a changed name is updated, and nothing is added twice. Holidays that
were entered by hand stay as they are.
"""

from __future__ import annotations

import holidays as holidays_package
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction
from django.utils import timezone

from catalog.models import Calendar, Holiday
from catalog.signals import announce_terms_changed

NAME_LENGTH = Holiday._meta.get_field("name").max_length


class Command(BaseCommand):
    help = "Add (or update) one year of a country's public holidays in a calendar."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--calendar", required=True, help="The calendar's name.")
        parser.add_argument("--country", required=True,
                            help="ISO 3166-1 alpha-2 country code, e.g. DE.")
        parser.add_argument("--subdiv", default=None,
                            help="Subdivision (state, province) code, e.g. BY.")
        parser.add_argument("--year", type=int, default=None,
                            help="The year to seed (default: the current year).")

    def handle(self, *args, calendar: str, country: str, subdiv: str | None,
               year: int | None, **options) -> None:
        year = year or timezone.localdate().year
        entries, subdiv = public_holidays(country, subdiv, year)
        try:
            target = Calendar.objects.get(name=calendar)
        except Calendar.DoesNotExist:
            known = ", ".join(Calendar.objects.values_list("name", flat=True)) or "none"
            raise CommandError(f"No calendar named {calendar!r} (calendars: {known}).") from None

        added = updated = unchanged = 0
        with transaction.atomic():
            existing = {holiday.date: holiday
                        for holiday in target.holidays.filter(date__year=year)}
            for day, name in sorted(entries.items()):
                name = name[:NAME_LENGTH]
                holiday = existing.get(day)
                if holiday is None:
                    Holiday.objects.create(calendar=target, date=day, name=name)
                    added += 1
                elif holiday.name != name:
                    holiday.name = name
                    holiday.save(update_fields=["name"])
                    updated += 1
                else:
                    unchanged += 1
            if added or updated:
                announce_terms_changed(calendars=[target.pk])

        region = f"{country.upper()}-{subdiv}" if subdiv else country.upper()
        self.stdout.write(self.style.SUCCESS(
            f"{target.name}: {region} {year}: {added} added, {updated} updated, "
            f"{unchanged} unchanged."
        ))


def public_holidays(country: str, subdiv: str | None, year: int) -> tuple[dict, str | None]:
    """({date: name}, the subdivision as the package spells it) for `year`, or
    CommandError naming what is unknown."""
    supported = holidays_package.list_supported_countries()
    code = country.upper()
    if code not in supported:
        raise CommandError(f"Unknown country {country!r}: the holidays package has no "
                           f"calendar for it (use an ISO code such as DE or FR).")
    if subdiv is not None and subdiv not in supported[code]:
        # Subdivision codes are matched as the package spells them (BY, but "Augsburg").
        by_upper = {known.upper(): known for known in supported[code]}
        if subdiv.upper() not in by_upper:
            raise CommandError(f"Unknown subdivision {subdiv!r} of {code}; known: "
                               f"{', '.join(supported[code])}.")
        subdiv = by_upper[subdiv.upper()]
    try:
        entries = holidays_package.country_holidays(code, subdiv=subdiv, years=year)
    except NotImplementedError as error:  # any other gap in the package's data
        raise CommandError(f"{code} {subdiv or ''} {year}: {error}") from error
    return dict(entries), subdiv
