"""`/api/v1/metrics/`."""

from django.urls import path
from rest_framework.routers import SimpleRouter

from . import views

app_name = "metrics-api"

router = SimpleRouter()
router.register("kpis", views.KpiValueViewSet, basename="kpi")

urlpatterns = [
    path("kpis/<slug:kpi>/tickets/", views.KpiTicketsView.as_view(), name="kpi-tickets"),
    path("definitions/", views.KpiDefinitionsView.as_view(), name="definitions"),
    *router.urls,
]
