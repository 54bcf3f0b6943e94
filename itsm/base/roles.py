"""Roles are Django groups; this module is the one place that says what each may do.

Every queryset's `visible_to(user)` and every view's permission check asks these
helpers, so a rule changes in one place.
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

REQUESTER = "requester"
AGENT = "agent"
TEAM_LEAD = "team_lead"
CHANGE_MANAGER = "change_manager"
MANAGER = "manager"
ADMIN = "admin"

ROLE_LABELS = {
    REQUESTER: _("Requester"),
    AGENT: _("Service desk agent"),
    TEAM_LEAD: _("Team lead"),
    CHANGE_MANAGER: _("Change manager"),
    MANAGER: _("Manager"),
    ADMIN: _("Administrator"),
}
ALL_ROLES = tuple(ROLE_LABELS)

# Roles that work tickets (create, assign, transition, comment internally).
WORKER_ROLES = frozenset({AGENT, TEAM_LEAD, CHANGE_MANAGER, ADMIN})
# Roles that read every ticket; managers read without working them.
READER_ROLES = WORKER_ROLES | {MANAGER}


def roles_of(user) -> frozenset[str]:
    """The user's role names, cached on the user object for the request."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return frozenset()
    cached = getattr(user, "_itsm_roles", None)
    if cached is None:
        names = set(user.groups.values_list("name", flat=True))
        if user.is_superuser:
            names.add(ADMIN)
        cached = frozenset(names & set(ALL_ROLES))
        user._itsm_roles = cached
    return cached


def is_worker(user) -> bool:
    """May work tickets: create for others, assign, transition, comment internally."""
    return bool(roles_of(user) & WORKER_ROLES)


def is_staff_reader(user) -> bool:
    """May read every ticket and the whole catalog."""
    return bool(roles_of(user) & READER_ROLES)


def primary_role(user) -> str | None:
    """The strongest role, for the menu and the landing page."""
    roles = roles_of(user)
    for role in (ADMIN, MANAGER, CHANGE_MANAGER, TEAM_LEAD, AGENT, REQUESTER):
        if role in roles:
            return role
    return None


def workers():
    """Active users who work tickets: the people a ticket may be assigned to."""
    from django.contrib.auth import get_user_model
    from django.db.models import Q

    return (
        get_user_model().objects.filter(is_active=True)
        .filter(Q(groups__name__in=WORKER_ROLES) | Q(is_superuser=True))
        .distinct().order_by("first_name", "last_name", "username")
        .only("pk", "username", "first_name", "last_name")
    )


def holders(role: str):
    """The active people who have `role`, in a stable order."""
    from django.contrib.auth import get_user_model

    return (get_user_model().objects.filter(is_active=True, groups__name=role)
            .distinct().order_by("pk"))


def workers_among(user_ids) -> list[int]:
    """Which of these users work tickets: one query, for a page that names many."""
    return list(workers().filter(pk__in=list(user_ids)).values_list("pk", flat=True))
