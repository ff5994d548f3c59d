"""Generate a whole city's filing season, for scale tests and benchmarks.

    manage.py generate_city --departments 300 --units 5000 --forms 50000 --year 2023 [--seed N]

Departments (主管部门) and units (用款单位) with Chinese names made from parts (unique per
parent), one project per form, one form per project for the year, about ten indicators a form
in the default framework's categories, and each form in a workflow state (草稿 most; 已提交,
部门已审, 已通过, 已退回, some 调整中) with the history a real form would have: its import,
roll-over or creation, its edits (each a version, each snapshot a real earlier content), and
each transition, by the unit's filer, the department's reviewer or a finance reviewer. Every
unit has a filer, every department a reviewer, the bureau a few finance reviewers (accounts
without a password); four demo accounts, one per role, get random passwords, printed at the end.

Names, values, amounts and texts are drawn from the 2023 seed forms (``fixtures/seeds``, read
by the importer): the same seed gives the same city (``random.Random(seed)`` for the
organisations, one ``Random`` per form derived from the seed and the form's number). Times are
laid out over the 75 days before today's midnight.

Bulk: nothing goes through the per-form services. Organisations, users, memberships and
projects are ``bulk_create``d; forms, indicators and events (which need their own timestamps)
are written as rows: ``COPY`` on PostgreSQL, ``executemany`` elsewhere, 2,000 forms a batch,
the whole city in one transaction (all or nothing). No signals run; the database's
constraints and triggers do (a project's department is its unit's parent; an indicator's
category belongs to its form's framework). Then the indicator library is rebuilt and, on
PostgreSQL, the tables are analysed.

A database that already holds forms of the year is refused unless ``--force``: the city is
then added beside them (nothing is deleted; department names already taken are skipped) and
the demo accounts are moved to the new city.
"""

from __future__ import annotations

import bisect
import itertools
import json
import random
import re
import secrets
import time
import uuid
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connection, models, transaction
from django.utils import timezone

from indicators.models import Category, Framework
from indicators.parsing import parse_target
from projects.content import FIELDS, FormContent, IndicatorContent, ProjectContent
from projects.content import to_json as content_json
from projects.filing.library import rebuild_library
from projects.models import (
    MAX_YEAR,
    MIN_YEAR,
    Deadline,
    FormArrival,
    FormEvent,
    Indicator,
    Membership,
    Organization,
    PerformanceForm,
    Project,
)

SEED_DIR = Path(settings.BASE_DIR) / "fixtures" / "seeds"
SEED_YEAR = 2023
BATCH = 2000
HISTORY_DAYS = 75

Status = PerformanceForm.Status
Kind = FormEvent.Kind
Source = FormEvent.Source
ADJUSTING = "adjusting"  # approved once, an adjustment under way (draft or submitted again)

# The share of each state, of the forms of the year (largest remainders: every state appears
# in a city of a dozen forms).
STATE_SHARES: tuple[tuple[str, int], ...] = (
    (Status.DRAFT, 42),
    (Status.SUBMITTED, 14),
    (Status.DEPARTMENT_APPROVED, 10),
    (Status.APPROVED, 20),
    (Status.RETURNED, 8),
    (ADJUSTING, 6),
)

# --------------------------------------------------------------------------- name parts


def _words(text: str) -> tuple[str, ...]:
    return tuple(text.split())


CITY = "江州市"
CITY_SHORT = "江州"
DISTRICTS = _words(
    "东湖区 西山区 南岸区 北塘区 临江区 青石区 白沙区 金湾区 新港区 龙泉区 云溪区 高新区"
)
BUREAUS = _words(
    "财政局 教育局 卫生健康局 公安局 民政局 人力资源和社会保障局 自然资源局 "
    "生态环境局 住房和城乡建设局 交通运输局 水务局 农业农村局 商务局 "
    "文化广电旅游体育局 应急管理局 市场监督管理局 统计局 医疗保障局 "
    "城市管理和综合执法局 科学技术局 工业和信息化局 发展和改革局 司法局 审计局 "
    "退役军人事务局 林业局 机关事务管理局 政务服务数据管理局 信访局 "
    "民族宗教事务局 人民防空办公室 地方金融监督管理局 投资促进局 口岸办公室 "
    "气象局 档案局"
)
INSTITUTIONS = _words(
    "人民政府办公室 总工会 妇女联合会 残疾人联合会 科学技术协会 文学艺术界联合会 "
    "红十字会 社会科学院 社会科学界联合会 工商业联合会 归国华侨联合会 "
    "供销合作联社 图书馆 博物馆 职业技术学院 广播电视台 公共资源交易中心 "
    "住房公积金管理中心"
)
UNIT_KINDS = _words(
    "（本级） 信息中心 财务核算中心 综合服务中心 事务中心 培训中心 档案馆 "
    "研究院 监测站 执法支队 管理处 检测所 服务站 保障中心 指挥中心 发展中心 "
    "宣传中心 评审中心 接待中心 后勤服务中心"
)
PLACE_KINDS = _words("分局 管理所 服务中心 执法大队 工作站 中心学校 卫生院")
ORDINALS = "一二三四五六七八九十"
PROJECT_OBJECTS = _words(
    "财政业务系统 办公楼 政务信息网络 档案数字化 社区养老服务 校舍 公共卫生服务 "
    "道路桥梁 河道 城市绿化 食品安全抽检 安全生产执法 文化惠民演出 全民健身设施 "
    "就业技能培训 法律援助 农田水利 森林防火 应急物资储备 疾病预防控制 妇幼保健 "
    "统计调查 科技创新平台 人才引进 旅游推广 垃圾分类 污水处理设施 空气质量监测 "
    "政务数据中心 视频会议系统 网络安全 图书资料 职业技能鉴定 社会救助 "
    "退役军人服务 消防设施 交通信号设施 不动产登记 市场主体监管 非税收入征管"
)
PROJECT_ACTIONS = _words(
    "运维服务 建设 改造 维修 购置 专项补助 购买服务 宣传 培训 监测 评估 "
    "运营 升级 管理 检测 保障 整治 工作"
)
PROJECT_ENDINGS = ("项目", "项目", "项目", "经费", "")
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何林罗高郑梁谢宋唐许韩冯邓曹彭曾萧田董潘袁蔡蒋余"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华建国文玲婷雪梅晓东志红海燕鹏宇浩然佳欣"
SEED_PLACES = ("东莞市", "广州市", "深圳市", "福田区")
RETURN_REASONS = (
    "数量指标不够细化量化，请补充考核标准。",
    "满意度指标请写明调查对象和方式。",
    "成本指标与预算金额不一致，请核对。",
    "效益指标与项目内容相关性不够，请修改。",
    "年度目标过于笼统，请细化。",
    "请补充测算依据。",
)
ADJUST_REASONS = (
    "预算调整，相应修改指标值。",
    "实施内容有变化，调整数量指标。",
    "根据年中绩效监控结果调整指标。",
)
QUANTITY = re.compile(r"^(\D*?)(\d{1,7})(?!\d|\.\d|%|年|月|日|号)(\D*)$")
WAN_YUAN = "万元"


# --------------------------------------------------------------------------- the plan


@dataclass(frozen=True)
class ProjectPlan:
    name: str
    code: str
    status: str  # a PerformanceForm.Status, or ADJUSTING


@dataclass
class UnitPlan:
    name: str
    projects: list[ProjectPlan] = field(default_factory=list)


@dataclass
class DepartmentPlan:
    name: str
    layout: str
    department_review: bool
    units: list[UnitPlan] = field(default_factory=list)


@dataclass(frozen=True)
class CategoryShape:
    """One category of the framework, as forms name it."""

    level1: str
    level2: str
    is_core: bool
    order: int


@dataclass
class SeedPools:
    """What the seed forms hold, to draw from: each layout's forms (their texts, amounts, years)
    and its indicators by category, and how often each category is used."""

    templates: dict[str, list[FormContent]]
    layout_weights: dict[str, int]
    indicators: dict[str, dict[tuple[str, str], list[IndicatorContent]]]
    category_weights: dict[str, dict[tuple[str, str], int]]

    @classmethod
    def from_contents(cls, contents: Iterable[FormContent]) -> SeedPools:
        templates: dict[str, list[FormContent]] = {}
        indicators: dict[str, dict[tuple[str, str], list[IndicatorContent]]] = {}
        weights: dict[str, dict[tuple[str, str], int]] = {}
        for content in contents:
            templates.setdefault(content.layout, []).append(content)
            pools = indicators.setdefault(content.layout, {})
            counts = weights.setdefault(content.layout, {})
            for item in content.indicators:
                if item.not_applicable or not item.name:
                    continue
                pools.setdefault(item.category, []).append(item)
                counts[item.category] = counts.get(item.category, 0) + 1
        if not templates:
            raise CommandError("示例表中没有读到任何绩效目标表。")
        return cls(
            templates=templates,
            layout_weights={layout: len(forms) for layout, forms in sorted(templates.items())},
            indicators=indicators,
            category_weights=weights,
        )

    def pool(self, layout: str, category: tuple[str, str]) -> list[IndicatorContent]:
        """The layout's indicators of the category, else any layout's (else the first level's)."""
        found = self.indicators.get(layout, {}).get(category)
        if found:
            return found
        for pools in self.indicators.values():
            if pools.get(category):
                return pools[category]
        level1 = category[0]
        return [
            item
            for pools in self.indicators.values()
            for (top, _second), items in pools.items()
            if top == level1
            for item in items
        ]


@dataclass(frozen=True)
class EventPlan:
    kind: str
    actor: str  # "filer", "department", "finance", or "" (a command)
    from_status: str
    to_status: str
    version: int
    at: timedelta  # before the anchor (today's midnight)
    comment: str = ""
    edit_session: str = ""


@dataclass
class FormPlan:
    content: FormContent  # as it stands now, with its indicators' uids
    versions: dict[int, FormContent]  # each version's content (the snapshots)
    status: str
    version: int
    approved_version: int | None
    check_errors: int | None
    check_warnings: int | None
    events: list[EventPlan]


def _largest_remainders(total: int, shares: Sequence[tuple[str, int]]) -> list[str]:
    """``total`` labels in the given proportions (each at least once when total allows)."""
    whole = sum(weight for _label, weight in shares)
    exact = [(label, total * weight / whole) for label, weight in shares]
    counts = {label: int(value) for label, value in exact}
    if total >= len(shares):
        for label in counts:
            counts[label] = max(counts[label], 1)
    rest = total - sum(counts.values())
    by_remainder = sorted(exact, key=lambda pair: pair[1] - int(pair[1]), reverse=True)
    for label, _value in itertools.islice(itertools.cycle(by_remainder), max(rest, 0)):
        counts[label] += 1
    while sum(counts.values()) > total:  # the minimums overshot: take from the largest
        counts[max(counts, key=lambda label: counts[label])] -= 1
    return [label for label, _weight in shares for _ in range(counts[label])]


def _spread(rng: random.Random, total: int, bins: int, sigma: float, minimum: int) -> list[int]:
    """``total`` items over ``bins``, each at least ``minimum`` (when possible), the rest by
    log-normal weights: a few large, many small, as real organisations are."""
    base = minimum if total >= bins * minimum else 0
    counts = [base] * bins
    weights = [rng.lognormvariate(0, sigma) for _ in range(bins)]
    cumulative = list(itertools.accumulate(weights))
    for _ in range(total - base * bins):
        counts[bisect.bisect_left(cumulative, rng.random() * cumulative[-1])] += 1
    return counts


def _department_names(rng: random.Random, count: int, taken: frozenset[str]) -> list[str]:
    city = [f"{CITY}{name}" for name in BUREAUS + INSTITUTIONS]
    district = [f"{CITY}{d}{b}" for d in DISTRICTS for b in BUREAUS]
    rng.shuffle(district)
    names = [name for name in city + district if name not in taken]
    number = 2
    while len(names) < count:  # beyond the parts: numbered
        names += [f"{name}（{number}）" for name in city if f"{name}（{number}）" not in taken]
        number += 1
    return names[:count]


def _unit_names(rng: random.Random, department: str, count: int) -> list[str]:
    names = [f"{department}{kind}" for kind in UNIT_KINDS]
    placed = [
        f"{department}{place.removesuffix('区')}{kind}"
        for place in DISTRICTS
        for kind in PLACE_KINDS
    ]
    rng.shuffle(placed)
    names += placed
    number = 1
    while len(names) < count:  # beyond the parts: numbered
        names += [f"{department}第{_chinese_number(number)}{kind}" for kind in PLACE_KINDS]
        number += 1
    return names[:count]


def _project_names(rng: random.Random, count: int, year: int) -> list[str]:
    names: list[str] = []
    seen: set[str] = set()
    while len(names) < count:
        name = (
            ("" if rng.random() > 0.1 else f"{year}年")
            + rng.choice(PROJECT_OBJECTS)
            + rng.choice(PROJECT_ACTIONS)
            + rng.choice(PROJECT_ENDINGS)
        )
        phase = 2
        base = name
        while name in seen:
            name = f"{base}（{_chinese_number(phase)}期）"
            phase += 1
        seen.add(name)
        names.append(name)
    return names


def _chinese_number(number: int) -> str:
    if number <= 10:
        return ORDINALS[number - 1]
    if number < 20:
        return "十" + ORDINALS[number - 11]
    return str(number)


def plan_city(
    *,
    seed: int,
    departments: int,
    units: int,
    forms: int,
    year: int,
    layout_weights: dict[str, int],
    taken_departments: frozenset[str] = frozenset(),
) -> list[DepartmentPlan]:
    """The city's organisations and projects, each project with the state its form is in.
    Pure: the same arguments give the same city."""
    rng = random.Random(f"city-{seed}")
    layouts = sorted(layout_weights)
    plans: list[DepartmentPlan] = []
    names = _department_names(rng, departments, taken_departments)
    for number, (name, unit_count) in enumerate(
        zip(names, _spread(rng, units, departments, 1.0, 1), strict=True)
    ):
        plans.append(
            DepartmentPlan(
                name=name,
                layout=rng.choices(layouts, [layout_weights[k] for k in layouts])[0],
                # most departments review their units' forms; the first always does
                department_review=number == 0 or rng.random() > 0.15,
                units=[UnitPlan(unit) for unit in _unit_names(rng, name, unit_count)],
            )
        )
    all_units = [unit for plan in plans for unit in plan.units]
    states = _largest_remainders(forms, STATE_SHARES)
    rng.shuffle(states)
    next_state = iter(states)
    for unit_number, (unit, form_count) in enumerate(
        zip(all_units, _spread(rng, forms, len(all_units), 0.8, 1), strict=True)
    ):
        for project_number, name in enumerate(_project_names(rng, form_count, year)):
            unit.projects.append(
                ProjectPlan(
                    name=name,
                    code=f"449901{year % 100:02d}{unit_number:06d}{project_number:04d}",
                    status=next(next_state),
                )
            )
    return plans


# --------------------------------------------------------------------------- one form


def _person(rng: random.Random) -> str:
    return rng.choice(SURNAMES) + "".join(rng.choices(GIVEN, k=rng.choice((1, 2, 2))))


def _money(value: float) -> Decimal:
    return Decimal(max(int(round(value, -2)), 1000)).quantize(Decimal("0.01"))


def _wan(amount: Decimal) -> str:
    text = f"{amount / 10000:.1f}"
    return text.removesuffix(".0")


def _retext(text: str | None, template: FormContent, department: str, unit: str, year: int) -> str:
    if not text:
        return ""
    for old, new in ((template.project.unit, unit), (template.project.department, department)):
        if old:
            text = text.replace(old, new)
    for place in SEED_PLACES:
        text = text.replace(place, CITY)
    if year != SEED_YEAR:
        text = text.replace(f"{SEED_YEAR}年", f"{year}年")
    return text


def _scaled(value: str, factor: float) -> str:
    """A count scaled (``≥153个系统`` → ``≥97个系统``); other values as they are."""
    match = QUANTITY.match(value)
    if not match:
        return value
    number = max(1, round(int(match.group(2)) * factor))
    return f"{match.group(1)}{number}{match.group(3)}"


def _indicator(
    rng: random.Random,
    source: IndicatorContent,
    category: CategoryShape,
    layout: str,
    annual: Decimal,
) -> IndicatorContent:
    """A seed indicator, as this form's layout holds it, its count scaled, its cost figure
    the form's own budget."""
    target = source.annual_value or source.value
    period = source.period_value
    if category.level2 == "数量指标":
        factor = rng.lognormvariate(0, 0.7)
        target, period = _scaled(target, factor), _scaled(period, factor)
    if category.level2 == "成本指标" and WAN_YUAN in target:
        target = f"≤{_wan(annual)}{WAN_YUAN}"
        period = f"年均{target}" if period else ""
    uid = str(uuid.UUID(int=rng.getrandbits(128), version=4))
    if layout == "dongguan":
        return IndicatorContent(
            category.level1,
            category.level2,
            source.name,
            period_value=period or target,
            annual_value=target,
            uid=uid,
        )
    if layout == "shenzhen":
        return IndicatorContent(
            category.level1,
            category.level2,
            source.name,
            value=target,
            explanation=source.explanation or f"反映{source.name}情况",
            core=category.is_core,
            uid=uid,
        )
    return IndicatorContent(category.level1, "", source.name, annual_value=target, uid=uid)


def _indicators(
    rng: random.Random,
    pools: SeedPools,
    shape: Sequence[CategoryShape],
    layout: str,
    annual: Decimal,
) -> list[IndicatorContent]:
    """About ten indicators: one in each core category, the rest where the seeds put theirs;
    a 深圳 form also lists each unused 效益 category as 不适用, with its reason."""
    count = rng.randint(6, 14)
    if layout == "guangzhou":
        categories = [c for c in shape if not c.level2]
        tops = {c.level1: c for c in categories}
        required = [tops[name] for name in ("产出指标", "效益指标", "满意度指标") if name in tops]
    else:
        categories = [c for c in shape if c.level2]
        required = [c for c in categories if c.is_core]
    weights = pools.category_weights.get(layout, {})
    weighted = [c for c in categories if weights.get((c.level1, c.level2))] or categories
    chosen = list(required)
    while len(chosen) < count:
        chosen.append(
            rng.choices(weighted, [weights.get((c.level1, c.level2), 1) for c in weighted])[0]
        )
    items: list[IndicatorContent] = []
    names: set[str] = set()
    for category in chosen:
        pool = pools.pool(layout, (category.level1, category.level2))
        for _attempt in range(4):
            source = rng.choice(pool)
            if source.name not in names:
                names.add(source.name)
                items.append(_indicator(rng, source, category, layout, annual))
                break
    if layout == "shenzhen":
        used = {item.category for item in items}
        for category in categories:
            if category.level1 == "效益指标" and (category.level1, category.level2) not in used:
                uid = str(uuid.UUID(int=rng.getrandbits(128), version=4))
                items.append(
                    IndicatorContent(
                        category.level1,
                        category.level2,
                        value="不适用",
                        # the reason the editor asks for (the seeds' rows have none)
                        explanation=f"本项目不涉及{category.level2.removesuffix('指标')}。",
                        not_applicable=True,
                        uid=uid,
                    )
                )
    order = {(c.level1, c.level2): c.order for c in shape}
    if layout == "guangzhou":
        rng.shuffle(items)  # the 广州 sheets number them as the unit typed them
    else:
        items.sort(key=lambda item: order[item.category])
    return items


def _content(
    rng: random.Random,
    pools: SeedPools,
    shape: Sequence[CategoryShape],
    *,
    layout: str,
    year: int,
    department: str,
    unit: str,
    project: ProjectPlan,
) -> FormContent:
    template = rng.choice(pools.templates[layout])
    shift = year - SEED_YEAR
    seed_annual = template.amounts.get("annual") or Decimal(100000)
    annual = _money(float(seed_annual) * rng.lognormvariate(0, 0.8))
    amounts: dict[str, Decimal] = {"annual": annual}
    if "total" in template.amounts:
        amounts["total"] = _money(float(annual) * float(template.amounts["total"] / seed_annual))
    if layout == "guangzhou":
        other = _money(float(annual) * rng.uniform(0.05, 0.3)) if rng.random() < 0.1 else None
        amounts["fiscal"] = annual - (other or 0)
        if other:
            amounts["other"] = other
    seeded = template.project

    def text(value: str | bool | None) -> str:
        return _retext(value if isinstance(value, str) else "", template, department, unit, year)

    content = FormContent(
        project=ProjectContent(
            name=project.name,
            code=project.code if layout == "shenzhen" else "",
            department=department,
            unit=unit,
            type=seeded.type,
            level=seeded.level,
            start_year=seeded.start_year + shift if seeded.start_year else None,
            end_year=seeded.end_year + shift if seeded.end_year else None,
            duration_years=seeded.duration_years,
        ),
        fiscal_year=year,
        layout=layout,
        amounts=amounts,
        goals={key: text(value) for key, value in template.goals.items()},
        details={
            key: value if not isinstance(value, str) else text(value)
            for key, value in template.details.items()
        },
        amount_unit_label=template.amount_unit_label,
    )
    content.indicators = _indicators(rng, pools, shape, layout, annual)
    return _as_stored(content)


def _as_stored(content: FormContent) -> FormContent:
    """The content as the database gives it back (``load_content``): text fields hold ''
    rather than None, so that the last snapshot is exactly the form."""
    for spec in FIELDS:
        if spec.kind != "organization":
            content.set(spec.key, spec.stored(content.get(spec.key)))
    return content


def _earlier(rng: random.Random, content: FormContent, pools: SeedPools) -> FormContent:
    """The content one save before: one indicator's value different, or one row not yet
    added (the rows that stay keep their uids)."""
    items = list(content.indicators)
    named = [i for i, item in enumerate(items) if not item.not_applicable]
    if len(named) > 3 and rng.random() < 0.4:
        del items[rng.choice(named)]
    elif named:
        at = rng.choice(named)
        item = items[at]
        pool = pools.pool(content.layout, item.category)
        other = rng.choice(pool)
        value = other.annual_value or other.value
        if item.value:
            items[at] = replace(item, value=value)
        else:
            items[at] = replace(item, annual_value=value)
    return replace(content, indicators=items)


def _history(
    rng: random.Random, state: str, department_review: bool
) -> tuple[list[tuple[str, str, str, str]], str]:
    """The steps that led to the state: (kind, actor, from, to), and the final status."""
    start = rng.choices(
        [(Kind.IMPORT, ""), (Kind.CREATE, "filer"), (Kind.ROLL_OVER, "filer")], [35, 45, 20]
    )[0]
    steps: list[tuple[str, str, str, str]] = [(start[0], start[1], "", Status.DRAFT)]

    def edits(status: str, most: int, least: int = 0) -> None:
        for _ in range(rng.randint(least, most)):
            steps.append((Kind.EDIT, "filer", status, status))

    def review(outcome: str) -> None:
        """From submitted to approved or returned, through the department when it reviews."""
        steps.append((Kind.SUBMIT, "filer", Status.DRAFT, Status.SUBMITTED))
        finance_returns = rng.random() < 0.5
        if department_review and (outcome == Status.APPROVED or finance_returns):
            steps.append((Kind.PASS_ON, "department", Status.SUBMITTED, Status.DEPARTMENT_APPROVED))
        at_finance = steps[-1][3]
        if outcome == Status.APPROVED:
            steps.append((Kind.APPROVE, "finance", at_finance, Status.APPROVED))
        else:
            reviewer = "finance" if at_finance == Status.DEPARTMENT_APPROVED else "department"
            if not department_review:
                reviewer = "finance"
            steps.append((Kind.RETURN, reviewer, at_finance, Status.RETURNED))

    # a form created in the browser starts empty: it is filled in by saves
    edits(Status.DRAFT, 3, least=1 if start[0] == Kind.CREATE else 0)
    final = state
    if state == Status.SUBMITTED:
        if rng.random() < 0.2:  # returned once, revised, submitted again
            review(Status.RETURNED)
            edits(Status.RETURNED, 2)
            steps.append((Kind.SUBMIT, "filer", Status.RETURNED, Status.SUBMITTED))
        else:
            steps.append((Kind.SUBMIT, "filer", Status.DRAFT, Status.SUBMITTED))
    elif state == Status.DEPARTMENT_APPROVED:
        steps.append((Kind.SUBMIT, "filer", Status.DRAFT, Status.SUBMITTED))
        if department_review:
            steps.append((Kind.PASS_ON, "department", Status.SUBMITTED, Status.DEPARTMENT_APPROVED))
        else:  # no department stage: it waits for finance as 已提交
            final = Status.SUBMITTED
    elif state == Status.APPROVED:
        review(Status.APPROVED)
    elif state == Status.RETURNED:
        review(Status.RETURNED)
        edits(Status.RETURNED, 1)
    elif state == ADJUSTING:
        review(Status.APPROVED)
        steps.append((Kind.ADJUST, "filer", Status.APPROVED, Status.DRAFT))
        edits(Status.DRAFT, 2)
        final = Status.DRAFT
        if rng.random() < 0.4:
            steps.append((Kind.SUBMIT, "filer", Status.DRAFT, Status.SUBMITTED))
            final = Status.SUBMITTED
    return steps, final


def plan_form(
    pools: SeedPools,
    shape: Sequence[CategoryShape],
    *,
    seed: int,
    number: int,
    year: int,
    department: DepartmentPlan,
    unit: UnitPlan,
    project: ProjectPlan,
) -> FormPlan:
    """One form of the city: its content now, each earlier version and its history. Pure:
    the same seed and number give the same form."""
    rng = random.Random(f"form-{seed}-{year}-{number}")
    content = _content(
        rng,
        pools,
        shape,
        layout=department.layout,
        year=year,
        department=department.name,
        unit=unit.name,
        project=project,
    )
    steps, status = _history(rng, project.status, department.department_review)
    version = 1 + sum(1 for kind, *_rest in steps if kind == Kind.EDIT)
    versions = {version: content}
    for earlier in range(version - 1, 0, -1):
        versions[earlier] = _earlier(rng, versions[earlier + 1], pools)
    if steps[0][0] == Kind.CREATE:  # what create_form makes: the project, nothing else
        versions[1] = _as_stored(
            FormContent(
                project=ProjectContent(
                    name=project.name, department=department.name, unit=unit.name
                ),
                fiscal_year=year,
                layout=department.layout,
            )
        )
    # when each step happened: spread over the weeks before the anchor, in order
    began = timedelta(days=rng.uniform(HISTORY_DAYS / 5, HISTORY_DAYS))
    offsets = sorted(rng.uniform(0, began.total_seconds() - 3600) for _ in steps[1:])
    times = [began] + [began - timedelta(seconds=offset) for offset in offsets]
    events: list[EventPlan] = []
    current = 1
    approved_version: int | None = None
    session = ""
    submitted = False
    for (kind, actor, from_status, to_status), at in zip(steps, times, strict=True):
        comment = ""
        if kind == Kind.EDIT:
            current += 1
            session = session if rng.random() < 0.5 and session else f"{rng.getrandbits(96):024x}"
        elif kind == Kind.IMPORT:
            comment = (
                f"{year}年度项目绩效目标表.xlsx › {unit.name[:31]} › 第 {rng.randint(3, 400)} 行"
            )
        elif kind == Kind.ROLL_OVER:
            comment = f"由 {year - 1} 年的表结转（第 {rng.randint(1, 4)} 版）。"
        elif kind == Kind.RETURN:
            comment = rng.choice(RETURN_REASONS)
        elif kind == Kind.ADJUST:
            comment = rng.choice(ADJUST_REASONS)
        elif kind == Kind.PASS_ON and rng.random() < 0.3:
            comment = "材料齐全，报财政审核。"
        if kind == Kind.APPROVE:
            approved_version = current
        submitted = submitted or kind == Kind.SUBMIT
        events.append(
            EventPlan(
                kind=kind,
                actor=actor,
                from_status=from_status,
                to_status=to_status,
                version=current,
                at=at,
                comment=comment,
                edit_session=session if kind == Kind.EDIT else "",
            )
        )
    return FormPlan(
        content=content,
        versions=versions,
        status=status,
        version=version,
        approved_version=approved_version,
        check_errors=0 if submitted else None,
        check_warnings=rng.choice((0, 0, 1, 1, 2, 3)) if submitted else None,
        events=events,
    )


# --------------------------------------------------------------------------- writing rows


class RowWriter:
    """Rows straight into a table, bypassing the models' ``save`` (and so ``auto_now``):
    ``COPY`` on PostgreSQL, ``executemany`` elsewhere. Values are Python values; a JSON column
    takes its text, already dumped."""

    def __init__(self) -> None:
        self.postgres = connection.vendor == "postgresql"

    def reserve_ids(self, model: type[models.Model], count: int) -> list[int]:
        """``count`` fresh primary keys for the model's table (PostgreSQL: from its sequence;
        elsewhere after the largest in use, inside the caller's transaction)."""
        table = model._meta.db_table
        with connection.cursor() as cursor:
            if self.postgres:
                cursor.execute(
                    "SELECT nextval(pg_get_serial_sequence(%s, 'id')) FROM generate_series(1, %s)",
                    [table, count],
                )
                return [row[0] for row in cursor.fetchall()]
            cursor.execute(f"SELECT COALESCE(MAX(id), 0) FROM {connection.ops.quote_name(table)}")
            start = int(cursor.fetchone()[0]) + 1
        return list(range(start, start + count))

    def insert(
        self, model: type[models.Model], columns: Sequence[str], rows: Iterable[Sequence[Any]]
    ) -> int:
        by_attname = {f.attname: f for f in model._meta.concrete_fields}
        fields = [by_attname[name] for name in columns]
        quote = connection.ops.quote_name
        table = quote(model._meta.db_table)
        names = ", ".join(quote(f.column or f.attname) for f in fields)
        count = 0
        with connection.cursor() as cursor:
            if self.postgres:
                raw = cursor.cursor  # psycopg's own cursor, in Django's transaction
                with raw.copy(f"COPY {table} ({names}) FROM STDIN") as copy:
                    for row in rows:
                        copy.write_row(row)
                        count += 1
                return count
            prepared = [
                [
                    value
                    if isinstance(f, models.JSONField)
                    else f.get_db_prep_save(value, connection)
                    for f, value in zip(fields, row, strict=True)
                ]
                for row in rows
            ]
            marks = ", ".join(["%s"] * len(fields))
            cursor.executemany(f"INSERT INTO {table} ({names}) VALUES ({marks})", prepared)
            return len(prepared)


FORM_FIELDS = [spec for spec in FIELDS if spec.model == "form"]
FORM_COLUMNS = [
    "id",
    "project_id",
    "fiscal_year",
    "framework_id",
    *(spec.attr for spec in FORM_FIELDS),
    "status",
    "version",
    "approved_version",
    "check_errors",
    "check_warnings",
    "import_leftover",
    "created_at",
    "updated_at",
]
INDICATOR_COLUMNS = [
    "uid",
    "form_id",
    "category_id",
    "name",
    "period_value",
    "annual_value",
    "value",
    "explanation",
    "is_core",
    "not_applicable",
    "order",
    "target_kind",
    "target_comparator",
    "target_number",
    "target_unit",
    "target_qualifier",
]
EVENT_COLUMNS = [
    "form_id",
    "kind",
    "actor_id",
    "source",
    "from_status",
    "to_status",
    "version",
    "comment",
    "edit_session",
    "edit_seq",
    "snapshot",
    "created_at",
]


@dataclass
class People:
    """Who acts in the histories: each unit's filer, each department's reviewer, finance."""

    filers: dict[tuple[str, str], int]  # (department, unit) name → user id
    reviewers: dict[str, int]  # department name → user id
    finance: list[int]


class CityWriter:
    """Writes the forms of the plan, a batch at a time."""

    def __init__(
        self, framework: Framework, category_ids: dict[tuple[str, str], int], anchor: datetime
    ) -> None:
        self.rows = RowWriter()
        self.framework_id = framework.pk
        self.anchor = anchor
        self.category_ids = category_ids
        self.parsed: dict[str, tuple[str, str, Decimal | None, str, str]] = {}
        self.indicators = 0
        self.events = 0

    def _parsed(self, text: str) -> tuple[str, str, Decimal | None, str, str]:
        found = self.parsed.get(text)
        if found is None:
            target = parse_target(text)
            found = (
                str(target.kind),
                str(target.comparator) if target.comparator else "",
                target.number,
                target.unit[:30],
                target.qualifier[:50],
            )
            self.parsed[text] = found
        return found

    def write(
        self, batch: Sequence[tuple[int, FormPlan]], actors: Sequence[tuple[int, int, list[int]]]
    ) -> None:
        """``batch``: each form's project id and plan; ``actors``: its (filer, department
        reviewer, finance reviewers)."""
        form_ids = self.rows.reserve_ids(PerformanceForm, len(batch))
        form_rows: list[tuple[Any, ...]] = []
        indicator_rows: list[tuple[Any, ...]] = []
        event_rows: list[tuple[Any, ...]] = []
        for form_id, (project_id, plan), (filer, reviewer, finance) in zip(
            form_ids, batch, actors, strict=True
        ):
            content = plan.content
            created = self.anchor - plan.events[0].at
            updated = self.anchor - plan.events[-1].at
            form_rows.append(
                (
                    form_id,
                    project_id,
                    content.fiscal_year,
                    self.framework_id,
                    *(spec.stored(content.get(spec.key)) for spec in FORM_FIELDS),
                    plan.status,
                    plan.version,
                    plan.approved_version,
                    plan.check_errors,
                    plan.check_warnings,
                    "",  # nothing left over from an import
                    created,
                    updated,
                )
            )
            for order, item in enumerate(content.indicators):
                indicator_rows.append(
                    (
                        uuid.UUID(item.uid),
                        form_id,
                        self.category_ids[item.category],
                        item.name,
                        item.period_value,
                        item.annual_value,
                        item.value,
                        item.explanation,
                        item.core,
                        item.not_applicable,
                        order,
                        *self._parsed(item.annual_value or item.value),
                    )
                )
            snapshots = {
                version: json.dumps(content_json(data), ensure_ascii=False)
                for version, data in plan.versions.items()
            }
            who = {"filer": filer, "department": reviewer}
            for event in plan.events:
                actor = who.get(event.actor)
                if event.actor == "finance":
                    actor = finance[(form_id + event.version) % len(finance)]
                at = self.anchor - event.at
                event_rows.append(
                    (
                        form_id,
                        event.kind,
                        actor,
                        Source.COMMAND if event.kind == Kind.IMPORT else Source.WEB,
                        event.from_status,
                        event.to_status,
                        event.version,
                        event.comment,
                        event.edit_session,
                        int(at.timestamp() * 1000) if event.edit_session else None,
                        snapshots[event.version],
                        at,
                    )
                )
        self.rows.insert(PerformanceForm, FORM_COLUMNS, form_rows)
        self.indicators += self.rows.insert(Indicator, INDICATOR_COLUMNS, indicator_rows)
        self.events += self.rows.insert(FormEvent, EVENT_COLUMNS, event_rows)


# --------------------------------------------------------------------------- the command


def seed_pools() -> SeedPools:
    """The seed forms, read by the importer (nothing is written)."""
    from projects.services.importing import read_sources

    paths = sorted(SEED_DIR.glob("*.txt"))
    if not paths:
        raise CommandError(f"没有找到示例表：{SEED_DIR}")
    plan = read_sources(paths=paths, year=SEED_YEAR)
    return SeedPools.from_contents(planned.data for planned in plan.forms)


def framework_shape(framework: Framework) -> tuple[list[CategoryShape], dict[tuple[str, str], int]]:
    """The framework's categories in print order, and their ids by (level1, level2)."""
    shape: list[CategoryShape] = []
    ids: dict[tuple[str, str], int] = {}
    tops = Category.objects.filter(framework=framework, level=1).order_by("order", "id")
    children = list(Category.objects.filter(framework=framework, level=2).order_by("order", "id"))
    for top in tops:
        shape.append(CategoryShape(top.name, "", top.is_core, len(shape)))
        ids[(top.name, "")] = top.pk
        for child in children:
            if child.parent_id == top.pk:
                shape.append(CategoryShape(top.name, child.name, child.is_core, len(shape)))
                ids[(top.name, child.name)] = child.pk
    return shape, ids


DEMO_ACCOUNTS = (
    ("city-filer", "填报人", Membership.Role.FILER),
    ("city-dept", "部门审核人", Membership.Role.DEPARTMENT_REVIEWER),
    ("city-finance", "财政审核人", Membership.Role.FINANCE_REVIEWER),
    ("city-admin", "系统管理员", Membership.Role.ADMINISTRATOR),
)


def _batches(items: Sequence[Any], size: int) -> Iterator[Sequence[Any]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


class Command(BaseCommand):
    help = "生成一座城市规模的演示数据（主管部门、用款单位、项目、绩效目标表、指标和变更记录），用于规模测试。"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--departments", type=int, default=300, help="主管部门个数")
        parser.add_argument("--units", type=int, default=5000, help="用款单位个数")
        parser.add_argument("--forms", type=int, default=50000, help="绩效目标表张数")
        parser.add_argument("--year", type=int, default=SEED_YEAR, help="预算年度")
        parser.add_argument("--seed", type=int, default=1, help="随机种子：同一种子生成同一座城市")
        parser.add_argument(
            "--force",
            action="store_true",
            help="库中已有该年度的表时也生成（在现有数据旁新增，不删除任何数据）",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        started = time.monotonic()
        self.verbosity = int(options["verbosity"])
        departments, units, forms = options["departments"], options["units"], options["forms"]
        year, seed = options["year"], options["seed"]
        if not MIN_YEAR <= year <= MAX_YEAR:
            raise CommandError(f"年度应在 {MIN_YEAR}–{MAX_YEAR} 之间。")
        if departments < 1 or units < departments or forms < units:
            raise CommandError("应满足：主管部门 ≥ 1，用款单位 ≥ 主管部门，绩效目标表 ≥ 用款单位。")
        existing = PerformanceForm.objects.filter(fiscal_year=year).count()
        if existing and not options["force"]:
            raise CommandError(
                f"数据库中已有 {existing} 张 {year} 年度的绩效目标表，未生成任何数据。"
                "generate_city 用于空库；确要在现有数据旁再生成一座城市，请加 --force"
                "（不删除任何已有数据）。"
            )
        framework = Framework.objects.filter(is_default=True).first()
        if framework is None:
            raise CommandError("没有默认的指标体系，请先运行 migrate。")
        shape, category_ids = framework_shape(framework)
        pools = seed_pools()
        taken = frozenset(
            Organization.objects.filter(
                kind=Organization.Kind.DEPARTMENT, parent__isnull=True
            ).values_list("name", flat=True)
        )
        plans = plan_city(
            seed=seed,
            departments=departments,
            units=units,
            forms=forms,
            year=year,
            layout_weights=pools.layout_weights,
            taken_departments=taken,
        )
        anchor = timezone.localtime().replace(hour=0, minute=0, second=0, microsecond=0)
        writer = CityWriter(framework, category_ids, anchor)
        with transaction.atomic():
            people, unit_ids, project_ids = self._organizations(plans, seed)
            self._progress(f"单位、用户和项目已写入（{time.monotonic() - started:.1f} 秒）")
            statuses: Counter[str] = Counter()
            # a form's number is its place among the year's forms: a city added beside
            # another (--force) draws other forms (and other uids)
            number = existing
            todo: list[tuple[int, DepartmentPlan, UnitPlan, ProjectPlan]] = []
            for department in plans:
                for unit in department.units:
                    for project in unit.projects:
                        todo.append((number, department, unit, project))
                        number += 1
            done = 0
            for batch in _batches(todo, BATCH):
                rows = []
                actors = []
                for number, department, unit, project in batch:
                    plan = plan_form(
                        pools,
                        shape,
                        seed=seed,
                        number=number,
                        year=year,
                        department=department,
                        unit=unit,
                        project=project,
                    )
                    statuses[project.status if project.status == ADJUSTING else plan.status] += 1
                    key = (department.name, unit.name)
                    rows.append((project_ids[key, project.name], plan))
                    actors.append(
                        (
                            people.filers[key],
                            people.reviewers[department.name],
                            people.finance,
                        )
                    )
                writer.write(rows, actors)
                done += len(batch)
                self._progress(
                    f"绩效目标表 {done}/{len(todo)}（{time.monotonic() - started:.1f} 秒）"
                )
            demo = self._demo_accounts(plans, unit_ids, people)
            if not Deadline.objects.filter(fiscal_year=year).exists():
                today = timezone.localdate()
                Deadline.objects.bulk_create(
                    Deadline(fiscal_year=year, stage=stage, due=today + timedelta(days=days))
                    for stage, days in (
                        (Deadline.Stage.SUBMIT, -3),
                        (Deadline.Stage.DEPARTMENT, 7),
                        (Deadline.Stage.FINANCE, 14),
                    )
                )
        written = time.monotonic()
        library = rebuild_library()
        if connection.vendor == "postgresql":
            # statistics for the planner, and the visibility map for index-only scans (what
            # autovacuum would do later, if it runs at all)
            with connection.cursor() as cursor:
                for model in (
                    Organization,
                    Project,
                    PerformanceForm,
                    Indicator,
                    FormEvent,
                    FormArrival,  # kept by the triggers as the forms and events went in
                ):
                    table = connection.ops.quote_name(model._meta.db_table)
                    # (VACUUM cannot run in a transaction: a caller's, e.g. a test's)
                    vacuum = "ANALYZE" if connection.in_atomic_block else "VACUUM (ANALYZE)"
                    cursor.execute(f"{vacuum} {table}")
        finished = time.monotonic()
        self._report(
            departments=len(plans),
            units=sum(len(d.units) for d in plans),
            forms=len(todo),
            statuses=statuses,
            writer=writer,
            people=people,
            library=library,
            timings=(written - started, finished - written, finished - started),
            demo=demo,
        )

    def _progress(self, text: str) -> None:
        if self.verbosity >= 2:
            self.stdout.write(text)

    def _organizations(
        self, plans: Sequence[DepartmentPlan], seed: int
    ) -> tuple[People, dict[tuple[str, str], int], dict[tuple[tuple[str, str], str], int]]:
        """The departments, units, their people and the projects (bulk)."""
        rng = random.Random(f"people-{seed}")
        finance, _created = Organization.objects.get_or_create(
            kind=Organization.Kind.FINANCE, name=f"{CITY}财政局", parent=None
        )
        departments = Organization.objects.bulk_create(
            [
                Organization(
                    kind=Organization.Kind.DEPARTMENT,
                    name=plan.name,
                    code=f"D{number + 1:04d}",
                    department_review=plan.department_review,
                )
                for number, plan in enumerate(plans)
            ],
            batch_size=BATCH,
        )
        units = Organization.objects.bulk_create(
            [
                Organization(
                    kind=Organization.Kind.UNIT,
                    name=unit.name,
                    parent=department,
                    code=f"{department.code}{number + 1:03d}",
                )
                for department, plan in zip(departments, plans, strict=True)
                for number, unit in enumerate(plan.units)
            ],
            batch_size=BATCH,
        )
        unit_ids = {
            (department.name, unit.name): saved.pk
            for department, saved, unit in zip(
                [d for d in plans for _u in d.units],
                units,
                [u for d in plans for u in d.units],
                strict=True,
            )
        }
        tag = departments[0].pk  # makes this run's user names new
        user_model = get_user_model()
        no_password = make_password(None)
        people_rows: list[tuple[str, str, Organization, str]] = []
        for saved in departments:
            people_rows.append(
                (f"c{tag}-d{saved.pk}", _person(rng), saved, Membership.Role.DEPARTMENT_REVIEWER)
            )
        for unit_saved in units:
            people_rows.append((f"c{tag}-u{unit_saved.pk}", _person(rng), unit_saved, "filer"))
        for n in range(max(1, len(plans) // 30)):
            people_rows.append(
                (f"c{tag}-f{n + 1}", _person(rng), finance, Membership.Role.FINANCE_REVIEWER)
            )
        users = user_model.objects.bulk_create(
            [
                user_model(username=username, first_name=name, password=no_password)
                for username, name, _org, _role in people_rows
            ],
            batch_size=BATCH,
        )
        Membership.objects.bulk_create(
            [
                Membership(user=user, organization=org, role=role)
                for user, (_u, _n, org, role) in zip(users, people_rows, strict=True)
            ],
            batch_size=BATCH,
        )
        by_org = {
            org.pk: user.pk for user, (_u, _n, org, _r) in zip(users, people_rows, strict=True)
        }
        people = People(
            filers={key: by_org[pk] for key, pk in unit_ids.items()},
            reviewers={saved.name: by_org[saved.pk] for saved in departments},
            finance=[
                user.pk
                for user, row in zip(users, people_rows, strict=True)
                if row[3] == Membership.Role.FINANCE_REVIEWER
            ],
        )
        existing_codes = set(
            Project.objects.filter(code__startswith="449901").values_list("code", flat=True)
        )
        department_ids = {saved.name: saved.pk for saved in departments}
        projects: list[Project] = []
        keys: list[tuple[tuple[str, str], str]] = []
        for plan in plans:
            for unit in plan.units:
                for project in unit.projects:
                    code = project.code if plan.layout == "shenzhen" else ""
                    projects.append(
                        Project(
                            name=project.name,
                            code="" if code in existing_codes else code,
                            department_id=department_ids[plan.name],
                            unit_id=unit_ids[plan.name, unit.name],
                        )
                    )
                    keys.append(((plan.name, unit.name), project.name))
        saved_projects = Project.objects.bulk_create(projects, batch_size=BATCH)
        project_ids = {key: p.pk for key, p in zip(keys, saved_projects, strict=True)}
        return people, unit_ids, project_ids

    def _demo_accounts(
        self,
        plans: Sequence[DepartmentPlan],
        unit_ids: dict[tuple[str, str], int],
        people: People,
    ) -> list[tuple[str, str, str]]:
        """One account per role, with a new random password: the filer of the unit with the
        most forms in a department that reviews, that department's reviewer, a finance
        reviewer and an administrator of the bureau."""
        department, unit = max(
            ((d, u) for d in plans if d.department_review for u in d.units),
            key=lambda pair: len(pair[1].projects),
        )
        unit_org = Organization.objects.get(pk=unit_ids[department.name, unit.name])
        assert unit_org.parent is not None
        finance = Organization.objects.get(kind=Organization.Kind.FINANCE, name=f"{CITY}财政局")
        where = {
            Membership.Role.FILER: (unit_org, f"{unit.name}（{len(unit.projects)} 张表）"),
            Membership.Role.DEPARTMENT_REVIEWER: (unit_org.parent, unit_org.parent.name),
            Membership.Role.FINANCE_REVIEWER: (finance, f"{finance.name}（全部主管部门）"),
            Membership.Role.ADMINISTRATOR: (finance, finance.name),
        }
        user_model = get_user_model()
        shown = []
        for username, label, role in DEMO_ACCOUNTS:
            password = secrets.token_urlsafe(12)
            organization, description = where[role]
            user, _created = user_model.objects.get_or_create(username=username)
            user.first_name = f"{CITY_SHORT}{label}"
            user.is_staff = user.is_superuser = role == Membership.Role.ADMINISTRATOR
            user.is_active = True
            user.set_password(password)
            user.save()
            Membership.objects.filter(user=user).delete()
            Membership.objects.create(user=user, organization=organization, role=role)
            shown.append((username, password, f"{Membership.Role(role).label}：{description}"))
        return shown

    def _report(
        self,
        *,
        departments: int,
        units: int,
        forms: int,
        statuses: Counter[str],
        writer: CityWriter,
        people: People,
        library: int,
        timings: tuple[float, float, float],
        demo: list[tuple[str, str, str]],
    ) -> None:
        labels = {**{s.value: str(s.label) for s in Status}, ADJUSTING: "调整中"}
        states = "，".join(f"{labels[state]} {statuses[state]}" for state, _w in STATE_SHARES)
        users = len(people.filers) + len(people.reviewers) + len(people.finance)
        write, rebuild, total = timings
        out = self.stdout.write
        out(
            f"{CITY}：主管部门 {departments} 个，用款单位 {units} 个，项目 {forms} 个，"
            f"绩效目标表 {forms} 张（{states}），三级指标 {writer.indicators} 条，"
            f"变更记录 {writer.events} 条，经办人员 {users} 个，指标库 {library} 条。"
        )
        out(
            f"用时 {total:.1f} 秒（生成并写入 {write:.1f} 秒，重建指标库与统计信息 {rebuild:.1f} 秒）。"
        )
        out("演示账号（用户名 / 密码）：")
        for username, password, description in demo:
            out(f"  {username:13} / {password:18} {description}")
        out("登录：http://127.0.0.1:8000/accounts/login/")
