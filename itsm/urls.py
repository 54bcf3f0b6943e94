"""Root URLs: the agent UI, the portal, the REST API and its docs, the admin.

Each process's pages and API resource are mounted where its registration says
(`itsm.registry`): the site knows no process by name.
"""

from django.contrib import admin
from django.contrib.auth.decorators import login_required
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView

from . import registry
from .views import common, errors

api_v1 = [
    path("", include("itsm.api.urls")),
    path("catalog/", include("catalog.api.urls")),
    path("metrics/", include("metrics.api.urls")),
    path("surveys/", include("metrics.api.survey_urls")),
    path("kb/", include("knowledge.api.urls")),
    *(path(f"{process.url_namespace}/", include(process.api_urls))
      for process in registry.processes() if process.api_urls),
]

urlpatterns = [
    path("", common.home, name="home"),
    path("healthz", common.healthz, name="healthz"),
    path("accounts/", include("itsm.account_urls")),
    path("catalog/", include("catalog.urls")),
    path("work/", include("itsm.work_urls")),
    path("outages/", include("itsm.outage_urls")),
    *(path(f"{process.url_namespace}/", include(process.urls)) for process in registry.processes()),
    path("kb/", include("knowledge.urls")),
    path("portal/kb/", include("knowledge.portal_urls")),
    path("portal/", include("itsm.portal_urls")),
    path("surveys/", include("metrics.survey_urls")),
    path("metrics/", include("metrics.urls")),
    path("tickets/", include("itsm.ticket_urls")),
    path("lookup/", include("itsm.lookup_urls")),
    path("api/v1/", include(api_v1)),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    # A browser that is not signed in goes to the login page, and comes back.
    path("api/docs/", login_required(errors.ApiDocsView.as_view(url_name="api-schema")),
         name="api-docs"),
    path("admin/", admin.site.urls),
]

handler400 = "itsm.views.errors.bad_request"
handler403 = "itsm.views.errors.permission_denied"
handler404 = "itsm.views.errors.page_not_found"
handler500 = "itsm.views.errors.server_error"
