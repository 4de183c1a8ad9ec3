"""Factories for the organisation tree, people, users and grants (factory_boy, Faker vi_VN)."""

from __future__ import annotations

from typing import Any

import factory
from django.contrib.auth import get_user_model

from organisations import services
from organisations.models import Organisation, Person, RoleGrant


def make_org(name: str, kind: str, parent: Organisation | None = None, **extra: Any) -> Organisation:
    """Create an organisation through the service, as the admin would."""
    return services.organisation_create(actor=None, parent=parent, name=name, kind=kind, **extra)


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)

    username = factory.Sequence(lambda n: f"user{n}")
    password = factory.django.Password("demo-portal")


class PersonFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Person

    full_name = factory.Faker("name", locale="vi_VN")
    kind = Person.Kind.OFFICIAL
    status = Person.Status.ACTIVE
    card_number = factory.Sequence(lambda n: f"{n:08d}")

    @classmethod
    def _create(cls, model_class: type[Person], *args: Any, **kwargs: Any) -> Person:
        return services.person_create(actor=None, **kwargs)


def grant(user: Any, org: Organisation, role: str, can_grade: bool = False) -> RoleGrant:
    obj = RoleGrant.objects.create(user=user, organisation=org, role=role, can_grade=can_grade)
    if role in (RoleGrant.Role.STAFF, RoleGrant.Role.OFFICER) and not user.is_staff:
        user.is_staff = True
        user.save(update_fields=["is_staff"])
    return obj
