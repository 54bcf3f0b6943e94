"""Core pages: the landing redirect and the health check."""

from django.contrib.auth.decorators import login_required
from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect

from . import roles


@login_required
def home(request: HttpRequest) -> HttpResponse:
    if roles.is_staff_reader(request.user):
        return redirect("incidents:list")
    return redirect("portal:home")


def healthz(request: HttpRequest) -> JsonResponse:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return JsonResponse({"status": "ok"})
