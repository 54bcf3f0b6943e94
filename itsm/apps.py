from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ItsmConfig(AppConfig):
    name = "itsm"
    label = "itsm"
    verbose_name = _("Service desk core")

    def ready(self) -> None:
        from django.urls import register_converter

        from catalog.signals import terms_changed

        from . import (
            checks,  # noqa: F401  (registers system checks)
            registry,
        )
        from .converters import SmallNumberConverter, TicketNumberConverter
        from .task_kind import TaskProcess
        from .tasks import recompute_when_terms_change

        register_converter(TicketNumberConverter, "ticket")
        register_converter(SmallNumberConverter, "n")
        # The core's own kind; each process app registers its kind the same way.
        registry.register(TaskProcess())
        terms_changed.connect(recompute_when_terms_change,
                              dispatch_uid="itsm.recompute_when_terms_change")
