"""Email digests: who subscribes to what, one email per period per subscriber however
often the task runs, the figures against target with the charts inline."""

from __future__ import annotations

from datetime import datetime

import pytest
import time_machine
from django.core import mail

from metrics import digests
from metrics.models import Digest, KpiTarget
from metrics.tasks import send_digests_task

from .conftest import BERLIN

pytestmark = pytest.mark.django_db

MONDAY = datetime(2026, 6, 15, 6, 30, tzinfo=BERLIN)  # the fixture's "now" is this Monday


def test_a_monthly_digest_goes_out_once_for_the_month_that_ended(desk, manager):
    KpiTarget.objects.create(kpi="mttr", target=48, warning=72)
    digest = digests.subscribe(manager, frequency="monthly", view="it")
    with time_machine.travel(datetime(2026, 5, 1, 6, 30, tzinfo=BERLIN), tick=False):
        assert send_digests_task() == 1  # April
        assert send_digests_task() == 0  # the same morning again: nothing
    with time_machine.travel(datetime(2026, 5, 20, 6, 30, tzinfo=BERLIN), tick=False):
        assert digests.send_due() == 0  # May has not ended
    digest.refresh_from_db()
    assert digest.last_period.isoformat() == "2026-04-01"
    email = mail.outbox[0]
    assert email.to == [manager.email]
    assert email.subject.startswith("Monthly digest: The whole desk, Last month")
    # April: T3 alone, 695 h against a target of 48 h.
    assert "Mean time to resolve: 695.0 h (target 48.0 h, off target)" in email.body
    html, _type = email.alternatives[0]
    assert "cid:speed" in html and "/metrics/?span=custom&amp;from=2026-04-01" in html
    images = [part for part in email.attachments if part.get_content_type() == "image/png"]
    assert {image["Content-ID"] for image in images} >= {"<speed>"}
    assert images[0].get_payload(decode=True).startswith(b"\x89PNG")


def test_a_weekly_digest_of_a_service_and_one_a_subscriber_may_no_longer_read(
        desk, team_lead, team, manager):
    office = desk["office"]  # owned by the lead's team
    ours = digests.subscribe(team_lead, frequency="weekly", view="service", service=office)
    theirs = digests.subscribe(manager, frequency="weekly", view="it", team=team)
    team.lead = None
    team.members.remove(team_lead)
    team.save()
    with time_machine.travel(MONDAY, tick=False):
        assert digests.send_due() == 1  # the manager's; the lead no longer reads Email
    assert mail.outbox[0].to == [manager.email]
    assert "Weekly digest: Service desk" in mail.outbox[0].subject
    for digest in (ours, theirs):
        digest.refresh_from_db()
        assert digest.last_period.isoformat() == "2026-06-08"  # the week before Monday


@pytest.mark.parametrize("persona, view, allowed", [
    ("manager", "customer", True), ("team_lead", "service", True), ("team_lead", "it", True),
    ("team_lead", "customer", False), ("agent", "it", False), ("requester", "it", False),
], indirect=["persona"])
def test_who_may_subscribe_to_what(persona, view, allowed, service, team, customer):
    from django.core.exceptions import PermissionDenied

    subject = {"it": {"team": team}, "service": {"service": service},
               "customer": {"customer": customer}}[view]
    if allowed:
        first = digests.subscribe(persona, frequency="weekly", view=view, **subject)
        assert digests.subscribe(persona, frequency="weekly", view=view, **subject) == first
    else:
        with pytest.raises(PermissionDenied):
            digests.subscribe(persona, frequency="weekly", view=view, **subject)


def test_the_digests_page_subscribes_and_unsubscribes(client, team_lead, team, service,
                                                      agent, manager):
    client.force_login(team_lead)
    page = client.get("/metrics/digests/")
    assert page.status_code == 200
    assert [value for value, _label in page.context["form"].fields["view"].choices] == [
        "it", "service"]
    bad = client.post("/metrics/digests/", {"frequency": "weekly", "view": "service"})
    assert bad.status_code == 400 and "service" in bad.context["form"].errors
    refused = client.post("/metrics/digests/", {"frequency": "daily", "view": "it",
                                                "team": team.pk})
    assert refused.status_code == 400 and "frequency" in refused.context["form"].errors
    done = client.post("/metrics/digests/", {"frequency": "weekly", "view": "service",
                                             "service": service.pk, "team": team.pk})
    assert done.status_code == 302
    digest = Digest.objects.get(user=team_lead)
    assert (digest.view, digest.service, digest.team) == ("service", service, None)
    client.force_login(manager)
    assert client.post(f"/metrics/digests/{digest.pk}/delete/").status_code == 404
    client.force_login(team_lead)
    assert client.post(f"/metrics/digests/{digest.pk}/delete/").status_code == 302
    assert not Digest.objects.exists()
    client.force_login(agent)
    assert client.get("/metrics/digests/").status_code == 403
