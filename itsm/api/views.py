"""API views of the ticket core: tokens, tickets of every kind, comments, events, files.

Views parse, check, call a service and render. Every queryset comes from
`Model.objects.visible_to(user)` (see `ScopedQuerysetMixin`), so a ticket the user
may not see is a 404 here exactly as in the web pages.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from django.db.models import QuerySet
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import exceptions, generics, status, viewsets
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from itsm.base import roles
from itsm.base.api.exceptions import PreconditionFailed
from itsm.base.api.filters import StrictOrderingFilter
from itsm.base.api.parsers import GuardedJSONParser
from itsm.base.api.permissions import ScopedQuerysetMixin, TicketAccess
from itsm.base.api.throttles import TOKEN_SCOPE, TokenRateThrottle, TokenUsernameThrottle
from itsm.converters import TICKET_NUMBER_REGEX
from itsm.models import ApiToken, Attachment, Comment, Ticket, TicketEvent
from itsm.services import add_attachment, add_comment
from itsm.workflow import StaleVersion

from . import serializers
from .filters import TicketFilterSet

LIST_FILTER_BACKENDS = [DjangoFilterBackend, StrictOrderingFilter]
TICKET_ORDERING_FIELDS = ("number", "created_at", "updated_at", "priority", "status",
                          "resolved_at", "resolution_due")

ERROR_RESPONSES = {
    400: OpenApiResponse(description=_lazy("Bad input; the body names each field and why.")),
    401: OpenApiResponse(description=_lazy("Not signed in.")),
    403: OpenApiResponse(description=_lazy("Your role may not do this.")),
    404: OpenApiResponse(description=_lazy("No such ticket, or not visible to you.")),
}
TICKET_NUMBER = OpenApiParameter(
    "number", OpenApiTypes.STR, OpenApiParameter.PATH,
    description=_lazy("The ticket number, e.g. INC0000042."),
)


# --- request plumbing shared by the process APIs --------------------------------------


class PreconditionRequired(exceptions.APIException):
    """A write that names no version: it could silently overwrite someone's change."""

    status_code = status.HTTP_428_PRECONDITION_REQUIRED
    default_code = "precondition_required"


class StaleIfMatch(PreconditionFailed):
    """412 with the same body as a stale `version` (409): a message and `current_version`."""

    def __init__(self, current_version: int):
        super().__init__()
        # Set after __init__, which would turn the number into a string.
        self.detail = {
            "detail": _("The ticket was changed by someone else; reload and try again."),
            "current_version": current_version,
        }


def require_mapping(data: Any) -> Mapping:
    """The request body as a JSON object; arrays, strings and null are a 400."""
    if not isinstance(data, Mapping):
        raise exceptions.ValidationError({"non_field_errors": [
            _("Expected a JSON object, got %(type)s.") % {"type": type(data).__name__}
        ]})
    return data


def etag(ticket: Ticket) -> str:
    """The strong ETag of a ticket's current state: its version."""
    return f'"{ticket.version}"'


_ETAG = re.compile(r'^\s*"?(\d{1,18})"?\s*$')


def if_match_version(request: Request) -> int | None:
    """The version an If-Match header names, None without the header."""
    header = request.headers.get("If-Match")
    if header is None:
        return None
    match = _ETAG.match(header)
    if match is None:
        raise exceptions.ValidationError({"If-Match": [
            _('Send the ETag of the ticket as you read it, e.g. If-Match: "3".')
        ]})
    return int(match.group(1))


def check_version(ticket: Ticket, *, if_match: int | None, body_version: int | None) -> None:
    """Refuse a write that names no version (428) or a stale one (412 / 409).

    A stale If-Match is 412 Precondition Failed (RFC 9110); a stale `version` in the
    body is 409 Conflict. Both answers carry `current_version`.
    """
    if if_match is None and body_version is None:
        raise PreconditionRequired({"version": [
            _("Send the version you read (in the body, or as If-Match: \"<version>\") "
              "so that nobody's change is overwritten.")
        ]})
    if if_match is not None and if_match != ticket.version:
        raise StaleIfMatch(ticket.version)
    if body_version is not None and body_version != ticket.version:
        raise StaleVersion(ticket.version)


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
                   429: OpenApiResponse(description=_lazy("Too many attempts; wait."))},
        auth=[], summary=_lazy("Obtain a token"),
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
                   summary=_lazy("List your active tokens"))
    def get(self, request: Request) -> Response:
        tokens = ApiToken.objects.active().filter(user=request.user)
        return Response(serializers.ApiTokenSerializer(
            tokens, many=True, context={"request": request}).data)

    @extend_schema(request=None,
                   responses={204: None, 400: ERROR_RESPONSES[400], 401: ERROR_RESPONSES[401]},
                   summary=_lazy("Revoke the token of this request"))
    def delete(self, request: Request) -> Response:
        if not isinstance(request.auth, ApiToken):
            raise exceptions.ValidationError({"token": [
                _("This request was not made with a token; there is none to revoke.")
            ]})
        request.auth.revoke()
        return Response(status=status.HTTP_204_NO_CONTENT)


# --- tickets of every kind ------------------------------------------------------------


class TicketViewSet(ScopedQuerysetMixin, viewsets.ReadOnlyModelViewSet):
    """Every kind of ticket, read-only, by number. Write through the kind's endpoint."""

    model = Ticket
    serializer_class = serializers.TicketSerializer
    select_related = serializers.TicketSerializer.select_related
    join_related = serializers.TicketSerializer.join_related
    list_select_related = ()  # the list serializer reads every relation in brief
    lookup_field = "number"
    lookup_value_regex = TICKET_NUMBER_REGEX
    filter_backends = LIST_FILTER_BACKENDS
    filterset_class = TicketFilterSet
    ordering_fields = (*TICKET_ORDERING_FIELDS, "kind")
    ordering = ("-created_at",)
    ordering_tiebreaker = "-id"


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
            return self.model.objects.none()
        return super().get_queryset().filter(ticket=self.get_ticket())

    def get_serializer_context(self) -> dict[str, Any]:
        context = super().get_serializer_context()
        context["ticket_number"] = self.kwargs.get("number")
        return context


@extend_schema(parameters=[TICKET_NUMBER])
class TicketCommentsView(TicketChildMixin, generics.ListCreateAPIView):
    """A ticket's comments (GET) and a new one (POST). Requesters see public ones
    only and their own comments are always public."""

    model = Comment
    serializer_class = serializers.CommentSerializer
    select_related = ("author",)
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

    model = TicketEvent
    serializer_class = serializers.TicketEventSerializer
    select_related = ("actor", "comment")


@extend_schema(parameters=[TICKET_NUMBER])
class TicketAttachmentsView(TicketChildMixin, generics.ListCreateAPIView):
    """A ticket's files (GET) and a multipart upload in the `file` part (POST).

    Each file's `download_url` is the web app's download view, which checks that the
    user may see the ticket and always serves the file as an attachment.
    """

    model = Attachment
    serializer_class = serializers.AttachmentSerializer
    select_related = ("uploaded_by",)
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
