"""Token authentication against hashed keys: `Authorization: Token <key>`."""

from __future__ import annotations

from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from rest_framework import authentication, exceptions

from itsm.models import ApiToken, hash_token

# last_used_at is written at most this often per token, so reads stay reads.
LAST_USED_RESOLUTION_SECONDS = 300


class HashedTokenAuthentication(authentication.TokenAuthentication):
    keyword = "Token"

    def authenticate_credentials(self, key: str):
        token = (
            ApiToken.objects.active().select_related("user")
            .filter(key_hash=hash_token(key)).first()
        )
        if token is None:
            raise exceptions.AuthenticationFailed(_("Invalid or revoked token."))
        if not token.user.is_active:
            raise exceptions.AuthenticationFailed(_("User inactive or deleted."))
        now = timezone.now()
        if (token.last_used_at is None
                or (now - token.last_used_at).total_seconds() > LAST_USED_RESOLUTION_SECONDS):
            ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
        return token.user, token
