"""Seed the role groups, the default priority matrix and the number sequences."""

from django.db import migrations

ROLES = ("requester", "agent", "team_lead", "change_manager", "manager", "admin")
MATRIX = {
    (1, 1): 1, (1, 2): 2, (1, 3): 3,
    (2, 1): 2, (2, 2): 3, (2, 3): 4,
    (3, 1): 3, (3, 2): 4, (3, 3): 4,
}
KINDS = ("incident", "service_request", "problem", "change", "task")


def seed(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    PriorityRule = apps.get_model("itsm", "PriorityRule")
    TicketSequence = apps.get_model("itsm", "TicketSequence")
    for name in ROLES:
        Group.objects.get_or_create(name=name)
    for (impact, urgency), priority in MATRIX.items():
        PriorityRule.objects.get_or_create(
            impact=impact, urgency=urgency, defaults={"priority": priority}
        )
    for kind in KINDS:
        TicketSequence.objects.get_or_create(kind=kind)


class Migration(migrations.Migration):
    dependencies = [
        ("auth", "0012_alter_user_first_name_max_length"),
        ("itsm", "0001_initial"),
    ]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
