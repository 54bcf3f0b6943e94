"""The requester portal."""

from django.urls import path

from incidents import views as incident_views

from . import portal_views

app_name = "portal"

urlpatterns = [
    path("", portal_views.portal_home, name="home"),
    path("incidents/new/", incident_views.portal_incident_create, name="incident-create"),
    path("tickets/<ticket:number>/", portal_views.portal_ticket, name="ticket"),
    path("tickets/<ticket:number>/comment/", portal_views.portal_comment, name="comment"),
    path("tickets/<ticket:number>/attach/", portal_views.portal_attach, name="attach"),
    path("tickets/<ticket:number>/transition/<slug:name>/", portal_views.portal_transition,
         name="transition"),
]
