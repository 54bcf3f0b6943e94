"""The one writer of the knowledge base: articles and their revisions, files, and
every recorded use (views, votes, tickets solved, deflections).

Articles are written by their owners (the owner team's lead and members) and by
administrators; any agent may start a draft for a team they are in. Every save is a
revision; a save over a newer one is refused (`StaleArticle`), as in the dossier.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime, timedelta
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.db.models import Exists, F, OuterRef
from django.dispatch import Signal
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from catalog.models import Team
from catalog.services import DiffLine, diff_part
from itsm import notifications
from itsm.base import roles
from itsm.choices import EventKind
from itsm.models import Notification, Ticket, TicketEvent
from itsm.services import can_see, validate_upload

from .choices import ArticleState, ArticleType, Audience, ViewSource
from .models import (
    REVISED_FIELDS,
    Article,
    ArticleFile,
    ArticleRevision,
    ArticleUse,
    ArticleView,
    ArticleVote,
)

# Sent after the knowledge base's use changed (in the writer's transaction), with
# `uses`: (moment, service id, article id) of each reading, vote or ticket solved it
# touched; the KPI engine counts them (`metrics.receivers`).
article_used = Signal()


def _used(*uses: tuple[datetime, int | None, int]) -> None:
    article_used.send(sender=Article, uses=list(uses))


# What an edit may set; state moves through publish() and retire().
EDITABLE = ("title", "summary", "body", "article_type", "audience", "service",
            "configuration_item", "owner_team", "review_due")
PART_LABELS = {
    "title": gettext_lazy("Title"), "summary": gettext_lazy("Summary"),
    "body": gettext_lazy("Body"), "article_type": gettext_lazy("Type"),
    "audience": gettext_lazy("Audience"), "state": gettext_lazy("State"),
    "service_id": gettext_lazy("Service"),
    "configuration_item_id": gettext_lazy("Configuration item"),
    "owner_team_id": gettext_lazy("Owner team"), "review_due": gettext_lazy("Review by"),
}


# A known error is checked again this long after it was first published.
KNOWN_ERROR_REVIEW = timedelta(days=90)


class StaleArticle(Exception):
    """Someone saved the article since the editor opened it."""

    def __init__(self, latest: ArticleRevision | None):
        super().__init__("stale article")
        self.latest = latest


# --- who may write ---------------------------------------------------------------------


def is_owner(user, article: Article) -> bool:
    """The owner team's lead and members, and administrators."""
    if not roles.is_worker(user):
        return False
    if roles.ADMIN in roles.roles_of(user):
        return True
    team = article.owner_team
    return team.lead_id == user.pk or team.members.filter(pk=user.pk).exists()


def may_edit(user, article: Article | None = None) -> bool:
    """Whether `user` writes this article (or, with none, may start one)."""
    if article is None:
        return roles.is_worker(user)
    return is_owner(user, article)


def teams_for(user):
    """The teams a new article of `user`'s may belong to."""
    teams = Team.objects.filter(is_active=True).order_by("name")
    if roles.ADMIN in roles.roles_of(user):
        return teams
    return teams.filter(pk__in=user.teams.values("pk")) | teams.filter(lead=user)


# --- writing -----------------------------------------------------------------------------


def _content(article: Article) -> dict[str, Any]:
    content = {name: getattr(article, name) for name in REVISED_FIELDS}
    if content["review_due"] is not None:
        content["review_due"] = content["review_due"].isoformat()
    return content


def _revise(article: Article, actor, note: str, when: datetime) -> ArticleRevision:
    article.revision += 1
    Article.objects.filter(pk=article.pk).update(revision=article.revision)
    return ArticleRevision.objects.create(article=article, number=article.revision,
                                          author=actor, created_at=when,
                                          summary=note[:255], content=_content(article))


def create_article(*, actor, note: str = "", when: datetime | None = None,
                   publish_now: bool = False, **fields: Any) -> Article:
    """A new article (a draft, unless `publish_now`) and its first revision."""
    if not may_edit(actor):
        raise PermissionDenied(_("You may not write articles."))
    unknown = set(fields) - set(EDITABLE)
    if unknown:
        raise ValidationError({name: _("This field cannot be set here.") for name in unknown})
    when = when or timezone.now()
    article = Article(created_by=actor, created_at=when, updated_at=when, **fields)
    if article.owner_team_id is None:
        raise ValidationError({"owner_team": _("Choose the team that owns the article.")})
    if roles.ADMIN not in roles.roles_of(actor) and not teams_for(actor).filter(
            pk=article.owner_team_id).exists():
        raise ValidationError({"owner_team": _("You can only write for a team you are in.")})
    if publish_now:
        article.state, article.published_at = ArticleState.PUBLISHED, when
    article.full_clean(exclude=["owner_team"] if article.owner_team_id else None)
    with transaction.atomic():
        article.save()
        _revise(article, actor, note or _("Written."), when)
    return article


def edit_article(article: Article, *, actor, base_revision: int, note: str = "",
                 **changes: Any) -> Article:
    """Change an article's text or details (`note`: what the edit did, for the
    history); refused over a newer save."""
    if not is_owner(actor, article):
        raise PermissionDenied(_("Only the article's owners edit it."))
    unknown = set(changes) - set(EDITABLE)
    if unknown:
        raise ValidationError({name: _("This field cannot be changed here.")
                               for name in unknown})
    with transaction.atomic():
        current = Article.objects.select_for_update().get(pk=article.pk)
        if current.revision != base_revision:
            raise StaleArticle(current.revisions.select_related("author").first())
        before = _content(current)
        for name, value in changes.items():
            setattr(current, name, value)
        if _content(current) == before:
            return current  # nothing changed: no revision
        current.full_clean()
        current.updated_at = timezone.now()
        current.save()
        _revise(current, actor, note, current.updated_at)
    return current


def _move(article: Article, state: str, *, actor, note: str) -> Article:
    if not is_owner(actor, article):
        raise PermissionDenied(_("Only the article's owners publish or retire it."))
    if article.state == state:
        return article
    now = timezone.now()
    with transaction.atomic():
        article = Article.objects.select_for_update().get(pk=article.pk)
        article.state, article.updated_at = state, now
        if state == ArticleState.PUBLISHED:
            article.published_at = now
        article.save(update_fields=["state", "updated_at", "published_at"])
        _revise(article, actor, note, now)
    return article


def publish(article: Article, *, actor) -> Article:
    return _move(article, ArticleState.PUBLISHED, actor=actor, note=_("Published."))


def retire(article: Article, *, actor) -> Article:
    return _move(article, ArticleState.RETIRED, actor=actor, note=_("Retired."))


def publish_known_error(*, actor, article: Article | None, title: str, body: str,
                        summary: str, service_id: int | None,
                        configuration_item_id: int | None, owner_team: Team,
                        when: datetime | None = None) -> Article:
    """Publish (or bring up to date and republish) the known-error article of a
    problem: written on the problem manager's behalf, so it does not ask whether
    they own the article; a new one reads for agents until its owners open it to
    requesters."""
    when = when or timezone.now()
    fields = {"title": title[:200], "body": body, "summary": summary[:300],
              "service_id": service_id, "configuration_item_id": configuration_item_id}
    with transaction.atomic():
        if article is None:
            article = Article(article_type=ArticleType.KNOWN_ERROR, audience=Audience.AGENTS,
                              owner_team=owner_team, created_by=actor, created_at=when,
                              review_due=(when + KNOWN_ERROR_REVIEW).date(), **fields)
        else:
            article = Article.objects.select_for_update().get(pk=article.pk)
            for name, value in fields.items():
                setattr(article, name, value)
        article.state, article.updated_at = ArticleState.PUBLISHED, when
        article.published_at = article.published_at or when
        article.save()
        _revise(article, actor, _("Published as a known error."), when)
    return article


def add_file(article: Article, *, actor, upload: UploadedFile) -> ArticleFile:
    """Store a file of an article, checked as ticket uploads are."""
    if not is_owner(actor, article):
        raise PermissionDenied(_("Only the article's owners add files to it."))
    name, content_type = validate_upload(upload)
    stored = ArticleFile(article=article, original_name=name, content_type=content_type,
                         size=upload.size, uploaded_by=actor)
    stored.file.save(name, upload, save=False)
    stored.save()
    return stored


# --- use ---------------------------------------------------------------------------------


def record_view(article: Article, user, *, source: str = ViewSource.DIRECT,
                when: datetime | None = None) -> ArticleView:
    """Count a reading (the author's own readings of a draft are not use)."""
    if source not in ViewSource.values:
        source = ViewSource.DIRECT
    view = ArticleView.objects.create(
        article=article, user=user if getattr(user, "is_authenticated", False) else None,
        source=source, viewed_at=when or timezone.now(), service_id=article.service_id)
    Article.objects.filter(pk=article.pk).update(view_count=F("view_count") + 1)
    _used((view.viewed_at, view.service_id, article.pk))
    return view


def vote(article: Article, user, *, helpful: bool, when: datetime | None = None) -> ArticleVote:
    """A reader's verdict; voting again replaces their earlier one."""
    if not article.is_published:
        raise ValidationError({"helpful": _("Only published articles take votes.")})
    when = when or timezone.now()
    with transaction.atomic():
        earlier = ArticleVote.objects.select_for_update().filter(article=article,
                                                                  user=user).first()
        if earlier is not None and earlier.helpful == helpful:
            return earlier
        moved = [(earlier.voted_at, earlier.service_id, article.pk)] if earlier else []
        if earlier is None:
            try:
                with transaction.atomic():
                    cast = ArticleVote.objects.create(article=article, user=user,
                                                      helpful=helpful, voted_at=when,
                                                      service_id=article.service_id)
            except IntegrityError:  # a second click raced the first
                return ArticleVote.objects.get(article=article, user=user)
        else:
            earlier.helpful, earlier.voted_at = helpful, when
            earlier.save(update_fields=["helpful", "voted_at"])
            cast = earlier
        counts = {"helpful_count": F("helpful_count") + (1 if helpful else 0),
                  "unhelpful_count": F("unhelpful_count") + (0 if helpful else 1)}
        if earlier is not None:  # the other verdict is withdrawn
            other = "unhelpful_count" if helpful else "helpful_count"
            counts[other] = F(other) - 1
        Article.objects.filter(pk=article.pk).update(**counts)
        _used(*moved, (when, article.service_id, article.pk))
    return cast


def solved_with(article: Article, ticket: Ticket, *, actor,
                when: datetime | None = None) -> ArticleUse | None:
    """An agent records that the article solved the ticket: a use of the article and
    a link on the ticket's timeline; once per article and ticket (None the second
    time)."""
    if not roles.is_worker(actor) or not can_see(ticket, actor):
        raise PermissionDenied(_("You may not change this ticket."))
    if not article.is_published:
        raise ValidationError({"article": _("Only a published article solves tickets.")})
    when = when or timezone.now()
    with transaction.atomic():
        use, created = ArticleUse.objects.get_or_create(
            article=article, ticket=ticket,
            defaults={"used_by": actor, "used_at": when, "service_id": ticket.service_id})
        if not created:
            return None
        Article.objects.filter(pk=article.pk).update(solved_count=F("solved_count") + 1)
        TicketEvent.objects.create(ticket=ticket, actor=actor, kind=EventKind.LINK,
                                   field="article", new_value=article.number,
                                   note=article.title[:200], created_at=when)
        _used((when, use.service_id, article.pk))
    return use


def deflection_window() -> timedelta:
    return timedelta(minutes=settings.KB_DEFLECTION_MINUTES)


def settle_deflections(now: datetime | None = None) -> int:
    """Decide the suggested readings whose window has passed: a deflection if the
    reader logged no ticket within it. One UPDATE for each verdict; returns how many
    were settled."""
    now = now or timezone.now()
    window = deflection_window()
    due = ArticleView.objects.filter(source=ViewSource.SUGGESTION, deflected__isnull=True,
                                     viewed_at__lte=now - window)
    logged = Ticket.objects.filter(requester=OuterRef("user"),
                                   created_at__gte=OuterRef("viewed_at"),
                                   created_at__lte=OuterRef("viewed_at") + window)
    with transaction.atomic():
        deflections = list(due.filter(~Exists(logged)).values_list("viewed_at", "service_id",
                                                                    "article_id"))
        settled = due.filter(Exists(logged)).update(deflected=False)
        settled += due.filter(~Exists(logged)).update(deflected=True)
        _used(*deflections)
    return settled


# --- owners' lists ------------------------------------------------------------------------


def remind_reviews(today: date | None = None) -> int:
    """Tell the owners of each published article whose review day has come, once per
    review date: the team lead, else its members. Returns the articles told of."""
    today = today or timezone.localdate()
    due = list(Article.objects.due_for_review(today).exclude(reminded_for=F("review_due"))
               .select_related("owner_team__lead").order_by("pk")[:500])
    for article in due:
        with transaction.atomic():
            if not Article.objects.filter(pk=article.pk).exclude(
                    reminded_for=F("review_due")).update(reminded_for=F("review_due")):
                continue  # another run told them
            notifications.tell_about(
                notifications.team_people(article.owner_team), Notification.Kind.ARTICLE_REVIEW,
                template="knowledge/email/review_due.txt", article=article,
                link=settings.SITE_URL.rstrip("/") + reverse("knowledge:detail",
                                                             args=[article.pk]))
    return len(due)


UNHELPFUL_MIN_VIEWS = 20


def unhelpful(articles) -> list[Article]:
    """Much-read articles that readers find unhelpful more often than helpful."""
    return list(articles.published().filter(view_count__gte=UNHELPFUL_MIN_VIEWS,
                                            unhelpful_count__gt=F("helpful_count"))
                .order_by("-view_count")[:20])


# --- reading the history -----------------------------------------------------------------


def changes(revision: ArticleRevision, previous: ArticleRevision | None
            ) -> list[tuple[str, list[DiffLine]]]:
    """What a revision changed, field by field, as line diffs."""
    before = previous.content if previous else {}
    return [(str(PART_LABELS.get(name, name)), diff_part(before.get(name),
                                                         revision.content.get(name)))
            for name in REVISED_FIELDS if before.get(name) != revision.content.get(name)]


def linked_articles(tickets: Iterable[int]) -> dict[int, list[Article]]:
    """The articles that solved each of these tickets."""
    found: dict[int, list[Article]] = {}
    for use in ArticleUse.objects.filter(ticket_id__in=list(tickets)).select_related("article"):
        found.setdefault(use.ticket_id, []).append(use.article)
    return found
