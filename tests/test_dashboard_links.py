"""进度总览 at a city's width: the view draws the counts table's rows itself (the template's
variables were half the page's time at 300 departments), so: each count links to exactly the
forms it counts, every cell is labelled for the phone layout, a department's name is shown as
text whatever it holds, and the page takes the same queries for a dozen departments as for
one."""

from __future__ import annotations

import re
from html import unescape

import pytest
from django.urls import reverse

from projects.models import Organization, PerformanceForm
from projects.review.dashboard import STATUSES
from tests.factories import DepartmentFactory, FormFactory, ProjectFactory, UnitFactory

pytestmark = pytest.mark.django_db
URL = reverse("projects:dashboard")
YEAR = 2023
Status = PerformanceForm.Status
PAYLOAD = "<script>alert(1)</script><img src=x onerror=alert(2)>"


def city(departments: int) -> None:
    """``departments`` departments, the n-th with n + 1 forms spread over the statuses (and
    adjustments under way); a form of another year that must not count."""
    for n in range(departments):
        unit = UnitFactory(parent=DepartmentFactory(name=f"第{n}部门"))
        for i in range(n + 1):
            status = STATUSES[(n + i) % len(STATUSES)]
            FormFactory(
                project=ProjectFactory(unit=unit),
                status=status,
                fiscal_year=YEAR,
                approved_version=1 if status == Status.SUBMITTED and i % 2 else None,
            )
    FormFactory(fiscal_year=YEAR - 1)


def body_rows(html: str) -> list[str]:
    """The rows of the counts table's body, as HTML."""
    body = html.split("<tbody>")[-1].split("</tbody>")[0]
    return re.findall(r"<tr><td data-label.*?</tr>", body, re.S)


def test_each_count_links_to_the_forms_it_counts(client, fiona) -> None:
    city(4)
    client.force_login(fiona)
    response = client.get(URL, {"year": YEAR})
    rows = response.context["rows"]
    drawn = body_rows(response.content.decode())
    assert len(drawn) == len(rows) == 4
    labels = [str(Status(status).label) for status in STATUSES]
    for row, html in zip(rows, drawn, strict=True):
        cells = re.findall(r'<td data-label="([^"]*)"[^>]*>(.*?)</td>', html)
        assert [label for label, _cell in cells] == [
            "主管部门",
            *labels,
            "合计",
            "调整中",
            "逾期",
        ]
        assert cells[0][1] == row.name
        counted = [getattr(row, status) for status in STATUSES] + [row.total]
        for count, (_label, cell) in zip(counted, cells[1:7], strict=True):
            link = re.search(r'<a href="([^"]+)">(\d+)</a>', cell)
            if not count:
                assert link is None and cell == '<span class="text-muted">0</span>'
                continue
            assert link and int(link[2]) == count
            listed = client.get(unescape(link[1])).context["page"].paginator.count
            assert listed == count, link[1]
        assert cells[7][1] == str(row.adjusting) and cells[8][1] == str(row.overdue)


def test_a_departments_name_is_shown_as_text(client, fiona) -> None:
    city(1)
    Organization.objects.filter(name="第0部门").update(name=f"部门{PAYLOAD}")
    client.force_login(fiona)
    html = client.get(URL).content.decode()
    assert "<script>alert(1)" not in html and "<img src=x" not in html
    assert "部门&lt;script&gt;alert(1)&lt;/script&gt;" in html


def test_a_year_with_no_forms_says_so(client, fiona) -> None:
    city(1)
    client.force_login(fiona)
    html = client.get(URL, {"year": 2030}).content.decode()
    assert body_rows(html) == []
    assert "本年度没有您可以查看的绩效目标表" in html


@pytest.mark.parametrize("departments", [1, 12])
def test_the_page_takes_twelve_queries_however_many_departments(
    client, fiona, departments, django_assert_num_queries
) -> None:
    city(departments)
    client.force_login(fiona)
    # 1 session, 2 user, 3 memberships, 4 the years to choose from, 5 the budget season as
    # set, 6 the year's deadlines, 7 the counts of every department in one aggregate (the
    # rows drawn without a query); the reviewers' load: 8 the bureau's finance reviewers,
    # 9 whom each form waiting for finance is assigned to and since when, 10 this week's
    # decisions by reviewer; 11–12 the cycle's round and grades (no round: no lights to count)
    with django_assert_num_queries(12):
        response = client.get(URL)
    assert len(body_rows(response.content.decode())) == departments
