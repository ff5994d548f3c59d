"""A framework's categories (一级/二级指标), read once: the one per-framework cache that the
import, the roll-over, the editor's saves, the exports and the checks share.

``CategoryLookup`` reads each framework's categories in one query the first time it is asked
about that framework, and answers from memory after: the category id of a (level1, level2)
pair (``get``, ``require``), and the categories in print order (``in_order``), which the
layouts (``framework_categories``), the importer's name matching (``CategoryNames``) and the
checks (``framework_info``) each turn into what they need.
"""

from __future__ import annotations

from dataclasses import dataclass

from indicators.models import Category
from projects.content.types import IndicatorContent
from projects.errors import DomainError


@dataclass(frozen=True)
class FrameworkCategory:
    """A second-level category under its parent, or a first-level one with no children (it
    stands for itself: ``level2`` is empty), with the short names sheets print."""

    pk: int
    level1: str
    level2: str
    short1: str
    short2: str
    is_core: bool


@dataclass(frozen=True)
class _Framework:
    ids: dict[tuple[str, str], int]  # every category, a first-level one as (name, "")
    in_order: list[FrameworkCategory]


class CategoryLookup:
    """Each framework's categories, read once (one query per framework)."""

    def __init__(self) -> None:
        self.loaded: dict[int, _Framework] = {}

    def _framework(self, framework_id: int) -> _Framework:
        if framework_id not in self.loaded:
            rows = list(
                Category.objects.filter(framework_id=framework_id)
                .select_related("parent")
                .order_by("level", "order", "id")
            )
            ids = {
                (row.parent.name, row.name) if row.parent else (row.name, ""): row.pk
                for row in rows
            }
            in_order: list[FrameworkCategory] = []
            for top in (row for row in rows if row.level == 1):
                children = [row for row in rows if row.parent_id == top.pk]
                if not children:
                    in_order.append(
                        FrameworkCategory(top.pk, top.name, "", top.short_name, "", top.is_core)
                    )
                in_order += [
                    FrameworkCategory(
                        child.pk,
                        top.name,
                        child.name,
                        top.short_name,
                        child.short_name,
                        child.is_core,
                    )
                    for child in children
                ]
            self.loaded[framework_id] = _Framework(ids, in_order)
        return self.loaded[framework_id]

    def in_order(self, framework_id: int) -> list[FrameworkCategory]:
        """The framework's categories in print order: each second-level category under its
        parent; a first-level category with no children stands for itself."""
        return self._framework(framework_id).in_order

    def get(self, framework_id: int, level1: str, level2: str) -> int | None:
        return self._framework(framework_id).ids.get((level1, level2))

    def require(self, framework_id: int, item: IndicatorContent) -> int:
        found = self.get(framework_id, item.level1, item.level2)
        if found is None:
            raise DomainError(f"指标类别“{item.level2 or item.level1}”不在这张表所用的指标体系中。")
        return found
