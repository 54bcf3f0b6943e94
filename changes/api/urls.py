"""`/api/v1/changes/…`"""

from rest_framework.routers import SimpleRouter

from . import views

app_name = "changes-api"

router = SimpleRouter()
router.register("", views.ChangeViewSet, basename="ticket")

urlpatterns = router.urls
