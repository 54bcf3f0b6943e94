"""`/api/v1/problems/…`"""

from django.urls import path
from rest_framework.routers import SimpleRouter

from . import views

app_name = "problems-api"

router = SimpleRouter()
router.register("", views.ProblemViewSet, basename="ticket")

urlpatterns = [
    path("candidates/", views.CandidatesView.as_view(), name="candidates"),
    *router.urls,
]
