from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ProblemsConfig(AppConfig):
    """Problem management (Problem tickets, known errors); filled by the problem issue."""

    name = "problems"
    verbose_name = _("Problems")
