"""Load the demo: the 2023 seed forms of the three layouts and one account per role.

Idempotent: running it again changes nothing but resetting the demo passwords (the seeds are
imported once: the demo then moves some of them through the workflow).
The demo accounts exist only because this command creates them; their passwords are printed
here and listed in the README.
"""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction
from django.utils import timezone

from indicators.scoring import is_qualitative
from projects.content import load_content
from projects.cycle.build import fill_round, open_round, start_self_evaluation
from projects.cycle.inputs import LineInput, ReportInput
from projects.cycle.services import add_comment as add_report_comment
from projects.cycle.services import save_report, take_step
from projects.filing.checking import check_form
from projects.filing.services import save_draft
from projects.models import (
    Comment,
    Deadline,
    FormEvent,
    Membership,
    MonitoringRound,
    Organization,
    PerformanceForm,
    Report,
    Season,
)
from projects.permissions import Actor
from projects.review.comments import add_comment, answer_comment
from projects.review.grading import grade_form
from projects.review.services import take_transition
from projects.services.importing import import_files

SEED_DIR = Path(settings.BASE_DIR) / "fixtures" / "seeds"
SEED_YEAR = 2023
DEMO_MAIL_DOMAIN = "demo.perfgoals.test"  # a reserved name: mail to it goes nowhere real

WORKFLOW_USERS = ("filer", "dept", "finance")
SUBMIT = ("filer", "submit", "")
PASS_ON = ("dept", "pass_on", "材料齐全，报财政审核。")
GRADE_DEPT = ("dept", "grade", "")
GRADE_FINANCE = ("finance", "grade", "")
COMMENT_DEPT = ("dept", "comment", "质量指标缺少考核标准，请写明验收依据。")  # 不够细化量化
COMMENT_FINANCE = ("finance", "comment", "数量指标偏低，请对照上年实际完成情况调整。")
REVISE = ("filer", "revise", "已按意见修改指标值并补充考核标准。")
# Where the demo leaves the filer's clean 东莞 forms, one path each (the rest stay drafts).
# Comments go on the form's first indicator; ``revise`` changes that indicator and answers.
DEMO_PATHS: list[list[tuple[str, str, str]]] = [
    [SUBMIT],  # waiting for the department
    [SUBMIT, GRADE_DEPT],  # graded by the department, its decision still to take
    [SUBMIT, PASS_ON],  # waiting for finance
    [SUBMIT, PASS_ON, COMMENT_FINANCE],  # waiting for finance, with an open comment
    [SUBMIT, PASS_ON, GRADE_FINANCE, ("finance", "approve", "")],  # approved
    # returned by finance with a comment on one indicator: the unit's turn
    [
        SUBMIT,
        PASS_ON,
        COMMENT_FINANCE,
        ("finance", "return", "满意度指标请写明调查对象和方式；数量指标请调整。"),
    ],
    # returned by the department, revised, answered, submitted again and passed on: finance
    # sees what changed since the return
    [
        SUBMIT,
        COMMENT_DEPT,
        ("dept", "return", "请补充质量指标的考核标准。"),
        REVISE,
        SUBMIT,
        PASS_ON,
    ],
]
# More of the filer's clean drafts approved for the performance cycle, and where the demo
# leaves their reports (monitoring, then self-evaluation, each path in turn): one untouched,
# one filled, one waiting for the department, one for finance, one returned with a comment
# on an indicator, one approved.
CYCLE_APPROVALS = 5
DEMO_MONITORING_SHARES = (Decimal("0.5"), Decimal("0.3"), Decimal("0.42"), Decimal("0.55"))
DEMO_EVALUATION_SHARES = (Decimal("0.93"), Decimal("0.72"), Decimal("0.98"), Decimal("0.85"))
CYCLE_PATHS: list[tuple[str, ...]] = [
    (),
    ("fill",),
    ("fill", "submit"),
    ("fill", "submit", "pass_on"),
    ("fill", "submit", "pass_on", "comment", "return"),
    ("fill", "submit", "pass_on", "approve"),
]

DEMO_GRADES = {
    "completeness": "优",
    "relevance": "优",
    "appropriateness": "良",
    "feasibility": "良",
}

# username, password, full name, role, organisation (kind, name, parent name)
DEMO_ACCOUNTS: list[tuple[str, str, str, str | None, tuple[str, str, str | None] | None]] = [
    (
        "filer",
        "filer-demo-2026",
        "信息中心填报人",
        Membership.Role.FILER,
        (Organization.Kind.UNIT, "东莞市财政局信息中心", "东莞市财政局"),
    ),
    (
        "dept",
        "dept-demo-2026",
        "主管部门审核人",
        Membership.Role.DEPARTMENT_REVIEWER,
        (Organization.Kind.DEPARTMENT, "东莞市财政局", None),
    ),
    (
        "finance",
        "finance-demo-2026",
        "财政局审核人",
        Membership.Role.FINANCE_REVIEWER,
        (Organization.Kind.FINANCE, "市财政局预算绩效管理科", None),
    ),
    (
        "admin",
        "admin-demo-2026",
        "系统管理员",
        Membership.Role.ADMINISTRATOR,
        (Organization.Kind.FINANCE, "市财政局预算绩效管理科", None),
    ),
]


class Command(BaseCommand):
    help = "导入三种表样的 2023 年示例表并创建各角色的演示账号。"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--address",
            default="http://127.0.0.1:8000/",
            help="网站的地址（make run 传入实际的 HOST 和 PORT），用于打印登录地址",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        seeds = sorted(SEED_DIR.glob("*.txt"))
        if not seeds:
            raise CommandError(f"没有找到示例表：{SEED_DIR}")
        loaded = PerformanceForm.objects.filter(fiscal_year=SEED_YEAR).count()
        if loaded:
            # the demo's forms have moved through the workflow since (and some were revised):
            # importing the seeds again would try to overwrite them
            self.stdout.write(f"示例表已导入（{loaded} 张），不再重复导入。")
        else:
            result = import_files(paths=seeds, year=SEED_YEAR)
            self.stdout.write(f"示例表：新建 {result.created} 张。")
        with transaction.atomic():
            for username, password, full_name, role, org in DEMO_ACCOUNTS:
                self._account(username, password, full_name, role, org)
        moved = self._work_to_do()
        if moved:
            self.stdout.write(f"审核流程：{moved} 张表已提交、审核或退回，各演示账号都有待办。")
        cycle = self._cycle_work()
        if cycle:
            self.stdout.write(
                f"绩效监控与自评：{cycle} 张监控表和自评表，处于填报、审核、退回和通过各状态。"
            )
        self.stdout.write("演示账号（用户名 / 密码）：")
        for username, password, full_name, _role, _org in DEMO_ACCOUNTS:
            self.stdout.write(f"  {username:8} / {password:20} {full_name}")
        self.stdout.write(f"登录：{options['address'].rstrip('/')}/accounts/login/")

    def _work_to_do(self) -> int:
        """Put the filer's 东莞 forms in every state, through the workflow's own service, so
        each demo account signs in to work (first run only: a form that has moved is left)."""
        users = {
            u.username: u for u in get_user_model().objects.filter(username__in=WORKFLOW_USERS)
        }
        forms = [
            form
            for form in PerformanceForm.objects.with_related()
            .filter(layout="dongguan", project__unit__name="东莞市财政局信息中心")
            .order_by("pk")
            if not any(f.is_error for f in check_form(form))
        ]
        if (
            len(forms) < len(DEMO_PATHS)
            or FormEvent.objects.filter(form__in=forms, kind=FormEvent.Kind.SUBMIT).exists()
        ):
            return 0
        for form, path in zip(forms, DEMO_PATHS, strict=False):
            for username, verb, text in path:
                self._step(Actor.for_user(users[username]), verb, form.pk, text)
        today = timezone.localdate()
        for stage, days in (
            (Deadline.Stage.SUBMIT, -3),
            (Deadline.Stage.DEPARTMENT, 7),
            (Deadline.Stage.FINANCE, 14),
        ):
            Deadline.objects.get_or_create(
                fiscal_year=SEED_YEAR, stage=stage, defaults={"due": today + timedelta(days=days)}
            )
        if not Season.objects.exists():  # the season the pages open on, as an admin sets it
            Season.objects.create(fiscal_year=SEED_YEAR)
        return len(DEMO_PATHS)

    def _cycle_work(self) -> int:
        """The performance cycle on the demo's approved forms, through the cycle's own
        services: more of the filer's clean drafts approved, a monitoring round (1—7月) and
        self-evaluations, each report left in another state so that every account has work:
        the filer fills and corrects, the department passes on, finance approves or returns
        with a comment on an indicator."""
        if MonitoringRound.objects.filter(fiscal_year=SEED_YEAR).exists():
            return 0  # a run before has opened it: the reports have moved since
        users = {
            u.username: u for u in get_user_model().objects.filter(username__in=WORKFLOW_USERS)
        }
        actors = {name: Actor.for_user(user) for name, user in users.items()}
        drafts = [
            form
            for form in PerformanceForm.objects.with_related()
            .filter(
                layout="dongguan",
                project__unit__name="东莞市财政局信息中心",
                status=PerformanceForm.Status.DRAFT,
                fiscal_year=SEED_YEAR,
            )
            .order_by("pk")
            if not any(f.is_error for f in check_form(form))
        ]
        for form in drafts[:CYCLE_APPROVALS]:
            for username, verb, text in (SUBMIT, PASS_ON, ("finance", "approve", "")):
                self._step(actors[username], verb, form.pk, text)
        round = open_round(
            actor=actors["finance"],
            fiscal_year=SEED_YEAR,
            months=7,
            deadline=timezone.localdate() + timedelta(days=10),
        )
        fill_round(round, actors["finance"])  # here and now (the worker finds them made)
        monitoring = list(round.reports.order_by("pk"))
        for index, (report, path) in enumerate(zip(monitoring, CYCLE_PATHS, strict=False)):
            self._report_path(report, path, actors, index)
        evaluations = [
            start_self_evaluation(actor=actors["filer"], form_id=report.form_id)
            for report in monitoring
        ]
        for index, (report, path) in enumerate(zip(evaluations, CYCLE_PATHS[1:], strict=False)):
            self._report_path(report, path, actors, index)
        return len(monitoring) + len(evaluations)

    def _report_path(
        self, report: Report, path: tuple[str, ...], actors: dict[str, Actor], index: int
    ) -> None:
        for step in path:
            report.refresh_from_db()
            if step == "fill":
                save_report(
                    actor=actors["filer"],
                    report_id=report.pk,
                    seen_version=report.version,
                    entries=demo_entries(report, index),
                )
            elif step == "comment":
                line = report.lines.filter(not_applicable=False).order_by("order").first()
                add_report_comment(
                    actor=actors["finance"],
                    report_id=report.pk,
                    line_id=line.pk if line else None,
                    text="实际完成值与佐证材料不一致，请核实后修改。",
                )
            else:
                who = {"submit": "filer", "pass_on": "dept"}.get(step, "finance")
                comment = "请按指标意见核实实际完成值。" if step == "return" else ""
                take_step(
                    actor=actors[who],
                    verb=step,
                    report_id=report.pk,
                    seen_version=report.version,
                    comment=comment,
                )

    def _step(self, actor: Actor, verb: str, form_id: int, text: str) -> None:
        """One demo step, through the same services as the pages."""
        form = PerformanceForm.objects.with_content().get(pk=form_id)
        first = form.indicators.order_by("order", "id").first()
        if verb == "grade":
            grade_form(
                actor=actor,
                form_id=form.pk,
                seen_version=form.version,
                grades=DEMO_GRADES,
                notes={"appropriateness": "指标值与上年基本持平，可适当提高。"},
            )
        elif verb == "comment":
            add_comment(
                actor=actor,
                form_id=form.pk,
                text=text,
                quick_pick=(
                    Comment.QuickPick.NOT_QUANTIFIED
                    if actor.reviewed_departments
                    else Comment.QuickPick.VALUE_LOW
                ),
                indicator_uid=str(first.uid) if first else "",
            )
        elif verb == "revise":
            content = load_content(form)
            if content.indicators:
                row = content.indicators[0]  # a value the layout prints
                if row.annual_value:
                    row.annual_value += "（以验收报告为准）"
                else:
                    row.value += "（以验收报告为准）"
            save_draft(actor=actor, form_id=form.pk, seen_version=form.version, content=content)
            for comment in form.comments.filter(resolved_at__isnull=True, answer=""):
                answer_comment(actor=actor, form_id=form.pk, comment_id=comment.pk, text=text)
        else:
            take_transition(
                actor=actor, verb=verb, form_id=form.pk, seen_version=form.version, comment=text
            )

    def _account(
        self,
        username: str,
        password: str,
        full_name: str,
        role: str | None,
        org: tuple[str, str, str | None] | None,
    ) -> None:
        user_model = get_user_model()
        user, _ = user_model.objects.get_or_create(username=username)
        user.first_name = full_name
        # an address, so that the notices' mail goes out (printed by the worker in
        # development: the console backend); a user with none is sent no mail
        user.email = user.email or f"{username}@{DEMO_MAIL_DOMAIN}"
        # the administrator also opens the Django admin
        user.is_staff = user.is_superuser = role == Membership.Role.ADMINISTRATOR
        user.set_password(password)
        user.save()
        if role is None or org is None:
            return
        kind, name, parent_name = org
        parent = None
        if parent_name:
            parent, _ = Organization.objects.get_or_create(
                kind=Organization.Kind.DEPARTMENT, name=parent_name, parent=None
            )
        organization, _ = Organization.objects.get_or_create(kind=kind, name=name, parent=parent)
        membership, _ = Membership.objects.get_or_create(
            user=user, organization=organization, role=role
        )
        if role == Membership.Role.FINANCE_REVIEWER and kind == Organization.Kind.FINANCE:
            # the demo's finance reviewer also divides the review (分配审核)
            Membership.objects.filter(pk=membership.pk).update(assigns_work=True)


def demo_entries(report: Report, index: int) -> ReportInput:
    """What a unit might report (``index`` varies it from report to report): spending ahead
    of or behind the months, every target reached but the first few, which fall short and
    say why."""
    budget = report.annual_budget or Decimal("100000")
    shares = DEMO_MONITORING_SHARES if report.is_monitoring else DEMO_EVALUATION_SHARES
    share = shares[index % len(shares)]
    shortfalls = 1 + index % 3
    lines = []
    for order, line in enumerate(report.lines.filter(not_applicable=False).order_by("order")):
        short = order < shortfalls
        lines.append(
            LineInput(
                line_id=line.pk,
                # a shortfall: nothing of a quantity done yet, a quality only partly reached
                actual=(
                    ("基本达到" if is_qualitative(line.target) else "0")
                    if short and not report.is_monitoring
                    else line.target
                ),
                projected=line.target,
                likelihood="有可能" if short else "确定能",
                achieved="部分达成" if short else "达成",
                reason_kind="经费保障" if short else "",
                reason="部分资金下达较晚，采购延后，下年初完成验收。" if short else "",
                measures="加快采购和支付进度。" if short else "",
            )
        )
    return ReportInput(
        initial_budget=budget,
        annual_budget=budget,
        executed=(budget * share).quantize(Decimal("0.01")),
        goal_actual="" if report.is_monitoring else "年度目标基本完成，系统全年稳定运行。",
        lines=tuple(lines),
    )
