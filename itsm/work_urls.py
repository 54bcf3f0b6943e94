"""`/work/`: the queue of every kind of work, its saved filters, columns and bulk actions."""

from django.urls import path

from .views import queue

urlpatterns = [
    path("", queue.work_queue, name="work"),
    path("new-tickets/", queue.new_tickets, name="work-new"),
    path("bulk/", queue.bulk_action, name="work-bulk"),
    path("filters/", queue.save_filter, name="work-save-filter"),
    path("filters/<int:pk>/delete/", queue.delete_filter, name="work-delete-filter"),
    path("columns/", queue.choose_columns, name="work-columns"),
]
