"""``{{ key|field_label }}``: a form field's label (``project.name`` → 项目名称), as the form
names it; an unknown key as it is."""

from __future__ import annotations

from django import template

from projects.content import FIELD_BY_KEY

register = template.Library()


@register.filter
def field_label(key: str) -> str:
    spec = FIELD_BY_KEY.get(key)
    return str(spec.label) if spec else key
