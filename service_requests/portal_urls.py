"""The requester's pages of request fulfilment, under /portal/requests/: the catalog,
an item's order page, my approvals and the approval email's one-click link."""

from django.urls import path

from . import views

app_name = "requests"

urlpatterns = [
    path("", views.portal_catalog, name="catalog"),
    path("items/<n:pk>/", views.portal_item, name="item"),
    path("approvals/", views.portal_approvals, name="approvals"),
    path("approvals/<n:pk>/decide/", views.decide, name="decide"),
    path("approvals/link/<str:token>/", views.approval_link, name="approval-link"),
]
