"""Personas for access tests (healthchecks style):

alice  — filer of unit A (the owner of the forms under test)
bob    — department reviewer of A's department
fiona  — finance reviewer (sees every form)
charlie — filer of unit C in another department: must see nothing of alice's
adam   — administrator (imports, rolls over, reads every form)
stan   — a Django superuser with no membership: opens the Django admin, may do nothing here
lena   — a finance reviewer who divides the work (assigns departments and forms to reviewers)
cora   — a finance reviewer who is also a filer of unit A: may not review alice's forms
dora   — a finance reviewer who is also a department reviewer of A's department: reviews
         its forms at the department's stage, not at finance's (conflict of interest)
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator

import pytest
from django.db import connections

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

pytest_plugins = ["tests.review_helpers"]  # the ``seeded`` fixture


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
def felix(unit_c):
    """A finance reviewer assigned to one department only (unit C's, not alice's)."""
    user = UserFactory(username="felix")
    MembershipFactory(user=user, organization=unit_c.parent, role=Membership.Role.FINANCE_REVIEWER)
    return user


@pytest.fixture
def lena(db):
    user = UserFactory(username="lena")
    MembershipFactory(
        user=user,
        organization=FinanceFactory(),
        role=Membership.Role.FINANCE_REVIEWER,
        assigns_work=True,
    )
    return user


@pytest.fixture
def cora(unit_a):
    user = UserFactory(username="cora")
    MembershipFactory(
        user=user, organization=FinanceFactory(), role=Membership.Role.FINANCE_REVIEWER
    )
    MembershipFactory(user=user, organization=unit_a, role=Membership.Role.FILER)
    return user


@pytest.fixture
def dora(department):
    user = UserFactory(username="dora")
    MembershipFactory(
        user=user, organization=FinanceFactory(), role=Membership.Role.FINANCE_REVIEWER
    )
    MembershipFactory(user=user, organization=department, role=Membership.Role.DEPARTMENT_REVIEWER)
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


# --------------------------------------------------------------------------- the browser

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"


@pytest.fixture
def page(live_server) -> Iterator[object]:
    """A Chromium page (Debian's, driven by Playwright) that may load nothing from outside."""
    sync_api = pytest.importorskip("playwright.sync_api")
    if not os.path.exists(CHROMIUM):
        pytest.fail(f"Chromium is missing at {CHROMIUM}: run scripts/system-packages.sh test")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
            ],
        )
        context = browser.new_context(locale="zh-CN")
        page = context.new_page()
        outside: list[str] = []
        page.on(
            "request",
            lambda request: (
                outside.append(request.url) if not request.url.startswith(live_server.url) else None
            ),
        )
        yield page
        browser.close()
        # Playwright's sync API runs the test inside its own greenlet, where Django keeps
        # separate database connections: close them here, or the test database cannot be
        # dropped at the end of the run.
        connections.close_all()
        assert outside == [], f"the page loaded something from outside: {outside}"
