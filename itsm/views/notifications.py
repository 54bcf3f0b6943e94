"""A person's notifications: the list, and marking them read."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from ..models import Notification

PAGE_SIZE = 50


@login_required
def notification_list(request: HttpRequest) -> HttpResponse:
    """The user's own notifications, newest first."""
    notifications = Notification.objects.visible_to(request.user).select_related("ticket")
    page = Paginator(notifications, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "itsm/notifications.html", {"page_obj": page})


@require_POST
@login_required
def notifications_mark_read(request: HttpRequest) -> HttpResponse:
    """Mark every unread notification of the user read."""
    count = Notification.objects.visible_to(request.user).unread().update(
        read_at=timezone.now())
    messages.success(request, ngettext("%(count)d notification marked read.",
                                       "%(count)d notifications marked read.", count)
                     % {"count": count})
    return redirect("notifications")
