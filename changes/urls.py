"""The desk pages of changes: the core's ticket pages for the kind, and recording an
incident a change caused."""

from django.urls import path

from itsm.choices import TicketKind
from itsm.views.pages import ticket_urlpatterns

from . import views

app_name = "changes"

urlpatterns = [
    path("incident/<ticket:number>/caused-by/", views.record_cause, name="record-cause"),
    path("<ticket:number>/scope/", views.set_scope, name="scope"),
    *ticket_urlpatterns(TicketKind.CHANGE),
]
