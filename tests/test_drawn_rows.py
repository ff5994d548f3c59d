"""The rows the list and the queue draw in Python (``list_rows``, ``queue_rows``): each cell
as the templates drew it, the states and marks included."""

from __future__ import annotations

import pytest
from django.urls import reverse

from projects.models import PerformanceForm
from projects.review.views import check_cell

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("errors", "warnings", "shown"),
    [
        (None, None, "—"),
        (0, 0, '<span class="text-success">无问题</span>'),
        (2, 0, '<span class="text-danger">2 错误</span>'),
        (0, 3, '<span class="text-warning-emphasis">3 提醒</span>'),
        (
            1,
            1,
            '<span class="text-danger">1 错误</span> · '
            '<span class="text-warning-emphasis">1 提醒</span>',
        ),
    ],
)
def test_the_queue_says_what_the_checks_found(errors, warnings, shown):
    assert check_cell(errors, warnings) == shown


def test_the_list_marks_a_form_to_complete_and_links_each_form(client, alice, alice_form):
    PerformanceForm.objects.filter(pk=alice_form.pk).update(import_leftover="未能读取的行")
    client.force_login(alice)
    html = client.get(reverse("projects:form_list")).content.decode()
    assert f'<a href="{alice_form.get_absolute_url()}">{alice_form.project.name}</a>' in html
    assert '<span class="badge status-badge text-bg-secondary">草稿</span>' in html
    assert '<span class="badge text-bg-warning">待修正</span>' in html
    PerformanceForm.objects.filter(pk=alice_form.pk).update(import_leftover="", status="returned")
    html = client.get(reverse("projects:form_list")).content.decode()
    assert '<span class="badge status-badge text-bg-danger">已退回</span>' in html
    assert "待修正" not in html


def test_an_empty_list_and_an_empty_queue_say_so(client, alice, bob):
    client.force_login(alice)
    assert (
        "没有符合条件的绩效目标表。" in client.get(reverse("projects:form_list")).content.decode()
    )
    client.force_login(bob)
    assert "没有等待您审核的表。" in client.get(reverse("projects:queue")).content.decode()


def test_the_rows_link_each_form_as_its_own_url_does(alice_form):
    """The rows build the forms' links from one ``reverse`` (``url_maker``): the same as
    each form's own ``get_absolute_url``."""
    url_of = PerformanceForm.url_maker()
    assert url_of(alice_form.pk) == alice_form.get_absolute_url()
    assert url_of(7) == reverse("projects:form_detail", args=[7])
