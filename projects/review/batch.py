"""The queue's batch decisions, asked once: the first POST lists each form ticked and what
will become of it (``preview``), signed (``batch_token``); the second POST, with that token
and nothing changed (``token_matches``), takes the step on each form through the transition
service, which checks everything again under the row's lock."""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from django.core import signing
from django.db.models import Count, Q

from projects.models import PerformanceForm
from projects.permissions import Actor
from projects.review.services import transition_refusal
from projects.workflow import Transition

NOT_FOUND = "没有找到这张绩效目标表，或您无权查看。"
TOKEN_SALT = "projects.review.batch"
TOKEN_MAX_AGE = 3600  # seconds a confirmation page stays good for

# A form as the queue page showed it: its version and status.
type Seen = tuple[int, str]


@dataclass(frozen=True)
class BatchOutcome:
    """What becomes (or became) of one form of a batch: ``form`` is ``None`` for one the
    actor may not see (named by nothing but the number posted); ``refusal`` is empty when
    the step is (or was) taken."""

    pk: int
    form: PerformanceForm | None
    refusal: str = ""


def preview(
    actor: Actor, step: Transition, pks: Sequence[int], seen: Mapping[int, Seen]
) -> list[BatchOutcome]:
    """What the batch would do to each form, in the order ticked (one query: the forms the
    actor may see, with their open comments counted; one more for each form whose state
    moved on, to say who moved it)."""
    forms = {
        form.pk: form
        for form in PerformanceForm.objects.visible_to(actor)
        .filter(pk__in=pks)
        .with_related()
        .annotate(open_comments=Count("comments", filter=Q(comments__resolved_at__isnull=True)))
    }
    outcomes = []
    for pk in pks:
        form = forms.get(pk)
        if form is None:
            outcomes.append(BatchOutcome(pk, None, NOT_FOUND))
            continue
        version, status = seen.get(pk, (-1, ""))
        refusal = transition_refusal(
            actor,
            step,
            form,
            seen_version=version,
            seen_status=status,
            batch=True,
            open_comments=form.open_comments,  # type: ignore[attr-defined]
        )
        outcomes.append(BatchOutcome(pk, form, refusal))
    return outcomes


def _payload(actor: Actor, verb: str, seen: Mapping[int, Seen], comment: str) -> list[object]:
    said = hashlib.sha256(comment.encode()).hexdigest()
    return [actor.user_id, verb, sorted([pk, *seen[pk]] for pk in seen), said]


def batch_token(actor: Actor, verb: str, seen: Mapping[int, Seen], comment: str) -> str:
    """The confirmation of this batch: who, which step, which forms at which version and
    status, and which comment."""
    return signing.dumps(_payload(actor, verb, seen, comment), salt=TOKEN_SALT, compress=True)


def token_matches(
    token: str, actor: Actor, verb: str, seen: Mapping[int, Seen], comment: str
) -> bool:
    """Whether the token confirms exactly this batch, and is recent."""
    if not token:
        return False
    try:
        confirmed = signing.loads(token, salt=TOKEN_SALT, max_age=TOKEN_MAX_AGE)
    except signing.BadSignature:  # a forged, altered or expired token
        return False
    return bool(confirmed == _payload(actor, verb, seen, comment))
