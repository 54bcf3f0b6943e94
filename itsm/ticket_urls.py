"""Pages shared by every kind of ticket: a ticket by number whatever its kind, and
file downloads."""

from django.urls import path
from django.views.generic import RedirectView

from .views import common, pages

app_name = "tickets"

urlpatterns = [
    path("", RedirectView.as_view(pattern_name="work"), name="index"),
    path("<ticket:number>/", pages.ticket_any, name="detail"),
    path("<ticket:number>/attachments/<int:pk>/download/", common.attachment_download,
         name="attachment-download"),
]
