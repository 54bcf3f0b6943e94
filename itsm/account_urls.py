"""Sign in, sign out, personal API tokens and notifications.

No namespace: LOGIN_URL is "login".
"""

from django.urls import path

from .views import accounts as account_views
from .views import notifications as notification_views

urlpatterns = [
    path("login/", account_views.ThrottledLoginView.as_view(), name="login"),
    path("logout/", account_views.LogoutView.as_view(), name="logout"),
    path("tokens/", account_views.api_tokens, name="api-tokens"),
    path("tokens/<int:pk>/revoke/", account_views.revoke_api_token, name="api-token-revoke"),
    path("preferences/", account_views.preferences, name="preferences"),
    path("language/", account_views.set_language, name="set-language"),
    path("notifications/", notification_views.notification_list, name="notifications"),
    path("notifications/read/", notification_views.notifications_mark_read,
         name="notifications-read"),
]
