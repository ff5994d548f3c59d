"""What changed between two contents: field by field and indicator by indicator, with Chinese
labels (the import preview, the history, the review pages)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Literal

from projects.content.fields import (
    ALL_KEYS,
    FIELD_BY_KEY,
    INDICATOR_FIELDS,
    FieldSpec,
    verbose_name,
)
from projects.content.pairing import pair_indicators
from projects.content.types import FormContent, IndicatorContent
from projects.models import Indicator


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
