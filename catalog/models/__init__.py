"""The service catalog's models: customers, teams, services, CIs and their relations
(`catalog`), the calendars and agreements the SLA clock runs on (`sla`), suppliers
with their underpinning contracts (`suppliers`), what services offer to order or change
(`offerings`), each service's support path and documentation history (`dossier`), and
when changes may run (`windows`)."""

from .catalog import (
    CatalogQuerySet,
    CIRelation,
    CIRelationKind,
    CIType,
    ConfigurationItem,
    Criticality,
    Customer,
    CustomerQuerySet,
    Lifecycle,
    MeetingCadence,
    Service,
    ServiceCategory,
    ServiceQuerySet,
    ServiceType,
    Team,
    TeamRate,
    impacted_services,
)
from .dossier import ServiceRevision, SupportLevel
from .offerings import (
    ApprovalRule,
    ApprovalStep,
    ApproverKind,
    ChangeRisk,
    OfferingQuerySet,
    RequestItem,
    StandardChange,
    TaskTemplate,
)
from .sla import (
    TERMS_CACHE_SECONDS,
    Calendar,
    Holiday,
    ServiceLevelAgreement,
    SLAQuerySet,
    SLATarget,
    Weekday,
    WorkingPeriod,
    clear_terms_cache,
    sla_for,
    spans_overlap,
    terms_for,
    validate_time_zone,
    working_calendar_of,
)
from .suppliers import ContractTarget, Supplier, UnderpinningContract
from .windows import FreezeWindow, MaintenanceWindow

__all__ = [
    "CIRelation", "CIRelationKind", "CIType", "Calendar", "CatalogQuerySet",
    "ConfigurationItem", "ContractTarget", "Criticality", "Customer", "CustomerQuerySet",
    "Holiday", "Lifecycle", "MeetingCadence", "SLAQuerySet", "SLATarget", "Service",
    "ServiceLevelAgreement", "ServiceQuerySet", "ServiceType", "Supplier", "Team", "TeamRate",
    "UnderpinningContract", "Weekday", "WorkingPeriod", "impacted_services", "sla_for",
    "spans_overlap", "validate_time_zone", "TERMS_CACHE_SECONDS", "clear_terms_cache",
    "terms_for", "working_calendar_of", "ServiceCategory", "ServiceRevision", "SupportLevel",
    "ChangeRisk", "OfferingQuerySet", "RequestItem", "StandardChange", "ApprovalRule",
    "ApprovalStep", "ApproverKind", "TaskTemplate", "FreezeWindow", "MaintenanceWindow",
]
