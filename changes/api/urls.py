"""`/api/v1/changes/…`"""

from django.urls import path
from rest_framework.routers import SimpleRouter

from . import cab, calendar, releases, views

app_name = "changes-api"

router = SimpleRouter()
router.register("approvals", views.ChangeApprovalViewSet, basename="approval")
router.register("cab-meetings", cab.CabMeetingViewSet, basename="cab-meeting")
router.register("releases", releases.ReleaseViewSet, basename="release")
router.register("", views.ChangeViewSet, basename="ticket")

urlpatterns = [
    path("calendar/", calendar.ChangeCalendarView.as_view(), name="calendar"),
    *router.urls,
]
