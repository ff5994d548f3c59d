"""A form's state as the lists show it, in the rows the views draw (the form list, and a
unit's forms on the 进度总览): 已通过 for a form being adjusted (its approved version is in
force), with where the adjustment stands beside it."""

from __future__ import annotations

from django.utils.html import escape

from projects.models import PerformanceForm

Status = PerformanceForm.Status
# a state's badge colour (Bootstrap's text-bg-*), for forms and for the cycle's reports alike
COLOURS: dict[str, str] = {
    Status.APPROVED: "success",
    Status.RETURNED: "danger",
    Status.DRAFT: "secondary",
}


def status_colour(status: str) -> str:
    return COLOURS.get(status, "primary")  # on its way through review


def badge_html(form: PerformanceForm) -> str:
    """The badge's HTML, its texts escaped, to be joined into a row."""
    html = (
        f'<span class="badge status-badge text-bg-{status_colour(form.status_in_force)}">'
        f"{escape(form.get_status_in_force_display())}</span>"
    )
    if form.is_adjusting:
        html += (
            ' <span class="badge text-bg-warning adjusting-badge">'
            f"调整中 · 调整稿{escape(form.get_status_display())}</span>"
        )
    return html
