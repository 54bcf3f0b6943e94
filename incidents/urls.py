"""The desk pages of incidents: the core's ticket pages for the kind."""

from itsm.views.pages import ticket_urlpatterns

app_name = "incidents"

urlpatterns = ticket_urlpatterns("incident")
