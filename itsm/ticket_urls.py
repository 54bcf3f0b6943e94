"""Pages shared by every kind of ticket: file downloads."""

from django.urls import path

from . import views

app_name = "tickets"

urlpatterns = [
    path("<ticket:number>/attachments/<int:pk>/download/", views.attachment_download,
         name="attachment-download"),
]
