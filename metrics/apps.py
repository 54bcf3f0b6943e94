from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MetricsConfig(AppConfig):
    """The KPI engine (definitions, computation, stored values) and its API, and the
    satisfaction surveys that feed it."""

    name = "metrics"
    verbose_name = _("Metrics")

    def ready(self) -> None:
        from itsm import effort, facts, outages, registry
        from knowledge import services as knowledge

        from . import demo, receivers, survey_views

        facts.ticket_changed.connect(receivers.ticket_changed,
                                     dispatch_uid="metrics.ticket_changed")
        facts.history_written.connect(receivers.history_written,
                                      dispatch_uid="metrics.history_written")
        outages.outage_changed.connect(receivers.outage_changed,
                                       dispatch_uid="metrics.outage_changed")
        effort.effort_logged.connect(receivers.effort_logged,
                                     dispatch_uid="metrics.effort_logged")
        knowledge.article_used.connect(receivers.knowledge_used,
                                       dispatch_uid="metrics.knowledge_used")
        facts.ticket_changed.connect(receivers.ask_satisfaction,
                                     dispatch_uid="metrics.ask_satisfaction")
        registry.add_part(survey_views.PORTAL_PART)
        registry.add_part(survey_views.DESK_PART)
        registry.add_demo_step(demo.reporting)
        registry.add_demo_step(demo.survey_answers)
