"""``{% indicator_rows group %}``: a category's rows in the editor (``projects.filing.rows``)."""

from __future__ import annotations

from typing import Any

from django import template
from django.utils.safestring import SafeString, mark_safe

from projects.filing.editor import Group
from projects.filing.rows import indicator_row

register = template.Library()


@register.simple_tag(takes_context=True)
def indicator_rows(context: template.Context, group: Group) -> SafeString:
    """The group's rows; a row's findings and comments drawn by their templates, within the
    page's context as ``{% include %}`` would."""
    engine = context.template.engine  # type: ignore[union-attr]

    def include(name: str, names: dict[str, Any]) -> str:
        with context.push(**names):
            return str(engine.get_template(name).render(context))

    editor = context["editor"]
    # every text is escaped as it is written (projects.filing.rows)
    return mark_safe("".join(indicator_row(row, group, editor, include) for row in group.rows))
