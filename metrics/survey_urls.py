"""`/surveys/`: the answer page a survey's email links to."""

from django.urls import path

from . import survey_views

app_name = "surveys"

urlpatterns = [
    path("<str:token>/", survey_views.answer, name="answer"),
]
