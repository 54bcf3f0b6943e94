"""API views of the ticket core: tokens, tickets of every kind, comments, events, files.

Views parse, check, call a service and render. Every queryset comes from
`Model.objects.visible_to(user)` (see `ScopedQuerysetMixin`), so a ticket the user
may not see is a 404 here exactly as in the web pages.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import QuerySet
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    extend_schema_view,
)
from rest_framework import exceptions, generics, mixins, status, viewsets
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from itsm import effort, outages, registry
from itsm.base import roles
from itsm.base.api.concurrency import check_version, etag, if_match_version
from itsm.base.api.inputs import require_mapping
from itsm.base.api.parsers import GuardedJSONParser
from itsm.base.api.permissions import ScopedQuerysetMixin, TicketAccess, WorkersWrite
from itsm.base.api.throttles import TOKEN_SCOPE, TokenRateThrottle, TokenUsernameThrottle
from itsm.converters import TICKET_NUMBER_REGEX
from itsm.filters import OutageFilterSet, TaskFilterSet, TicketFilterSet
from itsm.models import ApiToken, Outage, Ticket
from itsm.services import add_attachment, add_comment

from . import serializers

TICKET_ORDERING_FIELDS = ("number", "created_at", "updated_at", "priority", "status",
                          "resolved_at", "resolution_due")

ERROR_RESPONSES = {
    400: OpenApiResponse(description=gettext_lazy("Bad input; the body names each field and why.")),
    401: OpenApiResponse(description=gettext_lazy("Not signed in.")),
    403: OpenApiResponse(description=gettext_lazy("Your role may not do this.")),
    404: OpenApiResponse(description=gettext_lazy("No such ticket, or not visible to you.")),
}
TICKET_NUMBER = OpenApiParameter(
    "number", OpenApiTypes.STR, OpenApiParameter.PATH,
    description=gettext_lazy("The ticket number, e.g. INC0000042."),
)


# --- tokens ---------------------------------------------------------------------------


class TokenView(APIView):
    """`POST` exchanges a username and password for a token; `DELETE` revokes the
    token the request was made with; `GET` lists the caller's tokens (never a key)."""

    throttle_scope = TOKEN_SCOPE
    parser_classes = [GuardedJSONParser, FormParser]

    def get_permissions(self) -> list:
        if self.request.method == "POST":
            return [AllowAny()]
        return [IsAuthenticated()]

    def get_throttles(self) -> list:
        if self.request.method == "POST":
            return [TokenRateThrottle(), TokenUsernameThrottle()]
        return []

    @extend_schema(
        request=serializers.TokenRequestSerializer,
        responses={201: serializers.TokenCreatedSerializer, 400: ERROR_RESPONSES[400],
                   429: OpenApiResponse(description=gettext_lazy("Too many attempts; wait."))},
        auth=[], summary=gettext_lazy("Obtain a token"),
    )
    def post(self, request: Request) -> Response:
        serializer = serializers.TokenRequestSerializer(data=require_mapping(request.data),
                                                        context={"request": request})
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        token, key = ApiToken.issue(data["user"], name=data.get("name", ""))
        body = serializers.TokenCreatedSerializer({
            "token": key, "prefix": token.prefix, "name": token.name,
            "created_at": token.created_at,
        }).data
        return Response(body, status=status.HTTP_201_CREATED)

    @extend_schema(responses={200: serializers.ApiTokenSerializer(many=True),
                              401: ERROR_RESPONSES[401]},
                   summary=gettext_lazy("List your active tokens"))
    def get(self, request: Request) -> Response:
        tokens = ApiToken.objects.active().filter(user=request.user)
        return Response(serializers.ApiTokenSerializer(
            tokens, many=True, context={"request": request}).data)

    @extend_schema(request=None,
                   responses={204: None, 400: ERROR_RESPONSES[400], 401: ERROR_RESPONSES[401]},
                   summary=gettext_lazy("Revoke the token of this request"))
    def delete(self, request: Request) -> Response:
        if not isinstance(request.auth, ApiToken):
            raise exceptions.ValidationError({"token": [
                _("This request was not made with a token; there is none to revoke.")
            ]})
        request.auth.revoke()
        return Response(status=status.HTTP_204_NO_CONTENT)


# --- tickets of every kind ------------------------------------------------------------


class TicketViewSet(ScopedQuerysetMixin, viewsets.ReadOnlyModelViewSet):
    """Every kind of ticket, read-only, by number. Write through the kind's resource."""

    serializer_class = serializers.TicketSerializer
    lookup_field = "number"
    lookup_value_regex = TICKET_NUMBER_REGEX
    filterset_class = TicketFilterSet
    ordering_fields = (*TICKET_ORDERING_FIELDS, "kind")
    ordering = ("-created_at",)
    ordering_tiebreaker = "-id"



WRITE_RESPONSES = {
    **ERROR_RESPONSES,
    409: OpenApiResponse(description=gettext_lazy(
        "`version` is stale: someone changed the ticket. The body has `current_version`.")),
    412: OpenApiResponse(description=gettext_lazy(
        "If-Match is stale: someone changed the ticket. The body has `current_version`.")),
    428: OpenApiResponse(description=gettext_lazy("Neither `version` nor If-Match was sent.")),
}
IF_MATCH = OpenApiParameter(
    "If-Match", OpenApiTypes.STR, OpenApiParameter.HEADER, required=False,
    description=gettext_lazy('The ETag you read, e.g. "3"; instead of `version` in the body.'),
)


class TicketKindViewSet(ScopedQuerysetMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin,
                        viewsets.GenericViewSet):
    """One kind's resource: list, log, read by number, and PATCH through the workflow.

    No PUT and no DELETE: tickets are cancelled or closed through their status, never
    removed. Every write is checked against the version the client read (`version` in
    the body, or If-Match; see `itsm.base.api.concurrency`); the whole PATCH is one
    transaction, so a refused status change also undoes the field edits sent with it.
    A process's viewset names its serializers and FilterSet, nothing more.
    """

    serializer_class: type[serializers.TicketKindSerializer]
    create_serializer_class: type[serializers.TicketCreateSerializer]
    update_serializer_class: type[serializers.TicketUpdateSerializer]
    permission_classes = [TicketAccess]
    parser_classes = [GuardedJSONParser]
    lookup_field = "number"
    lookup_value_regex = TICKET_NUMBER_REGEX
    ordering_fields = TICKET_ORDERING_FIELDS
    ordering = ("-created_at",)
    ordering_tiebreaker = "-id"
    # What a requester may send in a PATCH: a status they may take (close, reopen).
    requester_patch_fields = frozenset({"status", "note", "version"})

    @property
    def process(self) -> registry.Process:
        return registry.for_model(self.serializer_class.Meta.model)

    def get_queryset(self) -> QuerySet:
        """A list reads the ticket rows of the kind, with no join to the kind's own table
        while it filters, counts and pages; the page's rows are then read as the kind's
        (`paginate_queryset`). One ticket is read as the kind's model."""
        if getattr(self, "action", None) == "list":
            return Ticket.objects.visible_to(self.request.user).filter(kind=self.process.kind)
        return super().get_queryset()

    def filter_queryset(self, queryset: QuerySet) -> QuerySet:
        # Filters and ordering are the list's; a ticket is found by its number alone.
        if getattr(self, "action", None) != "list":
            return queryset
        return super().filter_queryset(queryset)

    def paginate_queryset(self, queryset: QuerySet) -> list | None:
        ids = super().paginate_queryset(queryset.values_list("pk", flat=True))
        if ids is None:
            return None
        meta = self.serializer_class.Meta
        rows = (meta.model.objects.prefetch_related(*getattr(meta, "prefetch_related", ()))
                .in_bulk(ids))
        return [rows[pk] for pk in ids if pk in rows]

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if "serializer_class" in cls.__dict__:
            extend_schema_view(
                create=extend_schema(request=cls.create_serializer_class,
                                     responses={201: cls.serializer_class, **ERROR_RESPONSES}),
                partial_update=extend_schema(
                    request=cls.update_serializer_class, parameters=[IF_MATCH],
                    responses={200: cls.serializer_class, **WRITE_RESPONSES}),
            )(cls)

    def _render(self, ticket: Ticket, status_code: int = status.HTTP_200_OK) -> Response:
        fresh = self.get_queryset().get(pk=ticket.pk)
        headers = {"ETag": etag(fresh)}
        if status_code == status.HTTP_201_CREATED:
            namespace = self.request.resolver_match.namespace
            headers["Location"] = reverse(f"{namespace}:{self.basename}-detail",
                                          kwargs={"number": fresh.number})
        return Response(self.get_serializer(fresh).data, status=status_code, headers=headers)

    def retrieve(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        ticket = self.get_object()
        return Response(self.get_serializer(ticket).data, headers={"ETag": etag(ticket)})

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        serializer = self.create_serializer_class(data=require_mapping(request.data),
                                                  context=self.get_serializer_context())
        serializer.is_valid(raise_exception=True)
        with transaction.atomic():
            ticket = serializer.save()
        return self._render(ticket, status.HTTP_201_CREATED)

    def partial_update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        ticket = self.get_object()
        payload = require_mapping(request.data)
        if not roles.is_worker(request.user):
            refused = sorted(set(payload) - self.requester_patch_fields)
            if refused:
                raise PermissionDenied(
                    _("You may only close or reopen your ticket; not change %(fields)s.")
                    % {"fields": ", ".join(refused)}
                )
        if_match = if_match_version(request)
        serializer = self.update_serializer_class(ticket, data=payload, partial=True,
                                                  context=self.get_serializer_context())
        serializer.is_valid(raise_exception=True)
        with transaction.atomic():
            current = type(ticket).objects.select_for_update().get(pk=ticket.pk)
            check_version(current, if_match=if_match,
                          body_version=serializer.validated_data.get("version"))
            serializer.instance = current
            serializer.save()
        return self._render(current)


class TaskViewSet(TicketKindViewSet):
    """Tasks: work items of other tickets. Create one with the parent's number in
    `parent`; it appears on the parent's page and in its team's queue."""

    permission_classes = [TicketAccess, WorkersWrite]
    serializer_class = serializers.TaskSerializer
    create_serializer_class = serializers.TaskCreateSerializer
    update_serializer_class = serializers.TaskUpdateSerializer
    filterset_class = TaskFilterSet


class TicketChildMixin(ScopedQuerysetMixin):
    """Views of what hangs off one ticket: `/tickets/<number>/<what>/`.

    The ticket is looked up among those the user may see (404 otherwise), and the rows
    among those the user may see (requesters never see internal comments or events).
    """

    permission_classes = [TicketAccess]
    filter_backends: list = []

    def get_ticket(self) -> Ticket:
        if not hasattr(self, "_ticket"):
            self._ticket = get_object_or_404(Ticket.objects.visible_to(self.request.user),
                                             number=self.kwargs["number"])
        return self._ticket

    def get_queryset(self) -> QuerySet:
        if getattr(self, "swagger_fake_view", False):  # schema generation: no ticket
            return self.get_serializer_class().Meta.model.objects.none()
        return super().get_queryset().filter(ticket=self.get_ticket())

    def get_serializer_context(self) -> dict[str, Any]:
        context = super().get_serializer_context()
        context["ticket_number"] = self.kwargs.get("number")
        return context


@extend_schema(parameters=[TICKET_NUMBER])
class TicketCommentsView(TicketChildMixin, generics.ListCreateAPIView):
    """A ticket's comments (GET) and a new one (POST). Requesters see public ones
    only and their own comments are always public."""

    serializer_class = serializers.CommentSerializer
    parser_classes = [GuardedJSONParser]

    @extend_schema(responses={200: serializers.CommentSerializer(many=True),
                              **ERROR_RESPONSES})
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().get(request, *args, **kwargs)

    @extend_schema(responses={201: serializers.CommentSerializer, **ERROR_RESPONSES})
    def post(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        ticket = self.get_ticket()
        serializer = self.get_serializer(data=require_mapping(request.data))
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        if data["is_public"] is False and not roles.is_worker(request.user):
            raise exceptions.ValidationError({"is_public": [
                _("Your comments are always visible to the service desk and to you.")
            ]})
        comment = add_comment(ticket, author=request.user, body=data["body"],
                              is_public=data["is_public"])
        return Response(self.get_serializer(comment).data, status=status.HTTP_201_CREATED)


@extend_schema(parameters=[TICKET_NUMBER],
               responses={200: serializers.TicketEventSerializer(many=True), **ERROR_RESPONSES})
class TicketEventsView(TicketChildMixin, generics.ListAPIView):
    """A ticket's timeline, oldest first; requesters see the public entries only."""

    serializer_class = serializers.TicketEventSerializer


@extend_schema(parameters=[TICKET_NUMBER])
class TicketAttachmentsView(TicketChildMixin, generics.ListCreateAPIView):
    """A ticket's files (GET) and a multipart upload in the `file` part (POST).

    Each file's `download_url` is the web app's download view, which checks that the
    user may see the ticket and always serves the file as an attachment.
    """

    serializer_class = serializers.AttachmentSerializer
    parser_classes = [MultiPartParser, FormParser]

    @extend_schema(responses={200: serializers.AttachmentSerializer(many=True),
                              **ERROR_RESPONSES})
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().get(request, *args, **kwargs)

    @extend_schema(request=serializers.AttachmentUploadSerializer,
                   responses={201: serializers.AttachmentSerializer, **ERROR_RESPONSES})
    def post(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        ticket = self.get_ticket()
        upload = serializers.AttachmentUploadSerializer(data=request.data)
        upload.is_valid(raise_exception=True)
        attachment = add_attachment(ticket, uploaded_by=request.user,
                                    upload=upload.validated_data["file"])
        return Response(self.get_serializer(attachment).data, status=status.HTTP_201_CREATED)


class OutageViewSet(ScopedQuerysetMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin,
                    mixins.CreateModelMixin, mixins.UpdateModelMixin, viewsets.GenericViewSet):
    """Outages of services: the desk reads them all; agents enter and correct them
    (PATCH), each change logged. Requesters see none. An incident's outage follows
    its incident and is corrected there (409 here)."""

    serializer_class = serializers.OutageSerializer
    permission_classes = (IsAuthenticated, WorkersWrite)
    filterset_class = OutageFilterSet
    ordering_fields = ("started_at", "ended_at", "id")
    ordering = ("-started_at",)
    http_method_names = ("get", "post", "patch", "head", "options")

    def _written(self, outage: Outage, status_code: int) -> Response:
        outage = self.get_queryset().get(pk=outage.pk)
        return Response(serializers.OutageSerializer(outage).data, status=status_code)

    @extend_schema(request=serializers.OutageWriteSerializer,
                   responses={201: serializers.OutageSerializer, **ERROR_RESPONSES})
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        given = serializers.OutageWriteSerializer(data=request.data,
                                                  context=self.get_serializer_context())
        given.is_valid(raise_exception=True)
        # The exception handler turns the service's refusals into 400 and 403.
        outage = outages.record(actor=request.user, **given.validated_data)
        return self._written(outage, status.HTTP_201_CREATED)

    @extend_schema(request=serializers.OutageWriteSerializer,
                   responses={200: serializers.OutageSerializer, 409: OpenApiResponse(
                       description=gettext_lazy("An incident's outage follows the "
                                                "incident.")), **ERROR_RESPONSES})
    def partial_update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        outage = self.get_object()
        if outage.source == Outage.Source.INCIDENT:
            return Response({"detail": _("This outage follows %(number)s; change the "
                                         "incident instead.") % {"number": outage.ticket.number
                                                                 if outage.ticket else "?"}},
                            status=status.HTTP_409_CONFLICT)
        given = serializers.OutageWriteSerializer(data=request.data, partial=True,
                                                  context=self.get_serializer_context())
        given.is_valid(raise_exception=True)
        outages.change(outage, actor=request.user, **given.validated_data)
        return self._written(outage, status.HTTP_200_OK)

    def update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        if not kwargs.get("partial"):
            raise exceptions.MethodNotAllowed(request.method)
        return super().update(request, *args, **kwargs)



@extend_schema(parameters=[TICKET_NUMBER])
class TicketTimeView(TicketChildMixin, generics.ListCreateAPIView):
    """Time worked on a ticket (GET, the desk only) and logging more (POST, those who
    work tickets); costed at the team's rate on the day worked."""

    serializer_class = serializers.TimeEntrySerializer
    permission_classes = [TicketAccess, WorkersWrite]

    def get_ticket(self) -> Ticket:
        if not roles.is_staff_reader(self.request.user):
            raise exceptions.PermissionDenied(_("Only the service desk sees time worked."))
        return super().get_ticket()

    @extend_schema(responses={200: serializers.TimeEntrySerializer(many=True),
                              **ERROR_RESPONSES})
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().get(request, *args, **kwargs)

    @extend_schema(request=serializers.TimeEntryInputSerializer,
                   responses={201: serializers.TimeEntrySerializer, **ERROR_RESPONSES})
    def post(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        ticket = self.get_ticket()
        given = serializers.TimeEntryInputSerializer(data=request.data)
        given.is_valid(raise_exception=True)
        entry = effort.log_time(ticket, person=request.user, **given.validated_data)
        return Response(self.get_serializer(entry).data, status=status.HTTP_201_CREATED)
