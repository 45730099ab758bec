import factory
from django.contrib.auth.hashers import make_password
from django.utils import timezone

from committee_site.models import (
    Building,
    Compound,
    Language,
    Membership,
    Organisation,
    OwnerApplication,
    OwnerProfile,
    Unit,
    User,
)

PASSWORD = "correct-horse-battery"


class UserFactory(factory.django.DjangoModelFactory[User]):
    class Meta:
        model = User
        django_get_or_create = ("username",)

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda o: f"{o.username}@example.org")
    first_name = factory.Sequence(lambda n: f"用户{n}")
    language = Language.ZH_HANS
    password = factory.LazyFunction(lambda: make_password(PASSWORD))


class OrganisationFactory(factory.django.DjangoModelFactory[Organisation]):
    class Meta:
        model = Organisation

    name = factory.Sequence(lambda n: f"组织{n}")
    name_en = factory.Sequence(lambda n: f"Organisation {n}")
    kind = Organisation.Kind.COMMITTEE


class CompoundFactory(factory.django.DjangoModelFactory[Compound]):
    class Meta:
        model = Compound

    name = factory.Sequence(lambda n: f"小区{n}")
    name_en = factory.Sequence(lambda n: f"Compound {n}")
    address = "上海市某路 1 号"
    committee = factory.SubFactory(OrganisationFactory, kind=Organisation.Kind.COMMITTEE)
    property_company = factory.SubFactory(OrganisationFactory, kind=Organisation.Kind.PROPERTY_COMPANY)
    community_office = factory.SubFactory(OrganisationFactory, kind=Organisation.Kind.COMMUNITY_OFFICE)


class BuildingFactory(factory.django.DjangoModelFactory[Building]):
    class Meta:
        model = Building
        django_get_or_create = ("compound", "number")

    compound = factory.SubFactory(CompoundFactory)
    number = "1"


class UnitFactory(factory.django.DjangoModelFactory[Unit]):
    class Meta:
        model = Unit
        django_get_or_create = ("building", "number")

    building = factory.SubFactory(BuildingFactory)
    number = factory.Sequence(lambda n: f"{100 + n}")


class OwnerApplicationFactory(factory.django.DjangoModelFactory[OwnerApplication]):
    class Meta:
        model = OwnerApplication

    full_name = factory.Sequence(lambda n: f"申请人{n}")
    email = factory.Sequence(lambda n: f"applicant{n}@example.org")
    phone = "13800138000"
    unit = factory.SubFactory(UnitFactory)
    username = factory.Sequence(lambda n: f"applicant{n}")
    password_hash = factory.LazyFunction(lambda: make_password(PASSWORD))
    language = Language.ZH_HANS


def member_of(organisation: Organisation, *, role: str, **user_fields) -> User:
    user = UserFactory.create(**user_fields)
    Membership.objects.create(user=user, organisation=organisation, role=role)
    return user


def owner_in(compound: Compound, *, building: str = "1", unit: str = "101", **user_fields) -> User:
    user = UserFactory.create(**user_fields)
    unit_obj = UnitFactory.create(building=BuildingFactory.create(compound=compound, number=building), number=unit)
    profile = OwnerProfile.objects.create(user=user, phone="13900139000", verified_at=timezone.now())
    profile.units.add(unit_obj)
    return user
