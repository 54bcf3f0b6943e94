"""The requester portal."""

from django.urls import path

from incidents import views as incident_views

from . import portal_views

app_name = "portal"

urlpatterns = [
    path("", portal_views.portal_home, name="home"),
    path("incidents/new/", incident_views.portal_incident_create, name="incident-create"),
    path("tickets/<str:number>/", portal_views.portal_ticket, name="ticket"),
    path("tickets/<str:number>/comment/", portal_views.portal_comment, name="comment"),
    path("tickets/<str:number>/attach/", portal_views.portal_attach, name="attach"),
    path("tickets/<str:number>/transition/<slug:name>/", portal_views.portal_transition,
         name="transition"),
]
