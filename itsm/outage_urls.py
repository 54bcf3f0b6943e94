"""`/outages/`: the desk's outage pages."""

from django.urls import path

from .views import outages

app_name = "outages"

urlpatterns = [
    path("", outages.outage_list, name="list"),
    path("new/", outages.outage_create, name="create"),
    path("<int:pk>/", outages.outage_edit, name="edit"),
]
