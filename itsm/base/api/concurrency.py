"""Optimistic concurrency over HTTP: every write names the version it read.

`version` in the body (stale: 409 Conflict) or `If-Match: "<version>"` (stale: 412
Precondition Failed, RFC 9110); a write with neither is 428 Precondition Required.
Both stale answers carry `current_version`.
"""

from __future__ import annotations

import re
from typing import Any

from django.utils.translation import gettext as _
from rest_framework import exceptions, status
from rest_framework.request import Request

from itsm.base.concurrency import StaleVersion

from .exceptions import PreconditionFailed, stale_body


class PreconditionRequired(exceptions.APIException):
    """A write that names no version: it could silently overwrite someone's change."""

    status_code = status.HTTP_428_PRECONDITION_REQUIRED
    default_code = "precondition_required"


class StaleIfMatch(PreconditionFailed):
    """412 with the same body as a stale `version` (409): a message and `current_version`."""

    def __init__(self, current_version: int):
        super().__init__()
        # Set after __init__, which would turn the number into a string.
        self.detail = stale_body(current_version)


def etag(record: Any) -> str:
    """The strong ETag of a record's current state: its version."""
    return f'"{record.version}"'


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


def check_version(record: Any, *, if_match: int | None, body_version: int | None) -> None:
    """Refuse a write that names no version (428) or a stale one (412 / 409).

    A stale If-Match is 412 Precondition Failed (RFC 9110); a stale `version` in the
    body is 409 Conflict. Both answers carry `current_version`.
    """
    if if_match is None and body_version is None:
        raise PreconditionRequired({"version": [
            _("Send the version you read (in the body, or as If-Match: \"<version>\") "
              "so that nobody's change is overwritten.")
        ]})
    if if_match is not None and if_match != record.version:
        raise StaleIfMatch(record.version)
    if body_version is not None and body_version != record.version:
        raise StaleVersion(record.version)
