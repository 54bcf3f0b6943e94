"""Catalog resources as the API shows them, plus the brief forms tickets embed."""

from __future__ import annotations

from rest_framework import serializers

from itsm.api.fields import BriefUserSerializer, PlainBriefMixin

from ..models import ConfigurationItem, Customer, Service, Team


class BriefCustomerSerializer(PlainBriefMixin, serializers.ModelSerializer):
    class Meta:
        model = Customer
        fields = ("id", "name", "code")
        read_only_fields = fields


class BriefTeamSerializer(PlainBriefMixin, serializers.ModelSerializer):
    class Meta:
        model = Team
        fields = ("id", "name")
        read_only_fields = fields


class BriefServiceSerializer(PlainBriefMixin, serializers.ModelSerializer):
    class Meta:
        model = Service
        fields = ("id", "name", "code")
        read_only_fields = fields


class BriefConfigurationItemSerializer(PlainBriefMixin, serializers.ModelSerializer):
    class Meta:
        model = ConfigurationItem
        fields = ("id", "name", "ci_type")
        read_only_fields = fields


class CustomerSerializer(serializers.ModelSerializer):
    class Meta:
        model = Customer
        fields = ("id", "name", "code", "share_tickets", "is_active")
        read_only_fields = fields


class TeamSerializer(serializers.ModelSerializer):
    lead = BriefUserSerializer(read_only=True)
    members = BriefUserSerializer(many=True, read_only=True)

    class Meta:
        model = Team
        fields = ("id", "name", "email", "description", "lead", "members", "is_active")
        read_only_fields = fields


class ServiceSerializer(serializers.ModelSerializer):
    owner_team = BriefTeamSerializer(read_only=True)

    class Meta:
        model = Service
        fields = ("id", "name", "code", "description", "owner_team", "is_active")
        read_only_fields = fields


class ConfigurationItemSerializer(serializers.ModelSerializer):
    owner_team = BriefTeamSerializer(read_only=True)
    services = BriefServiceSerializer(many=True, read_only=True)

    class Meta:
        model = ConfigurationItem
        fields = ("id", "name", "ci_type", "owner_team", "services", "is_active")
        read_only_fields = fields
