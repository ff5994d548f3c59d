"""One access helper per object kind: returns what the user may see, or raises.

404 for a form the user may not see at all (so its existence is not revealed);
403 for a form the user may read but not change.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.core.exceptions import PermissionDenied
from django.db.models import Prefetch
from django.http import Http404
from django.utils.translation import gettext as _

from indicators.models import Indicator
from projects.models import Membership, PerformanceForm, PerformanceFormQuerySet

if TYPE_CHECKING:
    from django.contrib.auth.models import AbstractBaseUser, AnonymousUser

    AnyUser = AbstractBaseUser | AnonymousUser


def forms_for_user(user: AnyUser) -> PerformanceFormQuerySet:
    return PerformanceForm.objects.visible_to(user)


def form_with_indicators() -> PerformanceFormQuerySet:
    return PerformanceForm.objects.with_related().prefetch_related(
        Prefetch(
            "indicators",
            # In the order typed: the per-form grids group by category themselves, and the
            # 广州 numbered text keeps the form's own order.
            queryset=Indicator.objects.select_related("category__parent").order_by("order", "id"),
        )
    )


def get_form_for_user(user: AnyUser, pk: int, *, write: bool = False) -> PerformanceForm:
    try:
        form = form_with_indicators().visible_to(user).get(pk=pk)
    except PerformanceForm.DoesNotExist:
        raise Http404(_("没有找到这张绩效目标表，或您无权查看。")) from None
    if write:
        allowed, reason = can_edit(user, form)
        if not allowed:
            raise PermissionDenied(reason)
    return form


def can_edit(user: AnyUser, form: PerformanceForm) -> tuple[bool, str]:
    """Only a filer of the form's own unit edits, and only in 草稿 or 已退回."""
    if user.pk is None:
        return False, _("请先登录。")
    is_filer = Membership.objects.filter(
        user_id=user.pk, organization_id=form.project.unit_id, role=Membership.Role.FILER
    ).exists()
    if not is_filer:
        return False, _("只有本单位的填报人可以修改这张表。")
    if not form.is_editable:
        return False, _("表单状态为“%(status)s”，不能修改。") % {
            "status": form.get_status_display()
        }
    return True, ""
