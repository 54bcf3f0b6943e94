"""`/metrics/`: the dashboards."""

from django.urls import path

from . import views

app_name = "metrics"

urlpatterns = [
    path("", views.it_dashboard, name="it"),
    path("services/", views.services, name="services"),
    path("services/<int:pk>/", views.service, name="service"),
    path("customers/", views.customers, name="customers"),
    path("customers/<int:pk>/", views.customer, name="customer"),
    path("wallboard/", views.wallboard, name="wallboard"),
    path("tickets/", views.tickets, name="tickets"),
    path("digests/", views.digests_page, name="digests"),
    path("digests/<int:pk>/delete/", views.digest_delete, name="digest-delete"),
]
