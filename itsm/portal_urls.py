"""The requester portal: what each kind offers there comes from the process registry."""

from django.urls import include, path

from . import registry
from .views import portal

app_name = "portal"

urlpatterns = [
    path("", portal.portal_home, name="home"),
    *(path(f"{process.url_namespace}/new/", portal.portal_create, {"kind": process.kind},
           name=f"{process.kind}-create")
      for process, _offer in registry.portal_offers() if process.get_portal_form()),
    *(path(f"{process.url_namespace}/", include(process.portal_urls))
      for process in registry.processes() if process.portal_urls),
    path("tickets/<ticket:number>/", portal.portal_ticket, name="ticket"),
    path("tickets/<ticket:number>/comment/", portal.portal_comment, name="comment"),
    path("tickets/<ticket:number>/attach/", portal.portal_attach, name="attach"),
    path("tickets/<ticket:number>/transition/<slug:name>/", portal.portal_transition,
         name="transition"),
]
