"""The editor of one form: its Django forms bound together, the content they say, and the view
of it the page draws (the framework's categories in order, every one shown even when empty, each
with its rows, a blank row to add one, its 不适用 form and what the checks found).

``Editor(form)`` shows the saved content; ``Editor(form, data=request.POST)`` binds what was
typed, and ``editor.content()`` turns it into a ``FormContent`` for the checks and the save."""

from __future__ import annotations

import copy
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.forms import BoundField
from django.http import QueryDict
from django.utils.html import escape

from indicators.models import Category
from indicators.parsing import parse_target
from projects.content import FormContent, IndicatorContent, load_content
from projects.content.findings import Finding
from projects.errors import as_int
from projects.filing.checking import check_last_year, last_year_of
from projects.filing.checks import LastYear
from projects.filing.forms import (
    ROW_LIMIT,
    CategoryForm,
    HeaderForm,
    IndicatorForm,
    IndicatorFormSet,
    field_name,
    field_value,
)
from projects.filing.last_year import LastActual
from projects.filing.services import editable_keys
from projects.filing.suggest import LibraryHint, library_for, suggest_level2
from projects.layouts import LAYOUTS
from projects.models import Comment, PerformanceForm

PREFIX = "ind"
BLANK_ROWS = 1  # per category, to add a row without JavaScript


class InitialRow:
    """A row of the page as opened (nothing posted): what the row's HTML reads of a Django
    form (``projects.filing.rows``: its prefix, fields and initial values), without building
    one. A formset's form copies its ten fields from the class on creation: 60 of them were
    a fifth of the editor page. A posted page has the formset's forms, errors and all."""

    is_bound = False
    data: dict[str, Any] = {}
    files: dict[str, Any] = {}
    errors: dict[str, Any] = {}

    def __init__(self, prefix: str, number: int, initial: Mapping[str, Any], fields: Any) -> None:
        self.prefix = prefix
        self.fields = fields  # the formset's empty form's: the same for every row
        # the formset numbers its initial rows (``ORDER``) from 1 where the data says nothing
        self.initial = {"ORDER": number + 1, **initial}

    def add_prefix(self, name: str) -> str:
        return f"{self.prefix}-{name}"

    def get_initial_for_field(self, field: Any, name: str) -> Any:
        value = self.initial.get(name, field.initial)
        return value() if callable(value) else value


@dataclass
class RowView:
    form: IndicatorForm | InitialRow
    index: int | None  # in the content, once it is one
    findings: list[Finding] = field(default_factory=list)
    # last year's indicator the row continues (its origin, else by category and name): its
    # target, and what it achieved where a report of last year says
    last_year: str = ""
    last_actual: LastActual | None = None
    # the layout's value inputs: the field's name, its value and how it reads (“年均 ≤ 69.9
    # 万元”)
    cells: list[tuple[str, Any, str]] = field(default_factory=list)
    suggestion: str = ""  # a second-level category for a row filed under its first level
    category_id: int | None = None
    comments: list[Comment] = field(default_factory=list)  # reviewers' open comments


@dataclass
class Group:
    """A category as the editor shows it."""

    id: int
    level1: str
    level2: str
    is_core: bool
    category_form: CategoryForm
    rows: list[RowView] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)
    library: list[LibraryHint] = field(default_factory=list)

    @property
    def key(self) -> tuple[str, str]:
        return (self.level1, self.level2)

    @property
    def label(self) -> str:
        return self.level2 or f"{self.level1}（未分二级）"


def _form_problems(django_form: Any, place: str) -> list[InputProblem]:
    """A Django form's errors as problems, each on its input (``place``: where the form is)."""
    found = []
    for name, messages in django_form.errors.items():
        bound = django_form[name] if name in django_form.fields else None
        label = str(bound.label) if bound is not None else ""
        where = "·".join(part for part in (place, label) if part) or "项目信息"
        for message in messages:
            found.append(
                InputProblem(
                    bound.html_name if bound is not None else "",
                    where,
                    str(message),
                    _typed(bound) if bound is not None else "",
                )
            )
    return found


def _typed(bound: BoundField) -> str:
    value = bound.value()
    return "" if value is None else str(value)


def _amount_text(value: Decimal | None) -> str:
    return "" if value is None else f"{value:,.2f}"


@dataclass(frozen=True)
class InputProblem:
    """Something typed that cannot be saved: the input (its name on the page), where it is in
    words, why, and what was typed (it stays in the field, as typed)."""

    name: str
    where: str
    message: str
    typed: str = ""

    @property
    def anchor(self) -> str:
        return f"id_{self.name}"


_ROW_KEY = re.compile(rf"{PREFIX}-(\d+)-[A-Za-z_]+")
MALFORMED = (
    "页面提交的指标行与行数不符，没有保存任何内容。请刷新页面后再填写"
    "（如刚才的内容还在页面上，可先复制下来）。"
)


class Editor:
    def __init__(self, form: PerformanceForm, data: QueryDict | None = None) -> None:
        self.form = form
        self.layout = LAYOUTS[form.layout]
        self.keys = editable_keys(form.layout)
        self.saved = load_content(form)
        self.bound = data is not None
        # the values the layout prints (a row keeps the others it has, as hidden fields)
        self.value_columns = self.layout.value_columns
        categories = list(
            Category.objects.filter(framework_id=form.framework_id)
            .select_related("parent")
            .order_by("level", "order", "id")
        )
        self.by_key: dict[tuple[str, str], Category] = {
            (c.parent.name, c.name) if c.parent else (c.name, ""): c for c in categories
        }
        self.order = self._category_order(categories)
        choices = [(c.pk, self._choice_label(c)) for c in self._in_order(categories)]
        self.header_form = HeaderForm(data, keys=self.keys, initial=self._header_initial())
        rows = [item for item in self.saved.indicators if not item.not_applicable]
        initial = [self._row_initial(item, i) for i, item in enumerate(rows)]
        self.parents = {c.parent_id for c in categories if c.parent_id is not None}
        leaves = [c for c in self._in_order(categories) if c.pk not in self.parents]
        initial += [{"category": c.pk} for c in leaves for _blank in range(BLANK_ROWS)]
        self.category_choices = choices
        self.formset = IndicatorFormSet(data, prefix=PREFIX, initial=initial, categories=choices)
        not_applicable = {
            item.category: item for item in self.saved.indicators if item.not_applicable
        }
        self.category_forms = {
            key: CategoryForm(
                data,
                prefix=f"cat-{category.pk}",
                columns=self.value_columns,
                initial={
                    "marked": key in not_applicable,
                    "reason": not_applicable[key].explanation if key in not_applicable else "",
                },
            )
            for key, category in self.by_key.items()
        }
        # the column that holds the target (当年度指标值, or the single 指标值): last year's
        # target and actual show under it
        self.target_column = (
            "annual_value" if "annual_value" in self.value_columns else self.value_columns[0]
        )
        self._content: FormContent | None = None
        self._options: list[tuple[int, str]] | None = None
        self._valid: bool | None = None
        self._row_index: dict[int, int] = {}  # formset form number -> content index
        if not self.bound:
            self._content = self.saved
            self._row_index = {n: self.saved.indicators.index(item) for n, item in enumerate(rows)}

    # ----------------------------------------------------------------- categories

    @staticmethod
    def _choice_label(category: Category) -> str:
        if category.parent is not None:
            return f"{category.parent.name}／{category.name}"
        return f"{category.name}（未分二级）"

    @staticmethod
    def _in_order(categories: list[Category]) -> list[Category]:
        tops = [c for c in categories if c.level == 1]
        ordered: list[Category] = []
        for top in tops:
            ordered.append(top)
            ordered += [c for c in categories if c.parent_id == top.pk]
        return ordered

    def _category_order(self, categories: list[Category]) -> dict[int, int]:
        return {c.pk: n for n, c in enumerate(self._in_order(categories))}

    # ----------------------------------------------------------------- initial data

    def _header_initial(self) -> dict[str, Any]:
        initial: dict[str, Any] = {"amount_unit": "元"}
        for key in self.keys:
            value = self.saved.get(key)
            if key.startswith("amounts."):
                value = _amount_text(value)
            initial[field_name(key)] = value
        return initial

    def _row_initial(self, item: IndicatorContent, number: int) -> dict[str, Any]:
        category = self.by_key.get(item.category)
        return {
            "uid": item.uid,
            "category": category.pk if category else None,
            "name": item.name,
            "period_value": item.period_value,
            "annual_value": item.annual_value,
            "value": item.value,
            "explanation": item.explanation,
            "core": item.core,
            "ORDER": number + 1,
        }

    # ----------------------------------------------------------------- binding

    def is_valid(self) -> bool:
        if self._valid is None:
            self._valid = self._validate()
        return self._valid

    def _validate(self) -> bool:
        valid = self.header_form.is_valid() & self.formset.is_valid()
        for category_form in self.category_forms.values():
            valid &= category_form.is_valid()
        for key, category_form in self.category_forms.items():
            if "marked" in category_form.errors:
                continue
            if category_form.cleaned_data.get("marked") and any(
                self._key_of(row) == key and not row.is_blank and not self._deleted(row)
                for row in self.formset.forms
            ):
                category_form.add_error("marked", "这个类别已有指标，不能标为不适用。")
                valid = False
        return valid

    def _key_of(self, row: IndicatorForm) -> tuple[str, str] | None:
        category_id = getattr(row, "cleaned_data", {}).get("category")
        for key, category in self.by_key.items():
            if category.pk == category_id:
                return key
        return None

    @staticmethod
    def _deleted(row: IndicatorForm) -> bool:
        return bool(getattr(row, "cleaned_data", {}).get("DELETE"))

    def malformed(self) -> str | None:
        """Why the posted rows cannot be read (``None``: they can). The formset's count must be
        the rows posted, numbered from 0 with none missing: a count of -1 or 0 is never read as
        "every row deleted"."""
        if not self.bound:
            return None
        data = self.formset.data
        total = as_int(str(data.get(f"{PREFIX}-TOTAL_FORMS", "")))
        initial = as_int(str(data.get(f"{PREFIX}-INITIAL_FORMS", "")))
        if total is None or initial is None or initial > total:
            return MALFORMED
        if total > (self.formset.absolute_max or 0):
            return f"页面上的指标行超过 {ROW_LIMIT} 行，没有保存任何内容：请先删去多余的行。"
        posted = {int(found[1]) for key in data if (found := _ROW_KEY.fullmatch(key))}
        named = {n for n in posted if f"{PREFIX}-{n}-name" in data}
        if posted != set(range(total)) or named != posted:
            return MALFORMED
        if total == 0 and any(not item.not_applicable for item in self.saved.indicators):
            return MALFORMED
        return None

    def content(self) -> FormContent:
        """What the editor says: when bound, what is valid of what was typed, over the saved
        content (call ``is_valid`` first). A field with an error keeps its saved value, a saved
        row with an error stays as saved, a new row with an error is left out, a category form
        with an error keeps its saved 不适用; ``problems`` lists each."""
        if self._content is not None:
            return self._content
        content = copy.deepcopy(self.saved)
        for field_key, value in self.header_form.values().items():
            content.set(field_key, value)
        if self.bound and self.formset.non_form_errors():  # too many: the rows stay as saved
            self._content = content
            return content
        saved_by_uid = {item.uid: item for item in self.saved.indicators if item.uid}
        # every row with its place: category (framework order), 序号, then as shown;
        # pasted rows go to the end of their category, 不适用 rows after its rows
        placed: list[tuple[tuple[int, int, int], int | None, IndicatorContent]] = []
        for n, row in enumerate(self.formset.forms):
            data = row.cleaned_data if hasattr(row, "cleaned_data") else {}
            if self._deleted(row):
                continue
            if row.errors:
                kept = saved_by_uid.get(str(row.data.get(row.add_prefix("uid"), "")))
                if kept is not None:  # unreadable edits of a saved row: the row as saved
                    category = self.by_key.get(kept.category)
                    rank_of = self.order.get(category.pk, 0) if category else 0
                    at = self.saved.indicators.index(kept)
                    placed.append(((rank_of, data.get("ORDER") or at + 1, n), None, kept))
                continue
            if row.is_blank:
                continue
            key = self._key_of(row) or ("", "")
            order = data.get("ORDER")
            item = IndicatorContent(
                level1=key[0],
                level2=key[1],
                name=data["name"],
                period_value=data.get("period_value", ""),
                annual_value=data.get("annual_value", ""),
                value=data.get("value", ""),
                explanation=data.get("explanation", ""),
                core=bool(data.get("core")),
                uid=data.get("uid", ""),
            )
            rank = (self.order.get(data["category"], 0), order if order is not None else 10**6, n)
            placed.append((rank, n, item))
        saved_not_applicable = {
            item.category: item for item in self.saved.indicators if item.not_applicable
        }
        for key, category_form in self.category_forms.items():
            category_rank = self.order[self.by_key[key].pk]
            cleaned = getattr(category_form, "cleaned_data", {})
            if "paste" not in category_form.errors:
                for number, pasted in enumerate(cleaned.get("rows", [])):
                    rank = (category_rank, 10**6 + number, 10**6)
                    placed.append((rank, None, IndicatorContent(key[0], key[1], **pasted)))
            if "marked" in category_form.errors or "reason" in category_form.errors:
                marked = key in saved_not_applicable  # as saved
                reason = saved_not_applicable[key].explanation if marked else ""
            else:
                marked = bool(cleaned.get("marked"))
                reason = cleaned.get("reason", "")
            if marked:
                # keep what the 不适用 row held (its uid and values); only the reason is typed
                item = copy.copy(saved_not_applicable.get(key)) or IndicatorContent(
                    key[0], key[1], not_applicable=True
                )
                item.explanation = reason
                placed.append(((category_rank, 10**7, 10**7), None, item))
        items: list[IndicatorContent] = []
        for _rank, row_number, item in sorted(placed, key=lambda entry: entry[0]):
            if row_number is not None:
                self._row_index[row_number] = len(items)
            items.append(item)
        content.indicators = items
        self._content = content
        return content

    def problems(self) -> list[InputProblem]:
        """Everything typed that cannot be saved, in the page's order, each with its input
        (call ``is_valid`` first)."""
        if not self.bound or self.is_valid():
            return []
        found = _form_problems(self.header_form, "")
        found += [InputProblem("", "绩效指标", str(m)) for m in self.formset.non_form_errors()]
        labels = dict(self.category_choices)
        numbers: dict[int | None, int] = {}
        for row in self.formset.forms:
            category_id = self._row_category(row)
            numbers[category_id] = numbers.get(category_id, 0) + 1
            if not self._deleted(row):
                place = f"{labels.get(category_id or -1, '绩效指标')} 第 {numbers[category_id]} 行"
                found += _form_problems(row, place)
        for key, category_form in self.category_forms.items():
            found += _form_problems(category_form, self._choice_label(self.by_key[key]))
        return found

    # ----------------------------------------------------------------- the page

    def findings(self, last_year: LastYear | None = None) -> list[Finding]:
        """The checks on what the editor says (``last_year``: as ``last_year_of`` reads it,
        when the caller has it; else it is read)."""
        return check_last_year(
            self.content(),
            framework_id=self.form.framework_id,
            last_year=last_year if last_year is not None else last_year_of(self.form),
        )

    def groups(
        self,
        findings: list[Finding],
        last_year: LastYear,
        comments: dict[str, list[Comment]] | None = None,
    ) -> list[Group]:
        """Every category in the framework's order, with its rows and findings. A first-level
        category that has children shows only when rows sit on it directly (广州 forms)."""
        content = self.content() if (self._content or not self.bound) else None
        groups: dict[int, Group] = {}
        library = library_for(self.form.framework_id)
        for key, category in sorted(self.by_key.items(), key=lambda kv: self.order[kv[1].pk]):
            groups[category.pk] = Group(
                category.pk,
                key[0],
                key[1],
                category.is_core,
                self.category_forms[key],
                library=library.get(category.pk, []),
            )
        for n, row in enumerate(self.rows()):
            category_id = self._row_category(row)
            group = groups.get(category_id) if category_id is not None else None
            if group is None:
                continue
            index = self._row_index.get(n)
            view = RowView(row, index, category_id=category_id)
            for column in self.value_columns:
                value = field_value(row, column)
                text = str(value or "")
                reading = parse_target(text).display() if text and column != "explanation" else ""
                view.cells.append((column, value, reading if reading != text else ""))
            if index is not None and content is not None:
                item = content.indicators[index]
                view.findings = [f for f in findings if f.indicator == index]
                before = last_year.indicator_of(item)
                view.last_year = before.target if before else ""
                view.last_actual = last_year.actual_of(item)
                view.comments = (comments or {}).get(item.uid, []) if item.uid else []
                if group.id in self.parents and item.name:
                    children = [k[1] for k in self.by_key if k[0] == group.level1 and k[1]]
                    view.suggestion = suggest_level2(item, children) or ""
            group.rows.append(view)
        for finding in findings:
            if finding.category and finding.indicator is None:
                for group in groups.values():
                    if group.key == finding.category or (
                        not finding.category[1] and group.level1 == finding.category[0]
                    ):
                        group.findings.append(finding)
                        break
        # a first-level category with children holds rows only when some were filed on it
        return [g for g in groups.values() if g.id not in self.parents or g.rows]

    def new_rows(
        self, category_id: int, start: int, values: list[dict[str, str]]
    ) -> tuple[Group, list[RowView]]:
        """Rows to add to the page (numbered from ``start``, after the formset's forms) under
        a category: blank, or holding pasted values."""
        category = next(c for c in self.by_key.values() if c.pk == category_id)
        key = (category.parent.name, category.name) if category.parent else (category.name, "")
        library = library_for(self.form.framework_id)
        group = Group(
            category.pk,
            key[0],
            key[1],
            category.is_core,
            self.category_forms[key],
            library=library.get(category.pk, []),
        )
        rows = []
        for offset, initial in enumerate(values):
            row = IndicatorForm(
                prefix=f"{PREFIX}-{start + offset}",
                initial={"category": category_id, **initial},
                categories=self.category_choices,
            )
            view = RowView(row, None, category_id=category_id)
            for column in self.value_columns:
                text = initial.get(column, "")
                reading = parse_target(text).display() if text and column != "explanation" else ""
                value = field_value(row, column)
                view.cells.append((column, value, reading if reading != text else ""))
            rows.append(view)
        return group, rows

    @property
    def management_form(self) -> Any:
        """The formset's count of rows. (The template reaches it through here: a template's
        ``formset.management_form`` first tries ``formset["management_form"]``, which builds
        every row's form before it fails over to the attribute.)"""
        return self.formset.management_form

    def rows(self) -> list[IndicatorForm | InitialRow]:
        """The rows of the page: the formset's forms once posted, else ``InitialRow``s."""
        if self.bound:
            return list[IndicatorForm | InitialRow](self.formset.forms)
        fields = self.formset.empty_form.fields
        return [
            InitialRow(self.formset.add_prefix(n), n, initial, fields)
            for n, initial in enumerate(self.formset.initial or [])
        ]

    def category_options(self) -> list[tuple[int, str]]:
        """Each category's ``<option>`` of the rows' menu, none selected, with its value."""
        if self._options is None:
            self._options = [
                (value, f'<option value="{value:d}">{escape(label)}</option>')
                for value, label in self.category_choices
            ]
        return self._options

    def row_uids(self) -> list[tuple[str, str]]:
        """Each row's prefix with the uid of the indicator it became (after a save), so a page
        that saved in the background knows its new rows as saved ones."""
        content = self.content()
        return [
            (str(self.formset.forms[n].prefix), content.indicators[index].uid)
            for n, index in self._row_index.items()
            if content.indicators[index].uid
        ]

    def _row_category(self, row: IndicatorForm | InitialRow) -> int | None:
        if self.bound:
            return as_int(str(row.data.get(row.add_prefix("category")) or ""))
        value = row.initial.get("category")
        return int(value) if value is not None else None

    def field_findings(self, findings: list[Finding]) -> dict[str, list[Finding]]:
        found: dict[str, list[Finding]] = {}
        for finding in findings:
            if finding.field:
                found.setdefault(field_name(finding.field), []).append(finding)
        return found
