"""factory_boy factories. Teams come with the default rating scale, as in the product."""

from __future__ import annotations

import factory
from django.contrib.auth import get_user_model

from annotations import services
from annotations.models import Article, Membership, Role, Team


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda user: f"{user.username}@example.org")
    password = factory.PostGenerationMethodCall("set_password", "pw-for-tests")

    @factory.post_generation
    def _save(obj, create, extracted, **kwargs):  # noqa: N805
        if create:
            obj.save()


class TeamFactory(factory.django.DjangoModelFactory):
    """Built through the service so every team has its rating scale."""

    class Meta:
        model = Team

    name = factory.Sequence(lambda n: f"Desk {n}")
    slug = factory.Sequence(lambda n: f"desk-{n}")

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        return services.team_create(name=kwargs["name"], slug=kwargs["slug"])


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Membership

    user = factory.SubFactory(UserFactory)
    team = factory.SubFactory(TeamFactory)
    role = Role.REVIEWER


SAMPLE_TEXT = (
    "Troops in Kursk\n\n"
    "President Zelensky said that 11.000 North Korean soldiers had arrived in the region.\n\n"
    "The Pentagon estimated that there are 10.000 North Korean soldiers in the Kursk region."
)
QUOTE = "11.000 North Korean soldiers"  # in SAMPLE_TEXT once


def make_article(team: Team, text: str = SAMPLE_TEXT, title: str = "") -> Article:
    result = services.article_import(team=team, actor=None, text=text, title=title)
    return result.article
