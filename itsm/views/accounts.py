"""Sign in (throttled per IP and username), sign out, and personal API tokens."""

from __future__ import annotations

import hashlib

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from ..forms import ApiTokenForm, PreferencesForm
from ..models import ApiToken, Notification, Preferences

PERIODS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


def parse_rate(rate: str) -> tuple[int, int]:
    """'10/minute' -> (10, 60): attempts allowed per period in seconds (DRF's format)."""
    count, _sep, period = rate.partition("/")
    return int(count), PERIODS[period.strip()[:1].lower() or "m"]


class ThrottledLoginView(auth_views.LoginView):
    """Django's login with a cap on failed attempts per client IP and username.

    Failures are counted in the cache for one period (settings.LOGIN_THROTTLE); at the
    limit every attempt, even with the right password, gets a 429 until it expires.
    """

    template_name = "registration/login.html"
    redirect_authenticated_user = True

    def get_redirect_url(self) -> str:
        # `?next=` pointing back at this page would make Django's signed-in redirect loop.
        url = super().get_redirect_url()
        return "" if url and url.split("?")[0] == self.request.path else url

    def _throttle_keys(self) -> dict[str, str]:
        """Failure buckets: per address and username, and per address alone (spraying
        one password over many accounts); their limits are LOGIN_THROTTLE and
        LOGIN_ADDRESS_THROTTLE."""
        username = self.request.POST.get("username", "").strip().lower()
        client = self.request.META.get("REMOTE_ADDR", "")
        per_user = hashlib.sha256(f"{client}\0{username}".encode()).hexdigest()
        per_address = hashlib.sha256(client.encode()).hexdigest()
        return {
            settings.LOGIN_THROTTLE: f"login-failures:{per_user}",
            settings.LOGIN_ADDRESS_THROTTLE: f"login-failures-address:{per_address}",
        }

    def _throttled_for(self) -> int | None:
        """Seconds to wait if any bucket is full, else None."""
        for rate, key in self._throttle_keys().items():
            limit, period = parse_rate(rate)
            if cache.get(key, 0) >= limit:
                return period
        return None

    def post(self, request: HttpRequest, *args, **kwargs) -> HttpResponse:
        period = self._throttled_for()
        if period is not None:
            form = self.get_form_class()(request, initial={
                "username": request.POST.get("username", "")
            })
            context = self.get_context_data(form=form, throttled=True)
            response = self.render_to_response(context, status=429)
            response["Retry-After"] = str(period)
            return response
        return super().post(request, *args, **kwargs)

    def form_invalid(self, form) -> HttpResponse:
        for rate, key in self._throttle_keys().items():
            _limit, period = parse_rate(rate)
            if not cache.add(key, 1, timeout=period):
                try:
                    cache.incr(key)
                except ValueError:  # expired between add() and incr()
                    cache.set(key, 1, timeout=period)
        return super().form_invalid(form)

    def form_valid(self, form) -> HttpResponse:
        # Only this user's bucket: the address's count keeps protecting other accounts.
        cache.delete(self._throttle_keys()[settings.LOGIN_THROTTLE])
        response = super().form_valid(form)
        # The language they chose follows them to this browser.
        chosen = Preferences.of(form.get_user()).language
        if chosen:
            remember_language(response, chosen)
        return response


class LogoutView(auth_views.LogoutView):
    """Sign out (POST only, as Django requires)."""


@login_required
def api_tokens(request: HttpRequest) -> HttpResponse:
    """List the user's API tokens and create one; a new key is shown exactly once."""
    new_key = new_token = None
    form = ApiTokenForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        new_token, new_key = ApiToken.issue(request.user, name=form.cleaned_data["name"])
        form = ApiTokenForm()
    tokens = ApiToken.objects.filter(user=request.user)
    response = render(request, "itsm/api_tokens.html", {
        "form": form, "tokens": tokens, "new_key": new_key, "new_token": new_token,
    })
    if new_key:
        response["Cache-Control"] = "no-store"
    return response


@require_POST
@login_required
def revoke_api_token(request: HttpRequest, pk: int) -> HttpResponse:
    """Revoke one of the user's own tokens (anyone else's is a 404)."""
    token = get_object_or_404(ApiToken.objects.active(), pk=pk, user=request.user)
    token.revoke()
    messages.success(request, _("Token %(prefix)s… is revoked; it no longer works.")
                     % {"prefix": token.prefix})
    return redirect("api-tokens")


def remember_language(response: HttpResponse, language: str) -> None:
    """This browser reads the desk in `language` (Django's LocaleMiddleware reads the
    cookie; without it, the browser's Accept-Language decides)."""
    response.set_cookie(settings.LANGUAGE_COOKIE_NAME, language,
                        max_age=settings.LANGUAGE_COOKIE_AGE, samesite="Lax",
                        secure=settings.SESSION_COOKIE_SECURE)


@require_POST
def set_language(request: HttpRequest) -> HttpResponse:
    """The header's language switcher: for this browser, and for a signed-in person
    everywhere they sign in (their preferences). An unknown language is ignored."""
    language = request.POST.get("language", "")
    target = request.POST.get("next") or request.META.get("HTTP_REFERER") or "/"
    if not url_has_allowed_host_and_scheme(target, {request.get_host()},
                                           require_https=request.is_secure()):
        target = "/"
    response = redirect(target)
    if language not in dict(settings.LANGUAGES):
        return response
    if request.user.is_authenticated:
        preferences = Preferences.of(request.user)
        preferences.language = language
        preferences.save()
    remember_language(response, language)
    return response


@login_required
def preferences(request: HttpRequest) -> HttpResponse:
    """A person's own choices: their language, and which notifications come by email."""
    current = Preferences.of(request.user)
    form = PreferencesForm(request.POST if request.method == "POST" else None,
                           preferences=current)
    if request.method == "POST" and form.is_valid():
        current.language = form.cleaned_data["language"]
        current.email_muted = sorted(set(Notification.Kind.values)
                                     - set(form.cleaned_data["emailed"]))
        current.save()
        user = request.user
        user.delegate, user.away_until = (form.cleaned_data["delegate"],
                                          form.cleaned_data["away_until"])
        user.save(update_fields=["delegate", "away_until"])
        messages.success(request, _("Your preferences are saved."))
        response = redirect("preferences")
        if current.language:
            remember_language(response, current.language)
        else:
            response.delete_cookie(settings.LANGUAGE_COOKIE_NAME)
        return response
    return render(request, "itsm/preferences.html", {"form": form},
                  status=400 if form.is_bound else 200)
