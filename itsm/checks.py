"""System checks that refuse an unsafe or inconsistent deployment configuration."""

from django.conf import settings
from django.core.checks import Error, Tags, Warning, register


@register(Tags.security, deploy=True)
def check_secret_key(app_configs, **kwargs):
    if settings.SECRET_KEY == settings.INSECURE_DEV_SECRET_KEY:
        return [
            Error(
                "SECRET_KEY is the development fallback.",
                hint="Set the SECRET_KEY environment variable to a long random string.",
                id="itsm.E001",
            )
        ]
    return []


@register()
def check_attachment_settings(app_configs, **kwargs):
    problems = []
    if settings.ATTACHMENT_MAX_BYTES <= 0:
        problems.append(Error("ATTACHMENT_MAX_BYTES must be positive.", id="itsm.E002"))
    if settings.REOPEN_WINDOW_DAYS < 0:
        problems.append(Error("REOPEN_WINDOW_DAYS must not be negative.", id="itsm.E003"))
    if settings.AUTO_CLOSE_DAYS and settings.AUTO_CLOSE_DAYS < settings.REOPEN_WINDOW_DAYS:
        problems.append(
            Warning(
                "AUTO_CLOSE_DAYS is shorter than REOPEN_WINDOW_DAYS: requesters lose "
                "the reopen window when incidents close early.",
                id="itsm.W001",
            )
        )
    return problems
