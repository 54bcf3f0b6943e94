"""Agent pages for incidents (the portal's incident form is in itsm.portal_urls)."""

from django.urls import path

from . import views

app_name = "incidents"

urlpatterns = [
    path("", views.incident_list, name="list"),
    path("new/", views.incident_create, name="create"),
    path("<str:number>/", views.incident_detail, name="detail"),
    path("<str:number>/take/", views.incident_take, name="take"),
    path("<str:number>/assign/", views.incident_assign, name="assign"),
    path("<str:number>/transition/<slug:name>/", views.incident_transition, name="transition"),
    path("<str:number>/edit/", views.incident_edit, name="edit"),
    path("<str:number>/comment/", views.incident_comment, name="comment"),
    path("<str:number>/attach/", views.incident_attach, name="attach"),
]
