"""Other packages' admin pages with Chinese columns and actions (registered again by their
apps' configs in perfgoals/apps.py, after the admin has found the originals)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from axes import admin as axes_admin  # type: ignore[import-untyped, unused-ignore]
from axes.models import (  # type: ignore[import-untyped, unused-ignore]
    AccessAttempt,
    AccessFailureLog,
    AccessLog,
)
from django.conf import settings
from django.contrib import admin, messages
from django.db.models import IntegerField, OuterRef, QuerySet, Subquery, Sum
from django.db.models.functions import Coalesce
from django.http import HttpRequest
from django.utils import timezone
from django_tasks_db.admin import DBTaskResultAdmin
from django_tasks_db.models import DBTaskResult


class AccessAttemptAdmin(axes_admin.AccessAttemptAdmin):  # type: ignore[misc, unused-ignore]
    """登录失败记录: one row per username, address and browser that failed to log in. While
    a row's count has reached the limit (and the lockout has not run out) the username or the
    address is locked; deleting the row (解锁) unlocks it."""

    list_display = [
        "attempt_time",
        "username",
        "ip_address",
        "failures_since_start",
        "lock_state",
        "path_info",
        "user_agent",
    ]
    actions = ["unlock", "cleanup_expired_attempts"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Any]:
        """Each row with its username's and its address's failures within the lockout window
        (django-axes counts them so: a lock is by username, or by address, over all rows)."""
        recent = AccessAttempt.objects.filter(
            attempt_time__gte=timezone.now() - settings.AXES_COOLOFF_TIME
        )

        def total(key: str) -> Coalesce:
            failures = (
                recent.filter(**{key: OuterRef(key)})
                .values(key)
                .annotate(total=Sum("failures_since_start"))
                .values("total")
            )
            return Coalesce(Subquery(failures), 0, output_field=IntegerField())

        queryset: QuerySet[Any] = (
            super()
            .get_queryset(request)
            .annotate(username_failures=total("username"), address_failures=total("ip_address"))
        )
        return queryset

    @admin.display(description="锁定状态")
    def lock_state(self, attempt: AccessAttempt) -> str:
        limit: int = settings.AXES_FAILURE_LIMIT
        by_username = attempt.username_failures >= limit
        by_address = attempt.address_failures >= limit
        if by_username and by_address:
            return "账号和地址均已锁定"
        if by_username:
            return "账号已锁定"
        if by_address:
            return "地址已锁定"
        left = limit - max(attempt.username_failures, attempt.address_failures)
        return f"未锁定（还可尝试 {left} 次）"

    @admin.display(description="过期时间")
    def expiration(self, attempt: AccessAttempt) -> Any:
        return super().expiration(attempt)

    @admin.action(description="解锁所选（删除这些登录失败记录）")
    def unlock(self, request: HttpRequest, queryset: QuerySet[Any]) -> None:
        count = len(queryset)
        for attempt in queryset:
            attempt.delete()  # one by one: django-axes' delete signal clears its cache
        self.message_user(
            request,
            f"已解锁：删除了 {count} 条登录失败记录。",
            messages.SUCCESS,
        )

    @admin.action(description="清除已过期的记录")
    def cleanup_expired_attempts(self, request: HttpRequest, queryset: QuerySet[Any]) -> None:
        count = self.handler.clean_expired_user_attempts(request=request)
        self.message_user(request, f"已清除 {count} 条过期记录。")


class TaskResultAdmin(DBTaskResultAdmin):
    """后台任务: django-tasks-db's list, with Chinese column names."""

    list_display = (
        "id",
        "task_label",
        "status",
        "enqueued_at",
        "started_at",
        "finished_at",
        "priority",
        "queue_name",
    )

    @admin.display(description="任务")
    def task_label(self, result: DBTaskResult[Any, Any]) -> str:
        return result.task_name

    @admin.display(description="错误追踪")
    def formatted_traceback(self, result: DBTaskResult[Any, Any]) -> str:
        return super().formatted_traceback(result)

    @admin.display(description="最早运行时间")
    def display_run_after(self, result: DBTaskResult[Any, Any]) -> datetime | str:
        return super().display_run_after(result)


def _when(record: AccessLog | AccessAttempt | AccessFailureLog) -> str:
    return f"{timezone.localtime(record.attempt_time):%Y-%m-%d %H:%M:%S}"


def name_axes_records() -> None:
    """django-axes names its records in English (the admin's titles, breadcrumbs and history
    show the names): name them in Chinese. Only ``__str__``; nothing stored changes."""
    AccessAttempt.__str__ = lambda record: str(
        "{username} 的登录失败记录（{time}）".format(
            username=record.username or "-", time=_when(record)
        )
    )
    AccessFailureLog.__str__ = lambda record: str(
        "{username} 登录失败（{time}，{address}）".format(
            username=record.username or "-", time=_when(record), address=record.ip_address
        )
    )
    AccessLog.__str__ = lambda record: str(
        "{username} 登录（{time}）".format(username=record.username or "-", time=_when(record))
    )


def register_access_attempts() -> None:
    if admin.site.is_registered(AccessAttempt):
        admin.site.unregister(AccessAttempt)
        admin.site.register(AccessAttempt, AccessAttemptAdmin)


def register_task_results() -> None:
    if admin.site.is_registered(DBTaskResult):
        admin.site.unregister(DBTaskResult)
    admin.site.register(DBTaskResult, TaskResultAdmin)
