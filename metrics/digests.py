"""Email digests: a dashboard's key figures in the subscriber's inbox, weekly or
monthly, against target, with trend charts inline and links back to the dashboards.

The only writer of `Digest`. `send_due` (a beat task each morning) sends each
subscription's digest of the period that just ended once: it locks the subscription
row, skips it if another run holds it or already sent that period, and records the
period in the same transaction as the send, so a task run twice, or on two workers,
sends one email. A subscriber who may no longer read the view gets nothing.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from email.mime.image import MIMEImage
from urllib.parse import urlencode

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.db.models import Q
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from itsm.base import roles
from itsm.models import Preferences

from . import images, periods, readings
from .access import Access, access_of
from .figures import kpi_tile, trend
from .models import Digest
from .readings import Span
from .targets import Targets

Frequency, View = Digest.Frequency, Digest.View
# What each view's digest shows: its key figures, and its trends (id, title, KPIs).
FIGURES = {
    View.IT: ("mttr", "response_time", "sla_compliance_resolution", "fcr", "csat",
              "volume_created", "volume_resolved", "backlog"),
    View.SERVICE: ("availability", "sla_compliance_resolution", "csat", "volume_created",
                   "mttr"),
    View.CUSTOMER: ("sla_compliance_resolution", "csat", "volume_created", "mttr"),
}
TRENDS = (("volume", gettext_lazy("Created and resolved"), ["volume_created", "volume_resolved"]),
          ("speed", gettext_lazy("Time to resolve"), ["mttr"]),
          ("compliance", gettext_lazy("SLA compliance (resolution)"),
           ["sla_compliance_resolution"]))
TREND_PERIODS = 12  # weeks or months a digest's charts show
SUBSCRIBERS = frozenset({roles.MANAGER, roles.TEAM_LEAD, roles.ADMIN})


def may_subscribe(user) -> bool:
    return bool(roles.roles_of(user) & SUBSCRIBERS)


def reads(access: Access, digest: Digest) -> bool:
    """Whether the subscriber may read the view the digest is of."""
    if digest.view == View.IT:
        return access.reads_it and access.reads_team(digest.team_id)
    if digest.view == View.SERVICE:
        return access.reads_service(digest.service_id)
    return access.reads_customer(digest.customer_id)


def subscribe(user, *, frequency: str, view: str, team=None, service=None, customer=None
              ) -> Digest:
    """Subscribe `user` (once: subscribing again changes nothing)."""
    wanted = Digest(user=user, frequency=frequency, view=view, team=team, service=service,
                    customer=customer)
    if not may_subscribe(user) or not reads(access_of(user), wanted):
        raise PermissionDenied(_("You may not subscribe to that dashboard."))
    found, _created = Digest.objects.get_or_create(
        user=user, frequency=frequency, view=view, team=team, service=service,
        customer=customer)
    return found


def unsubscribe(user, pk: int) -> bool:
    return Digest.objects.filter(user=user, pk=pk).delete()[0] > 0


def period_of(frequency: str, today: date) -> Span:
    """The period a digest sent today covers: the last whole week or month."""
    return readings.span_of("last_week" if frequency == Frequency.WEEKLY else "last_month",
                            today)


def send_due(now: datetime | None = None) -> int:
    """Send every digest whose period ended and was not sent yet; return how many."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    due = Q()
    for frequency in Frequency:
        first = period_of(frequency, today).first
        due |= Q(frequency=frequency) & (Q(last_period__isnull=True) | Q(last_period__lt=first))
    sent = 0
    for pk in Digest.objects.filter(due).values_list("pk", flat=True):
        with transaction.atomic():
            digest = (Digest.objects.select_for_update(skip_locked=True, of=("self",))
                      .select_related("user", "team", "service", "customer")
                      .filter(due, pk=pk).first())
            if digest is None:
                continue  # another run has it, or sent it
            span = period_of(digest.frequency, today)
            user = digest.user
            if user.is_active and user.email and reads(access_of(user), digest):
                message(digest, span).send()
                sent += 1
            digest.last_period = span.first
            digest.save(update_fields=["last_period"])
    return sent


def _slice(digest: Digest) -> tuple[str, str]:
    if digest.view == View.SERVICE:
        return "service", str(digest.service_id)
    if digest.view == View.CUSTOMER:
        return "customer", str(digest.customer_id)
    return ("team", str(digest.team_id)) if digest.team_id else ("overall", "")


def _dashboard(digest: Digest, span: Span) -> str:
    """The dashboard of the digest's view, for its period, as an absolute URL."""
    if digest.view == View.SERVICE:
        path = reverse("metrics:service", args=[digest.service_id])
    elif digest.view == View.CUSTOMER:
        path = reverse("metrics:customer", args=[digest.customer_id])
    else:
        path = reverse("metrics:it")
    query = {"span": "custom", "from": span.first.isoformat(), "to": span.last.isoformat()}
    if digest.team_id:
        query["team"] = digest.team_id
    return f"{settings.SITE_URL.rstrip('/')}{path}?{urlencode(query)}"


def message(digest: Digest, span: Span) -> EmailMultiAlternatives:
    """The digest's email, in the subscriber's language: text, and HTML with the trend
    charts as inline images."""
    language = Preferences.of(digest.user).language or settings.LANGUAGE_CODE
    with translation.override(language):
        return _message(digest, span)


def _message(digest: Digest, span: Span) -> EmailMultiAlternatives:
    dimension, key = _slice(digest)
    service_id = digest.service_id
    targets = Targets()
    site = settings.SITE_URL.rstrip("/")
    found = readings.figures(FIGURES[digest.view], span, dimension, key)
    tiles = []
    for kpi in FIGURES[digest.view]:
        if kpi == "availability" and dimension not in ("overall", "service"):
            continue
        tile = kpi_tile(kpi, found[kpi], span, targets, dimension=dimension, key=key,
                        service_id=service_id)
        tile.link = site + tile.link if tile.link and digest.view != View.CUSTOMER else None
        tiles.append(tile)
    granularity = readings.WEEK if digest.frequency == Frequency.WEEKLY else readings.MONTH
    first = span.first
    for _step in range(TREND_PERIODS - 1):
        first = periods.start_of(first - timedelta(days=1), granularity)
    history = Span("custom", first, span.last, granularity)
    charts = [trend(chart_id, title, kpis, history, dimension=dimension, key=key,
                    targets=targets, service_id=service_id)
              for chart_id, title, kpis in TRENDS]
    charts = [chart for chart in charts if not chart.is_empty]
    subject_name = str(digest.subject) if digest.subject else _("The whole desk")
    context = {"digest": digest, "span": span, "tiles": tiles, "charts": charts,
               "name": subject_name, "dashboard": _dashboard(digest, span),
               "manage": site + reverse("metrics:digests")}
    subject = (_("Weekly digest: %(name)s, %(period)s") if digest.frequency == Frequency.WEEKLY
               else _("Monthly digest: %(name)s, %(period)s")) % {
        "name": subject_name, "period": span.label}
    email = EmailMultiAlternatives(subject, render_to_string("metrics/email/digest.txt", context),
                                   settings.DEFAULT_FROM_EMAIL, [digest.user.email])
    email.attach_alternative(render_to_string("metrics/email/digest.html", context), "text/html")
    email.mixed_subtype = "related"  # the images belong to the HTML
    for chart in charts:
        image = MIMEImage(images.png(chart), "png")
        image.add_header("Content-ID", f"<{chart.id}>")
        image.add_header("Content-Disposition", "inline", filename=f"{chart.id}.png")
        email.attach(image)
    return email
