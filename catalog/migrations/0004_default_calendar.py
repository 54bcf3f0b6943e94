"""Create the default 24×7 calendar (DESIGN.md §3): every weekday, 00:00–24:00."""

import datetime

from django.conf import settings
from django.db import migrations

NAME = "24×7"


def create_default_calendar(apps, schema_editor):
    Calendar = apps.get_model("catalog", "Calendar")
    WorkingPeriod = apps.get_model("catalog", "WorkingPeriod")
    if Calendar.objects.filter(is_default=True).exists():
        return
    calendar, _ = Calendar.objects.get_or_create(
        name=NAME,
        defaults={
            "time_zone": settings.TIME_ZONE,
            "is_default": True,
            "description": "Round the clock, every day; the default for SLAs.",
        },
    )
    if not calendar.is_default:
        calendar.is_default = True
        calendar.save(update_fields=["is_default"])
    midnight = datetime.time(0)
    WorkingPeriod.objects.bulk_create(
        WorkingPeriod(calendar=calendar, weekday=weekday, start=midnight, end=midnight)
        for weekday in range(7)
        if not calendar.periods.filter(weekday=weekday).exists()
    )


def remove_default_calendar(apps, schema_editor):
    Calendar = apps.get_model("catalog", "Calendar")
    # Only if nothing uses it: SLAs protect their calendar.
    Calendar.objects.filter(name=NAME, is_default=True, slas__isnull=True).delete()


class Migration(migrations.Migration):

    dependencies = [
        ("catalog", "0003_calendars_and_slas"),
    ]

    operations = [
        migrations.RunPython(create_default_calendar, remove_default_calendar),
    ]
