"""`/api/v1/surveys/`."""

from rest_framework.routers import SimpleRouter

from . import views

app_name = "surveys-api"

router = SimpleRouter()
router.register("", views.SurveyViewSet, basename="survey")

urlpatterns = router.urls
