from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ChangesConfig(AppConfig):
    """Change enablement: standard, normal and emergency changes, their risk,
    authorisation, implementation and review, and the incidents they caused."""

    name = "changes"
    verbose_name = _("Changes")

    def ready(self) -> None:
        from itsm import registry

        from . import calendar_views, conflicts, demo_board, services, views
        from .process import ChangeProcess

        registry.register(ChangeProcess())
        registry.add_planned_work(services.planned_work)
        registry.add_demo_reset(demo_board.reset)
        registry.add_user_link(registry.UserLink(_("Changes to authorize"), "changes:approvals"))
        registry.add_part(registry.TicketPart("desk", "changes/_incident_part.html",
                                              views.incident_part))
        # A change's conflicts and its next free slot, beside its details.
        registry.add_part(registry.TicketPart("desk", "changes/_conflicts_part.html",
                                              calendar_views.conflicts_part))
        registry.add_follower(conflicts.follow)
