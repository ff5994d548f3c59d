"""``{% status_badge form %}``: a form's state as the lists show it: 已通过 for a form being
adjusted (its approved version is in force), with where the adjustment stands beside it. One
function for the templates and for the rows the views draw themselves."""

from __future__ import annotations

from django import template
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from projects.models import PerformanceForm

register = template.Library()

Status = PerformanceForm.Status


def badge_html(form: PerformanceForm) -> str:
    """The badge's HTML (escaped), to be joined into a row."""
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


@register.simple_tag
def status_badge(form: PerformanceForm) -> SafeString:
    return mark_safe(badge_html(form))  # every part escaped in badge_html
