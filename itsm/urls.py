"""Root URLs: the agent UI, the portal, the REST API and its docs, the admin."""

from django.contrib import admin
from django.contrib.auth.decorators import login_required
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from . import views

api_v1 = [
    path("", include("itsm.api.urls")),
    path("catalog/", include("catalog.api.urls")),
    path("incidents/", include("incidents.api.urls")),
]

urlpatterns = [
    path("", views.home, name="home"),
    path("healthz", views.healthz, name="healthz"),
    path("accounts/", include("itsm.account_urls")),
    path("catalog/", include("catalog.urls")),
    path("incidents/", include("incidents.urls")),
    path("portal/", include("itsm.portal_urls")),
    path("tickets/", include("itsm.ticket_urls")),
    path("api/v1/", include(api_v1)),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    # A browser that is not signed in goes to the login page, and comes back.
    path("api/docs/", login_required(SpectacularSwaggerView.as_view(url_name="api-schema")),
         name="api-docs"),
    path("admin/", admin.site.urls),
]
