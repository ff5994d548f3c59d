"""The three official layouts, described once for the pages, the exporters and the importer.

* ``FormContent`` is the layout-neutral content of one 绩效目标表 (what the importer reads and the
  exporters write); ``form_data(form)`` builds it from the database.
* ``DONGGUAN``, ``SHENZHEN`` and ``GUANGZHOU`` hold each layout's labels, in order, with the
  variants real sheets use (``aliases``), so the importer finds rows by label and the exporters
  print the same words.
* ``build_grid(layout, data, categories)`` lays one form out as the official table: rows of cells
  with their spans, grouped so that a group can be kept on one page. The form page, the PDF and
  the xlsx exporters all render this grid, so the three cannot drift apart.
  ``build_guangzhou_grid(...)`` does the same for a department's 广州 table.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import Literal

from projects.content import FormContent, IndicatorContent, LayoutKey

TEN_THOUSAND = Decimal(10000)
NOT_APPLICABLE = "不适用"


# --------------------------------------------------------------------------- number formats


def format_plain_yuan(amount: Decimal | None) -> str:
    """东莞: ``699000``; cents only when there are any (``699000.50``)."""
    if amount is None:
        return ""
    if amount == amount.to_integral_value():
        return str(int(amount))
    return f"{amount.quantize(Decimal('0.01'), rounding=ROUND_HALF_UP)}"


def format_thousands(amount: Decimal | None) -> str:
    """深圳 and 广州: ``7,567,200.00``."""
    if amount is None:
        return ""
    return f"{amount.quantize(Decimal('0.01'), rounding=ROUND_HALF_UP):,}"


def yuan_to_wan(amount: Decimal | None) -> Decimal | None:
    if amount is None:
        return None
    return (amount / TEN_THOUSAND).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def format_bool(value: bool | str | None) -> str:
    if value is None or value == "":
        return ""
    return "是" if value is True else "否" if value is False else str(value)


# --------------------------------------------------------------------------- labels


@dataclass(frozen=True)
class Label:
    """A printed label and the other ways real sheets spell it."""

    key: str
    text: str
    aliases: tuple[str, ...] = ()

    @property
    def spellings(self) -> tuple[str, ...]:
        return (self.text, *self.aliases)

    def matches(self, cell: str) -> bool:
        wanted = normalize_label(cell)
        return any(normalize_label(spelling) == wanted for spelling in self.spellings)


_LABEL_TRASH = re.compile(r"[\s:：*＊]+")
_FULLWIDTH = str.maketrans("（），；", "(),;")


def normalize_label(text: str) -> str:
    """Compare labels ignoring spaces, colons, stars and the width of brackets and commas."""
    return _LABEL_TRASH.sub("", text).translate(_FULLWIDTH)


@dataclass(frozen=True)
class Layout:
    key: LayoutKey
    title: str
    header: tuple[Label, ...]
    columns: tuple[Label, ...]
    title_aliases: tuple[str, ...] = ()
    block_labels: dict[str, Label] = field(default_factory=dict)
    widths: tuple[float, ...] = ()  # column widths in characters, for xlsx and PDF
    skip_empty_categories: frozenset[str] = frozenset()
    # The content fields (``projects.content.FIELDS`` keys) this layout prints: an import from
    # it overwrites these and only these.
    carries: tuple[str, ...] = ()

    def label(self, key: str) -> Label:
        for label in (*self.header, *self.columns, *self.block_labels.values()):
            if label.key == key:
                return label
        raise KeyError(key)


DONGGUAN = Layout(
    key="dongguan",
    title="项目绩效目标表",
    header=(
        Label("project.name", "项目名称"),
        Label("project.type", "项目类型"),
        Label("project.level", "项目等级"),
        Label("project.department", "主管部门"),
        Label("project.unit", "用款单位", ("申请单位", "项目单位")),
        Label("project.period", "实施周期"),
        Label("amounts.annual", "{year}年预算金额（元）", ("年预算金额（元）", "预算金额（元）")),
    ),
    block_labels={
        "start_year": Label("project.start_year", "起始年度"),
        "end_year": Label("project.end_year", "到期年度"),
        "goals": Label("goals", "总体绩效目标"),
        "goals.period": Label("goals.period", "实施周期总目标"),
        "goals.annual": Label("goals.annual", "{year}年度目标", ("年度目标",)),
        "indicators": Label("indicators", "绩效指标"),
    },
    columns=(
        Label("level1", "一级指标"),
        Label("level2", "二级指标"),
        Label("name", "三级指标"),
        Label("period_value", "实施周期指标值"),
        Label("annual_value", "当年度指标值", ("年度指标值",)),
    ),
    widths=(10, 10, 16, 26, 20, 20),
    skip_empty_categories=frozenset({"其他满意度指标"}),
    carries=(
        "project.name",
        "project.type",
        "project.level",
        "project.department",
        "project.unit",
        "project.start_year",
        "project.end_year",
        "amounts.annual",
        "goals.period",
        "goals.annual",
    ),
)

SHENZHEN = Layout(
    key="shenzhen",
    title="二级项目支出绩效目标申报表",
    header=(
        Label("project.code", "项目编码", ("项目编号",)),
        Label("project.name", "项目名称"),
        Label("project.unit", "申请单位"),
        Label("project.department", "一级预算单位"),
        Label("project.duration_years", "实施期限"),
        Label("project.type", "项目类型"),
        Label("details.is_new", "是否新增项目"),
        Label("details.allocation_method", "分配方式"),
        Label(
            "amounts.total",
            "项目总金额（中期规划，{unit}）",
            ("项目总金额（中期规划，万元）", "项目总金额（中期规划，元）", "项目总金额"),
        ),
        Label(
            "amounts.annual",
            "本年度项目金额（{unit}）",
            ("本年度项目金额（万元）", "本年度项目金额（元）", "本年度项目金额"),
        ),
        Label("details.policy_basis", "政策依据"),
        Label("details.calculation_basis", "测算依据"),
        Label("goals.annual", "年度目标"),
        Label("goals.period", "长期目标（跨度多年的项目需填）", ("长期目标",)),
    ),
    columns=(
        Label("level1", "一级指标"),
        Label("level2", "二级指标"),
        Label("name", "三级指标"),
        Label("value", "指标值"),
        Label("explanation", "指标解释"),
    ),
    widths=(16, 24, 30, 16, 30),
    carries=(
        "project.code",
        "project.name",
        "project.department",
        "project.unit",
        "project.type",
        "project.duration_years",
        "amounts.total",
        "amounts.annual",
        "goals.annual",
        "goals.period",
        "details.policy_basis",
        "details.calculation_basis",
        "details.is_new",
        "details.allocation_method",
    ),
)

GUANGZHOU = Layout(
    key="guangzhou",
    title="{department}{year}年项目支出绩效目标表（含转移支付项目）",
    title_aliases=("项目支出绩效目标表（含转移支付项目）", "项目支出绩效目标表"),
    header=(
        Label("project.department", "部门名称"),
        Label("unit_note", "单位：万元", ("单位:万元",)),
    ),
    columns=(
        Label("project.name", "项目名称（资金使用单位）", ("项目名称",)),
        Label("details.content", "项目内容"),
        Label("amounts.annual", "总计"),
        Label("amounts.fiscal", "财政拨款"),
        Label("amounts.special", "财政专户拨款"),
        Label("amounts.other", "其他资金"),
        Label("goals.annual", "绩效目标"),
        Label("indicators", "绩效指标"),
    ),
    block_labels={"total": Label("total", "合计")},
    widths=(22, 34, 11, 11, 11, 9, 34, 48),
    carries=(
        "project.name",
        "project.department",
        "project.unit",
        "amounts.annual",
        "amounts.fiscal",
        "amounts.special",
        "amounts.other",
        "goals.annual",
        "details.content",
    ),
)

LAYOUTS: dict[str, Layout] = {layout.key: layout for layout in (DONGGUAN, SHENZHEN, GUANGZHOU)}
PER_FORM_LAYOUTS = ("dongguan", "shenzhen")
GUANGZHOU_AMOUNT_KEYS = ("annual", "fiscal", "special", "other")


def guangzhou_indicator_text(indicators: Sequence[IndicatorContent]) -> str:
    """``1、产出指标：评审办结率，年度指标值：>80%。2、…`` (not-applicable rows left out)."""
    parts = []
    for number, item in enumerate((i for i in indicators if not i.not_applicable), start=1):
        parts.append(f"{number}、{item.level1}：{item.name}，年度指标值：{item.target}。")
    return "".join(parts)


# --------------------------------------------------------------------------- grids

CellRole = Literal["title", "label", "head", "value", "number", "text", "subtotal", "note"]


@dataclass
class Cell:
    text: str = ""
    colspan: int = 1
    rowspan: int = 1
    role: CellRole = "value"
    hint: str = ""  # shown on hover on the page (the parsed target value)


@dataclass
class Row:
    cells: list[Cell]
    group: int = 0  # rows of one group belong together (kept on one page in the PDF)


@dataclass
class Grid:
    """A table as the official form draws it. Cells covered by a span are not listed."""

    layout: Layout
    title: str
    columns: int
    rows: list[Row]
    header_rows: int = 0  # leading rows (after the title) repeated on every page

    @property
    def widths(self) -> tuple[float, ...]:
        return self.layout.widths

    @property
    def width_percents(self) -> list[str]:
        total = sum(self.layout.widths)
        return [f"{100 * width / total:.2f}" for width in self.layout.widths]

    def groups(self) -> list[list[Row]]:
        """Consecutive rows of one group; a group also takes in every row that a rowspan
        started in it still covers (HTML cannot span a cell across two tbody elements)."""
        grouped: list[list[Row]] = []
        open_until = -1  # last row index still covered by a rowspan
        for index, row in enumerate(self.rows):
            if grouped and (grouped[-1][0].group == row.group or index <= open_until):
                grouped[-1].append(row)
            else:
                grouped.append([row])
            for cell in row.cells:
                open_until = max(open_until, index + cell.rowspan - 1)
        return grouped

    def positions(self) -> list[list[tuple[int, Cell]]]:
        """For each row, its cells with the column each starts in (cells covered by a span
        from an earlier row or column are skipped over, as a sheet does)."""
        taken: set[tuple[int, int]] = set()
        placed: list[list[tuple[int, Cell]]] = []
        for r, row in enumerate(self.rows):
            mine: list[tuple[int, Cell]] = []
            c = 0
            for cell in row.cells:
                while (r, c) in taken:
                    c += 1
                taken.update(
                    (r + dr, c + dc) for dr in range(cell.rowspan) for dc in range(cell.colspan)
                )
                mine.append((c, cell))
                c += cell.colspan
            placed.append(mine)
        return placed

    def matrix(self) -> list[list[str]]:
        """Every cell's text at its position, spans filled with '' (what a sheet shows)."""
        matrix = [[""] * self.columns for _row in self.rows]
        for r, row in enumerate(self.positions()):
            for c, cell in row:
                matrix[r][c] = cell.text
        return matrix

    def merges(self) -> list[tuple[int, int, int, int]]:
        """(first row, first column, last row, last column), 0-based, for every span."""
        return [
            (r, c, r + cell.rowspan - 1, c + cell.colspan - 1)
            for r, row in enumerate(self.positions())
            for c, cell in row
            if cell.rowspan > 1 or cell.colspan > 1
        ]


@dataclass(frozen=True)
class CategoryRef:
    """A second-level category of the form's framework, in order (or a first-level one with no
    children, for frameworks that have them)."""

    level1: str
    level2: str
    short1: str
    short2: str


def _target_hint(value: str) -> str:
    from indicators.parsing import parse_target

    return parse_target(value).display() if value else ""


def _dongguan_grid(data: FormContent, categories: Sequence[CategoryRef]) -> Grid:
    layout = DONGGUAN
    year = data.fiscal_year
    blocks = layout.block_labels
    rows: list[Row] = [Row([Cell(layout.title, colspan=6, role="title")], group=0)]

    def pair(label: str, value: str, role: CellRole = "value") -> Row:
        return Row([Cell(label, colspan=2, role="label"), Cell(value, colspan=4, role=role)], 1)

    project = data.project
    rows += [
        pair("项目名称", project.name),
        pair("项目类型", project.type),
        pair("项目等级", project.level),
        pair("主管部门", project.department),
        pair("用款单位", project.unit),
        Row(
            [
                Cell("实施周期", colspan=2, role="label"),
                Cell(blocks["start_year"].text, role="label"),
                Cell(str(project.start_year or ""), role="number"),
                Cell(blocks["end_year"].text, role="label"),
                Cell(str(project.end_year or ""), role="number"),
            ],
            1,
        ),
        pair(f"{year}年预算金额（元）", format_plain_yuan(data.amounts.get("annual")), "number"),
        Row(
            [
                Cell(blocks["goals"].text, colspan=2, rowspan=4, role="label"),
                Cell(blocks["goals.period"].text, colspan=4, role="label"),
            ],
            2,
        ),
        Row([Cell(data.goals.get("period", ""), colspan=4, role="text")], 2),
        Row([Cell(f"{year}年度目标", colspan=4, role="label")], 2),
        Row([Cell(data.goals.get("annual", ""), colspan=4, role="text")], 2),
    ]
    by_category = _indicators_by_category(data.indicators, categories)
    body: list[list[Cell]] = []
    groups: list[int] = []
    level1_order: list[str] = []
    for ref in categories:
        items = by_category.get((ref.level1, ref.level2), [])
        if not items and ref.level2 in layout.skip_empty_categories:
            continue
        if ref.level1 not in level1_order:
            level1_order.append(ref.level1)
        slots: list[IndicatorContent | None] = list(items) or [None]
        for item in slots:
            if item is None:
                texts = ["", "", ""]
            elif item.not_applicable:  # a 深圳 不适用 row, printed as that layout prints it
                texts = [item.name or NOT_APPLICABLE, item.period_value, item.target]
                texts = [text or NOT_APPLICABLE for text in texts]
            else:
                texts = [item.name, item.period_value, item.target]
            body.append(
                [
                    Cell(ref.level1, role="label"),
                    Cell(ref.level2, role="label"),
                    Cell(texts[0]),
                    Cell(texts[1], hint=_target_hint(texts[1])),
                    Cell(texts[2], hint=_target_hint(texts[2])),
                ]
            )
            groups.append(3 + level1_order.index(ref.level1))
    head = Row(
        [Cell(blocks["indicators"].text, rowspan=len(body) + 1, role="label")]
        + [Cell(label.text, role="head") for label in layout.columns],
        3,
    )
    rows.append(head)
    rows += _merge_repeats(body, groups, columns=(0, 1))
    return Grid(layout=layout, title=layout.title, columns=6, rows=rows)


def _shenzhen_grid(data: FormContent, categories: Sequence[CategoryRef]) -> Grid:
    layout = SHENZHEN
    unit = data.amount_unit_label or "元"
    project = data.project
    details = data.details
    rows: list[Row] = [Row([Cell(layout.title, colspan=5, role="title")], 0)]

    def two(l1: str, v1: str, l2: str, v2: str, role: CellRole = "value") -> Row:
        return Row(
            [
                Cell(f"{l1}:", role="label"),
                Cell(v1, role=role),
                Cell(f"{l2}:", role="label"),
                Cell(v2, colspan=2, role=role),
            ],
            1,
        )

    def wide(label: str, value: str) -> Row:
        return Row([Cell(f"{label}:", role="label"), Cell(value, colspan=4, role="text")], 1)

    amounts = data.amounts
    rows += [
        two("项目编码", project.code, "项目名称", project.name),
        two("申请单位", project.unit, "一级预算单位", project.department),
        two("实施期限", str(project.duration_years or ""), "项目类型", project.type),
        two(
            "是否新增项目",
            format_bool(details.get("is_new")),
            "分配方式",
            str(details.get("allocation_method") or ""),
        ),
        two(
            f"项目总金额（中期规划，{unit}）",
            format_thousands(amounts.get("total")),
            f"本年度项目金额（{unit}）",
            format_thousands(amounts.get("annual")),
            "number",
        ),
        wide("政策依据", str(details.get("policy_basis") or "")),
        wide("测算依据", str(details.get("calculation_basis") or "")),
        wide("年度目标", data.goals.get("annual", "")),
        wide("长期目标（跨度多年的项目需填）", data.goals.get("period", "")),
        Row([Cell(label.text, role="head") for label in layout.columns], 2),
    ]
    by_category = _indicators_by_category(data.indicators, categories)
    level1_order: list[str] = []
    for ref in categories:
        if ref.short1 not in level1_order:
            level1_order.append(ref.short1)
        group = 3 + level1_order.index(ref.short1)
        items = by_category.get((ref.level1, ref.level2), [])
        if not items:
            rows.append(
                Row(
                    [
                        Cell(ref.short1, role="label"),
                        Cell(ref.short2, role="label"),
                        Cell(),
                        Cell(),
                        Cell(),
                    ],
                    group,
                )
            )
        for item in items:
            star = "*" if item.core else ""
            rows.append(
                Row(
                    [
                        Cell(ref.short1, role="label"),
                        Cell(f"{star}{ref.short2}", role="label"),
                        Cell(
                            NOT_APPLICABLE if item.not_applicable and not item.name else item.name
                        ),
                        Cell(
                            item.single_value or (NOT_APPLICABLE if item.not_applicable else ""),
                            hint=_target_hint(item.single_value),
                        ),
                        Cell(item.explanation, role="text"),
                    ],
                    group,
                )
            )
    return Grid(layout=layout, title=layout.title, columns=5, rows=rows)


def _indicators_by_category(
    indicators: Iterable[IndicatorContent], categories: Sequence[CategoryRef]
) -> dict[tuple[str, str], list[IndicatorContent]]:
    """Indicators keyed by (level1, level2) category names; names may be given short or long."""
    lookup: dict[tuple[str, str], tuple[str, str]] = {}
    for ref in categories:
        for one in (ref.level1, ref.short1):
            for two in (ref.level2, ref.short2):
                lookup[(one, two)] = (ref.level1, ref.level2)
    grouped: dict[tuple[str, str], list[IndicatorContent]] = {}
    for item in indicators:
        key = lookup.get((item.level1, item.level2), (item.level1, item.level2))
        grouped.setdefault(key, []).append(item)
    return grouped


def _merge_repeats(
    body: list[list[Cell]], groups: list[int], columns: tuple[int, ...]
) -> list[Row]:
    """Turn equal consecutive cells in ``columns`` into one cell spanning them (merged cells)."""
    keep = [[True] * len(row) for row in body]
    for column in columns:
        start = 0
        while start < len(body):
            end = start + 1
            prefix = body[start][: column + 1]
            while end < len(body) and [c.text for c in body[end][: column + 1]] == [
                c.text for c in prefix
            ]:
                end += 1
            body[start][column].rowspan = end - start
            for covered in range(start + 1, end):
                keep[covered][column] = False
            start = end
    return [
        Row([cell for cell, kept in zip(row, keep[i], strict=True) if kept], groups[i])
        for i, row in enumerate(body)
    ]


def build_grid(layout: str, data: FormContent, categories: Sequence[CategoryRef]) -> Grid:
    """Lay one form out in a per-form layout (东莞 or 深圳)."""
    if layout == "shenzhen":
        return _shenzhen_grid(data, categories)
    if layout == "dongguan":
        return _dongguan_grid(data, categories)
    raise ValueError(f"{layout!r} is not a per-form layout")


@dataclass
class GuangzhouUnit:
    name: str
    forms: list[FormContent]


def build_guangzhou_grid(department: str, year: int, units: Sequence[GuangzhouUnit]) -> Grid:
    """The 广州 table of one department and year: 合计, then each unit's subtotal and projects.
    Totals are computed from the forms, in 万元 with two decimals."""
    layout = GUANGZHOU
    title = layout.title.format(department=department, year=year)
    rows: list[Row] = [
        Row([Cell(title, colspan=8, role="title")], 0),
        Row([Cell(f"部门名称：{department}", colspan=8, role="note")], 0),
        Row([Cell("单位：万元", colspan=8, role="note")], 0),
        Row([Cell(label.text, role="head") for label in layout.columns], 0),
    ]

    def sums(forms: Iterable[FormContent]) -> list[Decimal | None]:
        totals: list[Decimal | None] = []
        forms = list(forms)
        for key in GUANGZHOU_AMOUNT_KEYS:
            values = [f.amounts[key] for f in forms if key in f.amounts]
            totals.append(sum(values, Decimal(0)) if values else None)
        return totals

    def amount_cells(values: Sequence[Decimal | None], role: CellRole) -> list[Cell]:
        return [Cell(format_thousands(yuan_to_wan(v)), role=role) for v in values]

    everything = [form for unit in units for form in unit.forms]
    rows.append(
        Row(
            [
                Cell("合计", role="subtotal"),
                Cell(role="subtotal"),
                *amount_cells(sums(everything), "subtotal"),
                Cell(),
                Cell(),
            ],
            1,
        )
    )
    for index, unit in enumerate(units, start=2):
        rows.append(
            Row(
                [
                    Cell(unit.name, role="subtotal"),
                    Cell(role="subtotal"),
                    *amount_cells(sums(unit.forms), "subtotal"),
                    Cell(),
                    Cell(),
                ],
                index,
            )
        )
        for form in unit.forms:
            rows.append(
                Row(
                    [
                        Cell(form.project.name),
                        Cell(str(form.details.get("content") or ""), role="text"),
                        *amount_cells(
                            [form.amounts.get(k) for k in GUANGZHOU_AMOUNT_KEYS], "number"
                        ),
                        Cell(form.goals.get("annual", ""), role="text"),
                        Cell(guangzhou_indicator_text(form.indicators), role="text"),
                    ],
                    index,
                )
            )
    return Grid(layout=layout, title=title, columns=8, rows=rows, header_rows=4)


def framework_categories(framework_id: int) -> list[CategoryRef]:
    """The framework's categories in print order: each second-level category under its parent;
    a first-level category with no children stands for itself."""
    from indicators.models import Category

    tops = list(Category.objects.filter(framework_id=framework_id, level=1).order_by("order", "id"))
    children = list(
        Category.objects.filter(framework_id=framework_id, level=2).order_by("order", "id")
    )
    refs: list[CategoryRef] = []
    for top in tops:
        mine = [child for child in children if child.parent_id == top.id]
        if not mine:
            refs.append(CategoryRef(top.name, "", top.short_name, ""))
        refs += [CategoryRef(top.name, c.name, top.short_name, c.short_name) for c in mine]
    return refs
