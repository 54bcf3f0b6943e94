from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ServiceRequestsConfig(AppConfig):
    """Request fulfilment: orders from the catalog, approvals, fulfilment tasks."""

    name = "service_requests"
    verbose_name = _("Requests")

    def ready(self) -> None:
        from itsm import registry

        from .process import ServiceRequestProcess
        from .views import portal_part

        registry.register(ServiceRequestProcess())
        registry.add_user_link(registry.UserLink(_("My approvals"), "requests:approvals"))
        registry.add_user_link(registry.UserLink(_("My approvals"), "portal:requests:approvals",
                                                 desk=False))
        registry.add_part(registry.TicketPart(
            "portal", "service_requests/_portal_part.html", portal_part))
