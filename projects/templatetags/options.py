"""``{% options field %}``: a choice field's ``<option>``s, the one chosen selected.

Written here rather than by a template loop: the form list's filters offer 300 departments
(and up to 300 units), and the loop read the field's value again for each option."""

from __future__ import annotations

from django import template
from django.forms import BoundField
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

register = template.Library()


@register.simple_tag
def options(field: BoundField) -> SafeString:
    chosen = f"{field.value()}"  # compared as text, as the form posts it back
    drawn = []
    for value, label in field.field.choices:  # type: ignore[attr-defined]
        text = f"{value}"
        selected = " selected" if text == chosen else ""
        drawn.append(f'<option value="{escape(text)}"{selected}>{escape(label)}</option>')
    return mark_safe("".join(drawn))  # every text escaped above
