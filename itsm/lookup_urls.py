"""Type-ahead suggestions for the pickers."""

from django.urls import path

from .views import lookups

urlpatterns = [
    path("people/", lookups.people, name="lookup-people"),
    path("workers/", lookups.workers, name="lookup-workers"),
    path("members/", lookups.members, name="lookup-members"),
    path("services/", lookups.services, name="lookup-services"),
    path("cis/", lookups.cis, name="lookup-cis"),
]
