"""Choices scoped to what the requesting user may see, for filters and form fields.

Every model with rows a user may not see has a `visible_to(user)` queryset method (the
one scoping rule, STYLE.md); these helpers hand that scoping to django-filter, which
builds a filter's choices from a callable taking the request. (The API's related fields
scope themselves: `itsm.base.api.fields.VisibleRelatedMixin`.)
"""

from __future__ import annotations

from collections.abc import Callable

from django.contrib.auth import get_user_model
from django.db.models import Model, QuerySet

from . import roles


def visible(model: type[Model]) -> Callable[[object], QuerySet]:
    """A filter's choices: the rows of `model` the requesting user may see.

    Over `Model.objects.all()` a filter answers "Select a valid choice" only for ids
    that do not exist, which tells anyone which ids do. Scoped to `visible_to(user)`,
    an id the user may not see gets the same 400 as one that does not exist.
    """

    def queryset(request) -> QuerySet:
        if request is None:
            return model.objects.none()
        return model.objects.visible_to(request.user)

    return queryset


def visible_users(request) -> QuerySet:
    """A user filter's choices: every user for desk staff, only oneself for others.

    Users have no `visible_to`; a requester may still filter on themself (their own
    tickets), and learns nothing about who else has an account.
    """
    users = get_user_model().objects
    if request is None:
        return users.none()
    user = request.user
    if roles.is_staff_reader(user):
        return users.all()
    if getattr(user, "is_authenticated", False):
        return users.filter(pk=user.pk)
    return users.none()
