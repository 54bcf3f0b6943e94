"""factory_boy factories for the test suite."""

from __future__ import annotations

import factory
from django.contrib.auth.models import Group

from catalog.models import ConfigurationItem, Customer, Service, Team
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
