from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ServiceRequestsConfig(AppConfig):
    """Request fulfilment (ServiceRequest tickets); filled by the request issue."""

    name = "service_requests"
    verbose_name = _("Requests")
