"""Map domain errors to HTTP: a refused transition is a 400 naming the field,
a stale write a 409, a permission refusal a 403; nothing a client sends is a 500."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from django.utils.translation import gettext as _
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from itsm.base.concurrency import StaleVersion


class PreconditionFailed(exceptions.APIException):
    status_code = status.HTTP_412_PRECONDITION_FAILED
    default_code = "precondition_failed"


def stale_body(current_version: int) -> dict:
    """What a write on an out-of-date version is told (409 for `version`, 412 for
    If-Match): a message and the version to reload."""
    return {"detail": _("The ticket was changed by someone else; reload and try again."),
            "current_version": current_version}


def exception_handler(exc, context):
    if isinstance(exc, DjangoValidationError):
        if hasattr(exc, "error_dict"):
            detail = {name: [str(m) for m in msgs] for name, msgs in exc.message_dict.items()}
        else:
            detail = {"non_field_errors": [str(m) for m in exc.messages]}
        exc = exceptions.ValidationError(detail)
    elif isinstance(exc, StaleVersion):
        return Response(stale_body(exc.current_version), status=status.HTTP_409_CONFLICT)
    elif isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, PermissionDenied):
        exc = exceptions.PermissionDenied(str(exc) or None)
    return drf_exception_handler(exc, context)
