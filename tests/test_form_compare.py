"""The form page's timeline and the page comparing two versions."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.urls import reverse

from projects.models import Indicator, Membership, PerformanceForm
from projects.services.importing import commit_import, import_files, read_sources
from tests.factories import MembershipFactory, UserFactory
from tests.import_helpers import DONGGUAN_SEED

pytestmark = pytest.mark.django_db


@pytest.fixture
def reimported(tmp_path: Path) -> PerformanceForm:
    import_files(paths=[DONGGUAN_SEED])
    text = DONGGUAN_SEED.read_text(encoding="utf-8")
    text = text.replace("财税库联网\t正常运行\t正常运行", "财税库联网\t正常运行\t稳定运行", 1)
    path = tmp_path / "东莞.txt"
    path.write_text(text, encoding="utf-8")
    commit_import(plan=read_sources(paths=[path]))
    return Indicator.objects.get(name="财税库联网").form


@pytest.fixture
def filer(reimported: PerformanceForm):
    user = UserFactory(username="filer")
    MembershipFactory(user=user, organization=reimported.project.unit, role=Membership.Role.FILER)
    return user


def compare_url(form: PerformanceForm) -> str:
    return reverse("projects:form_compare", kwargs={"pk": form.pk})


def test_the_form_page_shows_the_timeline(client, filer, reimported) -> None:
    client.force_login(filer)
    html = client.get(reimported.get_absolute_url()).content.decode()
    assert "变更记录" in html
    assert html.count("<strong>导入</strong>") == 2
    assert "命令行" in html
    assert f"{compare_url(reimported)}?old=1&amp;new=2" in html


def test_the_compare_page_shows_what_changed(client, filer, reimported) -> None:
    client.force_login(filer)
    response = client.get(compare_url(reimported), {"old": 1, "new": 2})
    html = response.content.decode()
    assert response.status_code == 200
    assert "经济效益指标／财税库联网" in html
    assert "当年度指标值" in html and "正常运行" in html
    assert '<td class="diff-after text-break">稳定运行</td>' in html


def test_comparing_a_version_with_itself_says_they_are_the_same(client, filer, reimported):
    client.force_login(filer)
    html = client.get(compare_url(reimported), {"old": 2, "new": 2}).content.decode()
    assert "两个版本的内容相同" in html


def test_an_unknown_version_is_404(client, filer, reimported) -> None:
    client.force_login(filer)
    assert client.get(compare_url(reimported), {"old": 7}).status_code == 404
    assert client.get(compare_url(reimported), {"old": "x"}).status_code == 404
    for odd in ("²", "٣", "-1"):  # read as a number by neither parser: refused, never a 500
        assert client.get(compare_url(reimported), {"new": odd}).status_code == 404


def test_an_outsider_gets_404(client, charlie, reimported) -> None:
    client.force_login(charlie)
    assert client.get(compare_url(reimported)).status_code == 404
