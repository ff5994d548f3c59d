"""``generate_city`` fills the database with a whole city: a small one here (3 departments,
8 units, 60 forms, seed 7), checked for what the constraints, the history and the pages rely
on, and for the same city from the same seed."""

from __future__ import annotations

import re
from collections import Counter
from html.parser import HTMLParser
from io import StringIO

import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command
from django.db.models import F
from django.urls import reverse

from indicators.models import Framework
from projects.content import load_content, to_json
from projects.management.commands.generate_city import (
    DEMO_ACCOUNTS,
    framework_shape,
    plan_city,
    plan_form,
    seed_pools,
)
from projects.models import (
    FormEvent,
    Indicator,
    Membership,
    Organization,
    PerformanceForm,
    Project,
)
from projects.permissions import Actor, visible_forms

SMALL = ["--departments", "3", "--units", "8", "--forms", "60", "--seed", "7"]
Status = PerformanceForm.Status


def generate(*args: str) -> str:
    out = StringIO()
    call_command("generate_city", *args, stdout=out)
    return out.getvalue()


@pytest.fixture
def city(db) -> str:
    return generate(*SMALL)


def passwords(output: str) -> dict[str, str]:
    return dict(re.findall(r"^\s+(city-[a-z]+)\s+/\s+(\S+)", output, re.MULTILINE))


def test_it_makes_what_it_was_asked_for(city):
    assert Organization.objects.filter(kind="department").count() == 3
    assert Organization.objects.filter(kind="unit").count() == 8
    assert Project.objects.count() == 60
    assert PerformanceForm.objects.filter(fiscal_year=2023).count() == 60
    # about ten indicators a form (a 深圳 form also lists unused 效益 categories as 不适用)
    assert 8 * 60 <= Indicator.objects.count() <= 13 * 60
    assert "绩效目标表 60 张" in city
    assert "演示账号" in city


def test_names_are_unique_per_parent(city):
    units = Organization.objects.filter(kind="unit")
    assert len({(u.parent_id, u.name) for u in units}) == units.count()
    projects = Project.objects.all()
    assert len({(p.unit_id, p.name) for p in projects}) == projects.count()


def test_every_forms_department_is_its_units_parent(city):
    assert Project.objects.exclude(department_id=F("unit__parent_id")).count() == 0
    assert (
        PerformanceForm.objects.exclude(
            project__department_id=F("project__unit__parent_id")
        ).count()
        == 0
    )


def test_every_indicator_is_in_its_forms_framework(city):
    assert Indicator.objects.exclude(category__framework_id=F("form__framework_id")).count() == 0


def test_forms_are_in_every_workflow_state(city):
    statuses = Counter(PerformanceForm.objects.values_list("status", flat=True))
    assert set(statuses) == set(Status.values)
    assert statuses[Status.DRAFT] == max(statuses.values())  # drafts most
    adjusting = PerformanceForm.objects.filter(approved_version__isnull=False).exclude(
        status=Status.APPROVED
    )
    assert adjusting.exists()


def test_each_forms_history_leads_to_the_form(city):
    for form in PerformanceForm.objects.with_content():
        events = list(form.events.order_by("created_at", "id"))
        assert events[0].kind in (FormEvent.Kind.IMPORT, FormEvent.Kind.CREATE, "roll_over")
        assert events[0].version == 1
        assert [e.version for e in events] == sorted(e.version for e in events)
        last = events[-1]
        assert (last.to_status, last.version) == (form.status, form.version)
        # the last snapshot is the form as it stands (uids included)
        assert last.snapshot == to_json(load_content(form))
        if form.status != Status.DRAFT or form.approved_version:
            assert any(e.kind == FormEvent.Kind.SUBMIT for e in events)
        if form.approved_version:
            approve = next(e for e in events if e.kind == FormEvent.Kind.APPROVE)
            assert approve.version == form.approved_version


def test_the_same_seed_gives_the_same_city(db):
    pools = seed_pools()
    shape, _ids = framework_shape(Framework.objects.get(is_default=True))
    sizes = {"departments": 3, "units": 8, "forms": 60, "year": 2023}

    def city(seed: int) -> list[object]:
        plans = plan_city(seed=seed, layout_weights=pools.layout_weights, **sizes)
        department, unit, project = next(
            (d, u, p) for d in plans for u in d.units for p in u.projects
        )
        forms = [
            plan_form(
                pools,
                shape,
                seed=seed,
                number=number,
                year=2023,
                department=department,
                unit=unit,
                project=project,
            )
            for number in range(5)
        ]
        return [plans, [(to_json(f.content), f.status, f.events) for f in forms]]

    assert city(7) == city(7)
    assert city(7) != city(8)


def test_the_database_holds_the_planned_city(city):
    pools = seed_pools()
    plans = plan_city(
        seed=7, departments=3, units=8, forms=60, year=2023, layout_weights=pools.layout_weights
    )
    planned = {(u.name, p.name) for d in plans for u in d.units for p in u.projects}
    assert set(Project.objects.values_list("unit__name", "name")) == planned


def test_it_refuses_a_year_that_has_forms(city):
    with pytest.raises(CommandError, match=r"已有 60 张 2023 年度的绩效目标表.*--force"):
        generate(*SMALL)
    assert PerformanceForm.objects.count() == 60


def test_with_force_it_adds_a_city_beside_and_moves_the_demo_accounts(city):
    output = generate(*SMALL, "--force")
    assert PerformanceForm.objects.count() == 120
    assert Organization.objects.filter(kind="department").count() == 6
    filer = get_user_model().objects.get(username="city-filer")
    assert filer.memberships.count() == 1
    assert passwords(output) != passwords(city)


@pytest.mark.parametrize("username", [username for username, _label, _role in DEMO_ACCOUNTS])
def test_each_demo_account_signs_in_and_sees_what_its_role_sees(client, city, username):
    assert client.login(username=username, password=passwords(city)[username])
    user = get_user_model().objects.get(username=username)
    actor = Actor.for_user(user)
    visible = visible_forms(actor)
    response = client.get(reverse("projects:form_list"))
    assert response.status_code == 200
    assert response.context["page"].paginator.count == visible.count()
    if username == "city-filer":
        (unit,) = actor.filer_units
        assert 0 < visible.count() == PerformanceForm.objects.filter(project__unit=unit).count()
    elif username == "city-dept":
        (department,) = actor.reviewed_departments
        assert (
            visible.count()
            == PerformanceForm.objects.filter(project__department=department).count()
        )
        assert visible.count() < 60
    else:
        assert visible.count() == 60
    form = visible.first()
    assert client.get(reverse("projects:form_detail", kwargs={"pk": form.pk})).status_code == 200
    assert client.get(reverse("projects:dashboard")).status_code == 200
    if username in ("city-dept", "city-finance"):  # the reviewers have work waiting
        queue = client.get(reverse("projects:queue"))
        assert queue.status_code == 200
        assert queue.context["page"].paginator.count > 0


class EditorFields(HTMLParser):
    """What a browser posts back from the editor page (``<form id="editor">``)."""

    def __init__(self) -> None:
        super().__init__()
        self.inside = False
        self.data: dict[str, list[str]] = {}
        self.textarea = ""
        self.select = ""

    def handle_starttag(self, tag, attrs):
        found = {key: value or "" for key, value in attrs}
        self.inside = self.inside or (tag == "form" and found.get("id") == "editor")
        name = found.get("name", "")
        if not self.inside or (not name and tag != "option"):
            return
        kind = found.get("type", "text")
        if tag == "input" and (kind not in ("checkbox", "radio") or "checked" in found):
            default = "on" if kind in ("checkbox", "radio") else ""
            self.data.setdefault(name, []).append(found.get("value", default))
        elif tag == "textarea":
            self.textarea = name
            self.data.setdefault(name, []).append("")
        elif tag == "select":
            self.select = name
        elif tag == "option" and self.select and "selected" in found:
            self.data.setdefault(self.select, []).append(found.get("value", ""))

    def handle_endtag(self, tag):
        if tag == "form":
            self.inside = False
        self.textarea = "" if tag == "textarea" else self.textarea
        self.select = "" if tag == "select" else self.select

    def handle_data(self, data):
        if self.textarea:
            self.data[self.textarea][-1] += data


def test_every_editable_form_saves_unchanged_in_the_editor(client, city):
    """The generated content passes the editor's own validation (a 不适用 category has its
    reason, values fit their fields): its unit's filer posts the page back as it came."""
    editable = PerformanceForm.objects.filter(status__in=PerformanceForm.EDITABLE_STATUSES)
    assert editable.exists()
    for form in editable.select_related("project"):
        filer = Membership.objects.get(
            organization_id=form.project.unit_id,
            role=Membership.Role.FILER,
            user__username__regex=r"^c\d+-",  # the unit's own filer, not the demo account
        ).user
        client.force_login(filer)
        url = reverse("projects:form_edit", kwargs={"pk": form.pk})
        page = EditorFields()
        page.feed(client.get(url).content.decode())
        response = client.post(url, page.data)
        assert response.status_code == 302, (form.layout, response.content.decode()[:500])
