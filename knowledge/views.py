"""Pages of the knowledge base: the desk's (search, read, write, review) and the
portal's (search, read, vote), the suggestions on the portal's ticket form, and the
knowledge part of a ticket's desk page ("this solved it", insert into a reply).

Views parse and check; `knowledge.services` writes; `knowledge.search` ranks.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from catalog.models import Service
from itsm.base import roles
from itsm.base.forms import apply_errors
from itsm.base.views import require_worker, staff_page
from itsm.forms import AttachmentForm
from itsm.models import Ticket
from itsm.views.common import serve_file

from . import rendering, search, services
from .choices import ArticleState, ViewSource
from .forms import ArticleForm, SearchForm, VoteForm
from .models import Article, ArticleFile, ArticleVote

PAGE_SIZE = 25
SUGGESTIONS = 5
LIST_FIELDS = ("pk", "title", "summary", "body", "article_type", "audience", "state",
               "service__name", "owner_team__name", "review_due", "view_count",
               "helpful_count", "unhelpful_count", "solved_count", "updated_at")


def _results(request: HttpRequest, articles, form: SearchForm):
    articles = search.ranked(form.filter(articles), form.words)
    if not form.words:
        articles = articles.order_by("-updated_at", "-pk")
    return Paginator(articles.select_related("service", "owner_team").only(*LIST_FIELDS),
                     PAGE_SIZE).get_page(request.GET.get("page"))


def _readable(request: HttpRequest, pk: int) -> Article:
    """The article if the user may read it; a 404 otherwise (never a hint it exists)."""
    return get_object_or_404(Article.objects.visible_to(request.user)
                             .select_related("service", "configuration_item",
                                             "owner_team", "created_by"), pk=pk)


def _source(request: HttpRequest) -> str:
    source = request.GET.get("from", "")
    return source if source in ViewSource.values else ViewSource.DIRECT


# --- the desk -----------------------------------------------------------------------------


@require_GET
@staff_page
def article_list(request: HttpRequest) -> HttpResponse:
    form = SearchForm(request.GET or None)
    return render(request, "knowledge/article_list.html", {
        "form": form, "page_obj": _results(request, Article.objects.all(), form),
        "may_write": services.may_edit(request.user)})


@require_GET
@staff_page
def article_detail(request: HttpRequest, pk: int) -> HttpResponse:
    article = _readable(request, pk)
    if article.is_published:
        services.record_view(article, request.user, source=_source(request))
    owner = services.is_owner(request.user, article)
    return render(request, "knowledge/article_detail.html", {
        "article": article, "body": rendering.to_html(article.body), "owner": owner,
        "files": article.files.all(), "file_form": AttachmentForm() if owner else None,
        "revisions": article.revisions.select_related("author")[:20],
        "portal_url": reverse("kb-portal:detail", args=[article.pk])
        if article.for_requesters else ""})


def _edit(request: HttpRequest, article: Article | None) -> HttpResponse:
    teams = services.teams_for(request.user)
    if article is not None:
        teams = teams | teams.model.objects.filter(pk=article.owner_team_id)
    form = ArticleForm(request.POST or None, instance=article or Article(), teams=teams)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            if article is None:
                article = services.create_article(actor=request.user,
                                                  note=data["edit_summary"],
                                                  **form.article_fields())
            else:
                article = services.edit_article(
                    article, actor=request.user, note=data["edit_summary"],
                    base_revision=data["base_revision"] or 0, **form.article_fields())
        except ValidationError as exc:
            apply_errors(form, exc)
        except services.StaleArticle as stale:
            latest = stale.latest
            messages.error(request, _("%(who)s saved this article since you opened it. "
                                      "Your text is below; compare it with theirs and "
                                      "save again.")
                           % {"who": latest.author if latest and latest.author
                              else _("Someone")})
            form.data = form.data.copy()
            form.data["base_revision"] = Article.objects.get(pk=article.pk).revision
        else:
            messages.success(request, _("Saved %(number)s.") % {"number": article.number})
            return redirect("knowledge:detail", pk=article.pk)
    return render(request, "knowledge/article_form.html",
                  {"form": form, "article": article},
                  status=400 if form.is_bound else 200)


@staff_page
def article_create(request: HttpRequest) -> HttpResponse:
    require_worker(request)
    return _edit(request, None)


@staff_page
def article_edit(request: HttpRequest, pk: int) -> HttpResponse:
    article = _readable(request, pk)
    if not services.is_owner(request.user, article):
        raise PermissionDenied(_("Only the article's owners edit it."))
    return _edit(request, article)


@require_POST
@staff_page
def article_move(request: HttpRequest, pk: int, state: str) -> HttpResponse:
    article = _readable(request, pk)
    move = {ArticleState.PUBLISHED: services.publish, ArticleState.RETIRED: services.retire}
    move[state](article, actor=request.user)
    messages.success(request, _("%(number)s is now %(state)s.")
                     % {"number": article.number, "state": ArticleState(state).label.lower()})
    return redirect("knowledge:detail", pk=article.pk)


@require_GET
@staff_page
def article_revision(request: HttpRequest, pk: int, number: int) -> HttpResponse:
    article = _readable(request, pk)
    revision = get_object_or_404(article.revisions.select_related("author"), number=number)
    previous = article.revisions.filter(number__lt=number).order_by("-number").first()
    return render(request, "knowledge/article_revision.html", {
        "article": article, "revision": revision, "previous": previous,
        "changes": services.changes(revision, previous)})


@require_POST
@staff_page
def article_attach(request: HttpRequest, pk: int) -> HttpResponse:
    article = _readable(request, pk)
    form = AttachmentForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            services.add_file(article, actor=request.user, upload=form.cleaned_data["file"])
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(request, _("File added."))
    else:
        messages.error(request, " ".join(e for errors in form.errors.values() for e in errors))
    return redirect("knowledge:detail", pk=article.pk)


@require_GET
@login_required
def article_file(request: HttpRequest, pk: int, file_pk: int) -> HttpResponse:
    """A file of an article, to whoever may read the article (desk or portal)."""
    article = _readable(request, pk)
    return serve_file(get_object_or_404(ArticleFile, pk=file_pk, article=article))


@require_GET
@staff_page
def review_list(request: HttpRequest) -> HttpResponse:
    """What owners look after: their articles past the review date, and those read
    often but found unhelpful (everyone's, for managers and administrators)."""
    articles = Article.objects.all()
    mine = not (roles.roles_of(request.user) & {roles.MANAGER, roles.ADMIN})
    if mine:
        articles = articles.filter(Q(owner_team__in=request.user.teams.all())
                                   | Q(owner_team__lead=request.user)).distinct()
    due = (articles.due_for_review().select_related("owner_team", "service")
           .only(*LIST_FIELDS).order_by("review_due", "pk")[:100])
    return render(request, "knowledge/review_list.html", {
        "due": due, "unhelpful": services.unhelpful(articles), "mine": mine})


# --- on a ticket's desk page --------------------------------------------------------------


def _ticket_articles(ticket: Ticket, words: str = ""):
    published = Article.objects.published().only(*LIST_FIELDS).select_related("service")
    if words:
        return search.ranked(published, words)[:SUGGESTIONS]
    found = search.similar(published, ticket.title)
    if ticket.service_id:
        found = found.filter(Q(service_id=ticket.service_id) | Q(service__isnull=True))
    return found[:SUGGESTIONS]


def ticket_part(request: HttpRequest, ticket: Ticket) -> dict[str, Any] | None:
    """The knowledge part of a ticket's desk page: what solved it, what might."""
    if not roles.is_staff_reader(request.user):
        return None
    used = [use.article for use in ticket.article_uses.select_related("article")]
    used_ids = {article.pk for article in used}
    return {"used": used, "worker": roles.is_worker(request.user),
            "suggested": _with_insert(a for a in _ticket_articles(ticket)
                                      if a.pk not in used_ids)}


@require_GET
@staff_page
def ticket_search(request: HttpRequest, number: str) -> HttpResponse:
    """The articles matching an agent's words, for the ticket's page (htmx)."""
    ticket = get_object_or_404(Ticket.objects.visible_to(request.user), number=number)
    return render(request, "knowledge/_ticket_results.html", {
        "ticket": ticket,
        "articles": _with_insert(_ticket_articles(ticket, request.GET.get("q", "")[:200])),
        "part": {"worker": roles.is_worker(request.user)}})


@require_POST
@staff_page
def solved(request: HttpRequest, pk: int, number: str) -> HttpResponse:
    require_worker(request)
    article = _readable(request, pk)
    ticket = get_object_or_404(Ticket.objects.visible_to(request.user), number=number)
    try:
        if services.solved_with(article, ticket, actor=request.user):
            messages.success(request, _("%(number)s is recorded as solved with %(article)s.")
                             % {"number": ticket.number, "article": article.number})
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    return redirect(reverse("tickets:detail", args=[ticket.number]))


def insert_text(article: Article) -> str:
    """What "insert into reply" puts in the reply: the article's text, with its
    portal link when requesters may read it."""
    text = f"{article.title}\n\n{article.body.strip()}"
    if article.for_requesters:
        text += "\n\n" + _("Read it in the portal: %(link)s") % {
            "link": settings.SITE_URL.rstrip("/") + reverse("kb-portal:detail",
                                                            args=[article.pk])}
    return text


def _with_insert(articles) -> list[Article]:
    found = list(articles)
    for article in found:
        article.insert = insert_text(article)
    return found


# --- the portal ------------------------------------------------------------------------------


@require_GET
@login_required
def portal_list(request: HttpRequest) -> HttpResponse:
    form = SearchForm(request.GET or None, desk=False)
    return render(request, "knowledge/portal_list.html", {
        "form": form, "page_obj": _results(request, Article.objects.for_requesters(), form)})


@require_GET
@login_required
def portal_detail(request: HttpRequest, pk: int) -> HttpResponse:
    article = get_object_or_404(Article.objects.for_requesters().select_related("service"),
                                pk=pk)
    services.record_view(article, request.user, source=_source(request))
    vote = ArticleVote.objects.filter(article=article, user=request.user).first()
    return render(request, "knowledge/portal_detail.html", {
        "article": article, "body": rendering.to_html(article.body), "vote": vote,
        "files": article.files.all(), "from_form": _source(request) == ViewSource.SUGGESTION})


@require_POST
@login_required
def portal_vote(request: HttpRequest, pk: int) -> HttpResponse:
    article = get_object_or_404(Article.objects.visible_to(request.user).published(), pk=pk)
    form = VoteForm(request.POST)
    if form.is_valid():
        services.vote(article, request.user, helpful=form.cleaned_data["helpful"])
        messages.success(request, _("Thank you for your feedback."))
    target = ("knowledge:detail" if roles.is_staff_reader(request.user)
              else "kb-portal:detail")
    return redirect(target, pk=article.pk)


def suggest_part(request: HttpRequest, ticket: Ticket | None) -> dict[str, Any] | None:
    """The suggestions box of the portal's ticket form (filled as the title is typed)."""
    return {"url": reverse("kb-portal:suggest")}


@require_GET
@login_required
def portal_suggest(request: HttpRequest) -> HttpResponse:
    """Requester articles like the title being typed (htmx), in the chosen service
    first."""
    title = request.GET.get("title", "")[:200]
    articles = search.similar(Article.objects.for_requesters().only(*LIST_FIELDS), title)
    service = request.GET.get("service", "").strip()[:100]
    chosen = Service.objects.filter(
        Q(pk=int(service)) if service.isdigit() else Q(code=service)).values_list(
        "pk", flat=True).first() if service else None
    if chosen:
        articles = articles.filter(Q(service_id=chosen) | Q(service__isnull=True))
    return render(request, "knowledge/_suggestions.html",
                  {"articles": list(articles[:SUGGESTIONS]), "title": title})

