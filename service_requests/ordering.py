"""Ordering from the catalog: who may order what, for whom; the order form checked on
the server; the request written with its answers, approval steps and fulfilment plan
as the item stood at that moment, and started on its way.

`order` is the one way a request comes into being, from the portal, the desk and the
API alike, so an order is checked exactly the same everywhere.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from catalog.models import RequestItem
from catalog.order_forms import OrderForm
from itsm.base import roles
from itsm.choices import Channel, TicketKind
from itsm.services import create_ticket

from . import approvals, fulfilment
from .models import ServiceRequest


def orderable(user):
    """The items `user` may order for themself (the desk: every active one)."""
    items = (RequestItem.objects.filter(is_active=True, service__is_active=True)
             if roles.is_worker(user) else RequestItem.objects.orderable_by(user))
    return items.select_related("service__category")


def check_orderer(item: RequestItem, *, actor, requester) -> None:
    """May `actor` order `item` for `requester`? A PermissionDenied or a ValidationError
    naming the field otherwise."""
    if not item.is_active or not item.service.is_active:
        raise ValidationError({"request_item": _("%(item)s can no longer be ordered.")
                               % {"item": item.name}})
    worker = roles.is_worker(actor)
    if roles.is_staff_reader(actor) and not worker:
        raise PermissionDenied(_("Your role may not order from the catalog."))
    if requester != actor and not worker and not item.on_behalf:
        raise ValidationError({"requester": _("%(item)s can be ordered only for yourself.")
                               % {"item": item.name}})
    if not requester.is_active:
        raise ValidationError({"requester": _("%(user)s is not active.") % {"user": requester}})
    if not item.may_order(requester):
        raise ValidationError({"requester": _("%(item)s is not offered to %(user)s.")
                               % {"item": item.name, "user": requester}})


def read_answers(item: RequestItem, data: Mapping[str, Any] | None,
                 prefix: str | None = None) -> OrderForm:
    """The item's order form bound to `data` (a POST, whose fields carry `prefix`, or
    a JSON object)."""
    return OrderForm(item.order_fields(), data=data or {}, prefix=prefix)


def order(item: RequestItem, *, actor, answers: Mapping[str, Any] | None = None,
          prefix: str | None = None, requester=None, title: str = "",
          description: str = "", urgency: int = 3, channel: str | None = None,
          when=None) -> ServiceRequest:
    """Order `item` for `requester` (the actor by default): the answers are checked as
    the form says (a ValidationError names each field), then the request is logged and
    sent to its first approval step, or straight to fulfilment."""
    requester = requester or actor
    check_orderer(item, actor=actor, requester=requester)
    form = read_answers(item, answers, prefix)
    if not form.is_valid():
        raise ValidationError({name: list(errors) for name, errors in form.errors.items()})
    worker = roles.is_worker(actor)
    fields: dict[str, Any] = {
        "title": (title or "").strip()[:200] or item.name,
        "description": description or "",
        "service": item.service,
        "urgency": urgency,
        "request_item": item,
        "item_name": item.name,
        "answers": form.answers(),
        "ordered_by": actor if requester != actor else None,
        "fulfilment_days": item.fulfilment_days,
        "plan": fulfilment.plan_of(item),
    }
    if worker:
        fields["channel"] = channel or Channel.PHONE
    with transaction.atomic():
        request = create_ticket(
            TicketKind.SERVICE_REQUEST, actor=actor if worker or requester == actor else None,
            requester=requester, when=when, **fields)
        steps = approvals.plan_stages(request, item)
        if steps:
            approvals.submit(request, when=when)
        elif request.plan:
            fulfilment.begin(request, when=when)
    return request
