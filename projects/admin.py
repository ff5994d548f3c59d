from dataclasses import replace
from typing import Any

from django import forms
from django.contrib import admin, messages
from django.contrib.auth.admin import GroupAdmin, UserAdmin
from django.contrib.auth.models import Group, Permission, User
from django.db.models import ManyToManyField, QuerySet
from django.http import HttpRequest

from projects.content import service_written
from projects.filing.rollover import RolloverError, roll_over
from projects.models import (
    MAIL_ATTEMPTS,
    Assignment,
    CheckSetting,
    Comment,
    Deadline,
    FormEvent,
    Membership,
    MonitoringRound,
    Notification,
    OpinionTemplate,
    Organization,
    PerformanceForm,
    Project,
    Report,
    ReviewGrade,
    Season,
)
from projects.permissions import actor_of


class MembershipInline(admin.TabularInline[Membership, Any]):
    model = Membership
    extra = 1
    autocomplete_fields = ["user"]


@admin.register(Organization)
class OrganizationAdmin(admin.ModelAdmin[Organization]):
    list_display = ["name", "kind", "parent", "code"]
    list_filter = ["kind"]
    search_fields = ["name", "code"]
    autocomplete_fields = ["parent"]
    inlines = [MembershipInline]
    list_select_related = ["parent"]


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin[Membership]):
    list_display = ["user", "organization", "role", "assigns_work"]
    list_filter = ["role", "organization__kind"]
    search_fields = ["user__username", "organization__name"]
    autocomplete_fields = ["user", "organization"]
    list_select_related = ["user", "organization"]


@admin.register(Project)
class ProjectAdmin(admin.ModelAdmin[Project]):
    list_display = ["name", "code", "department", "unit"]
    search_fields = ["name", "code", "unit__name", "department__name"]
    autocomplete_fields = ["department", "unit"]
    list_select_related = ["department", "unit"]

    def get_readonly_fields(self, request: HttpRequest, obj: Project | None = None) -> Any:
        """A new project is typed here; a saved one's name, code and organisations are its
        forms' content (printed on them, kept in their history), changed by the services."""
        return service_written(Project) if obj is not None else ()


class FormEventInline(admin.TabularInline[FormEvent, Any]):
    model = FormEvent
    extra = 0
    fields = ("created_at", "kind", "actor", "source", "from_status", "to_status", "version")
    readonly_fields = fields
    can_delete = False


@admin.register(PerformanceForm)
class PerformanceFormAdmin(admin.ModelAdmin[PerformanceForm]):
    list_display = ["project", "fiscal_year", "status", "layout", "annual_amount", "version"]
    list_filter = ["fiscal_year", "status", "layout"]
    search_fields = ["project__name", "project__code", "project__unit__name"]
    autocomplete_fields = ["project"]
    list_select_related = ["project"]
    # The content and the workflow change only through the services (the editor, an import,
    # a transition), which version them and record an event; here every field they write is
    # read-only (tests/test_admin.py fails when one is not).
    readonly_fields = service_written(PerformanceForm)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    inlines = [FormEventInline]
    actions = ["roll_over_selected"]

    @admin.action(description="结转为下一年度草稿")
    def roll_over_selected(self, request: HttpRequest, queryset: QuerySet[PerformanceForm]) -> None:
        actor = replace(actor_of(request), source=FormEvent.Source.ADMIN)
        try:
            result = roll_over(form_ids=list(queryset.values_list("pk", flat=True)), actor=actor)
        except RolloverError as error:
            self.message_user(request, error.message, messages.ERROR)
            return
        self.message_user(
            request,
            f"已结转 {len(result.created)} 张表，跳过 {len(result.skipped)} 张（下一年度的表已存在）。",
            messages.SUCCESS,
        )


@admin.register(Comment)
class CommentAdmin(admin.ModelAdmin[Comment]):
    """Written by the review page (the reviewer's remark, the unit's answer); read here."""

    list_display = ["form", "indicator", "author", "created_at"]
    list_select_related = ["form__project", "indicator", "author"]
    raw_id_fields = ["form", "indicator"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


class UserMembershipInline(admin.TabularInline[Membership, Any]):
    model = Membership
    extra = 0
    autocomplete_fields = ["organization"]
    verbose_name_plural = "所属单位与角色"


# Django stores the default permissions' names in English when it makes them ("Can change
# 绩效目标表"); the admin lists them by these words instead.
_PERMISSION_ACTIONS = {
    "add": "添加",
    "change": "修改",
    "delete": "删除",
    "view": "查看",
}


def permission_label(permission: Permission) -> str:
    """A permission as the user and group pages list it: 项目绩效目标 | 绩效目标表 | 修改绩效目标表."""
    action, _sep, model_name = permission.codename.partition("_")
    model = permission.content_type.model_class()
    name = permission.name
    if action in _PERMISSION_ACTIONS and model is not None and model._meta.model_name == model_name:
        name = f"{_PERMISSION_ACTIONS[action]}{model._meta.verbose_name}"
    return f"{permission.content_type} | {name}"


class PermissionChoiceField(forms.ModelMultipleChoiceField[Permission]):
    def label_from_instance(self, obj: Any) -> str:
        return permission_label(obj)


class ChinesePermissionsMixin:
    """The permissions picker of a user or group page, with the permissions' Chinese names."""

    def formfield_for_manytomany(
        self, db_field: ManyToManyField[Any, Any], request: HttpRequest | None = None, **kwargs: Any
    ) -> forms.ModelMultipleChoiceField[Any] | None:
        if db_field.name in ("permissions", "user_permissions"):
            kwargs["form_class"] = PermissionChoiceField
            kwargs.setdefault("queryset", Permission.objects.select_related("content_type"))
        return super().formfield_for_manytomany(db_field, request, **kwargs)  # type: ignore[misc, no-any-return]


class UserWithMembershipsAdmin(ChinesePermissionsMixin, UserAdmin[User]):
    inlines = [*UserAdmin.inlines, UserMembershipInline]


class ChineseGroupAdmin(ChinesePermissionsMixin, GroupAdmin):
    pass


admin.site.unregister(User)
admin.site.register(User, UserWithMembershipsAdmin)
admin.site.unregister(Group)
admin.site.register(Group, ChineseGroupAdmin)


@admin.register(CheckSetting)
class CheckSettingAdmin(admin.ModelAdmin[CheckSetting]):
    list_display = ["check_id", "framework", "enabled", "severity"]
    list_editable = ["enabled", "severity"]
    list_filter = ["framework", "enabled"]
    list_select_related = ["framework"]


@admin.register(Deadline)
class DeadlineAdmin(admin.ModelAdmin[Deadline]):
    """The season's deadlines: set here, shown on the queues and the dashboard."""

    list_display = ["fiscal_year", "stage", "due"]
    list_editable = ["due"]
    list_filter = ["fiscal_year", "stage"]


@admin.register(Season)
class SeasonAdmin(admin.ModelAdmin[Season]):
    """The budget season under way, beside the deadlines: one row, the year the lists, the
    queue and the dashboard open on."""

    list_display = ["fiscal_year"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return super().has_add_permission(request) and not Season.objects.exists()


@admin.register(OpinionTemplate)
class OpinionTemplateAdmin(admin.ModelAdmin[OpinionTemplate]):
    """常用意见: each framework's quick picks of review opinions (text, order, on/off), and
    the reviewers' own. A comment keeps the text it was made with."""

    list_display = ["text", "framework", "owner", "order", "active"]
    list_editable = ["order", "active"]
    list_filter = ["framework", "active"]
    search_fields = ["text"]
    list_select_related = ["framework", "owner"]
    autocomplete_fields = ["owner"]


@admin.register(Assignment)
class AssignmentAdmin(admin.ModelAdmin[Assignment]):
    """Made on the 分配审核 page and from the queue; read here."""

    list_display = ["reviewer", "department", "form", "assigned_by", "assigned_at"]
    list_select_related = ["reviewer", "department", "form__project", "assigned_by"]
    readonly_fields = ["reviewer", "department", "form", "assigned_by", "assigned_at"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False


@admin.register(ReviewGrade)
class ReviewGradeAdmin(admin.ModelAdmin[ReviewGrade]):
    """Written by the review page; read here."""

    list_display = ["form", "version", "stage", "reviewer", "overall", "updated_at"]
    list_filter = ["stage"]
    list_select_related = ["form__project", "reviewer"]
    raw_id_fields = ["form"]

    @admin.display(description="综合评定")
    def overall(self, grade: ReviewGrade) -> str:
        return grade.overall

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


class MailStateFilter(admin.SimpleListFilter):
    title = "邮件"
    parameter_name = "mail"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        return [
            ("sent", "已发送"),
            ("retrying", "发送失败，将重试"),
            ("failed", "发送失败，已停止重试"),
        ]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> QuerySet[Any]:
        unsent = queryset.filter(emailed_at__isnull=True)
        if self.value() == "sent":
            return queryset.filter(emailed_at__isnull=False)
        if self.value() == "retrying":
            return unsent.filter(mail_failures__gt=0, mail_failures__lt=MAIL_ATTEMPTS)
        if self.value() == "failed":
            return unsent.filter(mail_failures__gte=MAIL_ATTEMPTS)
        return queryset


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin[Notification]):
    """The notices and their mail: an administrator sees here which mails failed and why."""

    list_display = ["recipient", "short_text", "created_at", "emailed_at", "mail_failures"]
    list_filter = [MailStateFilter]
    list_select_related = ["recipient"]
    search_fields = ["recipient__username", "text"]
    raw_id_fields = ["form"]

    @admin.display(description="内容")
    def short_text(self, notice: Notification) -> str:
        return notice.text[:60]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


@admin.register(MonitoringRound)
class MonitoringRoundAdmin(admin.ModelAdmin[MonitoringRound]):
    """The rounds are opened from the cycle's page (every approved form gets its report then);
    here the deadline can be moved."""

    list_display = ["__str__", "deadline", "opened_by", "opened_at"]
    readonly_fields = ["fiscal_year", "months", "opened_by", "opened_at"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False


@admin.register(Report)
class ReportAdmin(admin.ModelAdmin[Report]):
    """Reports are filled in and reviewed on their pages (with a version and an event each
    time); the admin only reads them."""

    list_display = ["__str__", "kind", "fiscal_year", "status", "light", "total", "grade"]
    list_filter = ["kind", "fiscal_year", "status", "light", "grade"]
    search_fields = ["form__project__name", "form__project__unit__name"]
    list_select_related = ["form__project"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Report | None = None) -> bool:
        return False
