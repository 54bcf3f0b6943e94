"""Knowledge articles, their revisions and files, and how they are used.

An `Article` is written in Markdown and read as sanitised HTML (`knowledge.rendering`);
every save is an `ArticleRevision` holding the article as it then stood. Its use is
recorded as rows — each reading (`ArticleView`), each vote (`ArticleVote`, one per
person, changeable), each ticket it solved (`ArticleUse`) — from which the KPI engine
counts per period; the counters on the article are the same figures in total, for
lists ordered by them. `knowledge.services` is the only writer of all of these.
"""

from __future__ import annotations

from pathlib import PurePath
from uuid import uuid4

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from catalog.models import ConfigurationItem, Service, Team
from itsm.base import roles
from itsm.models import Ticket

from .choices import ArticleState, ArticleType, Audience, ViewSource


class ArticleQuerySet(models.QuerySet):
    def visible_to(self, user) -> ArticleQuerySet:
        """The desk reads every article, drafts and retired ones included; a requester
        reads only published articles written for requesters; nobody else any."""
        if roles.is_staff_reader(user):
            return self
        if getattr(user, "is_authenticated", False) and user.is_active:
            return self.for_requesters()
        return self.none()

    def for_requesters(self) -> ArticleQuerySet:
        return self.filter(state=ArticleState.PUBLISHED, audience=Audience.REQUESTERS)

    def published(self) -> ArticleQuerySet:
        return self.filter(state=ArticleState.PUBLISHED)

    def due_for_review(self, today=None) -> ArticleQuerySet:
        return self.published().filter(review_due__lte=today or timezone.localdate())


class Article(models.Model):
    """What the desk knows: a how-to, a known error with its workaround, or an FAQ."""

    title = models.CharField(_("title"), max_length=200)
    summary = models.CharField(_("summary"), max_length=300, blank=True,
                               help_text=_("One line shown in search results."))
    body = models.TextField(_("body"), help_text=_("Markdown."))
    article_type = models.CharField(_("type"), max_length=12, choices=ArticleType,
                                    default=ArticleType.HOW_TO)
    audience = models.CharField(_("audience"), max_length=12, choices=Audience,
                                default=Audience.AGENTS)
    state = models.CharField(_("state"), max_length=10, choices=ArticleState,
                             default=ArticleState.DRAFT, editable=False)
    service = models.ForeignKey(Service, verbose_name=_("service"), on_delete=models.SET_NULL,
                                null=True, blank=True, related_name="articles")
    configuration_item = models.ForeignKey(
        ConfigurationItem, verbose_name=_("configuration item"), on_delete=models.SET_NULL,
        null=True, blank=True, related_name="articles")
    owner_team = models.ForeignKey(Team, verbose_name=_("owner team"),
                                   on_delete=models.PROTECT, related_name="articles")
    review_due = models.DateField(
        _("review by"), null=True, blank=True,
        help_text=_("The owners are reminded to check the article from this day."))
    reminded_for = models.DateField(null=True, blank=True, editable=False)
    revision = models.PositiveIntegerField(_("revision"), default=0, editable=False)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("written by"),
                                   on_delete=models.SET_NULL, null=True, blank=True,
                                   related_name="+", editable=False)
    created_at = models.DateTimeField(_("created"), default=timezone.now, editable=False)
    updated_at = models.DateTimeField(_("updated"), default=timezone.now, editable=False)
    published_at = models.DateTimeField(_("published"), null=True, blank=True,
                                        editable=False)
    # Totals of the use rows, kept by the services.
    view_count = models.PositiveIntegerField(_("views"), default=0, editable=False)
    helpful_count = models.PositiveIntegerField(_("helpful"), default=0, editable=False)
    unhelpful_count = models.PositiveIntegerField(_("not helpful"), default=0, editable=False)
    solved_count = models.PositiveIntegerField(_("tickets solved"), default=0, editable=False)

    objects = ArticleQuerySet.as_manager()

    class Meta:
        ordering = ["title", "pk"]
        verbose_name = _("article")
        verbose_name_plural = _("articles")
        indexes = [
            models.Index(fields=["state", "audience"], name="article_readable"),
            models.Index(fields=["review_due"], name="article_review_due",
                         condition=Q(state="published")),
        ]

    def __str__(self) -> str:
        return f"{self.number} {self.title}"

    @property
    def number(self) -> str:
        return f"KB{self.pk:07d}" if self.pk else ""

    @property
    def is_published(self) -> bool:
        return self.state == ArticleState.PUBLISHED

    @property
    def for_requesters(self) -> bool:
        return self.is_published and self.audience == Audience.REQUESTERS

    @property
    def review_overdue(self) -> bool:
        return bool(self.is_published and self.review_due
                    and self.review_due <= timezone.localdate())


# What a revision keeps of the article, besides its body.
REVISED_FIELDS = ("title", "summary", "body", "article_type", "audience", "state",
                  "service_id", "configuration_item_id", "owner_team_id", "review_due")


class ArticleRevision(models.Model):
    """The article as it stood after one save (`content`: REVISED_FIELDS, the body
    in full), with who saved it and why; the diff is against the revision before."""

    article = models.ForeignKey(Article, verbose_name=_("article"), on_delete=models.CASCADE,
                                related_name="revisions")
    number = models.PositiveIntegerField(_("revision"))
    author = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("author"),
                               on_delete=models.SET_NULL, null=True, blank=True,
                               related_name="+")
    created_at = models.DateTimeField(_("saved"), default=timezone.now, editable=False)
    summary = models.CharField(_("edit summary"), max_length=255, blank=True)
    content = models.JSONField(_("content"))

    class Meta:
        ordering = ["article", "-number"]
        verbose_name = _("article revision")
        verbose_name_plural = _("article revisions")
        constraints = [
            models.UniqueConstraint(fields=["article", "number"],
                                    name="knowledge_revision_unique_number"),
        ]

    def __str__(self) -> str:
        return f"{self.article.number} r{self.number}"


def article_file_path(instance: ArticleFile, filename: str) -> str:
    """Stored under a generated name: the uploader's name is kept only as a label."""
    extension = PurePath(filename).suffix.lower()[:10]
    return f"knowledge/{timezone.now():%Y/%m}/{uuid4().hex}{extension}"


class ArticleFile(models.Model):
    """A file of an article (a screenshot, a script); served to whoever may read it."""

    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="files")
    file = models.FileField(upload_to=article_file_path, max_length=200)
    original_name = models.CharField(_("file name"), max_length=255)
    content_type = models.CharField(max_length=120)
    size = models.PositiveBigIntegerField()
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                    related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at", "pk"]
        verbose_name = _("article file")
        verbose_name_plural = _("article files")

    def __str__(self) -> str:
        return self.original_name


class ArticleView(models.Model):
    """One reading of an article. A reading from the suggestions of the portal's
    ticket form is a deflection once its window passed without the reader logging a
    ticket (`deflected`, settled by `knowledge.services.settle_deflections`)."""

    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="views")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True,
                             blank=True, related_name="+")
    source = models.CharField(_("source"), max_length=12, choices=ViewSource,
                              default=ViewSource.DIRECT)
    viewed_at = models.DateTimeField(_("viewed"), default=timezone.now)
    deflected = models.BooleanField(_("deflected a ticket"), null=True, blank=True)
    # The service and audience as they were: the KPIs count a view where it happened.
    service = models.ForeignKey(Service, on_delete=models.SET_NULL, null=True, blank=True,
                                related_name="+")

    class Meta:
        ordering = ["viewed_at", "pk"]
        indexes = [
            models.Index(fields=["viewed_at"], name="article_view_when"),
            models.Index(fields=["viewed_at"], name="article_view_unsettled",
                         condition=Q(source="suggestion", deflected__isnull=True)),
        ]

    def __str__(self) -> str:
        return f"{self.article_id} viewed {self.viewed_at:%Y-%m-%d %H:%M}"


class ArticleVote(models.Model):
    """A reader's verdict on an article; one per person, which they may change."""

    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="votes")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE,
                             related_name="+")
    helpful = models.BooleanField(_("helpful"))
    voted_at = models.DateTimeField(_("voted"), default=timezone.now)
    service = models.ForeignKey(Service, on_delete=models.SET_NULL, null=True, blank=True,
                                related_name="+")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["article", "user"], name="knowledge_vote_once"),
        ]
        indexes = [models.Index(fields=["voted_at"], name="article_vote_when")]

    def __str__(self) -> str:
        return f"{self.article_id} {'+' if self.helpful else '-'}"


class ArticleUse(models.Model):
    """A ticket the article solved (an agent's "this solved it")."""

    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="uses")
    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="article_uses")
    used_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL,
                                null=True, blank=True, related_name="+")
    used_at = models.DateTimeField(_("linked"), default=timezone.now)
    service = models.ForeignKey(Service, on_delete=models.SET_NULL, null=True, blank=True,
                                related_name="+")

    class Meta:
        ordering = ["-used_at", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["article", "ticket"], name="knowledge_use_once"),
        ]
        indexes = [models.Index(fields=["used_at"], name="article_use_when")]

    def __str__(self) -> str:
        return f"{self.article_id} solved {self.ticket_id}"
