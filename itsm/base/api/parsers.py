"""A JSON parser that refuses oversize (413) and deeply nested (400) bodies."""

from __future__ import annotations

import json

from django.conf import settings
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from rest_framework import status
from rest_framework.exceptions import APIException, ParseError
from rest_framework.parsers import BaseParser
from rest_framework.renderers import JSONRenderer


class PayloadTooLarge(APIException):
    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    default_detail = gettext_lazy("Request body too large.")
    default_code = "payload_too_large"


def _depth(value, limit: int) -> int:
    """Nesting depth of a parsed JSON value, iteratively (no recursion to exhaust)."""
    deepest = 0
    stack = [(value, 1)]
    while stack:
        node, depth = stack.pop()
        if depth > limit:
            return depth
        deepest = max(deepest, depth)
        if isinstance(node, dict):
            stack.extend((child, depth + 1) for child in node.values())
        elif isinstance(node, list):
            stack.extend((child, depth + 1) for child in node)
    return deepest


class GuardedJSONParser(BaseParser):
    # Not a JSONParser subclass on purpose: for those DRF reads `request.body` itself
    # first, and Django answers an oversize body with its own HTML 400 before the size
    # check below can answer 413. A plain parser gets the unread stream.
    media_type = "application/json"
    renderer_class = JSONRenderer

    def parse(self, stream, media_type=None, parser_context=None):
        limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        raw = stream.read(limit + 1) if stream is not None else b""
        if len(raw) > limit:
            raise PayloadTooLarge(_("The request body is larger than %(n)d bytes.") % {"n": limit})
        if not raw:
            return {}
        try:
            data = json.loads(raw.decode(parser_context.get("encoding", "utf-8")
                                         if parser_context else "utf-8"))
        except RecursionError as exc:
            raise ParseError(_("JSON nested too deeply.")) from exc
        except (ValueError, UnicodeDecodeError) as exc:
            raise ParseError(_("Malformed JSON: %(error)s") % {"error": exc}) from exc
        if _depth(data, settings.API_JSON_MAX_DEPTH) > settings.API_JSON_MAX_DEPTH:
            raise ParseError(_("JSON nested more than %(n)d levels deep.")
                             % {"n": settings.API_JSON_MAX_DEPTH})
        return data
