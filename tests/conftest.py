"""Personas for access tests (healthchecks style):

alice  — filer of unit A (the owner of the forms under test)
bob    — department reviewer of A's department
fiona  — finance reviewer (sees every form)
charlie — filer of unit C in another department: must see nothing of alice's
adam   — administrator (imports, rolls over, reads every form)
stan   — a Django superuser with no membership: opens the Django admin, may do nothing here
"""

from __future__ import annotations

import pytest

from projects.models import Membership
from tests.factories import (
    DepartmentFactory,
    FinanceFactory,
    FormFactory,
    MembershipFactory,
    ProjectFactory,
    UnitFactory,
    UserFactory,
)


@pytest.fixture
def department(db):
    return DepartmentFactory(name="东莞市财政局")


@pytest.fixture
def unit_a(department):
    return UnitFactory(name="东莞市财政局信息中心", parent=department)


@pytest.fixture
def unit_c(db):
    return UnitFactory(name="东莞市教育局直属单位", parent=DepartmentFactory(name="东莞市教育局"))


@pytest.fixture
def alice(unit_a):
    user = UserFactory(username="alice")
    MembershipFactory(user=user, organization=unit_a, role=Membership.Role.FILER)
    return user


@pytest.fixture
def bob(department):
    user = UserFactory(username="bob")
    MembershipFactory(user=user, organization=department, role=Membership.Role.DEPARTMENT_REVIEWER)
    return user


@pytest.fixture
def fiona(db):
    user = UserFactory(username="fiona")
    MembershipFactory(
        user=user, organization=FinanceFactory(), role=Membership.Role.FINANCE_REVIEWER
    )
    return user


@pytest.fixture
def charlie(unit_c):
    user = UserFactory(username="charlie")
    MembershipFactory(user=user, organization=unit_c, role=Membership.Role.FILER)
    return user


@pytest.fixture
def adam(db):
    user = UserFactory(username="adam", is_staff=True, is_superuser=True)
    MembershipFactory(user=user, organization=FinanceFactory(), role=Membership.Role.ADMINISTRATOR)
    return user


@pytest.fixture
def stan(db):
    return UserFactory(username="stan", is_staff=True, is_superuser=True)


@pytest.fixture
def alice_form(unit_a):
    return FormFactory(project=ProjectFactory(unit=unit_a, name="财政业务系统运维服务项目"))


@pytest.fixture
def charlie_form(unit_c):
    return FormFactory(project=ProjectFactory(unit=unit_c, name="教育信息化运维项目"))
