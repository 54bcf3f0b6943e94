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
    if settings.ATTACHMENT_MAX_BYTES <= 0:
        return [Error("ATTACHMENT_MAX_BYTES must be positive.", id="itsm.E002")]
    return []


@register()
def check_workflow_settings(app_configs, **kwargs):
    """Each kind's WORKFLOWS settings: names its workflow knows, sensible values."""
    from . import registry

    problems = []
    for kind, configured in getattr(settings, "WORKFLOWS", {}).items():
        process = registry.find(kind)
        if process is None:
            problems.append(Error(f"WORKFLOWS names {kind!r}, which no process registers.",
                                  id="itsm.E004"))
            continue
        flow = process.workflow
        unknown = set(configured) - set(flow.defaults)
        if unknown:
            problems.append(Error(
                f"WORKFLOWS[{kind!r}] sets {', '.join(sorted(unknown))}, which the {kind} "
                f"workflow does not have (it has {', '.join(sorted(flow.defaults)) or 'none'}).",
                id="itsm.E005"))
            continue
        values = {name: flow.setting(name) for name in flow.defaults}
        negative = [name for name, value in values.items() if value < 0]
        if negative:
            problems.append(Error(f"WORKFLOWS[{kind!r}]: {', '.join(negative)} must not be "
                                  "negative.", id="itsm.E003"))
        reopen, close = values.get("reopen_window_days"), values.get("auto_close_days")
        if reopen is not None and close and close < reopen:
            problems.append(Warning(
                f"The {kind} workflow closes resolved tickets after {close} days, before its "
                f"reopen window of {reopen} days ends: requesters lose the rest of the window.",
                id="itsm.W001"))
    return problems
