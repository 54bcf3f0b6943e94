"""Catalog pages for the desk: `/catalog/…`."""

from django.urls import path

from . import views, window_views

app_name = "catalog"

urlpatterns = [
    path("ownership/", views.ownership_report, name="ownership"),
    path("windows/", window_views.window_list, name="windows"),
    path("windows/<slug:kind>/new/", window_views.window_edit, name="window-create"),
    path("windows/<slug:kind>/<n:pk>/edit/", window_views.window_edit, name="window-edit"),
    path("windows/<slug:kind>/<n:pk>/delete/", window_views.window_delete,
         name="window-delete"),
    path("teams/", views.team_list, name="teams"),
    path("teams/<n:pk>/", views.team_detail, name="team"),
    path("services/", views.service_list, name="services"),
    path("services/<slug:code>/", views.service_detail, name="service"),
    path("services/<slug:code>/edit/", views.service_edit, name="service-edit"),
    path("services/<slug:code>/go-live/", views.service_go_live, name="service-go-live"),
    path("services/<slug:code>/items/new/", views.request_item_edit, name="item-create"),
    path("services/<slug:code>/items/<n:pk>/edit/", views.request_item_edit, name="item-edit"),
    path("services/<slug:code>/history/", views.service_history, name="service-history"),
    path("services/<slug:code>/history/<n:number>/", views.service_revision,
         name="service-revision"),
]
