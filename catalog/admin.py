"""The admin for the service catalog: where administrators maintain reference data."""

from __future__ import annotations

from django.contrib import admin

from .models import ConfigurationItem, Customer, Service, Team


@admin.register(Customer)
class CustomerAdmin(admin.ModelAdmin):
    list_display = ("name", "code", "share_tickets", "is_active")
    list_filter = ("share_tickets", "is_active")
    search_fields = ("name", "code")
    prepopulated_fields = {"code": ("name",)}


@admin.register(Team)
class TeamAdmin(admin.ModelAdmin):
    list_display = ("name", "lead", "email", "is_active")
    list_filter = ("is_active",)
    list_select_related = ("lead",)
    search_fields = ("name", "email", "lead__username", "lead__first_name", "lead__last_name")
    autocomplete_fields = ("lead",)
    filter_horizontal = ("members",)


@admin.register(Service)
class ServiceAdmin(admin.ModelAdmin):
    list_display = ("name", "code", "owner_team", "is_active")
    list_filter = ("owner_team", "is_active")
    list_select_related = ("owner_team",)
    search_fields = ("name", "code", "description")
    prepopulated_fields = {"code": ("name",)}


@admin.register(ConfigurationItem)
class ConfigurationItemAdmin(admin.ModelAdmin):
    list_display = ("name", "ci_type", "owner_team", "is_active")
    list_filter = ("ci_type", "owner_team", "is_active")
    list_select_related = ("owner_team",)
    search_fields = ("name",)
    filter_horizontal = ("services",)
