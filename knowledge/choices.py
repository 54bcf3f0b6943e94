"""Types, audiences and states of knowledge articles (stored values are these words)."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class ArticleType(models.TextChoices):
    HOW_TO = "how_to", _("How-to")
    KNOWN_ERROR = "known_error", _("Known error")
    FAQ = "faq", _("FAQ")


class Audience(models.TextChoices):
    AGENTS = "agents", _("Agents only")
    REQUESTERS = "requesters", _("Requesters too")


class ArticleState(models.TextChoices):
    DRAFT = "draft", _("Draft")
    PUBLISHED = "published", _("Published")
    RETIRED = "retired", _("Retired")


class ViewSource(models.TextChoices):
    """How a reader came to an article: the deflection counts the suggestions."""

    SEARCH = "search", _("Search")
    SUGGESTION = "suggestion", _("Suggested while logging a ticket")
    TICKET = "ticket", _("From a ticket")
    DIRECT = "direct", _("Opened directly")
