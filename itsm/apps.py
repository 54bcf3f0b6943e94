from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ItsmConfig(AppConfig):
    name = "itsm"
    label = "itsm"
    verbose_name = _("Service desk core")

    def ready(self) -> None:
        from . import checks  # noqa: F401  (registers system checks)
