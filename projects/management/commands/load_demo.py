"""Load the demo: the 2023 seed forms of the three layouts and one account per role.

Idempotent: running it again changes nothing but resetting the demo passwords.
The demo accounts exist only because this command creates them; their passwords are printed
here and listed in the README.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from projects.filing.checking import check_form
from projects.models import FormEvent, Membership, Organization, PerformanceForm
from projects.permissions import Actor
from projects.review.services import take_transition
from projects.services.importing import import_files

SEED_DIR = Path(settings.BASE_DIR) / "fixtures" / "seeds"
SEED_YEAR = 2023

WORKFLOW_USERS = ("filer", "dept", "finance")
SUBMIT = ("filer", "submit", "")
PASS_ON = ("dept", "pass_on", "材料齐全，报财政审核。")
# Where the demo leaves the filer's clean 东莞 forms, one path each (the rest stay drafts).
DEMO_PATHS: list[list[tuple[str, str, str]]] = [
    [SUBMIT],  # waiting for the department
    [SUBMIT],
    [SUBMIT, PASS_ON],  # waiting for finance
    [SUBMIT, PASS_ON],
    [SUBMIT, PASS_ON, ("finance", "approve", "")],  # approved
    [SUBMIT, PASS_ON, ("finance", "return", "满意度指标请写明调查对象和方式；成本指标请细化。")],
    # returned by the department, revised and submitted again
    [SUBMIT, ("dept", "return", "请补充质量指标的考核标准。"), SUBMIT],
]

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

    def handle(self, *args: Any, **options: Any) -> None:
        seeds = sorted(SEED_DIR.glob("*.txt"))
        if not seeds:
            raise CommandError(f"没有找到示例表：{SEED_DIR}")
        result = import_files(paths=seeds, year=SEED_YEAR)
        self.stdout.write(
            f"示例表：新建 {result.created} 张，更新 {result.updated} 张，未变 {result.unchanged} 张。"
        )
        with transaction.atomic():
            for username, password, full_name, role, org in DEMO_ACCOUNTS:
                self._account(username, password, full_name, role, org)
        moved = self._work_to_do()
        if moved:
            self.stdout.write(f"审核流程：{moved} 张表已提交、审核或退回，各演示账号都有待办。")
        self.stdout.write("演示账号（用户名 / 密码）：")
        for username, password, full_name, _role, _org in DEMO_ACCOUNTS:
            self.stdout.write(f"  {username:8} / {password:20} {full_name}")
        self.stdout.write("登录：http://127.0.0.1:8000/accounts/login/")

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
            for username, verb, comment in path:
                form = take_transition(
                    actor=Actor.for_user(users[username]),
                    verb=verb,
                    form_id=form.pk,
                    seen_version=form.version,
                    comment=comment,
                )
        return len(DEMO_PATHS)

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
        Membership.objects.get_or_create(user=user, organization=organization, role=role)
