"""Who may do what, in one place.

* ``Actor`` is the acting user with their memberships, loaded once per request
  (``actor_of``); commands and background work act as ``Actor.system(...)``, which names the
  source that the history records.
* ``can_<verb>(actor, form) -> (allowed, reason)``: the views, the templates (to explain why an
  action is unavailable) and the services (again, inside their transaction) all call these.
  The workflow's rules read the states each verb leaves from in ``projects.workflow`` (the
  transition table); the roles are decided here.
* Who reviews a form at a stage is decided once: ``STAGE_REVIEWERS`` (a membership's role, and
  the organisation whose members review every department's forms), read by
  ``Actor.for_user`` (and so ``Actor.reviews_at``, the queue and the rules) and by
  ``reviewers_at`` (the people to tell).
* ``Actor.form_scope()`` is the one rule for which forms an actor may see; every list and fetch
  of forms goes through it (``PerformanceForm.objects.visible_to(actor)``,
  ``get_form_for_actor``): 404 for what the actor may not see, 403 with the reason for what the
  actor may see but not change.

Roles (``Membership.Role``): a filer edits its unit's forms; a department reviewer reads its
units' forms; a finance reviewer reads the forms of the departments assigned to them (a
membership of a department), or every form (a membership of the finance bureau); an
administrator reads every form, imports and rolls over. The Django ``is_staff`` flag only opens the Django admin: it grants nothing here.
"""

from __future__ import annotations

import operator
from collections.abc import Callable
from dataclasses import dataclass
from functools import reduce
from typing import TYPE_CHECKING

from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.http import Http404
from django.utils.functional import SimpleLazyObject

from projects.models import FormEvent, Membership, Organization, PerformanceForm, Stage
from projects.models.forms import Reviewable
from projects.workflow import (
    COMMENTABLE,
    TRANSITIONS,
    Transition,
    at_stage,
    leaves_from,
    review_stage,
)

if TYPE_CHECKING:
    from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
    from django.http import HttpRequest

    from projects.models import PerformanceFormQuerySet

Decision = tuple[bool, str]
ALLOWED: Decision = (True, "")
Role = Membership.Role
Kind = Organization.Kind

# Who reviews a department's forms at each stage: members with the stage's role in the
# department, and members with that role in an organisation of the kind named (the finance
# bureau), who review every department's forms.
STAGE_REVIEWERS: dict[Stage, tuple[Membership.Role, Organization.Kind | None]] = {
    Stage.DEPARTMENT: (Role.DEPARTMENT_REVIEWER, None),
    Stage.FINANCE: (Role.FINANCE_REVIEWER, Organization.Kind.FINANCE),
}


@dataclass(frozen=True)
class Actor:
    """Someone (or something) acting on forms, with everything the rules need."""

    user_id: int | None
    source: str  # FormEvent.Source: where the action comes from
    filer_units: frozenset[int] = frozenset()
    reviewed_departments: frozenset[int] = frozenset()
    is_finance_reviewer: bool = False
    # the departments a finance reviewer covers; ``None``: all of them (a membership of the
    # finance bureau itself)
    finance_departments: frozenset[int] | None = None
    is_admin: bool = False
    is_system: bool = False
    # divides the finance review among the reviewers (``Membership.assigns_work``)
    assigns_work: bool = False

    @classmethod
    def for_user(
        cls, user: AbstractBaseUser | AnonymousUser, *, source: str = FormEvent.Source.WEB
    ) -> Actor:
        """The user's roles, in one query (none for anonymous or inactive users)."""
        if not user.is_authenticated or not user.is_active:
            return cls(user_id=None, source=source)
        roles: dict[str, set[int]] = {role: set() for role in Role.values}
        everywhere: set[Stage] = set()  # the stages at which the user reviews every department
        assigns_work = False
        for role, organization_id, kind, assigns in Membership.objects.filter(
            user_id=user.pk
        ).values_list("role", "organization_id", "organization__kind", "assigns_work"):
            roles[role].add(organization_id)
            assigns_work |= assigns and role == Role.FINANCE_REVIEWER and kind == Kind.FINANCE
            everywhere |= {
                stage
                for stage, (reviewer, all_of) in STAGE_REVIEWERS.items()
                if role == reviewer and kind == all_of
            }
        assert Stage.DEPARTMENT not in everywhere  # a department reviewer reviews their own
        finance_everywhere = Stage.FINANCE in everywhere
        return cls(
            user_id=user.pk,
            source=source,
            filer_units=frozenset(roles[Role.FILER]),
            reviewed_departments=frozenset(roles[Role.DEPARTMENT_REVIEWER]),
            is_finance_reviewer=bool(roles[Role.FINANCE_REVIEWER]),
            finance_departments=(
                None if finance_everywhere else frozenset(roles[Role.FINANCE_REVIEWER])
            ),
            is_admin=bool(roles[Role.ADMINISTRATOR]),
            assigns_work=assigns_work,
        )

    @classmethod
    def system(cls, source: str = FormEvent.Source.COMMAND) -> Actor:
        """A command or background work: acts on every form, recorded with no user."""
        return cls(user_id=None, source=source, is_system=True)

    @property
    def is_signed_in(self) -> bool:
        return self.user_id is not None

    @property
    def sees_everything(self) -> bool:
        return (
            self.is_system
            or self.is_admin
            or (self.is_finance_reviewer and self.finance_departments is None)
        )

    def departments_at(self, stage: Stage) -> frozenset[int] | None:
        """The departments whose forms this actor reviews at the stage (``None``: all)."""
        if stage == Stage.DEPARTMENT:
            return self.reviewed_departments
        if not self.is_finance_reviewer:
            return frozenset()
        return self.finance_departments

    def reviews_at(self, stage: Stage, department_id: int) -> bool:
        """Whether this actor reviews the department's forms at the stage."""
        departments = self.departments_at(stage)
        return departments is None or department_id in departments

    def reviews_any_at(self, stage: Stage) -> bool:
        """Whether this actor reviews at the stage at all (some department's forms)."""
        departments = self.departments_at(stage)
        return departments is None or bool(departments)

    def form_scope(self) -> Q | None:
        """The forms this actor may read, as a filter (``None``: all of them)."""
        if self.sees_everything:
            return None
        if not self.is_signed_in:
            return Q(pk__in=[])
        return (
            Q(project__unit_id__in=self.filer_units)
            | Q(department_id__in=self.reviewed_departments)
            | Q(department_id__in=self.finance_departments or ())
        )

    def queue_scope(self, project: str = "project") -> Q:
        """The forms waiting for this actor's review: at a stage at which the actor reviews
        their department's forms (``project``: the path to the project from another model
        with a ``status`` and its own ``department``, such as a report's ``form__project``)."""
        waiting = Q(pk__in=[])
        for stage in Stage:
            departments = self.departments_at(stage)
            here = at_stage(stage)
            if (conflicts := self.conflicts_at(stage, project)) is not None:
                here &= ~conflicts
            if departments is None:
                waiting |= here
            elif departments:
                waiting |= here & Q(department_id__in=departments)
        return waiting

    def conflicts_at(self, stage: Stage, project: str = "project") -> Q | None:
        """The forms this actor may not review at the stage for a conflict of interest
        (``conflict_of_interest``), as a filter (over forms, or another model with its own
        ``department`` and the path ``project`` to its project); ``None`` for an actor with
        no conflict at the stage (the queue then joins no project for it)."""
        conflicts = []
        if self.filer_units:
            conflicts.append(Q(**{f"{project}__unit_id__in": self.filer_units}))
        if stage == Stage.FINANCE and self.reviewed_departments:
            conflicts.append(Q(department_id__in=self.reviewed_departments))
        return reduce(operator.or_, conflicts) if conflicts else None

    def conflict_of_interest(self, form: Reviewable, stage: Stage) -> str:
        """Why this actor may not review the form at the stage, or ``""``: they are a member
        of the unit that filed it (its filer), or, for the finance review, of its department
        (its reviewer). A finance reviewer's membership of a department is the department
        assigned to them, not a conflict; a department's reviewer reviews its own units."""
        if form.project.unit_id in self.filer_units:
            return "您是填报这张表的单位的成员，需回避，不能审核这张表。"
        if stage == Stage.FINANCE and form.project.department_id in self.reviewed_departments:
            return "您是这张表主管部门的审核人，需回避，不能在财政审核阶段审核这张表。"
        return ""

    def is_filer_of(self, form: Reviewable) -> bool:
        return form.project.unit_id in self.filer_units


# --------------------------------------------------------------------------- the rules


def can_view(actor: Actor, form: PerformanceForm) -> Decision:
    """Read the form, its history and its exports."""
    if actor.sees_everything or actor.is_filer_of(form):
        return ALLOWED
    if any(actor.reviews_at(stage, form.project.department_id) for stage in Stage):
        return ALLOWED
    return False, "您无权查看这张绩效目标表。"


def can_edit(actor: Actor, form: PerformanceForm) -> Decision:
    """Change the content: only a filer of the form's own unit, only in 草稿 or 已退回."""
    if not actor.is_filer_of(form):
        return False, "只有本单位的填报人可以修改这张表。"
    return _editable(form)


def can_create_form(actor: Actor, unit: Organization) -> Decision:
    """File a new project's form for a unit: the unit's own filers."""
    if unit.pk not in actor.filer_units:
        return False, "只有本单位的填报人可以为本单位新建绩效目标表。"
    return ALLOWED


def can_roll_over(actor: Actor, form: PerformanceForm) -> Decision:
    """Start next year's draft from this form: its unit's filers, or an administrator."""
    if not (actor.is_system or actor.is_admin or actor.is_filer_of(form)):
        return False, "只能结转本单位的表。"
    return ALLOWED


def can_file_next_year(actor: Actor, form: PerformanceForm) -> Decision:
    """Offer, on the form's page, to start next year's draft from it (以此表填报): its unit's
    filers. Administrators and commands roll forms over in bulk (``can_roll_over``)."""
    if not actor.is_filer_of(form):
        return False, "只有本单位的填报人可以以此表填报下一年度。"
    return can_roll_over(actor, form)


# --------------------------------------------------------------------------- the workflow


def reviewers_at(stage: Stage, department_id: int, unit_id: int | None = None) -> Q:
    """The people who review the department's forms at the stage, as a filter over users
    (``Actor.reviews_at`` for the acting user; both read ``STAGE_REVIEWERS``). With the
    form's ``unit_id``, less those who must stand aside (``Actor.conflict_of_interest``): the
    unit's filers, and at the finance stage the department's reviewers."""
    role, all_of = STAGE_REVIEWERS[stage]
    where = Q(memberships__organization_id=department_id)
    if all_of is not None:
        where |= Q(memberships__organization__kind=all_of)
    reviewers = Q(memberships__role=role) & where
    if unit_id is None:
        return reviewers
    conflicted = Membership.objects.filter(role=Role.FILER, organization_id=unit_id)
    if stage == Stage.FINANCE:
        conflicted |= Membership.objects.filter(
            role=Role.DEPARTMENT_REVIEWER, organization_id=department_id
        )
    return reviewers & ~Q(pk__in=conflicted.values("user_id"))


def _reviewer_at_stage(actor: Actor, form: Reviewable) -> Decision:
    stage = review_stage(form)
    if stage is None:
        return False, f"表单状态为“{form.get_status_display()}”，不在审核中。"
    if actor.reviews_at(stage, form.project.department_id):
        if conflict := actor.conflict_of_interest(form, stage):
            return False, conflict
        return ALLOWED
    if stage == Stage.DEPARTMENT:
        return False, "这张表正等待主管部门审核，只有本部门的审核人可以处理。"
    return False, "这张表正等待财政审核，只有负责本部门的财政审核人可以处理。"


def can_submit(actor: Actor, form: Reviewable) -> Decision:
    """Send a draft (or a returned form) for review: its unit's filers."""
    if not actor.is_filer_of(form):
        return False, "只有本单位的填报人可以提交这张表。"
    if not leaves_from(form, "submit"):
        return _not_editable(form)
    return ALLOWED


def can_withdraw(actor: Actor, form: Reviewable) -> Decision:
    """Take a submission back before any reviewer has acted on it: its unit's filers."""
    if not actor.is_filer_of(form):
        return False, "只有本单位的填报人可以撤回这张表。"
    if not leaves_from(form, "withdraw"):
        return False, f"只有已提交、尚未审核的表可以撤回（当前状态：{form.get_status_display()}）。"
    if form.review_begun():
        return (
            False,
            "审核人已开始审核这张表（已有评定或审核意见），不能撤回；如需修改，请联系审核人退回。",
        )
    return ALLOWED


def can_pass_on(actor: Actor, form: Reviewable) -> Decision:
    """Pass a submission on to finance (the department's review)."""
    if review_stage(form) not in TRANSITIONS["pass_on"].stages:
        return False, "这张表不在主管部门审核阶段。"
    return _reviewer_at_stage(actor, form)


def can_return(actor: Actor, form: Reviewable) -> Decision:
    """Send the form back to its unit, from whichever review stage it is in."""
    stage = review_stage(form)
    if stage is not None and stage not in TRANSITIONS["return"].stages:
        return False, "这张表在这个审核阶段不能退回。"
    return _reviewer_at_stage(actor, form)


def can_approve(actor: Actor, form: Reviewable) -> Decision:
    """Approve the form (the finance review)."""
    stage = review_stage(form)
    if stage is not None and stage not in TRANSITIONS["approve"].stages:
        return False, "这张表还在主管部门审核阶段。"
    return _reviewer_at_stage(actor, form)


def can_adjust(actor: Actor, form: PerformanceForm) -> Decision:
    """Ask to adjust (调整) an approved form: its unit's filers. The approved version stays in
    force until the adjusted one is approved."""
    if not actor.is_filer_of(form):
        return False, "只有本单位的填报人可以申请调整这张表。"
    if not leaves_from(form, "adjust"):
        return False, f"只有已通过的表需要申请调整（当前状态：{form.get_status_display()}）。"
    return ALLOWED


def can_cancel_adjust(actor: Actor, form: PerformanceForm) -> Decision:
    """Give up an adjustment before it is submitted: its unit's filers; the approved version
    comes back as it was."""
    if not actor.is_filer_of(form):
        return False, "只有本单位的填报人可以撤销调整。"
    if not form.is_adjusting:
        return False, "这张表没有在调整中。"
    if not leaves_from(form, "cancel_adjust"):
        return _not_editable(form)
    return ALLOWED


type Rule = Callable[[Actor, PerformanceForm], Decision]

# Who may take each step of the workflow now: its ``can_<verb>`` above (an import fails on a
# verb of the table without one).
TRANSITION_RULES: dict[str, Rule] = {verb: globals()[f"can_{verb}"] for verb in TRANSITIONS}


def available_transitions(actor: Actor, form: PerformanceForm) -> list[Transition]:
    """The transitions the actor may take on the form now (the buttons to show)."""
    return [t for t in TRANSITIONS.values() if TRANSITION_RULES[t.verb](actor, form)[0]]


def can_grade(actor: Actor, form: PerformanceForm) -> Decision:
    """Grade the four checks (完整性、相关性、适当性、可行性): the reviewer of the stage the
    form is in."""
    return _reviewer_at_stage(actor, form)


def can_comment(actor: Actor, form: Reviewable) -> Decision:
    """Comment on a form, or resolve a comment: its reviewers (its department's, when the
    department reviews, and finance), once it has been submitted."""
    department = form.project.department
    stages = [Stage.DEPARTMENT] if department.department_review else []
    reviews = [s for s in [*stages, Stage.FINANCE] if actor.reviews_at(s, department.pk)]
    if not reviews:
        return False, "只有这张表的审核人可以提出或处理审核意见。"
    conflicts = [actor.conflict_of_interest(form, stage) for stage in reviews]
    if all(conflicts):
        return False, conflicts[0]
    if form.status not in COMMENTABLE:
        return False, "草稿尚未提交，不能提出审核意见。"
    return ALLOWED


def can_answer(actor: Actor, form: PerformanceForm) -> Decision:
    """Answer the reviewers' comments: the unit's filers."""
    if not actor.is_filer_of(form):
        return False, "只有本单位的填报人可以答复审核意见。"
    return ALLOWED


def can_assign(actor: Actor) -> Decision:
    """Divide the finance review: assign departments or single forms to the finance reviewers,
    and reassign them. A finance reviewer of the finance bureau whose membership says so
    (``Membership.assigns_work``, set by an administrator in the Django admin: the 科长 who
    divides the season's work). Administrators manage people, not the review: they set the
    flag, they do not assign."""
    if actor.assigns_work:
        return ALLOWED
    return False, "只有负责分配审核任务的财政审核人可以分配审核任务。"


def can_take_assignment(actor: Actor, form: PerformanceForm) -> Decision:
    """Be assigned the form's finance review: a finance reviewer of its department (or of
    every department) with no conflict of interest."""
    if not actor.reviews_at(Stage.FINANCE, form.project.department_id):
        return False, "只能分配给负责这个主管部门的财政审核人。"
    if conflict := actor.conflict_of_interest(form, Stage.FINANCE):
        return False, conflict
    return ALLOWED


def can_import(actor: Actor) -> Decision:
    """Import sheets (which creates and overwrites forms of any unit): administrators."""
    if actor.is_system or actor.is_admin:
        return ALLOWED
    return False, "只有管理员可以导入绩效目标表。"


def can_import_over(actor: Actor, form: PerformanceForm) -> Decision:
    """Overwrite an existing form from a sheet: an importer, and only while it is editable."""
    allowed = can_import(actor)
    if not allowed[0]:
        return allowed
    return _editable(form)


def _editable(form: PerformanceForm) -> Decision:
    """The unit edits its form (and an import overwrites it) in the states it submits it
    from: 草稿 and 已退回."""
    if not leaves_from(form, "submit"):
        return _not_editable(form)
    return ALLOWED


def _not_editable(form: Reviewable) -> Decision:
    if form.status == PerformanceForm.Status.APPROVED:
        return False, (
            "这张表已审核通过，不能直接修改。如需修改，请申请调整（写明理由）："
            "调整稿审核通过前，已通过的版本继续有效。"
        )
    return False, f"表单状态为“{form.get_status_display()}”，不能修改。"


# --------------------------------------------------------------------------- fetching


def visible_forms(actor: Actor) -> PerformanceFormQuerySet:
    return PerformanceForm.objects.visible_to(actor)


def counted_departments(actor: Actor) -> Q | None:
    """The departments whose every form the actor sees, as a filter over the counts the
    database keeps (``FormCount``, ``ProjectTypeCount``; ``Q()``: all of them), or ``None``
    for an actor who sees a unit's forms (a filer): those are counted from the forms."""
    if actor.sees_everything:
        return Q()
    if actor.filer_units or not actor.is_signed_in:
        return None
    seen = {*actor.reviewed_departments, *(actor.finance_departments or ())}
    return Q(department_id__in=sorted(seen))


def sees_own_units_only(actor: Actor) -> bool:
    """The actor sees the forms of the units they file for and none other (``form_scope``):
    a filer with no review role."""
    return (
        bool(actor.filer_units)
        and not actor.sees_everything
        and not actor.reviewed_departments
        and not actor.finance_departments
    )


def get_form_for_actor(
    actor: Actor, pk: int, *, check: Callable[[Actor, PerformanceForm], Decision] | None = None
) -> PerformanceForm:
    """The form with its indicators, or 404 when the actor may not see it; with ``check``,
    403 with the reason when the actor may see it but not do that."""
    try:
        form = PerformanceForm.objects.with_content().visible_to(actor).get(pk=pk)
    except PerformanceForm.DoesNotExist:
        raise Http404("没有找到这张绩效目标表，或您无权查看。") from None
    if check is not None:
        allowed, reason = check(actor, form)
        if not allowed:
            raise PermissionDenied(reason)
    return form


def require(decision: Decision) -> None:
    """403 with the reason unless allowed (for actions that concern no single form)."""
    allowed, reason = decision
    if not allowed:
        raise PermissionDenied(reason)


# --------------------------------------------------------------------------- the request


def actor_of(request: HttpRequest) -> Actor:
    """The request's actor, loaded on first use and then kept for the request."""
    actor: Actor | None = getattr(request, "_actor", None)
    if actor is None:
        actor = Actor.for_user(request.user)
        request._actor = actor  # type: ignore[attr-defined]
    return actor


def navigation(request: HttpRequest) -> dict[str, object]:
    """Context processor: what the navigation offers this actor (evaluated only if shown)."""

    def reviews() -> bool:
        actor = actor_of(request)
        return any(actor.reviews_any_at(stage) for stage in Stage)

    return {
        "may_import": SimpleLazyObject(lambda: can_import(actor_of(request))[0]),
        "reviews": SimpleLazyObject(reviews),
    }
