"""Template context: the user's role flags, unread notifications and the kinds of work
the menu lists (from the process registry)."""

from functools import cache

from . import registry
from .base import roles
from .models import Notification


def role_flags(request) -> dict:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"is_worker": False, "is_staff_reader": False, "primary_role": None,
                "unread_notifications": 0, "menu_kinds": (), "portal_offers": (),
                "user_links": ()}
    return {
        "is_worker": roles.is_worker(user),
        "is_staff_reader": roles.is_staff_reader(user),
        "primary_role": roles.primary_role(user),
        # Templates call it, so pages without the menu (API, admin) pay nothing; a page
        # with it pays one COUNT over the (user, read_at) index, however often it asks.
        "unread_notifications": cache(
            lambda: Notification.objects.filter(user=user, read_at__isnull=True).count()
        ),
        "menu_kinds": registry.desk_kinds(),
        "portal_offers": registry.portal_offers(),
        "user_links": registry.user_links(desk=roles.is_staff_reader(user)),
    }
