"""`/api/v1/requests/…`: orders, and the approvals waiting for the caller."""

from rest_framework.routers import SimpleRouter

from . import views

app_name = "requests-api"

router = SimpleRouter()
router.register("approvals", views.ApprovalViewSet, basename="approval")
router.register("", views.ServiceRequestViewSet, basename="ticket")

urlpatterns = router.urls
