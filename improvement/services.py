"""Improvement verbs: opening a suggestion (the one writer of `Suggestion`)."""

from __future__ import annotations

from collections.abc import Sequence

from django.utils import timezone
from django.utils.translation import gettext as _

from catalog.models import Service, Team

from .choices import SuggestionSource
from .models import Suggestion


def open_suggestion(*, title: str, description: str = "",
                    source: str = SuggestionSource.ENTERED, service: Service | None = None,
                    owner_team: Team | None = None, actor=None, when=None) -> Suggestion:
    """Open a suggestion, routed to `owner_team` or else to its service's owner team."""
    if owner_team is None and service is not None:
        owner_team = service.owner_team
    return Suggestion.objects.create(
        title=title[:200], description=description, source=source, service=service,
        owner_team=owner_team, created_by=actor, created_at=when or timezone.now())


def acceptance_overridden(sender, *, service: Service, gaps: Sequence[str], reason: str,
                          actor=None, **kwargs) -> Suggestion:
    """A service went live with gaps in its operational acceptance (the catalog's
    `acceptance_overridden`): its owners are asked to close them."""
    lines = [_("%(service)s went live before its operational acceptance was complete.")
             % {"service": service.name}, "", _("Missing:")]
    lines += [f"- {gap}" for gap in gaps]
    lines += ["", _("Why it went live anyway: %(reason)s") % {"reason": reason}]
    return open_suggestion(
        title=_("Complete the operational acceptance of %(service)s")
        % {"service": service.name},
        description="\n".join(lines), source=SuggestionSource.ACCEPTANCE, service=service,
        actor=actor)
