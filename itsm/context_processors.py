"""Template context: the user's role flags and unread notifications, for the menu."""

from functools import cache

from .base import roles
from .models import Notification


def role_flags(request) -> dict:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"is_worker": False, "is_staff_reader": False, "primary_role": None,
                "unread_notifications": 0}
    return {
        "is_worker": roles.is_worker(user),
        "is_staff_reader": roles.is_staff_reader(user),
        "primary_role": roles.primary_role(user),
        # Templates call it, so pages without the menu (API, admin) pay nothing; a page
        # with it pays one COUNT over the (user, read_at) index, however often it asks.
        "unread_notifications": cache(
            lambda: Notification.objects.filter(user=user, read_at__isnull=True).count()
        ),
    }
