"""The desk's pages of the knowledge base, under /kb/."""

from django.urls import path

from . import views
from .choices import ArticleState

app_name = "knowledge"

urlpatterns = [
    path("", views.article_list, name="list"),
    path("new/", views.article_create, name="create"),
    path("review/", views.review_list, name="review"),
    path("<int:pk>/", views.article_detail, name="detail"),
    path("<int:pk>/edit/", views.article_edit, name="edit"),
    path("<int:pk>/publish/", views.article_move, {"state": ArticleState.PUBLISHED},
         name="publish"),
    path("<int:pk>/retire/", views.article_move, {"state": ArticleState.RETIRED},
         name="retire"),
    path("<int:pk>/revisions/<int:number>/", views.article_revision, name="revision"),
    path("<int:pk>/files/", views.article_attach, name="attach"),
    path("<int:pk>/files/<int:file_pk>/", views.article_file, name="file"),
    path("<int:pk>/solved/<ticket:number>/", views.solved, name="solved"),
    path("for/<ticket:number>/", views.ticket_search, name="for-ticket"),
]
