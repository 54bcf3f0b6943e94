from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ChangesConfig(AppConfig):
    """Change enablement: standard, normal and emergency changes, their risk,
    authorisation, implementation and review, and the incidents they caused."""

    name = "changes"
    verbose_name = _("Changes")

    def ready(self) -> None:
        from itsm import registry

        from . import views
        from .process import ChangeProcess

        registry.register(ChangeProcess())
        registry.add_part(registry.TicketPart("desk", "changes/_incident_part.html",
                                              views.incident_part))
