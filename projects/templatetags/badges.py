"""``{{ status|status_colour }}``: a state's badge colour, as the lists draw it
(``review.badges``)."""

from __future__ import annotations

from django import template

from projects.review.badges import status_colour

register = template.Library()
register.filter("status_colour", status_colour)
