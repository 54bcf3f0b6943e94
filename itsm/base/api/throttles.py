"""Throttles for the token endpoint (rate: REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]["token"]).

Two buckets at the same rate: one per client address (DRF's `ScopedRateThrottle`) and
one per username tried. The second holds even when a client varies the
X-Forwarded-For header that the first keys on, so one account cannot be guessed at
faster than the rate from many "addresses".
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping

from rest_framework.throttling import ScopedRateThrottle, SimpleRateThrottle

TOKEN_SCOPE = "token"


class TokenRateThrottle(ScopedRateThrottle):
    """Per client address; the view sets `throttle_scope = "token"`."""


class TokenUsernameThrottle(SimpleRateThrottle):
    """Per username tried, whoever tries it."""

    scope = TOKEN_SCOPE

    def get_cache_key(self, request, view) -> str | None:
        data = request.data
        username = data.get("username") if isinstance(data, Mapping) else None
        if not isinstance(username, str) or not username.strip():
            return None  # nothing to guess at; the per-address bucket still counts
        digest = hashlib.sha256(username.strip().lower().encode()).hexdigest()
        return self.cache_format % {"scope": f"{self.scope}-user", "ident": digest}
