"""The desk pages of requests: the core's ticket pages for the kind (its "new" is the
order for a caller), and the approvals waiting for the agent."""

from django.urls import path

from itsm.choices import TicketKind
from itsm.views.pages import ticket_urlpatterns

from . import views

app_name = "requests"

urlpatterns = [
    path("approvals/", views.desk_approvals, name="approvals"),
    *ticket_urlpatterns(TicketKind.SERVICE_REQUEST),
]
