"""Articles as the API shows them, and the input of writing one."""

from __future__ import annotations

from django.utils.translation import gettext_lazy
from rest_framework import serializers

from catalog.api.serializers import (
    BriefConfigurationItemSerializer,
    BriefServiceSerializer,
    BriefTeamSerializer,
)
from catalog.models import ConfigurationItem, Service, Team
from itsm.api.serializers import related
from itsm.base.api.inputs import StrictInputMixin

from .. import rendering
from ..choices import ArticleType, Audience
from ..models import Article

TEXT_LIMIT = 100_000


class ArticleSerializer(serializers.ModelSerializer):
    """An article with its body as Markdown and as sanitised HTML."""

    number = serializers.CharField(read_only=True)
    service = BriefServiceSerializer(read_only=True)
    configuration_item = BriefConfigurationItemSerializer(read_only=True)
    owner_team = BriefTeamSerializer(read_only=True)
    body_html = serializers.SerializerMethodField()

    class Meta:
        model = Article
        fields = ("id", "number", "title", "summary", "article_type", "audience", "state",
                  "service", "configuration_item", "owner_team", "review_due", "body",
                  "body_html", "revision", "created_at", "updated_at", "published_at",
                  "view_count", "helpful_count", "unhelpful_count", "solved_count")
        read_only_fields = fields
        select_related = ("service", "configuration_item", "owner_team")

    def get_body_html(self, article: Article) -> str:
        return str(rendering.to_html(article.body))


class ArticleWriteSerializer(StrictInputMixin, serializers.Serializer):
    """Write an article: related objects by id or natural key (a service by code, a
    team or CI by name). `revision` is the one the edit was made on (stale: 409)."""

    title = serializers.CharField(max_length=200)
    summary = serializers.CharField(max_length=300, required=False, allow_blank=True)
    body = serializers.CharField(max_length=TEXT_LIMIT)
    article_type = serializers.ChoiceField(choices=ArticleType.choices, required=False)
    audience = serializers.ChoiceField(choices=Audience.choices, required=False)
    service = related(Service, "code")
    configuration_item = related(ConfigurationItem, "name")
    owner_team = related(Team, "name", required=True, allow_null=False)
    review_due = serializers.DateField(required=False, allow_null=True)
    edit_summary = serializers.CharField(max_length=255, required=False, allow_blank=True)
    revision = serializers.IntegerField(
        required=False, min_value=0, help_text=gettext_lazy(
            "The revision you edited (from a read); a newer one on the server is a 409."))


class ArticleUpdateSerializer(ArticleWriteSerializer):
    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            field.required = False


class VoteSerializer(StrictInputMixin, serializers.Serializer):
    helpful = serializers.BooleanField()


class SolvedSerializer(StrictInputMixin, serializers.Serializer):
    ticket = serializers.CharField(max_length=20, help_text=gettext_lazy(
        "The number of the ticket the article solved."))


class ArticleUsageSerializer(serializers.ModelSerializer):
    """An article's use in total."""

    number = serializers.CharField(read_only=True)
    deflection_count = serializers.IntegerField(read_only=True, help_text=gettext_lazy(
        "Readings suggested while a requester logged a ticket, after which they logged "
        "none."))

    class Meta:
        model = Article
        fields = ("id", "number", "title", "state", "audience", "service", "owner_team",
                  "review_due", "view_count", "helpful_count", "unhelpful_count",
                  "solved_count", "deflection_count")
        read_only_fields = fields
