"""While an adjustment (调整) is open, the approved version stays in force: every list, count and
export shows it; the draft prints only when asked for, titled 调整稿; the adjustment's review
compares against the approved version."""

from __future__ import annotations

import io
import json
import re
from decimal import Decimal

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from projects.content import IndicatorContent, load_content
from projects.exporting.batch import Selection, export_batch, export_form
from projects.filing.services import save_draft
from projects.history import annual_amounts_in_force
from projects.layouts import yuan_to_wan
from projects.models import FormEvent, PerformanceForm
from projects.permissions import Actor
from tests.export_helpers import pdf_text
from tests.review_helpers import act

pytestmark = pytest.mark.django_db

DRAFT_AMOUNT = Decimal("8765432.10")
ADDED = "调整新增的网络安全检查次数"


def adjusting(forms, users) -> tuple[PerformanceForm, Decimal]:
    """The first seed form approved, then an adjustment of it drafted: a new amount and an
    indicator added. Returns the form and its approved amount."""
    form = forms[0]
    for user, verb in (("filer", "submit"), ("dept", "pass_on"), ("finance", "approve")):
        act(users[user], form, verb)
    act(users["filer"], form, "adjust", "预算调整")
    form.refresh_from_db()
    content = load_content(PerformanceForm.objects.with_content().get(pk=form.pk))
    approved = content.amounts["annual"]
    content.amounts["annual"] = DRAFT_AMOUNT
    first = content.indicators[0]
    content.indicators.append(
        IndicatorContent(first.level1, first.level2, name=ADDED, annual_value="≥4次")
    )
    save_draft(
        actor=Actor.for_user(users["filer"]),
        form_id=form.pk,
        seen_version=form.version,
        content=content,
    )
    form.refresh_from_db()
    assert form.is_adjusting and form.version == form.approved_version + 1
    return form, approved


@pytest.fixture
def adjusted(seeded):
    forms, users = seeded
    form, approved = adjusting(forms, users)
    return form, approved, users


def text_of(content: bytes, fmt: str, tmp_path) -> str:
    """Every cell's text (xlsx) or the page text (PDF), without spaces and thousands commas."""
    if fmt == "xlsx":
        book = load_workbook(io.BytesIO(content))
        cells = [
            str(cell.value)
            for sheet in book.worksheets
            for row in sheet.iter_rows()
            for cell in row
            if cell.value is not None
        ]
        text = "\n".join(cells)
    else:
        path = tmp_path / "out.pdf"
        path.write_bytes(content)
        text = pdf_text(path)
    return re.sub(r"[\s,]", "", text)


def digits(amount: Decimal) -> str:
    return f"{amount:.2f}".rstrip("0").rstrip(".")


def assert_approved(text: str, approved: Decimal, *, in_wan: bool = False) -> None:
    """The approved content, not the draft's: its amount, without the indicator added."""
    assert ADDED not in text
    assert "调整稿" not in text
    if in_wan:  # 深圳 and 广州 print 万元
        assert "876.54" not in text
        assert digits(yuan_to_wan(approved)) in text
    else:
        assert digits(DRAFT_AMOUNT)[:7] not in text
        assert digits(approved) in text


@pytest.mark.parametrize("fmt", ["pdf", "xlsx"])
@pytest.mark.parametrize("layout", ["dongguan", "shenzhen"])
def test_a_single_form_prints_the_approved_version(adjusted, fmt, layout, tmp_path) -> None:
    form, approved, _users = adjusted
    rendered = export_form(form=form, fmt=fmt, layout=layout)
    assert "调整稿" not in rendered.filename
    in_wan = layout == "shenzhen"
    assert_approved(text_of(rendered.content, fmt, tmp_path), approved, in_wan=in_wan)
    # the version in force asked for by its number: the same
    again = export_form(form=form, fmt=fmt, layout=layout, version=form.approved_version)
    assert_approved(text_of(again.content, fmt, tmp_path), approved, in_wan=in_wan)


@pytest.mark.parametrize("fmt", ["pdf", "xlsx"])
@pytest.mark.parametrize("layout", ["dongguan", "shenzhen"])
def test_the_draft_asked_for_is_titled_adjustment_draft(adjusted, fmt, layout, tmp_path) -> None:
    form, _approved, _users = adjusted
    rendered = export_form(form=form, fmt=fmt, layout=layout, version=form.version)
    assert "调整稿" in rendered.filename
    text = text_of(rendered.content, fmt, tmp_path)
    assert "（调整稿）" in text or "(调整稿)" in text
    draft = "876.54" if layout == "shenzhen" else digits(DRAFT_AMOUNT)[:7]
    assert ADDED in text and draft in text


@pytest.mark.parametrize("fmt", ["pdf", "xlsx"])
@pytest.mark.parametrize("layout", ["dongguan", "shenzhen", "guangzhou"])
def test_a_batch_prints_the_approved_version(adjusted, fmt, layout, tmp_path) -> None:
    form, approved, users = adjusted
    selection = Selection(layout=layout, format=fmt, year=form.fiscal_year)
    rendered = export_batch(actor=Actor.for_user(users["finance"]), selection=selection)
    text = text_of(rendered.content, fmt, tmp_path)
    assert_approved(text, approved, in_wan=layout in ("shenzhen", "guangzhou"))
    drafts = Selection(layout=layout, format=fmt, year=form.fiscal_year, drafts=True)
    text = text_of(export_batch(actor=None, selection=drafts).content, fmt, tmp_path)
    assert "调整稿" in text and ADDED in text
    assert ("876.54" if layout != "dongguan" else digits(DRAFT_AMOUNT)[:7]) in text


def test_the_json_export_holds_the_approved_version(adjusted) -> None:
    form, approved, _users = adjusted
    selection = Selection(layout="dongguan", format="json", form_ids=(form.pk,))
    (data,) = json.loads(export_batch(actor=None, selection=selection).content)["forms"]
    assert Decimal(data["amounts"]["annual"]) == approved
    assert ADDED not in [row["name"] for row in data["indicators"]]
    assert (data["status"], data["version"]) == ("approved", form.approved_version)
    assert data["adjustment"] == {"status": "draft", "version": form.version}
    drafts = Selection(layout="dongguan", format="json", form_ids=(form.pk,), drafts=True)
    (draft,) = json.loads(export_batch(actor=None, selection=drafts).content)["forms"]
    assert Decimal(draft["amounts"]["annual"]) == DRAFT_AMOUNT and draft["draft"] is True


def test_the_download_links_carry_the_version_shown(client, adjusted, tmp_path) -> None:
    form, approved, users = adjusted
    client.force_login(users["filer"])
    pdf = reverse("projects:form_export", kwargs={"pk": form.pk, "fmt": "pdf"})
    page = client.get(form.get_absolute_url()).content.decode()
    assert f'href="{pdf}?layout=dongguan&amp;version={form.version}">下载调整稿 PDF' in page
    page = client.get(form.get_absolute_url(), {"version": form.approved_version}).content
    link = f'href="{pdf}?layout=dongguan&amp;version={form.approved_version}">下载 PDF'
    assert link in page.decode()
    # no version: the one in force; a version with no record: 404
    plain = client.get(pdf)
    assert_approved(text_of(plain.content, "pdf", tmp_path), approved)
    assert client.get(pdf, {"version": 99}).status_code == 404
    draft = client.get(pdf, {"version": form.version})
    assert "调整稿" in text_of(draft.content, "pdf", tmp_path)


def test_the_list_shows_the_approved_amount_marked_adjusting(client, adjusted) -> None:
    form, approved, users = adjusted
    client.force_login(users["finance"])
    html = client.get(reverse("projects:form_list")).content.decode()
    row = html[html.index(form.project.name) :]
    row = row[: row.index("</tr>")]
    assert f"{approved:,.2f}" in row and f"{DRAFT_AMOUNT:,.2f}" not in row
    assert "已通过" in row and "调整中 · 调整稿草稿" in row
    listed = client.get(reverse("projects:form_list"), {"status": "adjusting"})
    assert [row.form.pk for row in listed.context["rows"]] == [form.pk]


def test_the_amount_in_force_is_read_from_the_approved_snapshot(adjusted) -> None:
    """``annual_amounts_in_force`` reads the one amount from the approved version's snapshot:
    the approved amount, none when the snapshot has none (no key, or a JSON null: SQLite and
    PostgreSQL read it differently), and a form not being adjusted its own."""
    form, approved, _users = adjusted
    assert annual_amounts_in_force([form]) == {form.pk: approved}
    events = FormEvent.objects.filter(form=form, version=form.approved_version)
    for amounts in ({"annual": None}, {}):
        for event in events:
            event.snapshot = {**event.snapshot, "amounts": amounts}
            event.save(update_fields=["snapshot"])
        assert annual_amounts_in_force([form]) == {form.pk: None}
    PerformanceForm.objects.filter(pk=form.pk).update(approved_version=None)
    form.refresh_from_db()
    assert annual_amounts_in_force([form]) == {form.pk: form.annual_amount}


def test_the_list_loads_the_approved_snapshots_in_one_query(
    client, seeded, django_assert_num_queries
) -> None:
    forms, users = seeded
    adjusting(forms, users)
    client.force_login(users["finance"])
    # 1 session, 2 user, 3 the user's memberships (the actor), 4 filter: years, 5 filter:
    # departments and units, 6 filter: project types, 7 paginator count, 8 the page of forms
    # with project, unit, department, 9 the approved snapshots of the page's adjusting forms
    with django_assert_num_queries(9):
        client.get(reverse("projects:form_list"), {"year": forms[0].fiscal_year})


def test_a_batch_loads_the_approved_snapshots_in_one_query(
    seeded, django_assert_num_queries
) -> None:
    forms, users = seeded
    for form in forms[1:3]:
        for user, verb in (("filer", "submit"), ("dept", "pass_on"), ("finance", "approve")):
            act(users[user], form, verb)
        act(users["filer"], form, "adjust", "预算调整")
    adjusting(forms, users)
    actor = Actor.for_user(users["finance"])
    selection = Selection(layout="dongguan", format="xlsx")
    # 1. the forms the reviewer may see, with project, department, unit and framework
    # 2. their indicators with categories and parent categories (prefetch)
    # 3. the approved snapshots of the three forms being adjusted
    # 4. the framework's categories, with their parents (``CategoryLookup``, once)
    with django_assert_num_queries(4):
        export_batch(actor=actor, selection=selection)


def test_the_dashboard_shows_the_approved_amount_marked_adjusting(client, adjusted) -> None:
    form, approved, users = adjusted
    client.force_login(users["filer"])
    html = client.get(reverse("projects:dashboard")).content.decode()
    row = html[html.index(form.project.name) :]
    row = row[: row.index("</tr>")]
    assert f"{approved:,.2f}" in row and f"{DRAFT_AMOUNT:,.2f}" not in row
    assert "已通过" in row and "调整中" in row


def test_the_adjustments_review_compares_against_the_approved_version(client, adjusted) -> None:
    form, _approved, users = adjusted
    act(users["filer"], form, "submit")
    client.force_login(users["dept"])
    page = client.get(form.get_absolute_url()).content.decode()
    assert f"与现行有效的第 {form.approved_version} 版相比的调整" in page
    assert ADDED in page[page.index('id="since-return"') :]
    compare = client.get(reverse("projects:form_compare", args=[form.pk]))
    assert compare.context["old"] == form.approved_version
    assert "默认显示调整稿与现行有效的第" in compare.content.decode()
