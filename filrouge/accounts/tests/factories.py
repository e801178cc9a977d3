import factory

from filrouge.accounts.models import Agent, Team


class TeamFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Team
        django_get_or_create = ("slug",)

    name = factory.Sequence(lambda n: f"Support fibre {n}")
    slug = factory.Sequence(lambda n: f"support-fibre-{n}")
    contact_phone = "+33140000000"


class AgentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Agent

    email = factory.Sequence(lambda n: f"agent{n}@test.example")
    first_name = factory.Faker("first_name", locale="fr_FR")
    last_name = factory.Faker("last_name", locale="fr_FR")
    team = factory.SubFactory(TeamFactory)
    phone_extension = factory.Sequence(lambda n: f"+3314000{n % 10000:04d}")
    password = factory.django.Password("motdepasse-test")
