"""Operational acceptance: what a service needs before it may go live.

Seed 001 says that every routine and all the information operations needs arrive with
a new service. `checklist(service)` says, point by point, whether the service has them:
an owner team, an active SLA, a support path, its documentation (description,
operational notes, support notes) and, when it takes orders, its request items;
`gaps(service)` names what it lacks.

`go_live` is the one writer of a service's move to live: refused while gaps remain,
unless a change manager (or an administrator) overrides with a reason. The move is a
revision of the service's documentation; an override is announced
(`catalog.signals.acceptance_overridden`) so the improvement register, which the
catalog does not know, opens a suggestion for the gaps.

Not checked yet: routines (the catalog holds no operational tasks yet).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Exists, OuterRef
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from itsm.base import roles

from .models import (
    Lifecycle,
    RequestItem,
    Service,
    ServiceLevelAgreement,
    ServiceRevision,
    SupportLevel,
)
from .services import latest_revision, record_revision
from .signals import acceptance_overridden

# Who may take a service live with gaps (the change managers answer for what goes live).
OVERRIDERS = frozenset({roles.CHANGE_MANAGER, roles.ADMIN})


@dataclass(frozen=True)
class Check:
    """One point of the acceptance: what it is, whether the service meets it, and how
    its absence reads."""

    key: str
    label: str | Promise
    ok: bool
    missing: str | Promise


# (key, label, how its absence reads), in the order the checklist shows them.
POINTS = (
    ("owner_team", gettext_lazy("Owner team"), gettext_lazy("an owner team")),
    ("sla", gettext_lazy("Service level agreement"), gettext_lazy("an active SLA")),
    ("support_path", gettext_lazy("Support path"), gettext_lazy("a support path")),
    ("description", gettext_lazy("Description"), gettext_lazy("a description")),
    ("operations_notes", gettext_lazy("Operational notes"),
     gettext_lazy("operational notes")),
    ("support_notes", gettext_lazy("Support notes"), gettext_lazy("support notes")),
    # Only for a service that takes orders.
    ("request_items", gettext_lazy("Request items"), gettext_lazy("request items to order")),
)


def _annotated(services):
    return services.annotate(
        has_sla=Exists(ServiceLevelAgreement.objects.filter(service=OuterRef("pk"),
                                                            is_active=True)),
        has_path=Exists(SupportLevel.objects.filter(service=OuterRef("pk"))),
        has_items=Exists(RequestItem.objects.filter(service=OuterRef("pk"), is_active=True)),
    ).select_related("owner_team").only("pk", "description", "operations_notes",
                                         "support_notes", "takes_orders",
                                         "owner_team__is_active")


def _points(row) -> list[Check]:
    owner = row.owner_team
    met = {"owner_team": owner is not None and owner.is_active, "sla": row.has_sla,
           "support_path": row.has_path,
           "description": bool(row.description.strip()),
           "operations_notes": bool(row.operations_notes.strip()),
           "support_notes": bool(row.support_notes.strip()),
           "request_items": row.has_items}
    return [Check(key, label, met[key], missing) for key, label, missing in POINTS
            if key != "request_items" or row.takes_orders]


def checklists(services: Iterable[Service]) -> dict[int, list[Check]]:
    """Each service's checklist by id, read in one query for all of them."""
    ids = [getattr(service, "pk", service) for service in services]
    return {row.pk: _points(row) for row in _annotated(Service.objects.filter(pk__in=ids))}


def checklist(service: Service) -> list[Check]:
    return checklists([service]).get(service.pk, [])


def gaps(service: Service) -> list[str]:
    """What the service lacks before it may go live, as phrases ("an owner team")."""
    return [str(check.missing) for check in checklist(service) if not check.ok]


def may_override(user) -> bool:
    return bool(roles.roles_of(user) & OVERRIDERS)


def refusal(service: Service, missing: list[str]) -> str:
    """Why the service may not go live, and what would let it."""
    return _("%(service)s may not go live yet: it lacks %(gaps)s. Complete them, or a "
             "change manager gives the reason it goes live anyway.") % {
        "service": service.name, "gaps": ", ".join(missing)}


def check_live(service: Service, *, actor, override_reason: str = "",
               field: str = "lifecycle") -> list[str]:
    """Whether `actor` may take the service live now: its gaps (none, or overridden
    with a reason by a change manager); refused with a ValidationError naming `field`,
    or PermissionDenied for an override nobody may give."""
    missing = gaps(service)
    if missing and not override_reason.strip():
        raise ValidationError({field: refusal(service, missing)})
    if missing and not may_override(actor):
        raise PermissionDenied(_("Only a change manager may take a service live before "
                                 "its operational acceptance is complete."))
    return missing


def go_live(service: Service, *, actor, override_reason: str = "") -> ServiceRevision | None:
    """Move the service to live (its acceptance checked, see `check_live`); the move is
    a revision of its documentation, and an override opens an improvement suggestion."""
    if not roles.is_worker(actor):
        raise PermissionDenied(_("Your role may not change the catalog."))
    reason = override_reason.strip()
    with transaction.atomic():
        service = Service.objects.select_for_update(of=("self",)).select_related("owner_team").get(
            pk=service.pk)
        if service.lifecycle == Lifecycle.LIVE:
            raise ValidationError({"lifecycle": _("%(service)s is live already.")
                                   % {"service": service.name}})
        missing = check_live(service, actor=actor, override_reason=reason)
        if latest_revision(service) is None:
            record_revision(service, None, _("As it was before the first recorded edit"))
        service.lifecycle = Lifecycle.LIVE
        service.save(update_fields=["lifecycle"])
        summary = _("Went live") if not missing else _(
            "Went live without %(gaps)s: %(reason)s") % {"gaps": ", ".join(missing),
                                                         "reason": reason}
        revision = record_revision(service, actor, summary)
        if missing:
            acceptance_overridden.send(sender=Service, service=service, gaps=missing,
                                       reason=reason, actor=actor)
    return revision


def not_live(services) -> list[Service]:
    """Of these services, those that are not live yet (a release brings them live)."""
    return [service for service in services if service.lifecycle != Lifecycle.LIVE]

