"""`/api/v1/`: tokens, tickets of every kind and what hangs off them."""

from django.urls import path
from rest_framework.routers import SimpleRouter

from . import views

app_name = "api"

router = SimpleRouter()
router.register("tickets", views.TicketViewSet, basename="ticket")
router.register("outages", views.OutageViewSet, basename="outage")

urlpatterns = [
    path("auth/token/", views.TokenView.as_view(), name="token"),
    path("tickets/<ticket:number>/comments/", views.TicketCommentsView.as_view(),
         name="ticket-comments"),
    path("tickets/<ticket:number>/events/", views.TicketEventsView.as_view(), name="ticket-events"),
    path("tickets/<ticket:number>/attachments/", views.TicketAttachmentsView.as_view(),
         name="ticket-attachments"),
    path("tickets/<ticket:number>/time/", views.TicketTimeView.as_view(), name="ticket-time"),
    *router.urls,
]
