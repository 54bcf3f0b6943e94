"""The desk pages of changes: the core's ticket pages for the kind, and recording an
incident a change caused."""

from django.urls import path

from itsm.choices import TicketKind
from itsm.views.pages import ticket_urlpatterns

from . import approval_views, cab_views, calendar_views, release_views, views

app_name = "changes"

urlpatterns = [
    path("approvals/", approval_views.approvals_page, name="approvals"),
    path("approvals/<int:pk>/decide/", approval_views.decide, name="decide"),
    path("cab/", cab_views.meeting_list, name="cab"),
    path("cab/new/", cab_views.meeting_create, name="cab-create"),
    path("cab/schedules/new/", cab_views.schedule_edit, name="cab-schedule-create"),
    path("cab/schedules/<n:pk>/", cab_views.schedule_edit, name="cab-schedule"),
    path("cab/<n:pk>/", cab_views.meeting_detail, name="cab-meeting"),
    path("cab/<n:pk>/agenda/", cab_views.agenda_print, name="cab-agenda"),
    path("cab/<n:pk>/build/", cab_views.build, name="cab-build"),
    path("cab/<n:pk>/items/<n:item>/outcome/", cab_views.outcome, name="cab-outcome"),
    path("cab/<n:pk>/minutes/", cab_views.minutes, name="cab-minutes"),
    path("cab/<n:pk>/cancel/", cab_views.cancel, name="cab-cancel"),
    path("releases/", release_views.release_list, name="releases"),
    path("releases/new/", release_views.release_edit, name="release-create"),
    path("releases/<n:pk>/", release_views.release_detail, name="release"),
    path("releases/<n:pk>/edit/", release_views.release_edit, name="release-edit"),
    path("releases/<n:pk>/status/", release_views.release_status, name="release-status"),
    path("releases/<n:pk>/changes/", release_views.release_change, name="release-change"),
    path("incident/<ticket:number>/caused-by/", views.record_cause, name="record-cause"),
    path("<ticket:number>/scope/", views.set_scope, name="scope"),
    path("calendar/", calendar_views.calendar_page, name="calendar"),
    path("calendar.ics", calendar_views.calendar_feed, name="calendar-feed"),
    path("calendar/link/", calendar_views.regenerate_feed, name="calendar-link"),
    path("<ticket:number>/next-slot/", calendar_views.next_slot, name="next-slot"),
    *ticket_urlpatterns(TicketKind.CHANGE),
]
