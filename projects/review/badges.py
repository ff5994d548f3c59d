"""A form's state as the lists show it, in the rows the views draw (the form list, and a
unit's forms on the 进度总览): 已通过 for a form being adjusted (its approved version is in
force), with where the adjustment stands beside it."""

from __future__ import annotations

from django.utils.html import escape

from projects.models import PerformanceForm

Status = PerformanceForm.Status


def badge_html(form: PerformanceForm) -> str:
    """The badge's HTML, its texts escaped, to be joined into a row."""
    if form.status_in_force == Status.APPROVED:
        colour = "success"
    elif form.status == Status.RETURNED:
        colour = "danger"
    elif form.status == Status.DRAFT:
        colour = "secondary"
    else:
        colour = "primary"
    html = (
        f'<span class="badge status-badge text-bg-{colour}">'
        f"{escape(form.get_status_in_force_display())}</span>"
    )
    if form.is_adjusting:
        html += (
            ' <span class="badge text-bg-warning adjusting-badge">'
            f"调整中 · 调整稿{escape(form.get_status_display())}</span>"
        )
    return html
