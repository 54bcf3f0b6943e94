"""The desk pages of tasks (`/tasks/`)."""

from .views.pages import ticket_urlpatterns

app_name = "tasks"

urlpatterns = ticket_urlpatterns("task")
