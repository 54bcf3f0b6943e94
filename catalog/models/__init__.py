"""The service catalog's models: customers, teams, services, CIs (`catalog`), and the
calendars and agreements the SLA clock runs on (`sla`)."""

from .catalog import (
    CatalogQuerySet,
    CIType,
    ConfigurationItem,
    Customer,
    CustomerQuerySet,
    Service,
    ServiceQuerySet,
    Team,
)
from .sla import (
    Calendar,
    Holiday,
    ServiceLevelAgreement,
    SLAQuerySet,
    SLATarget,
    Weekday,
    WorkingPeriod,
    sla_for,
    spans_overlap,
    validate_time_zone,
)

__all__ = [
    "CIType", "Calendar", "CatalogQuerySet", "ConfigurationItem", "Customer",
    "CustomerQuerySet", "Holiday", "SLAQuerySet", "SLATarget", "Service",
    "ServiceLevelAgreement", "ServiceQuerySet", "Team", "Weekday", "WorkingPeriod",
    "sla_for", "spans_overlap", "validate_time_zone",
]
