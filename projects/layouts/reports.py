"""The printed tables of the performance cycle, each described once: the 项目支出绩效自评表 (in
the arrangement of 财政部's 项目支出绩效自评表) and the 项目支出绩效运行监控表.

``REPORT_TABLES`` holds them by ``Report.Kind`` value. Each ``ReportTable`` has its labels, column
widths and print style (a ``Layout``, not registered among the forms' layouts: a report is not a
绩效目标表 and is never imported as one) and its builder, which lays a report's figures
(``ReportFigures``, layout-neutral: what was approved, what the unit typed, what was computed)
out as a ``Grid`` and says which of its cells are entries (``Entry``: what the unit fills in, by
key) and which the reader compares (``ReportGrid.checked``: the labels, the project, each
indicator's names and target). The PDF and the xlsx writers print the grid; the sheet reader
builds the same grid for the report it is given and reads the entries at their cells, so the
writer and the reader cannot drift apart.

Amounts print in 元 (the unit they are kept in), so that a sheet read back gives the amounts it
was printed with, to the cent; the labels say so (``项目资金（元）``).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Literal

from projects.layouts.base import NOT_APPLICABLE, Label, Layout
from projects.layouts.formats import format_thousands
from projects.layouts.grid import Cell, CellRole, Grid, Row, merge_repeats
from projects.models import Report, ReportLine

# The rows of the self-evaluation's funds block, by key (the total first), and its amount
# columns: the keys of ``Report.fund_rows`` and ``ReportInput.fund_rows``.
FUND_ROWS: tuple[tuple[str, str], ...] = (
    ("total", "年度资金总额"),
    ("fiscal", "其中：当年财政拨款"),
    ("carried", "上年结转资金"),
    ("other", "其他资金"),
)
FUND_COLUMNS: tuple[tuple[str, str], ...] = (
    ("initial", "年初预算数"),
    ("annual", "全年预算数"),
    ("executed", "全年执行数"),
)
LIKELIHOODS: tuple[str, ...] = tuple(ReportLine.Likelihood.values)
REASON_KINDS: tuple[str, ...] = tuple(ReportLine.ReasonKind.values)
JUDGEMENTS: tuple[str, ...] = tuple(ReportLine.Achieved.values)
BUDGET_POINTS = "10"
TOTAL_POINTS = "100"
NOT_SCORED = "—"

SHEET_NOTE_ROWS = 1  # the sheet's note is in the row below the table
SHEET_VERSION = re.compile(r"系统中这张表的第\s*(\d{1,9})\s*版")
_FILL_IN = (
    "填表说明：请在空白格中填写，其余内容请勿改动，也不要增删行列。"
    "金额以元为单位，可写作“650000”“1,234.5”或“65万”。"
)

EntryKind = Literal["amount", "text", "choice", "judgement"]


@dataclass(frozen=True)
class LineFigures:
    """One indicator of a report: the approved target and what was reported against it."""

    level1: str
    level2: str
    name: str
    target: str
    not_applicable: bool = False
    qualitative: bool = False  # judged 达成 / 部分达成 / 未达成, not measured
    actual: str = ""
    projected: str = ""
    likelihood: str = ""
    achieved: str = ""
    reason_kind: str = ""
    reason: str = ""
    measures: str = ""
    weight: Decimal | None = None
    score: Decimal | None = None


@dataclass(frozen=True)
class ReportFigures:
    """What a report's table prints: the project, the funds (in 元), the goal, the lines and
    what was computed from them."""

    kind: str  # a ``Report.Kind`` value
    fiscal_year: int
    months: int
    project: str
    department: str
    unit: str
    goal: str = ""
    goal_actual: str = ""
    # {"total" | "fiscal" | "carried" | "other": {"initial" | "annual" | "executed": 元}}
    funds: dict[str, dict[str, Decimal | None]] = field(default_factory=dict)
    rates: dict[str, Decimal | None] = field(default_factory=dict)  # 执行率 (%) by fund row
    budget_score: Decimal | None = None
    light: str = ""  # the monitoring's 预警, as its label says it
    total: Decimal | None = None
    grade: str = ""
    no_total: str = ""  # why there is no total (printed in its place)
    lines: tuple[LineFigures, ...] = ()


@dataclass(frozen=True)
class Entry:
    """A cell the unit fills in: its key (``funds.total.annual``, ``goal_actual``,
    ``line.3.reason``) and what it takes."""

    key: str
    kind: EntryKind
    label: str  # what the cell is, in a message (全年预算数, 完成目标可能性)
    choices: tuple[str, ...] = ()

    @property
    def line(self) -> int | None:
        """The index of the line it belongs to (None for the funds and the goal)."""
        parts = self.key.split(".")
        return int(parts[1]) if parts[0] == "line" else None

    @property
    def attribute(self) -> str:
        """The ``LineInput`` field (or the report's) it fills."""
        return self.key.rsplit(".", 1)[-1]


@dataclass
class ReportGrid:
    """A report's table: the grid, and by (grid row, column) its entry cells and the cells
    the reader compares with what it expects (their printed text)."""

    grid: Grid
    entries: dict[tuple[int, int], Entry]
    checked: dict[tuple[int, int], str]
    line_rows: dict[int, int]  # the grid row of each line, by the line's index


@dataclass(frozen=True)
class ReportTable:
    kind: str
    layout: Layout
    sheet_name: str
    builder: Callable[[ReportTable, ReportFigures], ReportGrid] = field(compare=False, repr=False)
    # How to fill the sheet in, printed below the table in the xlsx only, with the report's
    # version the sheet was printed from (``第 3 版``: ``SHEET_VERSION`` reads it back).
    sheet_note: str = ""

    def title(self, figures: ReportFigures) -> str:
        return self.layout.title.format(year=figures.fiscal_year, months=figures.months)

    def text(self, key: str, figures: ReportFigures) -> str:
        return self.layout.text(key, year=figures.fiscal_year, months=figures.months)

    def build(self, figures: ReportFigures) -> ReportGrid:
        return self.builder(self, figures)


class _Builder:
    """Rows of a report's table, with the cells marked as entries or to be checked; the marks
    become grid positions when the grid is done."""

    def __init__(self, table: ReportTable, figures: ReportFigures) -> None:
        self.table, self.figures = table, figures
        self.rows: list[Row] = []
        # by id(cell); each holds its cell too, so that no id is reused while the grid is
        # built (a cell a merge leaves out could otherwise be freed and its id given again)
        self._entries: dict[int, tuple[Cell, Entry]] = {}
        self._checked: dict[int, tuple[Cell, str]] = {}
        self._lines: dict[int, tuple[Cell, int]] = {}  # a line's 三级指标 cell: its index

    def label(self, key: str, colspan: int = 1, rowspan: int = 1, role: CellRole = "label") -> Cell:
        text = self.table.text(key, self.figures)
        cell = Cell(text, colspan=colspan, rowspan=rowspan, role=role)
        self._checked[id(cell)] = (cell, text)
        return cell

    def fixed(self, text: str, colspan: int = 1, role: CellRole = "value") -> Cell:
        """A value the reader compares (the project, an indicator's names and target)."""
        cell = Cell(text, colspan=colspan, role=role)
        self._checked[id(cell)] = (cell, text)
        return cell

    def entry(
        self,
        key: str,
        text: str,
        kind: EntryKind,
        label: str,
        *,
        colspan: int = 1,
        role: CellRole = "value",
        choices: tuple[str, ...] = (),
    ) -> Cell:
        cell = Cell(text, colspan=colspan, role=role)
        self._entries[id(cell)] = (cell, Entry(key, kind, label, choices))
        return cell

    def amount(self, key: str, amount: Decimal | None, label: str, colspan: int = 1) -> Cell:
        return self.entry(
            key, format_thousands(amount), "amount", label, colspan=colspan, role="number"
        )

    def add(self, cells: list[Cell], group: int) -> None:
        self.rows.append(Row(cells, group))

    def mark_line(self, cell: Cell, index: int) -> None:
        self._lines[id(cell)] = (cell, index)

    def done(self, head_row: int) -> ReportGrid:
        layout = self.table.layout
        grid = Grid(
            layout=layout,
            title=self.table.title(self.figures),
            columns=len(layout.widths),
            rows=self.rows,
            repeat_row=head_row,
        )
        entries: dict[tuple[int, int], Entry] = {}
        checked: dict[tuple[int, int], str] = {}
        line_rows: dict[int, int] = {}
        for r, row in enumerate(grid.positions()):
            for c, cell in row:
                if id(cell) in self._entries:
                    entries[(r, c)] = self._entries[id(cell)][1]
                if id(cell) in self._checked:
                    checked[(r, c)] = self._checked[id(cell)][1]
                if id(cell) in self._lines:
                    line_rows[self._lines[id(cell)][1]] = r
        return ReportGrid(grid, entries, checked, line_rows)


def _rate(rate: Decimal | None) -> str:
    return "" if rate is None else f"{rate}%"


def _points(value: Decimal | None) -> str:
    return "" if value is None else f"{value}"


def judged_actual(line: LineFigures) -> str:
    """The 实际完成值 cell of a self-evaluation: the value reached, or for a qualitative target
    the judgement (``达成``), after what was reached when both are given (``运行良好（达成）``)."""
    if line.qualitative and line.achieved:
        return f"{line.actual}（{line.achieved}）" if line.actual else line.achieved
    return line.actual


# --------------------------------------------------------------------------- 绩效自评表


def _self_evaluation(table: ReportTable, figures: ReportFigures) -> ReportGrid:
    b = _Builder(table, figures)
    b.add([Cell(table.title(figures), colspan=9, role="title")], 0)
    b.add([b.label("project.name"), b.fixed(figures.project, colspan=8)], 1)
    b.add(
        [
            b.label("project.department"),
            b.fixed(figures.department, colspan=3),
            b.label("project.unit", colspan=2),
            b.fixed(figures.unit, colspan=3),
        ],
        1,
    )
    heads = [b.label(key, role="head") for key in ("initial", "annual", "executed")]
    heads += [b.label(key, role="head") for key in ("points", "rate", "score")]
    b.add([b.label("funds", rowspan=5), Cell("", colspan=2, role="label"), *heads], 2)
    for row, _text in FUND_ROWS:
        amounts = figures.funds.get(row, {})
        cells = [b.label(f"funds.{row}", colspan=2)]
        for column, column_label in FUND_COLUMNS:
            label = f"{b.table.text(f'funds.{row}', figures).removeprefix('其中：')}{column_label}"
            cells.append(b.amount(f"funds.{row}.{column}", amounts.get(column), label))
        total = row == "total"
        cells += [
            Cell(BUDGET_POINTS, role="number") if total else Cell(NOT_SCORED, role="label"),
            Cell(_rate(figures.rates.get(row)), role="number"),
            Cell(_points(figures.budget_score), role="number")
            if total
            else Cell(NOT_SCORED, role="label"),
        ]
        b.add(cells, 2)
    b.add(
        [
            b.label("goal", rowspan=2),
            b.label("goal.expected", colspan=4),
            b.label("goal.actual", colspan=4),
        ],
        3,
    )
    b.add(
        [
            Cell(figures.goal, colspan=4),
            b.entry(
                "goal_actual",
                figures.goal_actual,
                "text",
                b.table.text("goal.actual", figures),
                colspan=4,
            ),
        ],
        3,
    )
    head_row = len(b.rows)
    heads = [b.label(label.key, role="head") for label in table.layout.columns]
    b.add([b.label("indicators", rowspan=len(figures.lines) + 1), *heads], 4)
    body: list[list[Cell]] = []
    groups: list[int] = []
    level1s: list[str] = []
    for index, line in enumerate(figures.lines):
        if line.level1 not in level1s:
            level1s.append(line.level1)
        name = b.fixed(line.name)
        b.mark_line(name, index)
        prefix = f"line.{index}"
        if line.not_applicable:
            values = [
                Cell(NOT_APPLICABLE),
                Cell("", role="number"),
                Cell("", role="number"),
                Cell(""),
            ]
        else:
            kind: EntryKind = "judgement" if line.qualitative else "text"
            values = [
                b.entry(
                    f"{prefix}.actual",
                    judged_actual(line),
                    kind,
                    "实际完成值",
                    choices=JUDGEMENTS if line.qualitative else (),
                ),
                Cell(_points(line.weight), role="number"),
                Cell(_points(line.score), role="number"),
                b.entry(f"{prefix}.reason", line.reason, "text", "偏差原因分析及改进措施"),
            ]
        body.append(
            [
                b.fixed(line.level1, role="label"),
                b.fixed(line.level2, role="label"),
                name,
                b.fixed(line.target or (NOT_APPLICABLE if line.not_applicable else "")),
                *values,
            ]
        )
        groups.append(5 + level1s.index(line.level1))
    b.rows += merge_repeats(body, groups, columns=(0, 1))
    end = 5 + len(level1s)
    if figures.total is not None:
        scored = [Cell(f"{figures.total}", role="number"), Cell("")]
    else:
        scored = [Cell("无法计算", role="value"), Cell(figures.no_total)]
    b.add([b.label("total", colspan=6), Cell(TOTAL_POINTS, role="number"), *scored], end)
    b.add([b.label("grade", colspan=6), Cell(figures.grade or NOT_SCORED, colspan=3)], end)
    return b.done(head_row)


SELF_EVALUATION_TABLE = ReportTable(
    kind=Report.Kind.SELF_EVALUATION.value,
    sheet_name="绩效自评表",
    builder=_self_evaluation,
    sheet_note=_FILL_IN
    + "定性指标的实际完成值填写 达成、部分达成 或 未达成，可在前面写明完成情况，"
    "如“运行良好（达成）”。得分、总分和等级由系统计算。本表下载自系统中这张表的第 {version} 版。",
    layout=Layout(
        key="self_evaluation",
        name="绩效自评",
        label="项目支出绩效自评表",
        title="（{year}年度）项目支出绩效自评表",
        header=(
            Label("project.name", "项目名称"),
            Label("project.department", "主管部门"),
            Label("project.unit", "实施单位"),
        ),
        block_labels={
            "funds": Label("funds", "项目资金（元）"),
            "funds.total": Label("funds.total", "年度资金总额"),
            "funds.fiscal": Label("funds.fiscal", "其中：当年财政拨款"),
            "funds.carried": Label("funds.carried", "上年结转资金"),
            "funds.other": Label("funds.other", "其他资金"),
            "initial": Label("initial", "年初预算数"),
            "annual": Label("annual", "全年预算数"),
            "executed": Label("executed", "全年执行数"),
            "points": Label("points", "分值"),
            "rate": Label("rate", "执行率"),
            "score": Label("score", "得分"),
            "goal": Label("goal", "年度总体目标"),
            "goal.expected": Label("goal.expected", "预期目标"),
            "goal.actual": Label("goal.actual", "实际完成情况"),
            "indicators": Label("indicators", "绩效指标"),
            "total": Label("total", "总分"),
            "grade": Label("grade", "自评等级"),
        },
        columns=(
            Label("level1", "一级指标"),
            Label("level2", "二级指标"),
            Label("name", "三级指标"),
            Label("target", "年度指标值"),
            Label("actual", "实际完成值"),
            Label("weight", "分值"),
            Label("line_score", "得分"),
            Label("reason", "偏差原因分析及改进措施"),
        ),
        widths=(10, 11, 12, 15, 15, 15, 7, 10, 16),
        font_pt=9.5,
    ),
)


# --------------------------------------------------------------------------- 运行监控表


def _monitoring(table: ReportTable, figures: ReportFigures) -> ReportGrid:
    b = _Builder(table, figures)
    b.add([Cell(table.title(figures), colspan=10, role="title")], 0)
    b.add([b.label("project.name", colspan=2), b.fixed(figures.project, colspan=8)], 1)
    b.add(
        [
            b.label("project.department", colspan=2),
            b.fixed(figures.department, colspan=3),
            b.label("project.unit", colspan=2),
            b.fixed(figures.unit, colspan=3),
        ],
        1,
    )
    heads = [
        b.label(key, colspan=2, role="head") for key in ("annual", "executed", "rate", "light")
    ]
    b.add([b.label("funds", colspan=2, rowspan=2), *heads], 2)
    total = figures.funds.get("total", {})
    b.add(
        [
            b.amount("funds.total.annual", total.get("annual"), b.table.text("annual", figures), 2),
            b.amount(
                "funds.total.executed", total.get("executed"), b.table.text("executed", figures), 2
            ),
            Cell(_rate(figures.rates.get("total")), colspan=2, role="number"),
            Cell(figures.light, colspan=2),
        ],
        2,
    )
    b.add([b.label("goal", colspan=2), Cell(figures.goal, colspan=8, role="text")], 3)
    head_row = len(b.rows)
    b.add([b.label(label.key, role="head") for label in table.layout.columns], 4)
    body: list[list[Cell]] = []
    groups: list[int] = []
    level1s: list[str] = []
    for index, line in enumerate(figures.lines):
        if line.level1 not in level1s:
            level1s.append(line.level1)
        name = b.fixed(line.name)
        b.mark_line(name, index)
        prefix = f"line.{index}"
        if line.not_applicable:
            values = [Cell(NOT_APPLICABLE), *(Cell("") for _ in range(5))]
        else:
            values = [
                b.entry(f"{prefix}.actual", line.actual, "text", b.table.text("actual", figures)),
                b.entry(f"{prefix}.projected", line.projected, "text", "全年预计完成值"),
                b.entry(
                    f"{prefix}.likelihood",
                    line.likelihood,
                    "choice",
                    "完成目标可能性",
                    choices=LIKELIHOODS,
                ),
                b.entry(
                    f"{prefix}.reason_kind",
                    line.reason_kind,
                    "choice",
                    "偏差原因类型",
                    choices=REASON_KINDS,
                ),
                b.entry(f"{prefix}.reason", line.reason, "text", "偏差原因说明"),
                b.entry(f"{prefix}.measures", line.measures, "text", "纠偏措施"),
            ]
        body.append(
            [
                b.fixed(line.level1, role="label"),
                b.fixed(line.level2, role="label"),
                name,
                b.fixed(line.target or (NOT_APPLICABLE if line.not_applicable else "")),
                *values,
            ]
        )
        groups.append(5 + level1s.index(line.level1))
    b.rows += merge_repeats(body, groups, columns=(0, 1))
    return b.done(head_row)


MONITORING_TABLE = ReportTable(
    kind=Report.Kind.MONITORING.value,
    sheet_name="运行监控表",
    builder=_monitoring,
    sheet_note=_FILL_IN + "完成目标可能性和偏差原因类型请从列表中选择。执行率和预警由系统计算。"
    "本表下载自系统中这张表的第 {version} 版。",
    layout=Layout(
        key="monitoring",
        name="运行监控",
        label="项目支出绩效运行监控表",
        title="（{year}年1—{months}月）项目支出绩效运行监控表",
        header=(
            Label("project.name", "项目名称"),
            Label("project.department", "主管部门"),
            Label("project.unit", "实施单位"),
        ),
        block_labels={
            "funds": Label("funds", "项目资金（元）"),
            "annual": Label("annual", "全年预算数"),
            "executed": Label("executed", "1—{months}月执行数"),
            "rate": Label("rate", "执行率"),
            "light": Label("light", "预警"),
            "goal": Label("goal", "年度总体目标"),
        },
        columns=(
            Label("level1", "一级指标"),
            Label("level2", "二级指标"),
            Label("name", "三级指标"),
            Label("target", "年度指标值"),
            Label("actual", "1—{months}月实际完成值"),
            Label("projected", "全年预计完成值"),
            Label("likelihood", "完成目标可能性"),
            Label("reason_kind", "偏差原因类型"),
            Label("reason", "偏差原因说明"),
            Label("measures", "纠偏措施"),
        ),
        widths=(11, 14, 14, 12, 12, 12, 10, 12, 16, 16),
        landscape=True,
        font_pt=9.5,
    ),
)

REPORT_TABLES: dict[str, ReportTable] = {
    table.kind: table for table in (SELF_EVALUATION_TABLE, MONITORING_TABLE)
}


def report_table(kind: str) -> ReportTable:
    return REPORT_TABLES[kind]


def build_report_grid(figures: ReportFigures) -> ReportGrid:
    """The report's table, in the shape its kind prints."""
    return report_table(figures.kind).build(figures)
