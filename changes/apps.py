from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ChangesConfig(AppConfig):
    """Change enablement (Change tickets, CAB, standard changes); filled by the change issue."""

    name = "changes"
    verbose_name = _("Changes")
