"""Catalog pages for the desk: `/catalog/…`."""

from django.urls import path

from . import views

app_name = "catalog"

urlpatterns = [
    path("ownership/", views.ownership_report, name="ownership"),
]
