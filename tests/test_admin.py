"""The Django admin changes nothing that only the services may write: a form's content and its
place in the workflow (status, versions, check counts, what an import left over), a project's
fields that its forms print, a reviewer's comments. Such a change would leave no version and no
event (and could clear the import's gate on submission)."""

from __future__ import annotations

import pytest
from django.contrib import admin
from django.db import models
from django.test import RequestFactory
from django.urls import reverse

from projects.content import FIELDS, service_written
from projects.models import Comment, PerformanceForm, Project
from tests.factories import IndicatorFactory


def _admin_form_fields(model: type[models.Model], obj: models.Model, user) -> set[str]:
    """The fields the admin's change page lets a superuser type into."""
    model_admin = admin.site._registry[model]
    request = RequestFactory().get("/")
    request.user = user
    if not model_admin.has_change_permission(request, obj):
        return set()
    readonly = set(model_admin.get_readonly_fields(request, obj))
    form_class = model_admin.get_form(request, obj)
    return set(form_class.base_fields) - readonly


def test_every_field_of_a_form_is_content_or_workflow() -> None:
    """A field added to the form is listed as content (``FIELDS``) or as workflow
    (``PerformanceForm.WORKFLOW_FIELDS``), and so is read-only in the admin."""
    written = set(service_written(PerformanceForm))
    for field in PerformanceForm._meta.concrete_fields:
        if field.primary_key:
            continue
        assert field.name in written, f"{field.name}: content or workflow?"


def test_the_admin_can_change_no_field_the_services_write(alice_form, stan) -> None:
    editable = _admin_form_fields(PerformanceForm, alice_form, stan)
    assert editable & set(service_written(PerformanceForm)) == set()
    for name in ("indicator_text", "import_leftover", "approved_version", "check_errors"):
        assert name in service_written(PerformanceForm)
    project = _admin_form_fields(Project, alice_form.project, stan)
    assert project & {spec.attr for spec in FIELDS if spec.model == "project"} == set()
    comment = Comment.objects.create(form=alice_form, author=stan, text="请细化")
    assert _admin_form_fields(Comment, comment, stan) == set()


def test_a_post_to_the_admin_changes_neither_content_nor_workflow(client, alice_form, stan):
    IndicatorFactory(form=alice_form, name="维护项目数量")
    PerformanceForm.objects.filter(pk=alice_form.pk).update(
        import_leftover="未能识别的一行", status=PerformanceForm.Status.RETURNED
    )
    client.force_login(stan)
    url = reverse("admin:projects_performanceform_change", args=[alice_form.pk])
    page = client.get(url)
    assert page.status_code == 200
    response = client.post(
        url,
        {
            "status": "approved",
            "approved_version": "7",
            "import_leftover": "",
            "indicator_text": "改过",
            "annual_goal": "改过的年度目标",
            "version": "9",
            "check_errors": "0",
            "events-TOTAL_FORMS": "0",
            "events-INITIAL_FORMS": "0",
        },
    )
    assert response.status_code in (200, 302)
    form = PerformanceForm.objects.get(pk=alice_form.pk)
    assert (form.status, form.version, form.approved_version) == (
        "returned",
        alice_form.version,
        None,
    )
    assert form.import_leftover == "未能识别的一行"
    assert form.annual_goal == alice_form.annual_goal and form.indicator_text == ""
    assert not form.events.exists()


@pytest.mark.parametrize("field", ["name", "code", "unit"])
def test_a_saved_projects_printed_fields_are_read_only_but_a_new_one_is_typed(
    field, alice_form, stan
) -> None:
    model_admin = admin.site._registry[Project]
    request = RequestFactory().get("/")
    request.user = stan
    assert field in model_admin.get_readonly_fields(request, alice_form.project)
    assert field not in model_admin.get_readonly_fields(request, None)
