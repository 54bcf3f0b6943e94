from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class KnowledgeConfig(AppConfig):
    """The knowledge base: articles for agents and requesters, their search, revisions
    and measured use (`knowledge.services`).

    Its own app, beside the core and below the processes: every kind of ticket links
    articles ("this solved it") and problems publish their known errors into it, so it
    must not be one process's; and it is not ticket machinery, so it is not the core's.
    It joins the ticket pages and the portal's ticket form as registered parts."""

    name = "knowledge"
    verbose_name = _("Knowledge base")

    def ready(self) -> None:
        from itsm import registry

        from . import demo, views

        registry.add_part(registry.TicketPart("desk", "knowledge/_ticket_part.html",
                                              views.ticket_part))
        registry.add_part(registry.TicketPart("portal-form", "knowledge/_suggest_part.html",
                                              views.suggest_part))
        registry.add_demo_step(demo.write_history)
        registry.add_demo_reset(demo.reset)
