"""`/api/v1/requests/`: orders through the core's ticket resource with the request's
serializers, and `/api/v1/requests/approvals/`: what waits for the caller's decision,
with approve and reject."""

from __future__ import annotations

from itsm.api import approvals as approval_api
from itsm.api.views import TicketKindViewSet
from itsm.filters import TicketFilterSet

from .. import approvals
from ..models import Approval
from .serializers import (
    ApprovalSerializer,
    ServiceRequestCreateSerializer,
    ServiceRequestSerializer,
    ServiceRequestUpdateSerializer,
)


class ServiceRequestViewSet(TicketKindViewSet):
    """Requests the user may see. Order one by POSTing an item and its answers; no PUT
    and no DELETE: a request is cancelled or closed through its status."""

    serializer_class = ServiceRequestSerializer
    create_serializer_class = ServiceRequestCreateSerializer
    update_serializer_class = ServiceRequestUpdateSerializer
    filterset_class = TicketFilterSet


class ApprovalViewSet(approval_api.ApprovalViewSet):
    """Approvals of orders that are yours to decide (as approver, or as the delegate of
    someone away), and approve / reject with a comment."""

    engine = approvals
    serializer_class = ApprovalSerializer
    queryset = Approval.objects.none()  # the schema's; get_queryset scopes every request
