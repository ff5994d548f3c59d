"""Roll-over of year N forms into year N+1 drafts."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model

from projects.filing.rollover import RolloverError, roll_over
from projects.models import Membership, PerformanceForm
from projects.permissions import Actor
from projects.services.importing import import_files
from tests.import_helpers import DONGGUAN_SEED, SHENZHEN_SEED

pytestmark = pytest.mark.django_db
User = get_user_model()


def state(form: PerformanceForm) -> tuple[object, ...]:
    return (
        form.annual_amount,
        form.total_amount,
        form.amount_unit_label,
        form.period_goal,
        form.annual_goal,
        form.policy_basis,
        form.calculation_basis,
        form.layout,
        form.framework_id,
        form.project_id,
        [
            (
                i.category_id,
                i.name,
                i.period_value,
                i.annual_value,
                i.value,
                i.explanation,
                i.is_core,
                i.not_applicable,
                i.order,
                i.target_kind,
                i.target_number,
            )
            for i in form.indicators.order_by("order")
        ],
    )


def test_forms_roll_over_into_next_year_drafts_and_originals_stay() -> None:
    import_files(paths=[DONGGUAN_SEED, SHENZHEN_SEED], year=2023)
    originals = list(PerformanceForm.objects.order_by("pk"))
    approved = originals[0]
    approved.status = PerformanceForm.Status.APPROVED
    approved.version = 3
    approved.save()
    before = {
        f.pk: (state(f), f.status, f.version, f.updated_at) for f in PerformanceForm.objects.all()
    }
    result = roll_over(form_ids=[f.pk for f in originals])
    assert len(result.created) == 20 and result.skipped == []
    for original in originals:
        draft = PerformanceForm.objects.get(project=original.project, fiscal_year=2024)
        original.refresh_from_db()
        assert (draft.status, draft.version) == ("draft", 1)
        assert state(draft) == state(original)
    assert {
        f.pk: (state(f), f.status, f.version, f.updated_at)
        for f in PerformanceForm.objects.filter(fiscal_year=2023)
    } == before


def test_a_second_roll_over_creates_nothing() -> None:
    import_files(paths=[DONGGUAN_SEED])
    ids = list(PerformanceForm.objects.values_list("pk", flat=True))
    roll_over(form_ids=ids)
    again = roll_over(form_ids=ids)
    assert again.created == [] and len(again.skipped) == 14
    assert PerformanceForm.objects.filter(fiscal_year=2024).count() == 14


def test_a_filer_rolls_over_only_their_own_units_forms() -> None:
    import_files(paths=[DONGGUAN_SEED])
    form = PerformanceForm.objects.select_related("project__unit").first()
    assert form is not None
    outsider = User.objects.create_user("outsider")
    with pytest.raises(RolloverError):
        roll_over(form_ids=[form.pk], actor=Actor.for_user(outsider))
    filer = User.objects.create_user("filer")
    Membership.objects.create(user=filer, organization=form.project.unit, role="filer")
    assert len(roll_over(form_ids=[form.pk], actor=Actor.for_user(filer)).created) == 1
