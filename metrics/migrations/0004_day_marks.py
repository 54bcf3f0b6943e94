"""Marks name a day and a part of the figures; weeks and months are added up from the
days. Each mark of a week or month becomes marks of its days, of every part."""

from datetime import date, timedelta

from django.db import migrations, models

PARTS = ("events", "levels", "availability", "effort")


def next_start(start: date, granularity: str) -> date:
    if granularity == "day":
        return start + timedelta(days=1)
    if granularity == "week":
        return start + timedelta(days=7)
    return date(start.year + start.month // 12, start.month % 12 + 1, 1)


def to_days(apps, schema_editor):
    KpiMark = apps.get_model("metrics", "KpiMark")
    today = date.today()
    old = list(KpiMark.objects.all())
    new = set()
    for mark in old:
        day, end = mark.period_start, min(next_start(mark.period_start, mark.granularity),
                                          today + timedelta(days=1))
        while day < end:
            new |= {(part, day, mark.dimension, mark.key) for part in PARTS}
            day += timedelta(days=1)
    KpiMark.objects.all().delete()
    KpiMark.objects.bulk_create([KpiMark(part=part, day=day, dimension=dimension, key=key,
                                         granularity="day", period_start=day)
                                 for part, day, dimension, key in new])


class Migration(migrations.Migration):

    dependencies = [
        ("metrics", "0003_slice_index"),
    ]

    operations = [
        migrations.RemoveConstraint(model_name="kpimark", name="metrics_kpimark_unique"),
        migrations.AddField(
            model_name="kpimark", name="part",
            field=models.CharField(choices=[("events", "Events"), ("levels", "Levels"),
                                            ("availability", "Availability"),
                                            ("effort", "Effort")],
                                   default="events", max_length=20),
            preserve_default=False,
        ),
        migrations.AddField(model_name="kpimark", name="day",
                            field=models.DateField(null=True)),
        migrations.RunPython(to_days, migrations.RunPython.noop),
        migrations.AlterField(model_name="kpimark", name="day", field=models.DateField()),
        migrations.RemoveField(model_name="kpimark", name="granularity"),
        migrations.RemoveField(model_name="kpimark", name="period_start"),
        migrations.AddConstraint(
            model_name="kpimark",
            constraint=models.UniqueConstraint(fields=("part", "dimension", "key", "day"),
                                               name="metrics_kpimark_unique_day"),
        ),
    ]
