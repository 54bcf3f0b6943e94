"""factory_boy factories for the test suite."""

from __future__ import annotations

from datetime import datetime, time
from zoneinfo import ZoneInfo

import factory
from django.contrib.auth.models import Group

from catalog.models import (
    Calendar,
    ConfigurationItem,
    Customer,
    Service,
    ServiceLevelAgreement,
    SLATarget,
    Team,
    WorkingPeriod,
)
from incidents.models import Incident
from incidents.services import create_incident
from itsm.models import User


class CustomerFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Customer
        django_get_or_create = ("code",)

    name = factory.Sequence(lambda n: f"Customer {n}")
    code = factory.Sequence(lambda n: f"customer-{n}")


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    first_name = factory.Faker("first_name")
    last_name = factory.Faker("last_name")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.test")
    password = factory.django.Password("pw")

    @factory.post_generation
    def roles(self, create, extracted, **kwargs):
        if create and extracted:
            for name in extracted:
                # get_or_create: a transactional test before this one may have flushed
                # the groups the migration created.
                self.groups.add(Group.objects.get_or_create(name=name)[0])


class TeamFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Team
        django_get_or_create = ("name",)
        skip_postgeneration_save = True

    name = factory.Sequence(lambda n: f"Team {n}")

    @factory.post_generation
    def members(self, create, extracted, **kwargs):
        if create and extracted:
            self.members.add(*extracted)


class ServiceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Service
        django_get_or_create = ("code",)

    name = factory.Sequence(lambda n: f"Service {n}")
    code = factory.Sequence(lambda n: f"service-{n}")
    owner_team = factory.SubFactory(TeamFactory)


class ConfigurationItemFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ConfigurationItem

    name = factory.Sequence(lambda n: f"ci-{n:04d}")


def make_incident(*, actor=None, requester=None, **fields) -> Incident:
    """Log an incident through the real service (numbers, events, priority)."""
    requester = requester or UserFactory(roles=["requester"])
    fields.setdefault("title", "Cannot reach the mail server")
    return create_incident(actor=actor, requester=requester, **fields)


# --- SLA clock helpers: a Berlin office calendar and SLAs on it ---------------------------

BERLIN = ZoneInfo("Europe/Berlin")


def berlin(*args) -> datetime:
    return datetime(*args, tzinfo=BERLIN)


def make_office(name: str = "Berlin office") -> Calendar:
    """Mon–Fri 08:00–18:00 Europe/Berlin."""
    calendar = Calendar.objects.create(name=name, time_zone="Europe/Berlin")
    for weekday in range(5):
        WorkingPeriod.objects.create(calendar=calendar, weekday=weekday, start=time(8),
                                     end=time(18))
    return calendar


def make_sla(service, calendar=None, customer=None, *, p3=(60, 240), p2=(30, 120),
             targets: bool = True, name: str | None = None, **fields):
    """An SLA of a service (for a customer, or for all; None: the default SLA) on a
    calendar (24×7 when none is given), with P3 and P2 targets as (response,
    resolution) minutes unless `targets=False`."""
    sla = ServiceLevelAgreement.objects.create(
        name=name or f"{service or 'default'} {customer or 'all'}", service=service,
        customer=customer, calendar=calendar or Calendar.default(), **fields)
    if targets:
        SLATarget.objects.create(sla=sla, priority=3, response_minutes=p3[0],
                                 resolution_minutes=p3[1])
        SLATarget.objects.create(sla=sla, priority=2, response_minutes=p2[0],
                                 resolution_minutes=p2[1])
    return sla


def log(agent, requester, service, when, **fields):
    """A P3 incident ("Mail is slow") logged at `when`."""
    fields.setdefault("impact", 2)
    fields.setdefault("urgency", 2)  # P3
    return create_incident(actor=agent, requester=requester, title="Mail is slow",
                           service=service, when=when, **fields)
