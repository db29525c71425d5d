"""The table of who may do what (annotations/policies.py): the services enforce it, the pages
read it, and it sits at the bottom of the layers."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from annotations import policies, services
from annotations.errors import Forbidden
from annotations.models import Role

from .factories import make_article

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("action", sorted(policies.RULES))
def test_each_role_may_do_what_its_rank_reaches(action):
    least = policies.least_role(action)
    for role in Role.values:
        assert policies.allows(role, action) == (Role.rank(role) >= Role.rank(least))
    assert not policies.allows(None, action)


def test_a_refused_member_is_told_their_role_and_the_one_needed(desk):
    article = make_article(desk.team)
    with pytest.raises(Forbidden) as refused:
        services.claim_create(article=article, actor=desk.viewer, exact="President Zelensky")
    assert refused.value.message == (
        f"Your role in {desk.team.name} is viewer; this needs reviewer or higher."
    )


def test_the_pages_word_their_refusals_from_the_table():
    assert policies.refusal(policies.ASSIGN) == (
        "Only editors and admins can assign work; ask one of them."
    )
    assert policies.refusal(policies.CLAIM_WORK).startswith("Your role in this team is viewer")


def test_policies_import_nothing_of_the_app_but_the_models():
    tree = ast.parse(Path(policies.__file__).read_text())
    imported = {
        node.module
        for node in ast.walk(tree)
        if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("annotations")
    }
    assert imported == {"annotations.models"}
