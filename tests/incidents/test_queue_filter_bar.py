"""The queue's filter bar reads its select options as columns, and says exactly what
the instance-by-instance rendering says."""

from __future__ import annotations

import pytest
from django.test import RequestFactory

from catalog.models import ServiceCategory
from incidents.forms import IncidentQueueFilterSet
from incidents.models import Incident
from itsm.forms import QuickModelSelect, QuickSelect

from ..factories import ServiceFactory, TeamFactory, UserFactory

pytestmark = pytest.mark.django_db
SELECTS = ("team", "assignee", "service", "category")


@pytest.fixture
def options(agent, team, service):
    """Names that need escaping, a person without a full name, a category."""
    TeamFactory(name="Network <ops> & \"core\"")
    ServiceFactory(name="Pay & <roll>", code="payroll", owner_team=team)
    UserFactory(username="nofullname", first_name="", last_name="", roles=["agent"])
    category = ServiceCategory.objects.create(name="Workplace", code="workplace")
    return {"team": team.pk, "assignee": agent.pk, "service": service.pk,
            "category": category.pk}


def form_for(data, user):
    request = RequestFactory().get("/incidents/", data)
    request.user = user
    return IncidentQueueFilterSet(request.GET, queryset=Incident.objects.all(),
                                  request=request).form


@pytest.mark.parametrize("chosen", [False, True])
def test_each_select_renders_as_from_instances(options, agent, chosen, monkeypatch):
    data = {name: str(pk) for name, pk in options.items()} if chosen else {}
    quick = {name: str(form_for(data, agent)[name]) for name in SELECTS}
    # The same fields rendered from model instances, as QuickSelect does.
    monkeypatch.setattr(QuickModelSelect, "options_of", QuickSelect.options_of)
    slow = {name: str(form_for(data, agent)[name]) for name in SELECTS}

    assert quick == slow
    assert "Network &lt;ops&gt; &amp; &quot;core&quot;" in quick["team"]
    assert ">nofullname</option>" in quick["assignee"]
    chosen_service = f'<option value="{options["service"]}" selected>'
    assert (chosen_service in quick["service"]) is chosen


def test_each_select_reads_only_its_label_columns_in_one_query(options, agent):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    form = form_for({}, agent)
    for name in SELECTS:
        with CaptureQueriesContext(connection) as ctx:
            str(form[name])
        assert len(ctx.captured_queries) == 1, name
        sql = ctx.captured_queries[0]["sql"]
        # Instances would read every column: a team's e-mail, a user's password…
        assert not any(column in sql for column in (
            '"email"', '"password"', '"description"', '"owner_team_id"')), sql


def test_the_queue_keeps_its_widgets_after_the_api_schema_was_built(client, agent):
    """Building the schema builds (and caches) the fields of the shared filters; the
    queue must still show its checkboxes and its own option lists."""
    client.force_login(agent)
    assert client.get("/api/schema/").status_code == 200
    page = client.get("/incidents/").content.decode()
    assert '<input type="checkbox" name="status" value="new"' in page
    assert '<input type="checkbox" name="priority" value="1"' in page
    assert "<option value=\"new\"" not in page


@pytest.mark.parametrize("data", [{}, {"status": ["new", "on_hold"], "priority": ["2"]}])
def test_checkbox_groups_render_as_the_template_loop_did(agent, data):
    from django.template import Context, Template

    form = form_for(data, agent)
    loop = Template("{% for choice in field %}<label>{{ choice.tag }}{{ choice.choice_label }}"
                    "</label>{% endfor %}")
    for name in ("status", "priority"):
        assert str(form[name]) == loop.render(Context({"field": form[name]})), name
    assert 'value="on_hold" id="id_status_2" checked>' in str(form["status"]) or not data
