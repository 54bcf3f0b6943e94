"""Sign in, sign out and personal API tokens (no namespace: LOGIN_URL is "login")."""

from django.urls import path

from . import account_views

urlpatterns = [
    path("login/", account_views.ThrottledLoginView.as_view(), name="login"),
    path("logout/", account_views.LogoutView.as_view(), name="logout"),
    path("tokens/", account_views.api_tokens, name="api-tokens"),
    path("tokens/<int:pk>/revoke/", account_views.revoke_api_token, name="api-token-revoke"),
]
