"""Domain operations on the catalog: editing a service's documentation, with history.

`edit_dossier` is the one writer of a service's documentation text and support path
from the desk; `record_revision` keeps the history for every writer (the dossier page
and the admin), so who changed what, when, and the earlier text can always be read.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import F
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from itsm.base import roles

from .models import Service, ServiceRevision, Supplier, SupportLevel, Team

# The parts of a dossier a revision keeps, in the order the history shows them.
DOSSIER_PARTS: dict[str, Any] = {
    "name": gettext_lazy("Name"),
    "description": gettext_lazy("Description"),
    "operations_notes": gettext_lazy("Operational notes"),
    "support_notes": gettext_lazy("Support notes"),
    "support_path": gettext_lazy("Support path"),
    "category": gettext_lazy("Category"),
    "service_type": gettext_lazy("Type"),
    "criticality": gettext_lazy("Criticality"),
    "lifecycle": gettext_lazy("Lifecycle state"),
    "owner_team": gettext_lazy("Owner team"),
    "request_items": gettext_lazy("Request items"),
}
# What owners edit on the dossier page; the rest is configuration, edited in the admin.
DOSSIER_TEXT = ("description", "operations_notes", "support_notes")


class StaleDossier(Exception):
    """Someone saved the dossier since the editor opened it."""

    def __init__(self, latest: ServiceRevision | None):
        super().__init__("stale dossier")
        self.latest = latest


@dataclass(frozen=True)
class LevelSpec:
    """One level of a support path as an editor gives it: a team or a supplier."""

    team: Team | None = None
    supplier: Supplier | None = None
    note: str = ""


def may_edit_dossier(user, service: Service) -> bool:
    """Owners edit their service's documentation: the owner team's lead and members,
    and administrators."""
    if not user.is_authenticated or not user.is_active:
        return False
    if roles.ADMIN in roles.roles_of(user):
        return True
    team = service.owner_team
    if team is None:
        return False
    return team.lead_id == user.pk or team.members.filter(pk=user.pk).exists()


def support_path_lines(service: Service) -> list[str]:
    levels = service.support_levels.select_related("team", "supplier").order_by("position")
    return [f"{level.position}. {level.party}" + (f" ({level.note})" if level.note else "")
            for level in levels]


def request_item_lines(service: Service) -> list[str]:
    """Each active request item as one line: who fulfils it, by when, its form, its
    approval steps and fulfilment tasks (what a revision keeps of it)."""
    lines = []
    items = (service.request_items.filter(is_active=True).select_related("fulfilment_team")
             .prefetch_related("approval_steps", "task_templates").order_by("name"))
    for item in items:
        parts = [item.name, str(item.fulfilment_team or service.owner_team or "")]
        if item.fulfilment_days:
            parts.append(_("%(days)d working days") % {"days": item.fulfilment_days})
        fields = ", ".join(str(field.get("label", "")) for field in item.order_form
                           if isinstance(field, dict))
        if fields:
            parts.append(_("form: %(fields)s") % {"fields": fields})
        steps = ", ".join(f"{step.name} ({step.get_rule_display()})"
                          for step in item.approval_steps.all())
        if steps:
            parts.append(_("approval: %(steps)s") % {"steps": steps})
        tasks = ", ".join(task.title for task in item.task_templates.all())
        if tasks:
            parts.append(_("tasks: %(tasks)s") % {"tasks": tasks})
        lines.append(" · ".join(part for part in parts if part))
    return lines


def snapshot(service: Service) -> dict[str, Any]:
    """The dossier as it stands, as plain values: names, not ids, so a revision still
    reads when a team is renamed or removed later."""
    return {
        "name": service.name,
        "description": service.description,
        "operations_notes": service.operations_notes,
        "support_notes": service.support_notes,
        "support_path": support_path_lines(service),
        "category": str(service.category or ""),
        "service_type": service.get_service_type_display(),
        "criticality": service.get_criticality_display(),
        "lifecycle": service.get_lifecycle_display(),
        "owner_team": str(service.owner_team or ""),
        "request_items": request_item_lines(service),
    }


def latest_revision(service: Service) -> ServiceRevision | None:
    return service.revisions.order_by("-number").first()


def record_revision(service: Service, author, summary: str = "") -> ServiceRevision | None:
    """Append a revision if the dossier differs from the latest one; return it (None
    if nothing changed). The service row is locked, so revision numbers never race."""
    with transaction.atomic():
        Service.objects.select_for_update().filter(pk=service.pk).first()
        latest = latest_revision(service)
        content = snapshot(service)
        before = latest.content if latest else {}
        changed = [part for part in DOSSIER_PARTS if before.get(part) != content.get(part)]
        if latest is not None and not changed:
            return None
        return ServiceRevision.objects.create(
            service=service, number=(latest.number + 1) if latest else 1, author=author,
            summary=summary[:255], changed=changed, content=content,
        )


@contextmanager
def _owner_edit(service: Service, actor, base_revision: int) -> Iterator[None]:
    """An owner's edit of the documentation, in one transaction with the service locked:
    refused to anyone but its owners, and over a save since `base_revision` (0 when
    there was none; `StaleDossier` says who). A service edited for the first time gets
    its earlier state kept as revision 1 first."""
    if not may_edit_dossier(actor, service):
        raise PermissionDenied(_("Only the owner team edits this service's documentation."))
    with transaction.atomic():
        Service.objects.select_for_update().filter(pk=service.pk).first()
        latest = latest_revision(service)
        if (latest.number if latest else 0) != base_revision:
            raise StaleDossier(latest)
        if latest is None:
            record_revision(service, None, _("As it was before the first recorded edit"))
        yield


def edit_dossier(service: Service, *, actor, base_revision: int, texts: dict[str, str],
                 path: list[LevelSpec], summary: str = "") -> ServiceRevision | None:
    """Save an owner's edit of the documentation text and the support path.

    `base_revision` is the revision the editor started from; if someone saved since,
    nothing is written (`_owner_edit`).
    """
    with _owner_edit(service, actor, base_revision):
        for name in DOSSIER_TEXT:
            setattr(service, name, texts.get(name, getattr(service, name)))
        service.full_clean(exclude=["code", "category", "owner_team"], validate_unique=False)
        service.save(update_fields=list(DOSSIER_TEXT))
        service.support_levels.all().delete()
        SupportLevel.objects.bulk_create(
            SupportLevel(service=service, position=position, team=spec.team,
                         supplier=spec.supplier, note=spec.note)
            for position, spec in enumerate(path, start=1)
        )
        return record_revision(service, actor, summary)


def save_request_item(service: Service, *, actor, form, steps, tasks, base_revision: int,
                      summary: str = "") -> ServiceRevision | None:
    """Save an owner's edit of a request item (its settings, approval steps and
    fulfilment tasks, each validated) as a revision of the service's documentation;
    `StaleDossier` if someone saved the documentation since `base_revision`. Old orders
    keep what they were ordered with."""
    with _owner_edit(service, actor, base_revision):
        item = form.save()
        for formset in (steps, tasks):
            _save_positioned(formset, item)
        return record_revision(service, actor, summary or _("Request item “%(item)s” edited")
                               % {"item": item.name})


def _save_positioned(formset, item) -> None:
    """Save an item's steps or tasks whose positions may have swapped: the rows step
    aside first (positions are unique per item), then each takes its place."""
    formset.instance = item
    formset.model.objects.filter(item=item).update(position=F("position") + POSITION_ASIDE)
    formset.save()
    for form in formset.initial_forms:
        kept = form.instance.pk and not form.cleaned_data.get("DELETE")
        if kept and not form.has_changed():
            formset.model.objects.filter(pk=form.instance.pk).update(
                position=form.instance.position)


POSITION_ASIDE = 10_000


# --- reading the history ------------------------------------------------------------------


@dataclass(frozen=True)
class DiffLine:
    """One line of a part's diff: `op` is "+" (added), "-" (removed) or " " (kept)."""

    op: str
    text: str


def diff_part(before: Any, after: Any) -> list[DiffLine]:
    """Line diff of one part of the dossier between two revisions."""
    def lines(value: Any) -> list[str]:
        if isinstance(value, list):
            return [str(item) for item in value]
        return str(value or "").splitlines()

    result = []
    for line in difflib.ndiff(lines(before), lines(after)):
        if line[:1] in "+- ":
            result.append(DiffLine(line[0], line[2:]))
    return result


def revision_changes(revision: ServiceRevision,
                     previous: ServiceRevision | None) -> list[tuple[str, list[DiffLine]]]:
    """What a revision changed, part by part, against the one before it."""
    before = previous.content if previous else {}
    return [(str(DOSSIER_PARTS.get(part, part)),
             diff_part(before.get(part), revision.content.get(part)))
            for part in revision.changed]
