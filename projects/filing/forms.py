"""The editor's Django forms: the header (the fields the form's layout prints), one row form per
indicator, and one 不适用 form per category. Each field's label and length limit come from the
model (``projects.content.FIELDS``); text is kept as typed (control characters removed), shown
escaped; numbers may carry thousands separators and full-width digits."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django import forms
from django.core.exceptions import ValidationError

from projects.content import FIELD_BY_KEY, FieldSpec, one_line
from projects.content.fields import EXPLANATION_LIMIT, TEXT_LIMIT
from projects.models import (
    AMOUNT_DIGITS,
    AMOUNT_PLACES,
    MAX_YEAR,
    MIN_YEAR,
    Indicator,
    PerformanceForm,
    Project,
)

WAN = Decimal(10000)
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
# what people put around an amount: spaces, thousands separators, a currency sign
_AMOUNT_TRASH = re.compile(r"[\s,，'’_¥￥]")
# a number as people type it (a decimal point, an exponent for the odd pasted 1E+06), then
# the unit they may name: 元, 万元 / 万, 亿元 / 亿
_AMOUNT = re.compile(
    r"(?P<sign>[+-]?)(?P<number>\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?(?P<unit>元|万元?|亿元?)?"
)
_UNITS = {"元": Decimal(1), "万": WAN, "万元": WAN, "亿": WAN * WAN, "亿元": WAN * WAN}
HOW_TO_WRITE = "请填写金额数字，如 240000 或 24万"
# a thousands separator that does not stand before exactly three digits (``1,2,3``), or one
# after the first group of more than three digits (``1234,567``), or in the decimals
_BAD_GROUPING = re.compile(r",(?!\d{3}(?:\D|$))|\d{4},|\.\d*,")


def clean_text(value: str) -> str:
    """Text as typed, without control characters (which no sheet or database keeps)."""
    return _CONTROL.sub("", value).strip()


class TextField(forms.CharField):
    def to_python(self, value: Any) -> str:
        return clean_text(super().to_python(value) or "")


class LineField(TextField):
    """A single-line field (a name, a code, a value): line breaks typed or pasted into it fold
    into spaces (``projects.content.one_line``), as the importer folds them."""

    def to_python(self, value: Any) -> str:
        return one_line(super().to_python(value))


@dataclass(frozen=True)
class TypedAmount:
    """An amount as typed: the number, and the unit when the text names one (``50万``)."""

    number: Decimal
    factor: Decimal | None = None

    def in_yuan(self, default_factor: Decimal) -> Decimal:
        return self.number * (self.factor if self.factor is not None else default_factor)

    def to_yuan(self, default_factor: Decimal) -> Decimal:
        """The amount in 元 as stored (to the 分); a ``ValidationError`` when it has finer
        parts (``12.345``, ``0.005``: refused, never rounded) or does not fit the column."""
        exact = self.in_yuan(default_factor)
        amount = exact.quantize(Decimal("0.01"))
        if amount >= Decimal(10) ** (AMOUNT_DIGITS - AMOUNT_PLACES):
            raise ValidationError("金额太大。")
        if amount != exact:
            raise ValidationError("金额最多精确到分（两位小数）。")
        return amount


def read_amount(value: str) -> TypedAmount | None:
    """An amount as people type it: ``699000``, ``1,234.5``, ``50万``, ``50 万元``, ``24.5万``,
    ``¥1,000``, full-width digits (``６９.９``). ``None`` for nothing typed; a
    ``ValidationError`` saying how to write it otherwise."""
    normal = unicodedata.normalize("NFKC", value)
    text = _AMOUNT_TRASH.sub("", normal)
    if not text:
        return None
    grouped = normal.replace("，", ",")
    if "," in grouped and _BAD_GROUPING.search(grouped):
        raise ValidationError(
            f"“{value.strip()}”的千位分隔符位置不对（应每三位一个，如 1,234,567.89）：{HOW_TO_WRITE}。"
        )
    found = _AMOUNT.fullmatch(text)
    if found is None:
        if re.search(r"[零〇一二两三四五六七八九十百千壹贰叁肆伍陆柒捌玖拾佰仟]", text):
            raise ValidationError(f"“{value.strip()}”是汉字数字：{HOW_TO_WRITE}。")
        raise ValidationError(f"“{value.strip()}”不是金额：{HOW_TO_WRITE}。")
    if found["sign"] == "-":
        raise ValidationError("金额不能为负数。")
    unit = found["unit"]
    number_text = text[found.start("sign") : found.end() - len(unit or "")].lstrip("+")
    number = Decimal(number_text)
    if number.adjusted() >= AMOUNT_DIGITS:  # before any arithmetic on a 1e40
        raise ValidationError("金额太大。")
    return TypedAmount(number, _UNITS[unit] if unit else None)


class AmountField(forms.Field):
    """An amount typed in 元 or 万元 (the header's unit, unless the text names its own: ``50万``),
    read by ``read_amount``; cleaned to a ``TypedAmount`` (the form converts to 元)."""

    MAX_TYPED = 40

    def __init__(self, **kwargs: Any) -> None:
        attrs = {"inputmode": "decimal", "class": "text-end amount", "maxlength": self.MAX_TYPED}
        kwargs.setdefault("widget", forms.TextInput(attrs=attrs))
        super().__init__(**kwargs)

    def to_python(self, value: Any) -> TypedAmount | None:
        text = "" if value in self.empty_values else str(value)
        if len(text) > self.MAX_TYPED:
            raise ValidationError("金额太长。")
        return read_amount(text)


def _label(spec: FieldSpec) -> str:
    return spec.label.replace("（元）", "").replace("，元）", "）")


def header_field(spec: FieldSpec) -> forms.Field:
    """The form field for one content field."""
    label = _label(spec)
    if spec.kind == "amount":
        return AmountField(label=label, required=False)
    if spec.kind == "bool":
        return forms.NullBooleanField(
            label=label,
            required=False,
            widget=forms.NullBooleanSelect(attrs={"class": "form-select"}),
        )
    if spec.kind == "int":
        if spec.key == "project.duration_years":
            return forms.IntegerField(label=label, required=False, min_value=1, max_value=50)
        return forms.IntegerField(
            label=label, required=False, min_value=MIN_YEAR, max_value=MAX_YEAR
        )
    if spec.key == "project.level":
        choices = [("", "—"), *PerformanceForm.Level.choices]
        return forms.ChoiceField(label=label, required=False, choices=choices)
    model_field = (Project if spec.model == "project" else PerformanceForm)._meta.get_field(
        spec.attr
    )
    limit = getattr(model_field, "max_length", None)
    if limit:
        return LineField(label=label, required=False, max_length=limit)
    return TextField(
        label=label,
        required=False,
        max_length=TEXT_LIMIT,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


def field_name(key: str) -> str:
    """``project.name`` → ``project__name`` (a form field name)."""
    return key.replace(".", "__")


class HeaderForm(forms.Form):
    """The form's own fields, those its layout prints; amounts in the chosen unit."""

    amount_unit = forms.ChoiceField(
        label="金额单位",
        choices=[("元", "元"), ("万元", "万元")],
        initial="元",
        help_text="金额按此单位填写，系统一律换算为元保存。",
    )

    def __init__(self, *args: Any, keys: tuple[str, ...], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.keys = keys
        for key in keys:
            self.fields[field_name(key)] = header_field(FIELD_BY_KEY[key])
        if not any(FIELD_BY_KEY[key].kind == "amount" for key in keys):
            del self.fields["amount_unit"]
        name = field_name("project.name")
        if name in self.fields:
            self.fields[name].required = True

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        start, end = cleaned.get("project__start_year"), cleaned.get("project__end_year")
        if start and end and start > end:
            self.add_error("project__end_year", "到期年度不能早于起始年度。")
        factor = WAN if cleaned.get("amount_unit") == "万元" else Decimal(1)
        for key in self.keys:
            name = field_name(key)
            if FIELD_BY_KEY[key].kind != "amount" or cleaned.get(name) is None:
                continue
            if "amount_unit" in self.errors:  # no unit to read the amount in
                del cleaned[name]
                continue
            try:
                cleaned[name] = cleaned[name].to_yuan(factor)
            except ValidationError as error:
                self.add_error(name, error)
        return cleaned

    def values(self) -> dict[str, Any]:
        """The cleaned values by content key (amounts in 元), of the fields that are valid: a
        field with an error is left out (the saved value stays)."""
        return {
            key: self.cleaned_data.get(field_name(key))
            for key in self.keys
            if field_name(key) in self.cleaned_data and field_name(key) not in self.errors
        }


def _limit(attr: str) -> int:
    return Indicator._meta.get_field(attr).max_length or EXPLANATION_LIMIT  # type: ignore[union-attr]


class IndicatorForm(forms.Form):
    """One indicator row. A row left blank is dropped; a row with values needs a name."""

    uid = forms.CharField(required=False, widget=forms.HiddenInput)
    category = forms.TypedChoiceField(label="指标类别", coerce=int)
    name = LineField(label="三级指标", required=False, max_length=_limit("name"))
    period_value = LineField(
        label="实施周期指标值", required=False, max_length=_limit("period_value")
    )
    annual_value = LineField(
        label="当年度指标值", required=False, max_length=_limit("annual_value")
    )
    value = LineField(label="指标值", required=False, max_length=_limit("value"))
    explanation = TextField(
        label="指标解释",
        required=False,
        max_length=EXPLANATION_LIMIT,
        widget=forms.Textarea(attrs={"rows": 1}),
    )
    core = forms.BooleanField(label="核心", required=False)

    VALUES = ("period_value", "annual_value", "value", "explanation")

    def __init__(self, *args: Any, categories: list[tuple[int, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["category"]
        assert isinstance(field, forms.TypedChoiceField)
        field.choices = categories
        field.widget.attrs["class"] = "form-select form-select-sm"

    @property
    def is_blank(self) -> bool:
        data = getattr(self, "cleaned_data", {})
        return not data.get("name") and not any(data.get(key) for key in self.VALUES)

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if not cleaned.get("name") and any(cleaned.get(key) for key in self.VALUES):
            self.add_error("name", "请填写三级指标名称。")
        return cleaned


# The most indicators a form holds, and the most rows its editor page draws and reads: the
# indicators, one blank row per category, rows added or pasted before a save.
INDICATOR_LIMIT = 500
ROW_LIMIT = 600


class BaseIndicatorFormSet(forms.BaseFormSet[IndicatorForm]):
    def __init__(self, *args: Any, categories: list[tuple[int, str]], **kwargs: Any) -> None:
        self.categories = categories
        super().__init__(*args, **kwargs)

    def get_form_kwargs(self, index: int | None) -> dict[str, Any]:
        return {**super().get_form_kwargs(index), "categories": self.categories}

    def clean(self) -> None:
        """At most ``INDICATOR_LIMIT`` indicators; blank rows (one a category) do not count."""
        filled = sum(
            1
            for row in self.forms
            if not row.is_blank and not getattr(row, "cleaned_data", {}).get("DELETE")
        )
        if filled > INDICATOR_LIMIT:
            raise ValidationError(
                f"一张表最多 {INDICATOR_LIMIT} 个指标，现有 {filled} 个：请删去多余的指标。"
            )


IndicatorFormSet: type[BaseIndicatorFormSet] = forms.formset_factory(  # type: ignore[assignment]
    IndicatorForm,
    formset=BaseIndicatorFormSet,
    extra=0,
    can_order=True,
    can_delete=True,
    max_num=ROW_LIMIT,
    absolute_max=ROW_LIMIT,
)


class CategoryForm(forms.Form):
    """One category of the indicator table: declared 不适用 (with the reason), and rows pasted
    from Excel (tab-separated: 三级指标, then the values in the layout's column order)."""

    marked = forms.BooleanField(label="不适用", required=False)
    reason = TextField(label="不适用的理由", required=False, max_length=EXPLANATION_LIMIT)
    paste = forms.CharField(
        label="从 Excel 粘贴",
        required=False,
        max_length=100_000,
        strip=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="每行一个指标：三级指标、指标值……用制表符分隔（从 Excel 复制即是）。",
    )

    def __init__(self, *args: Any, columns: tuple[str, ...], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.columns = columns  # the value columns after 三级指标, e.g. period_value, annual_value

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if cleaned.get("marked") and not cleaned.get("reason"):
            self.add_error("reason", "请说明不适用的理由。")
        cleaned["rows"] = self._pasted(cleaned.get("paste") or "")
        return cleaned

    def _pasted(self, text: str) -> list[dict[str, str]]:
        rows = []
        for number, line in enumerate(text.splitlines(), start=1):
            cells = [clean_text(cell) for cell in line.split("\t")]
            if not any(cells):
                continue
            row = dict(zip(("name", *self.columns), cells, strict=False))
            for key, text_value in row.items():
                limit = _limit(key) if key != "explanation" else EXPLANATION_LIMIT
                if len(text_value) > limit:
                    self.add_error(
                        "paste",
                        f"第 {number} 行的内容超过 {limit} 个字。",
                    )
            if not row.get("name"):
                self.add_error("paste", f"第 {number} 行没有三级指标名称。")
            rows.append(row)
        return rows


class NewFormForm(forms.Form):
    """A new project of the filer's unit and its first form."""

    unit = forms.TypedChoiceField(label="用款单位", coerce=int)
    name = LineField(label="项目名称", max_length=Project._meta.get_field("name").max_length or 300)
    fiscal_year = forms.IntegerField(label="预算年度", min_value=MIN_YEAR, max_value=MAX_YEAR)
    layout = forms.ChoiceField(label="表样")

    def __init__(
        self,
        *args: Any,
        units: list[tuple[int, str]],
        layouts: list[tuple[str, str]],
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        unit_field = self.fields["unit"]
        assert isinstance(unit_field, forms.TypedChoiceField)
        unit_field.choices = units
        layout_field = self.fields["layout"]
        assert isinstance(layout_field, forms.ChoiceField)
        layout_field.choices = layouts


def field_value(form: Any, name: str) -> Any:
    """What a field of the form (a Django form, or what stands for one: the editor's
    ``InitialRow``) shows, as ``BoundField.value()`` says it (the posted value of a bound
    form, else the initial one), without making the bound field."""
    field = form.fields[name]
    value = form.get_initial_for_field(field, name)
    if form.is_bound:
        posted = field.widget.value_from_datadict(form.data, form.files, form.add_prefix(name))
        value = field.bound_data(posted, value)
    return field.prepare_value(value)
