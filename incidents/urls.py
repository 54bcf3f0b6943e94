"""Agent pages for incidents (the portal's incident form is in itsm.portal_urls)."""

from django.urls import path

from . import views

app_name = "incidents"

urlpatterns = [
    path("", views.incident_list, name="list"),
    path("new/", views.incident_create, name="create"),
    path("<ticket:number>/", views.incident_detail, name="detail"),
    path("<ticket:number>/take/", views.incident_take, name="take"),
    path("<ticket:number>/assign/", views.incident_assign, name="assign"),
    path("<ticket:number>/transition/<slug:name>/", views.incident_transition, name="transition"),
    path("<ticket:number>/edit/", views.incident_edit, name="edit"),
    path("<ticket:number>/comment/", views.incident_comment, name="comment"),
    path("<ticket:number>/attach/", views.incident_attach, name="attach"),
]
