from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ProblemsConfig(AppConfig):
    """Problem management: problems behind incidents, known errors and their
    workarounds, and the candidates that suggest a problem."""

    name = "problems"
    verbose_name = _("Problems")

    def ready(self) -> None:
        from itsm import registry

        from . import services, views
        from .process import ProblemProcess

        registry.register(ProblemProcess())
        registry.add_part(registry.TicketPart("desk-main", "problems/_incident_part.html",
                                              views.incident_part))
        registry.add_follower(services.follow)
        registry.add_bulk_offer(registry.BulkOffer(
            _("Open a problem"), "problems:from-incidents", kinds=("incident",)))
