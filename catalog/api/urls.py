"""`/api/v1/catalog/…`"""

from rest_framework.routers import SimpleRouter

from . import views

app_name = "catalog-api"

router = SimpleRouter()
router.register("customers", views.CustomerViewSet, basename="customer")
router.register("services", views.ServiceViewSet, basename="service")
router.register("teams", views.TeamViewSet, basename="team")
router.register("cis", views.ConfigurationItemViewSet, basename="configuration-item")
router.register("calendars", views.CalendarViewSet, basename="calendar")
router.register("slas", views.ServiceLevelAgreementViewSet, basename="sla")

urlpatterns = router.urls
