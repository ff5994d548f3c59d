"""The review page as a workspace: the official table with each commented row marked and its
thread beside it, and the form's place in the reviewer's queue (第 12 / 240 张, the previous
and the next form), so that a reviewer reads, comments, grades and decides on one screen and
moves on to the next form."""

from __future__ import annotations

from dataclasses import dataclass, field
from urllib.parse import urlencode

from django.db.models import Count, F, RowRange, Window
from django.db.models.functions import FirstValue, Lag, Lead, RowNumber
from django.http import QueryDict

from projects.content import FIELD_BY_KEY
from projects.layouts import Grid
from projects.layouts.grid import Cell, Row
from projects.models import Comment, PerformanceForm
from projects.permissions import Actor
from projects.review.queue_filters import filter_query, filtered_queue

# --------------------------------------------------------------------------- threads

SHORT_VALUE = 12  # characters: a target value this short is kept on one line

STATES = {"open": "待答复", "answered": "已答复", "resolved": "已解决"}


def target_of(comment: Comment) -> str:
    """What a comment is on, as the table's cells name it: ``i:<uid>``, ``f:<key>``, or ``""``
    for the whole form."""
    if comment.indicator_id is not None:
        assert comment.indicator is not None
        return f"i:{comment.indicator.uid}"
    return f"f:{comment.field}" if comment.field else ""


@dataclass
class Thread:
    """The comments on one target (an indicator, a field, the whole form), open ones first."""

    target: str
    label: str
    comments: list[Comment] = field(default_factory=list)

    @property
    def state(self) -> str:
        """``open`` while an open comment waits for the unit's answer, ``answered`` when every
        open one has its answer, ``resolved`` when the reviewers resolved them all."""
        opened = [comment for comment in self.comments if comment.is_open]
        if not opened:
            return "resolved"
        return "answered" if all(comment.answer for comment in opened) else "open"

    @property
    def state_label(self) -> str:
        return STATES[self.state]

    @property
    def open_count(self) -> int:
        return sum(1 for comment in self.comments if comment.is_open)


def target_label(target: str, comment: Comment | None = None) -> str:
    """How the page names a target: 二级指标／三级指标, the field's label, or 整张表."""
    if target.startswith("i:") and comment is not None and comment.indicator is not None:
        indicator = comment.indicator
        return f"{indicator.category.name}／{indicator.name or '不适用'}"
    if target.startswith("f:"):
        spec = FIELD_BY_KEY.get(target[2:])
        return str(spec.label) if spec else target[2:]
    return "整张表"


def threads_of(comments: list[Comment]) -> dict[str, Thread]:
    """The comments grouped by what they are on, in the order given."""
    threads: dict[str, Thread] = {}
    for comment in comments:
        target = target_of(comment)
        if target not in threads:
            threads[target] = Thread(target, target_label(target, comment))
        threads[target].comments.append(comment)
    return threads


@dataclass
class WorkCell:
    cell: Cell
    target: str  # clickable to comment (or to read its thread): the cell's target
    state: str  # the target's thread's state ("" without comments)
    label: str  # what the comment box says it is on
    rowspan: int = 1  # the cell's, plus the thread rows drawn inside its span
    badge: bool = False  # the first cell of its target in the table: marked with the state

    @property
    def state_label(self) -> str:
        return STATES.get(self.state, "")

    @property
    def short_value(self) -> bool:
        """A target value short enough to keep on one line (``≥99%`` never breaks)."""
        return bool(self.cell.hint) and len(self.cell.text) <= SHORT_VALUE


@dataclass
class Extra:
    """A row drawn under a row of the table: a thread (``thread``), or the slot the comment
    box opens in (``thread`` None). It starts after the cells whose span runs past it
    (``lead`` columns: the category labels on the left) and fills the rest."""

    thread: Thread | None
    lead: int
    colspan: int
    box: bool = False  # the slot that holds the box now (a refused comment, drawn in place)


@dataclass
class WorkRow:
    cells: list[WorkCell]
    target: str  # the one target of the row (an indicator's), "" for several or none
    starts: list[str]  # the targets that first appear in this row
    extras: list[Extra] = field(default_factory=list)

    @property
    def label(self) -> str:
        return next((cell.label for cell in self.cells if cell.target == self.target), "")

    @property
    def state(self) -> str:
        return next((cell.state for cell in self.cells if cell.target == self.target), "")

    @property
    def threads(self) -> list[Thread]:
        return [extra.thread for extra in self.extras if extra.thread is not None]


def workspace_rows(
    grid: Grid,
    threads: dict[str, Thread],
    labels: dict[str, str],
    commentable: set[str],
    *,
    slots: bool = False,
    box_target: str = "",
) -> list[list[WorkRow]]:
    """The grid's row groups, each cell with its comment target (those the reviewers may
    comment on) and its thread's state, each row with what is drawn under it: the threads of
    the targets it starts, and (``slots``: for a reviewer) the slot the comment box opens in.
    A cell whose span runs past those rows spans them too, so the table keeps its shape. A
    thread whose target the table does not show is left to the list under the table
    (``loose_threads``)."""
    seen: set[str] = set()
    work = [_work_row(row, threads, labels, commentable, seen) for row in grid.rows]
    spans = [
        (r, c, cell, work[r].cells[i])
        for r, placed in enumerate(grid.positions())
        for i, (c, cell) in enumerate(placed)
    ]
    for r, drawn in enumerate(work):
        wanted: list[Thread | None] = [threads[t] for t in drawn.starts if t in threads]
        if slots and drawn.starts:
            wanted.append(None)
        if not wanted:
            continue
        crossing = [(c, cell, wc) for r0, c, cell, wc in spans if r0 <= r < r0 + cell.rowspan - 1]
        lead = max((c + cell.colspan for c, cell, _wc in crossing), default=0)
        if lead >= grid.columns:
            continue  # nothing left to draw in: the threads go under the table
        for _c, _cell, wc in crossing:
            wc.rowspan += len(wanted)
        drawn.extras = [
            Extra(t, lead, grid.columns - lead, box=t is None and box_target in drawn.starts)
            for t in wanted
        ]
    by_row = {id(row): work[r] for r, row in enumerate(grid.rows)}
    return [[by_row[id(row)] for row in group] for group in grid.groups()]


def _work_row(
    row: Row,
    threads: dict[str, Thread],
    labels: dict[str, str],
    commentable: set[str],
    seen: set[str],
) -> WorkRow:
    cells = []
    targets: list[str] = []
    for cell in row.cells:
        target = cell.target if _may_target(cell.target, commentable) else ""
        thread = threads.get(target) if target else None
        cells.append(
            WorkCell(
                cell, target, thread.state if thread else "", labels.get(target, ""), cell.rowspan
            )
        )
        if target and target not in targets:
            targets.append(target)
    started = [t for t in targets if t not in seen]
    seen.update(started)
    for target in started:
        first = next(cell for cell in cells if cell.target == target)
        first.badge = bool(first.state)
    only = targets[0] if len(targets) == 1 and targets[0].startswith("i:") else ""
    return WorkRow(cells, only, started)


def _may_target(target: str, commentable: set[str]) -> bool:
    return bool(target) and (target.startswith("i:") or target in commentable)


def loose_threads(threads: dict[str, Thread], groups: list[list[WorkRow]]) -> list[Thread]:
    """The threads not drawn under a row of the table: the whole form's first."""
    drawn = {thread.target for rows in groups for row in rows for thread in row.threads}
    loose = [thread for target, thread in threads.items() if target not in drawn]
    return sorted(loose, key=lambda thread: thread.target != "")


def row_labels(grid: Grid, indicator_names: dict[str, str]) -> dict[str, str]:
    """What the comment box says it is on, per target of the table."""
    labels: dict[str, str] = {}
    for row in grid.rows:
        for cell in row.cells:
            if cell.target and cell.target not in labels:
                if cell.target.startswith("i:"):
                    labels[cell.target] = indicator_names.get(cell.target, cell.text)
                else:
                    labels[cell.target] = target_label(cell.target)
    return labels


# --------------------------------------------------------------------------- the queue


@dataclass(frozen=True)
class QueuePlace:
    """Where the form stands in the reviewer's queue (as filtered on the queue page): its
    position, how many wait, the previous and next forms' ids, and the filters, to keep."""

    position: int
    total: int
    previous: int | None
    next: int | None
    query: str  # the queue's filters, as a query string ("" for none)

    @property
    def param(self) -> str:
        """What a link to another form of the queue appends to keep the filters."""
        return f"?{urlencode({'queue': self.query})}" if self.query else ""


def queue_place(actor: Actor, form: PerformanceForm, params: QueryDict) -> QueuePlace | None:
    """The form's place in the actor's queue filtered by ``params`` (``None`` when the form is
    not waiting in it). One query: each waiting form numbered in the queue's order, with its
    neighbours, and only the row of this form kept."""
    forms, filters = filtered_queue(actor, params, mark_overdue=False)
    order = [F("waiting_since").asc(), F("id").asc()]
    row = (
        forms.order_by()
        .annotate(
            place=Window(RowNumber(), order_by=order),
            before=Window(Lag("id"), order_by=order),
            after=Window(Lead("id"), order_by=order),
            total=Window(Count("id")),
            # the form's own id as a window value: a filter on it is applied after the
            # numbering (a filter on ``id`` itself would number the one row alone); over a
            # frame of the row alone, in the same order as the others (no sort of its own)
            this=Window(FirstValue("id"), order_by=order, frame=RowRange(start=0, end=0)),
        )
        .filter(this=form.pk)
        .values("place", "before", "after", "total")
        .first()
    )
    if row is None:
        return None
    return QueuePlace(
        row["place"], row["total"], row["before"], row["after"], filter_query(filters)
    )


def queue_params(value: str) -> QueryDict:
    """The queue's filters carried by a review page's ``queue`` parameter."""
    return QueryDict(value[:500])
