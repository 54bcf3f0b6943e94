"""`/api/v1/catalog/…`"""

from django.urls import path
from rest_framework.routers import SimpleRouter

from . import views, windows

app_name = "catalog-api"

router = SimpleRouter()
router.register("customers", views.CustomerViewSet, basename="customer")
router.register("services", views.ServiceViewSet, basename="service")
router.register("categories", views.ServiceCategoryViewSet, basename="category")
router.register("items", views.RequestItemViewSet, basename="request-item")
router.register("standard-changes", views.StandardChangeViewSet, basename="standard-change")
router.register("revisions", views.ServiceRevisionViewSet, basename="service-revision")
router.register("teams", views.TeamViewSet, basename="team")
router.register("cis", views.ConfigurationItemViewSet, basename="configuration-item")
router.register("calendars", views.CalendarViewSet, basename="calendar")
router.register("slas", views.ServiceLevelAgreementViewSet, basename="sla")
router.register("suppliers", views.SupplierViewSet, basename="supplier")
router.register("contracts", views.UnderpinningContractViewSet, basename="contract")
router.register("freeze-windows", windows.FreezeWindowViewSet, basename="freeze-window")
router.register("maintenance-windows", windows.MaintenanceWindowViewSet,
                basename="maintenance-window")

urlpatterns = [
    path("ownership/", views.OwnershipReportView.as_view(), name="ownership"),
    *router.urls,
]
