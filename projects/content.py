"""A 绩效目标表's content, layout-neutral, and the one list of a form's fields.

* ``FormContent`` (with ``ProjectContent`` and ``IndicatorContent``) is what the importer reads,
  the exporters lay out, the history snapshots and the diff compares. Amounts are in 元.
* ``FIELDS`` lists every field of a form once: its key in the import JSON (``project.name``,
  ``amounts.annual``, ``goals.period``…), the model attribute behind it and its Chinese label
  (the model field's ``verbose_name``). ``INDICATOR_FIELDS`` does the same for an indicator row.
  Nothing else spells a form's fields out.
* ``load_content(form)`` reads a saved form; ``apply_content(form, content, keys=…)`` writes a
  content onto a saved form in place: changed fields are set, indicators are paired with the rows
  they continue (``pair_indicators``) and updated, so unchanged rows keep their uid and comments.
* ``to_json`` / ``from_json``: the import JSON (also the snapshot of each history event).
* ``diff_content(old, new)``: field by field and indicator by indicator, with Chinese labels.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any, Literal, cast

from django.db import models
from django.utils.translation import gettext as _

from projects.errors import DomainError
from projects.models import Indicator, PerformanceForm, Project

LayoutKey = Literal["dongguan", "shenzhen", "guangzhou"]
FieldKind = Literal["text", "int", "amount", "bool", "organization"]


# --------------------------------------------------------------------------- the content


@dataclass
class IndicatorContent:
    level1: str
    level2: str = ""
    name: str = ""
    period_value: str = ""
    annual_value: str = ""
    value: str = ""
    explanation: str = ""
    core: bool = False
    not_applicable: bool = False
    # The row's identity: kept through edits and re-imports; not part of what it says.
    uid: str = field(default="", compare=False)

    @property
    def target(self) -> str:
        """当年度指标值, or the single 指标值 for a form drawn up in a one-value layout."""
        return self.annual_value or self.value

    @property
    def single_value(self) -> str:
        """指标值, or 当年度指标值 for a form drawn up in the two-value 东莞 layout."""
        return self.value or self.annual_value

    @property
    def category(self) -> tuple[str, str]:
        return (self.level1, self.level2)

    @property
    def label(self) -> str:
        """How a person names this row: ``数量指标／租用量``."""
        category = self.level2 or self.level1
        return f"{category}／{self.name}" if self.name else category


@dataclass
class ProjectContent:
    name: str
    code: str = ""
    department: str = ""
    unit: str = ""
    type: str = ""
    level: str = ""
    start_year: int | None = None
    end_year: int | None = None
    duration_years: int | None = None


@dataclass
class FormContent:
    """One form's content. Keys follow the import JSON."""

    project: ProjectContent
    fiscal_year: int
    layout: LayoutKey = "dongguan"
    amounts: dict[str, Decimal] = field(default_factory=dict)  # annual total fiscal special other
    goals: dict[str, str] = field(default_factory=dict)  # period annual
    details: dict[str, str | bool | None] = field(default_factory=dict)
    indicators: list[IndicatorContent] = field(default_factory=list)
    amount_unit_label: str = ""

    def get(self, key: str) -> Any:
        """The value of one of ``FIELDS`` by its key (``project.name``, ``amounts.annual``…)."""
        section, _dot, name = key.partition(".")
        if not name:
            return getattr(self, section)
        if section == "project":
            return getattr(self.project, name)
        value = getattr(self, section).get(name)
        if value is None and section == "goals":
            return ""
        return value

    def set(self, key: str, value: Any) -> None:
        section, _dot, name = key.partition(".")
        if not name:
            setattr(self, section, value)
        elif section == "project":
            setattr(self.project, name, value)
        elif section == "amounts" and value is None:
            self.amounts.pop(name, None)
        else:
            getattr(self, section)[name] = value


# --------------------------------------------------------------------------- the fields


def verbose_name(model: type[models.Model], attr: str) -> str:
    """The Chinese label of a model field (the one place a field's label is typed)."""
    found = model._meta.get_field(attr)
    assert isinstance(found, models.Field)
    return str(found.verbose_name)


@dataclass(frozen=True)
class FieldSpec:
    key: str  # in the import JSON
    model: Literal["project", "form"]
    attr: str
    kind: FieldKind = "text"

    @property
    def label(self) -> str:
        model: type[models.Model] = Project if self.model == "project" else PerformanceForm
        return verbose_name(model, self.attr)

    def stored(self, value: Any) -> Any:
        """The value as the model keeps it (text fields hold '' rather than None)."""
        if self.kind in ("text", "organization"):
            return "" if value is None else str(value)
        return value


FIELDS: tuple[FieldSpec, ...] = (
    FieldSpec("project.code", "project", "code"),
    FieldSpec("project.name", "project", "name"),
    FieldSpec("project.department", "project", "department", "organization"),
    FieldSpec("project.unit", "project", "unit", "organization"),
    FieldSpec("project.type", "project", "project_type"),
    FieldSpec("project.level", "project", "level"),
    FieldSpec("project.start_year", "project", "start_year", "int"),
    FieldSpec("project.end_year", "project", "end_year", "int"),
    FieldSpec("project.duration_years", "project", "duration_years", "int"),
    FieldSpec("details.allocation_method", "project", "allocation_method"),
    FieldSpec("details.is_new", "project", "is_new", "bool"),
    FieldSpec("layout", "form", "layout"),
    FieldSpec("amounts.annual", "form", "annual_amount", "amount"),
    FieldSpec("amounts.total", "form", "total_amount", "amount"),
    FieldSpec("amounts.fiscal", "form", "fiscal_amount", "amount"),
    FieldSpec("amounts.special", "form", "special_amount", "amount"),
    FieldSpec("amounts.other", "form", "other_amount", "amount"),
    FieldSpec("amount_unit_label", "form", "amount_unit_label"),
    FieldSpec("details.content", "form", "content"),
    FieldSpec("details.policy_basis", "form", "policy_basis"),
    FieldSpec("details.calculation_basis", "form", "calculation_basis"),
    FieldSpec("goals.period", "form", "period_goal"),
    FieldSpec("goals.annual", "form", "annual_goal"),
)
FIELD_BY_KEY = {spec.key: spec for spec in FIELDS}
# Every form carries these whatever its layout (an import writes them too).
ALWAYS_CARRIED = ("layout", "amount_unit_label")
ALL_KEYS = tuple(spec.key for spec in FIELDS)


@dataclass(frozen=True)
class IndicatorFieldSpec:
    key: str  # in IndicatorContent and the import JSON
    attr: str  # on projects.models.Indicator

    @property
    def label(self) -> str:
        return verbose_name(Indicator, self.attr)


INDICATOR_FIELDS: tuple[IndicatorFieldSpec, ...] = (
    IndicatorFieldSpec("name", "name"),
    IndicatorFieldSpec("period_value", "period_value"),
    IndicatorFieldSpec("annual_value", "annual_value"),
    IndicatorFieldSpec("value", "value"),
    IndicatorFieldSpec("explanation", "explanation"),
    IndicatorFieldSpec("core", "is_core"),
    IndicatorFieldSpec("not_applicable", "not_applicable"),
)


def field_label(key: str) -> str:
    if key == "indicators":
        return str(Indicator._meta.verbose_name_plural)
    return FIELD_BY_KEY[key].label


# --------------------------------------------------------------------------- from the database


def load_content(form: PerformanceForm) -> FormContent:
    """The content of a saved form. Expects ``project__department``, ``project__unit`` and the
    indicators with their categories (and parents) to be loaded, or loads them."""
    project = form.project
    content = FormContent(project=ProjectContent(name=""), fiscal_year=form.fiscal_year)
    for spec in FIELDS:
        owner = project if spec.model == "project" else form
        value = getattr(owner, spec.attr)
        if spec.kind == "organization":
            value = value.name
        content.set(spec.key, value)
    content.indicators = [indicator_content(row) for row in form.indicators.all()]
    return content


def indicator_content(row: Indicator) -> IndicatorContent:
    category = row.category
    parent = category.parent if category.parent_id else None
    item = IndicatorContent(
        level1=parent.name if parent else category.name,
        level2=category.name if parent else "",
        uid=str(row.uid),
    )
    for spec in INDICATOR_FIELDS:
        setattr(item, spec.key, getattr(row, spec.attr))
    return item


# --------------------------------------------------------------------------- pairing


def pair_indicators(
    old: Sequence[IndicatorContent], new: Sequence[IndicatorContent]
) -> list[tuple[int | None, int | None]]:
    """Which old row each new indicator continues: by uid where the new one has one, else by
    category and name, else by position among the unpaired rows of its category. Returns
    (old index, new index) pairs in the new order, then the old rows left over (removed)."""
    partner: dict[int, int] = {}  # new index -> old index
    taken: set[int] = set()
    by_uid = {item.uid: i for i, item in enumerate(old) if item.uid}
    for j, item in enumerate(new):
        i = by_uid.get(item.uid) if item.uid else None
        if i is not None and i not in taken:
            partner[j] = i
            taken.add(i)
    for j, item in enumerate(new):
        if j in partner:
            continue
        for i, candidate in enumerate(old):
            if (
                i not in taken
                and candidate.category == item.category
                and candidate.name == item.name
            ):
                partner[j] = i
                taken.add(i)
                break
    for j, item in enumerate(new):
        if j in partner or item.uid:
            continue
        for i, candidate in enumerate(old):
            if i not in taken and candidate.category == item.category:
                partner[j] = i
                taken.add(i)
                break
    pairs: list[tuple[int | None, int | None]] = [(partner.get(j), j) for j in range(len(new))]
    pairs += [(i, None) for i in range(len(old)) if i not in taken]
    return pairs


# --------------------------------------------------------------------------- onto the database


class CategoryLookup:
    """(framework, level1, level2) → category id, each framework read once."""

    def __init__(self) -> None:
        self.loaded: dict[int, dict[tuple[str, str], int]] = {}

    def get(self, framework_id: int, level1: str, level2: str) -> int | None:
        if framework_id not in self.loaded:
            from indicators.models import Category

            table: dict[tuple[str, str], int] = {}
            for category in Category.objects.filter(framework_id=framework_id).select_related(
                "parent"
            ):
                if category.parent is not None:
                    table[(category.parent.name, category.name)] = category.pk
                else:
                    table[(category.name, "")] = category.pk
            self.loaded[framework_id] = table
        return self.loaded[framework_id].get((level1, level2))

    def require(self, framework_id: int, item: IndicatorContent) -> int:
        found = self.get(framework_id, item.level1, item.level2)
        if found is None:
            raise DomainError(
                _("指标类别“%(category)s”不在这张表所用的指标体系中。")
                % {"category": item.level2 or item.level1}
            )
        return found


def set_fields(
    target: Project | PerformanceForm, content: FormContent, keys: Iterable[str]
) -> list[str]:
    """Copy the given fields of the content that live on ``target`` (a project or a form) onto
    it, organisations excepted (the caller resolves them). Returns the changed attributes."""
    which = "project" if isinstance(target, Project) else "form"
    changed = []
    for key in keys:
        spec = FIELD_BY_KEY[key]
        if spec.kind == "organization" or spec.model != which:
            continue
        value = spec.stored(content.get(key))
        if getattr(target, spec.attr) != value:
            setattr(target, spec.attr, value)
            changed.append(spec.attr)
    return changed


def new_indicator_rows(
    form: PerformanceForm, items: Sequence[IndicatorContent], categories: CategoryLookup
) -> list[Indicator]:
    """Unsaved rows for the indicators of a form being created (for one bulk insert)."""
    rows = []
    for order, item in enumerate(items):
        row = Indicator(form=form, order=order)
        _set_row(row, item, categories.require(form.framework_id, item))
        rows.append(row)
    return rows


def _set_row(row: Indicator, item: IndicatorContent, category_id: int) -> list[str]:
    changed = []
    if row.category_id != category_id:
        row.category_id = category_id
        changed.append("category")
    for spec in INDICATOR_FIELDS:
        value = getattr(item, spec.key)
        if getattr(row, spec.attr) != value:
            setattr(row, spec.attr, value)
            changed.append(spec.attr)
    row.set_parsed()
    return changed


def apply_indicators(
    form: PerformanceForm, items: Sequence[IndicatorContent], categories: CategoryLookup
) -> bool:
    """Make the form's indicator rows say ``items``, in that order, in place: a row that
    continues (``pair_indicators``) keeps its id and uid; only what changed is written.
    Returns whether anything changed."""
    rows = list(form.indicators.all())
    current = [indicator_content(row) for row in rows]
    changed = False
    new_rows: list[Indicator] = []
    for old, new in pair_indicators(current, items):
        if new is None:
            assert old is not None
            rows[old].delete()
            changed = True
            continue
        item = items[new]
        category_id = categories.require(form.framework_id, item)
        if old is None:
            row = Indicator(form=form, order=new)
            _set_row(row, item, category_id)
            new_rows.append(row)
            changed = True
            continue
        row = rows[old]
        fields = _set_row(row, item, category_id)
        if row.order != new:
            row.order = new
            fields.append("order")
        if fields:
            parsed = ["target_kind", "target_comparator", "target_number", "target_unit"]
            row.save(update_fields=[*fields, *parsed, "target_qualifier"])
            changed = True
    Indicator.objects.bulk_create(new_rows)
    if changed:  # the form's prefetched rows are stale now
        getattr(form, "_prefetched_objects_cache", {}).pop("indicators", None)
    return changed


# --------------------------------------------------------------------------- JSON


def to_json(content: FormContent, *, keys: Iterable[str] | None = None) -> dict[str, Any]:
    """The import JSON of a content (``keys`` limits the goals, details and amounts to those a
    layout carries; the project is always complete)."""
    wanted = set(ALL_KEYS if keys is None else keys)
    project = content.project
    return {
        "layout": content.layout,
        "project": {
            "name": project.name,
            "code": project.code,
            "department": project.department,
            "unit": project.unit,
            "type": project.type,
            "level": project.level,
            "start_year": project.start_year,
            "end_year": project.end_year,
            "duration_years": project.duration_years,
        },
        "fiscal_year": content.fiscal_year or None,
        "amounts": {k: f"{v:.2f}" for k, v in content.amounts.items() if f"amounts.{k}" in wanted},
        "amount_unit_label": content.amount_unit_label,
        "goals": {
            key.split(".")[1]: content.get(key)
            for key in ALL_KEYS
            if key.startswith("goals.") and key in wanted
        },
        "details": {
            key.split(".")[1]: content.get(key)
            for key in ALL_KEYS
            if key.startswith("details.") and key in wanted
        },
        "indicators": [_indicator_json(item) for item in content.indicators],
    }


def _indicator_json(item: IndicatorContent) -> dict[str, Any]:
    data: dict[str, Any] = {"level1": item.level1, "level2": item.level2}
    data.update({spec.key: getattr(item, spec.key) for spec in INDICATOR_FIELDS})
    if item.uid:
        data["uid"] = item.uid
    return data


class ContentError(DomainError):
    """A JSON document that is not a form's content; the message says where."""


def from_json(data: Any) -> FormContent:
    """The content of an import-JSON object. Raises ``ContentError`` naming the bad key."""
    if not isinstance(data, dict):
        raise ContentError(_("每张表应是一个 JSON 对象。"))
    project_data = data.get("project")
    if not isinstance(project_data, dict) or not str(project_data.get("name") or "").strip():
        raise ContentError(_("缺少项目名称（project.name）。"))
    project = ProjectContent(name=str(project_data["name"]))
    for key in ("code", "department", "unit", "type", "level"):
        setattr(project, key, _text(project_data.get(key), f"project.{key}"))
    for key in ("start_year", "end_year", "duration_years"):
        setattr(project, key, _int(project_data.get(key), f"project.{key}"))
    layout = data.get("layout") or "dongguan"
    if layout not in PerformanceForm.Layout.values:
        raise ContentError(_("未知的表样（layout）：%(value)s") % {"value": layout})
    year = _int(data.get("fiscal_year"), "fiscal_year")
    content = FormContent(project=project, fiscal_year=year or 0, layout=cast(LayoutKey, layout))
    content.amount_unit_label = _text(data.get("amount_unit_label"), "amount_unit_label")
    for section in ("amounts", "goals", "details"):
        values = data.get(section) or {}
        if not isinstance(values, dict):
            raise ContentError(_("“%(key)s”应是一个对象。") % {"key": section})
        for name, value in values.items():
            key = f"{section}.{name}"
            spec = FIELD_BY_KEY.get(key)
            if spec is None:
                raise ContentError(_("未知的字段：%(key)s") % {"key": key})
            content.set(key, _typed(spec, value))
    items = data.get("indicators") or []
    if not isinstance(items, list):
        raise ContentError(_("“indicators”应是一个列表。"))
    for number, item in enumerate(items, start=1):
        where = f"indicators[{number}]"
        if not isinstance(item, dict) or not item.get("level1"):
            raise ContentError(_("%(where)s 缺少一级指标（level1）。") % {"where": where})
        indicator = IndicatorContent(
            level1=_text(item.get("level1"), where),
            level2=_text(item.get("level2"), where),
            uid=_text(item.get("uid"), where),
        )
        for item_spec in INDICATOR_FIELDS:
            value = item.get(item_spec.key)
            if item_spec.key in ("core", "not_applicable"):
                setattr(indicator, item_spec.key, bool(value))
            else:
                setattr(indicator, item_spec.key, _text(value, f"{where}.{item_spec.key}"))
        content.indicators.append(indicator)
    return content


def _text(value: Any, where: str) -> str:
    if value is None:
        return ""
    if not isinstance(value, (str, int)):
        raise ContentError(_("“%(key)s”应是文字。") % {"key": where})
    return str(value)


def _int(value: Any, where: str) -> int | None:
    if value in (None, ""):
        return None
    try:
        return int(value)
    except (TypeError, ValueError):
        raise ContentError(_("“%(key)s”应是整数。") % {"key": where}) from None


def _typed(spec: FieldSpec, value: Any) -> Any:
    if spec.kind == "amount":
        if value in (None, ""):
            return None
        try:
            return Decimal(str(value))
        except InvalidOperation:
            raise ContentError(_("“%(key)s”应是金额。") % {"key": spec.key}) from None
    if spec.kind == "bool":
        return value if value in (None, True, False) else bool(value)
    if spec.kind == "int":
        return _int(value, spec.key)
    return _text(value, spec.key)


# --------------------------------------------------------------------------- diff


@dataclass(frozen=True)
class FieldChange:
    key: str
    label: str
    before: str
    after: str


@dataclass(frozen=True)
class IndicatorChange:
    kind: Literal["added", "removed", "changed"]
    uid: str
    label: str  # 数量指标／租用量 (the new row's, or the removed one's)
    fields: tuple[FieldChange, ...] = ()


@dataclass(frozen=True)
class ContentDiff:
    fields: tuple[FieldChange, ...]
    indicators: tuple[IndicatorChange, ...]
    reordered: bool = False

    def __bool__(self) -> bool:
        return bool(self.fields or self.indicators or self.reordered)

    @property
    def keys(self) -> list[str]:
        """The changed fields' keys, with ``indicators`` when any indicator changed."""
        keys = [change.key for change in self.fields]
        if self.indicators or self.reordered:
            keys.append("indicators")
        return keys


def shown(value: Any) -> str:
    """A value as a person reads it in a diff."""
    if value is None:
        return ""
    if value is True:
        return "是"
    if value is False:
        return "否"
    if isinstance(value, Decimal):
        return f"{value:,.2f}"
    return str(value)


def _same(spec: FieldSpec, before: Any, after: Any) -> bool:
    if spec.kind in ("text", "organization"):
        return (before or "") == (after or "")
    return bool(before == after)


def diff_content(
    old: FormContent, new: FormContent, *, keys: Iterable[str] | None = None
) -> ContentDiff:
    """What changed from ``old`` to ``new``: each field (of ``keys``, default all) and each
    indicator (paired by ``pair_indicators``), with Chinese labels."""
    fields = []
    for key in ALL_KEYS if keys is None else keys:
        spec = FIELD_BY_KEY[key]
        before, after = old.get(key), new.get(key)
        if not _same(spec, before, after):
            fields.append(FieldChange(key, spec.label, shown(before), shown(after)))
    changes = []
    order = []
    for i, j in pair_indicators(old.indicators, new.indicators):
        if j is None:
            assert i is not None
            gone = old.indicators[i]
            changes.append(IndicatorChange("removed", gone.uid, gone.label))
            continue
        item = new.indicators[j]
        if i is None:
            changes.append(IndicatorChange("added", item.uid, item.label))
            continue
        order.append(i)
        before_item = old.indicators[i]
        differences = _indicator_differences(before_item, item)
        if differences:
            uid = item.uid or before_item.uid
            changes.append(IndicatorChange("changed", uid, item.label, tuple(differences)))
    reordered = order != sorted(order)
    return ContentDiff(tuple(fields), tuple(changes), reordered)


def _indicator_differences(old: IndicatorContent, new: IndicatorContent) -> list[FieldChange]:
    differences = []
    if old.category != new.category:
        label = verbose_name(Indicator, "category")
        before = "／".join(part for part in old.category if part)
        after = "／".join(part for part in new.category if part)
        differences.append(FieldChange("category", label, before, after))
    for spec in INDICATOR_FIELDS:
        before, after = getattr(old, spec.key), getattr(new, spec.key)
        if before != after:
            differences.append(FieldChange(spec.key, spec.label, shown(before), shown(after)))
    return differences
