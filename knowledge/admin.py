from django.contrib import admin

from .models import Article, ArticleRevision


class RevisionInline(admin.TabularInline):
    model = ArticleRevision
    fields = ("number", "author", "created_at", "summary")
    readonly_fields = fields
    extra = 0
    can_delete = False
    show_change_link = False


@admin.register(Article)
class ArticleAdmin(admin.ModelAdmin):
    """Read-mostly: articles are written on their pages, where each save is a revision."""

    list_display = ("title", "article_type", "audience", "state", "owner_team", "review_due",
                    "view_count")
    list_filter = ("state", "article_type", "audience", "owner_team")
    search_fields = ("title", "summary")
    readonly_fields = ("state", "revision", "view_count", "helpful_count", "unhelpful_count",
                       "solved_count", "created_by", "created_at", "updated_at", "published_at")
    inlines = [RevisionInline]

    def has_add_permission(self, request) -> bool:
        return False
