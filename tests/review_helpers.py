"""The 东莞 seed forms with the people who file and review them, and one workflow step."""

from __future__ import annotations

import pytest

from projects.models import Membership, PerformanceForm
from projects.permissions import Actor
from projects.review.services import take_transition
from projects.services.importing import import_files
from tests.factories import MembershipFactory, UserFactory, default_framework
from tests.import_helpers import DONGGUAN_SEED


@pytest.fixture
def seeded():
    """The 东莞 seed forms, with a filer of their unit, its department's reviewer and finance."""
    default_framework()  # a transactional test before may have flushed the shipped frameworks
    import_files(paths=[DONGGUAN_SEED])
    forms = list(PerformanceForm.objects.with_related().order_by("pk"))
    unit = forms[0].project.unit
    people = {
        "filer": (unit, Membership.Role.FILER),
        "dept": (unit.parent, Membership.Role.DEPARTMENT_REVIEWER),
    }
    users = {}
    for name, (organization, role) in people.items():
        users[name] = UserFactory(username=name)
        MembershipFactory(user=users[name], organization=organization, role=role)
    users["finance"] = UserFactory(username="finance")
    MembershipFactory(
        user=users["finance"],
        organization__kind="finance",
        organization__parent=None,
        organization__name="财政局",
        role=Membership.Role.FINANCE_REVIEWER,
    )
    return forms, users


def act(user, form: PerformanceForm, verb: str, comment: str = "") -> PerformanceForm:
    form.refresh_from_db()
    return take_transition(
        actor=Actor.for_user(user),
        verb=verb,
        form_id=form.pk,
        seen_version=form.version,
        seen_status=form.status,
        comment=comment,
    )
