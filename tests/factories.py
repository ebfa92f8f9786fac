import datetime

import factory
from django.contrib.auth import get_user_model

from milestones.models import Activity, Baseline, BaselineEntry, Goal, Milestone, Programme
from parties.models import Membership, Party

PASSWORD = "test-adgangskode-2026"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ["username"]
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.invalid")
    password = factory.django.Password(PASSWORD)


class PartyFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Party

    key = factory.Sequence(lambda n: f"part-{n}")
    name = factory.Sequence(lambda n: f"Testpart {n}")
    kind = Party.Kind.AUTHORITY
    side = Party.Side.EXTERNAL


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Membership

    user = factory.SubFactory(UserFactory)
    party = factory.SubFactory(PartyFactory)
    role = Membership.Role.REPORTER


class ProgrammeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Programme
        django_get_or_create = ["key"]

    key = "fuld-overgang-til-sor"
    name = "Fuld overgang til SOR"


class GoalFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Goal

    programme = factory.SubFactory(ProgrammeFactory)
    key = factory.Sequence(lambda n: f"maal-{n}")
    kind = Goal.Kind.STRATEGIC
    title = factory.Sequence(lambda n: f"Mål {n}")


class ActivityFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Activity

    key = factory.Sequence(lambda n: f"aktivitet-{n}")
    title = factory.Sequence(lambda n: f"Aktivitet {n}")
    track = Activity.Track.EXTERNAL
    responsible_party = factory.SubFactory(PartyFactory)


class MilestoneFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Milestone

    key = factory.Sequence(lambda n: f"milepael-{n}")
    title = factory.Sequence(lambda n: f"Milepæl {n}")
    activity = factory.SubFactory(ActivityFactory)
    forecast_date = datetime.date(2027, 3, 1)


class BaselineFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Baseline

    key = factory.Sequence(lambda n: f"baseline-{n}")
    name = factory.Sequence(lambda n: f"Baseline {n}")


class BaselineEntryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = BaselineEntry

    baseline = factory.SubFactory(BaselineFactory)
    milestone = factory.SubFactory(MilestoneFactory)
    date = datetime.date(2027, 1, 1)
