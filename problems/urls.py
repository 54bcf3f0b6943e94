"""The desk pages of problems: the core's ticket pages for the kind, and problem
management's own."""

from django.urls import path

from itsm.views.pages import ticket_urlpatterns

from . import views

app_name = "problems"

urlpatterns = [
    path("candidates/", views.candidate_list, name="candidates"),
    path("from-incidents/", views.problem_create, name="from-incidents"),
    path("<ticket:number>/link/", views.link_incident, name="link"),
    path("<ticket:number>/unlink/<ticket:incident>/", views.unlink_incident, name="unlink"),
    path("<ticket:number>/resolve-incidents/", views.resolve_incidents,
         name="resolve-incidents"),
    path("incident/<ticket:number>/link/", views.link_to_problem, name="link-incident"),
    path("incident/<ticket:number>/workaround/<ticket:problem>/", views.apply_workaround,
         name="apply-workaround"),
    *ticket_urlpatterns("problem"),
]
