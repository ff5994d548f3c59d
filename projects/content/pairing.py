"""Which indicator row a new version of an indicator continues (for applying and diffing)."""

from __future__ import annotations

from collections.abc import Sequence

from projects.content.types import IndicatorContent


def pair_indicators(
    old: Sequence[IndicatorContent],
    new: Sequence[IndicatorContent],
    *,
    by_position: bool = True,
) -> list[tuple[int | None, int | None]]:
    """Which old row each new indicator continues: by uid where the new one has one, else by
    category and name, else by position among the unpaired rows of its category. Returns
    (old index, new index) pairs in the new order, then the old rows left over (removed).
    ``by_position=False`` (the editor, which knows its rows' uids) pairs no row by position: a
    row typed into a blank line is new, even where a row of its category was deleted."""
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
        if not by_position or j in partner or item.uid:
            continue
        for i, candidate in enumerate(old):
            if i not in taken and candidate.category == item.category:
                partner[j] = i
                taken.add(i)
                break
    pairs: list[tuple[int | None, int | None]] = [(partner.get(j), j) for j in range(len(new))]
    pairs += [(i, None) for i in range(len(old)) if i not in taken]
    return pairs
