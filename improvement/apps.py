from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ImprovementConfig(AppConfig):
    """Continual improvement (suggestions, plans, service reviews); filled by its issue."""

    name = "improvement"
    verbose_name = _("Continual improvement")
