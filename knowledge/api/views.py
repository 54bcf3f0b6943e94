"""`/api/v1/kb/articles/`: articles read per audience (requesters see only published
articles written for them, anything else is a 404) and written by their owners;
`/api/v1/kb/usage/`: each article's use, for the desk."""

from __future__ import annotations

from typing import Any

from django.db.models import Count, Q, QuerySet
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django_filters import rest_framework as filters
from drf_spectacular.utils import extend_schema
from rest_framework import exceptions, mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response

from catalog.models import Service
from itsm.base import roles
from itsm.base.api.parsers import GuardedJSONParser
from itsm.base.api.permissions import WorkersWrite
from itsm.models import Ticket

from .. import search, services
from ..choices import ArticleState, ArticleType, Audience, ViewSource
from ..models import Article
from .serializers import (
    ArticleSerializer,
    ArticleUpdateSerializer,
    ArticleUsageSerializer,
    ArticleWriteSerializer,
    SolvedSerializer,
    VoteSerializer,
)


class ArticleFilterSet(filters.FilterSet):
    q = filters.CharFilter(method="filter_q", label=gettext_lazy("Search (ranked by relevance)"),
                           max_length=200)
    service = filters.ModelChoiceFilter(queryset=Service.objects.all())
    article_type = filters.ChoiceFilter(choices=ArticleType.choices)
    state = filters.ChoiceFilter(choices=ArticleState.choices)
    audience = filters.ChoiceFilter(choices=Audience.choices)
    owner_team = filters.NumberFilter(field_name="owner_team_id")
    review_due_before = filters.DateFilter(field_name="review_due", lookup_expr="lte")

    class Meta:
        model = Article
        fields: list[str] = []

    def filter_q(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        return search.ranked(queryset, value)


class ArticleViewSet(mixins.CreateModelMixin, mixins.UpdateModelMixin,
                     viewsets.ReadOnlyModelViewSet):
    """Articles; `q` ranks by relevance. Write (POST, PATCH, publish, retire) as an
    owner; vote as any reader; record "this solved it" for a ticket as an agent. No
    DELETE: an article is retired."""

    serializer_class = ArticleSerializer
    permission_classes = [IsAuthenticated]
    parser_classes = [GuardedJSONParser]
    filterset_class = ArticleFilterSet
    ordering_fields = ("title", "updated_at", "view_count", "id")
    ordering = ("-updated_at", "-id")
    http_method_names = ["get", "post", "patch", "head", "options"]

    def get_serializer_class(self):
        return {"create": ArticleWriteSerializer,
                "partial_update": ArticleUpdateSerializer}.get(
            getattr(self, "action", None), ArticleSerializer)

    def get_queryset(self) -> QuerySet:
        return Article.objects.visible_to(self.request.user).select_related(
            *ArticleSerializer.Meta.select_related)

    def filter_queryset(self, queryset: QuerySet) -> QuerySet:
        if self.request.query_params.get("q"):
            self.ordering = None  # a search is ordered by relevance unless told otherwise
        return super().filter_queryset(queryset)

    def retrieve(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        article = self.get_object()
        if article.is_published:
            services.record_view(article, request.user, source=ViewSource.DIRECT)
        return Response(ArticleSerializer(article, context=self.get_serializer_context()).data)

    def _writer(self) -> None:
        if not roles.is_worker(self.request.user):
            raise exceptions.PermissionDenied(WorkersWrite.message)

    def _fields(self, data: dict[str, Any]) -> dict[str, Any]:
        return {name: value for name, value in data.items()
                if name in services.EDITABLE}

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        self._writer()
        body = ArticleWriteSerializer(data=request.data, context=self.get_serializer_context())
        body.is_valid(raise_exception=True)
        article = services.create_article(
            actor=request.user, note=body.validated_data.get("edit_summary", ""),
            **self._fields(body.validated_data))
        return Response(ArticleSerializer(article, context=self.get_serializer_context()).data,
                        status=status.HTTP_201_CREATED)

    def update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        self._writer()
        article = self.get_object()
        body = ArticleUpdateSerializer(data=request.data,
                                       context=self.get_serializer_context())
        body.is_valid(raise_exception=True)
        data = body.validated_data
        try:
            article = services.edit_article(
                article, actor=request.user, note=data.get("edit_summary", ""),
                base_revision=data.get("revision", article.revision), **self._fields(data))
        except services.StaleArticle:
            current = Article.objects.get(pk=article.pk)
            return Response({"detail": _("Someone saved the article since you read it; "
                                         "reload and try again."),
                             "current_revision": current.revision},
                            status=status.HTTP_409_CONFLICT)
        return Response(ArticleSerializer(article, context=self.get_serializer_context()).data)

    def _moved(self, move) -> Response:
        self._writer()
        article = move(self.get_object(), actor=self.request.user)
        return Response(ArticleSerializer(article, context=self.get_serializer_context()).data)

    @extend_schema(request=None, responses={200: ArticleSerializer})
    @action(detail=True, methods=["post"])
    def publish(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return self._moved(services.publish)

    @extend_schema(request=None, responses={200: ArticleSerializer})
    @action(detail=True, methods=["post"])
    def retire(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return self._moved(services.retire)

    @extend_schema(request=VoteSerializer, responses={200: ArticleSerializer})
    @action(detail=True, methods=["post"])
    def vote(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        article = self.get_object()
        body = VoteSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        services.vote(article, request.user, helpful=body.validated_data["helpful"])
        article.refresh_from_db()
        return Response(ArticleSerializer(article, context=self.get_serializer_context()).data)

    @extend_schema(request=SolvedSerializer, responses={200: ArticleSerializer})
    @action(detail=True, methods=["post"])
    def solved(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        self._writer()
        article = self.get_object()
        body = SolvedSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        ticket = Ticket.objects.visible_to(request.user).filter(
            number=body.validated_data["ticket"].strip().upper()).first()
        if ticket is None:
            raise serializers.ValidationError({"ticket": [_("No such ticket.")]})
        services.solved_with(article, ticket, actor=request.user)
        article.refresh_from_db()
        return Response(ArticleSerializer(article, context=self.get_serializer_context()).data)


class ArticleUsageViewSet(viewsets.ReadOnlyModelViewSet):
    """Each article's use in total (views, votes, tickets solved, deflections), for
    the desk; the same by period is in the KPIs (`kb_*`)."""

    serializer_class = ArticleUsageSerializer
    filterset_class = ArticleFilterSet
    ordering_fields = ("view_count", "helpful_count", "unhelpful_count", "solved_count", "id")
    ordering = ("-view_count", "id")

    queryset = Article.objects.none()  # the schema's; get_queryset scopes every request

    def get_queryset(self) -> QuerySet:
        if getattr(self, "swagger_fake_view", False):
            return self.queryset
        if not roles.is_staff_reader(self.request.user):
            raise exceptions.NotFound()
        return Article.objects.annotate(
            deflection_count=Count("views", filter=Q(views__deflected=True)))
