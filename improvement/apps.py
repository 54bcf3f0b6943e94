from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ImprovementConfig(AppConfig):
    """Continual improvement: the register of suggestions (`improvement.services`); the
    plans and service reviews build on it."""

    name = "improvement"
    verbose_name = _("Continual improvement")

    def ready(self) -> None:
        from catalog import signals

        from . import services

        # The catalog sits below the register and cannot call it: it announces.
        signals.acceptance_overridden.connect(services.acceptance_overridden,
                                              dispatch_uid="improvement.acceptance")
