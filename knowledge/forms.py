"""Forms of the knowledge base; they parse input, `knowledge.services` decides."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from catalog.models import Service
from itsm.forms import ci_field, service_field

from .choices import ArticleState, ArticleType, Audience
from .models import Article


class ArticleForm(forms.ModelForm):
    """An article's text and details; the state moves by its own buttons."""

    service = service_field(required=False)
    configuration_item = ci_field(required=False)
    base_revision = forms.IntegerField(widget=forms.HiddenInput, required=False)
    edit_summary = forms.CharField(label=_("What did you change?"), required=False,
                                   max_length=255)

    class Meta:
        model = Article
        fields = ("title", "summary", "article_type", "audience", "service",
                  "configuration_item", "owner_team", "review_due", "body")
        widgets = {"body": forms.Textarea(attrs={"rows": 18, "class": "mono"}),
                   "review_due": forms.DateInput(attrs={"type": "date"})}

    def __init__(self, *args, teams=None, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        if teams is not None:
            self.fields["owner_team"].queryset = teams
        self.fields["owner_team"].empty_label = None
        self.fields["base_revision"].initial = self.instance.revision

    def article_fields(self) -> dict:
        return {name: self.cleaned_data[name] for name in self.Meta.fields}


class SearchForm(forms.Form):
    """The knowledge base's search: words, and optionally a service and a type."""

    q = forms.CharField(label=_("Search"), required=False, max_length=200)
    service = forms.ModelChoiceField(queryset=Service.objects.filter(is_active=True)
                                     .only("pk", "name").order_by("name"),
                                     required=False, label=_("Service"),
                                     empty_label=_("Any service"))
    article_type = forms.ChoiceField(label=_("Type"), required=False,
                                     choices=[("", _("Any type")), *ArticleType.choices])
    state = forms.ChoiceField(label=_("State"), required=False,
                              choices=[("", _("Published")), ("all", _("Any state")),
                                       *[c for c in ArticleState.choices
                                         if c[0] != ArticleState.PUBLISHED]])
    audience = forms.ChoiceField(label=_("Audience"), required=False,
                                 choices=[("", _("Anyone")), *Audience.choices])

    def __init__(self, *args, desk: bool = True, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        if not desk:  # requesters read published articles for them, whatever they ask
            del self.fields["state"], self.fields["audience"]

    def filter(self, articles):
        """`articles` narrowed by the form's choices (not yet by its words)."""
        data = self.cleaned_data if self.is_valid() else {}
        if data.get("service"):
            articles = articles.filter(service=data["service"])
        if data.get("article_type"):
            articles = articles.filter(article_type=data["article_type"])
        state = data.get("state", "")
        if "state" in self.fields and state != "all":
            articles = articles.filter(state=state or ArticleState.PUBLISHED)
        if data.get("audience"):
            articles = articles.filter(audience=data["audience"])
        return articles

    @property
    def words(self) -> str:
        return self.cleaned_data.get("q", "") if self.is_valid() else ""


class VoteForm(forms.Form):
    helpful = forms.TypedChoiceField(choices=[("1", _("Yes")), ("0", _("No"))],
                                     coerce=lambda value: value == "1")
