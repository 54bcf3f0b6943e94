"""Every ticket-core list endpoint runs the same number of queries for 2 rows as for 10."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from itsm import workflow
from itsm.services import add_attachment, add_comment

from ..factories import CustomerFactory, ServiceFactory, UserFactory, make_incident

pytestmark = pytest.mark.django_db




def add_rows(incident, agent, requester, n: int) -> None:
    """n more tickets, comments, events and files, each with its own related rows."""
    for i in range(n):
        someone = UserFactory(roles=["requester"], customer=CustomerFactory())
        make_incident(actor=agent, requester=requester if i % 2 else someone,
                      service=ServiceFactory(owner_team=incident.assignment_team),
                      assignee=agent)
        author = agent if i % 2 else requester
        add_comment(incident, author=author, body=f"comment {i}")
        workflow.update(incident, actor=agent, editable=["title"], title=f"title {i}")
        add_attachment(incident, uploaded_by=author,
                       upload=SimpleUploadedFile(f"f{i}.txt", b"data"))


@pytest.mark.parametrize("persona", ["agent", "requester"], indirect=True)
@pytest.mark.parametrize("path", ["/api/v1/tickets/", "comments", "events", "attachments"])
def test_ticket_lists_run_a_constant_number_of_queries(api_as, agent, requester, incident,
                                                       persona, path, count_queries):
    url = path if path.startswith("/") else f"/api/v1/tickets/{incident.number}/{path}/"
    client = api_as(persona)
    client.get(url)  # the token's last_used_at is written on first use only
    add_rows(incident, agent, requester, 2)
    two = count_queries(client, url)
    rows_two = count_queries.last_response.data["count"]
    add_rows(incident, agent, requester, 8)
    ten = count_queries(client, url)
    rows_ten = count_queries.last_response.data["count"]
    assert rows_ten > rows_two
    assert ten == two
