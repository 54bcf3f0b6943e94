"""`/api/v1/tasks/…`"""

from rest_framework.routers import SimpleRouter

from . import views

app_name = "tasks-api"

router = SimpleRouter()
router.register("", views.TaskViewSet, basename="ticket")

urlpatterns = router.urls
