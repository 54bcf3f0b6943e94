"""The portal's pages of the knowledge base, under /portal/kb/."""

from django.urls import path

from . import views

app_name = "kb-portal"

urlpatterns = [
    path("", views.portal_list, name="list"),
    path("suggest/", views.portal_suggest, name="suggest"),
    path("<int:pk>/", views.portal_detail, name="detail"),
    path("<int:pk>/vote/", views.portal_vote, name="vote"),
    path("<int:pk>/files/<int:file_pk>/", views.article_file, name="file"),
]
