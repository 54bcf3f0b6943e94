from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MetricsConfig(AppConfig):
    """KPI computation and dashboards; filled by the metrics issue."""

    name = "metrics"
    verbose_name = _("Metrics")
