"""A step's fields as HTML, blank fields rendered once per process and language.

A field nobody has answered, with no prefill and no error, reads the same for every visitor: its label, hints,
options and empty input come from the published definition alone (built once per process and version). Most
fields of a step a visitor opens are such, and the field templates are most of a step's rendering.
"""
from __future__ import annotations

from flask import current_app
from markupsafe import Markup

from portal.i18n import current_lang

LOCKED_TEMPLATE = "fields/_locked.html"
_blank: dict[tuple[int, str], tuple[object, dict, Markup]] = {}


def field_html(state) -> Markup:
    """``state``: a ``journey.FieldState``; what its field template renders for it."""
    blank = not state.errors and state.prefill is None
    key = (id(state.field), current_lang())
    if blank:
        found = _blank.get(key)
        # the field object itself, not a recycled id; and its raw value still the empty one
        if found is not None and found[0] is state.field and found[1] == state.raw:
            return found[2]
    template = LOCKED_TEMPLATE if state.prefill and state.prefill.locked else state.field.template
    html = Markup(current_app.jinja_env.get_template(template).render(
        field=state.field, raw=state.raw, errors=state.errors, prefill=state.prefill))
    if blank and state.raw == state.field.raw_from_value(None):  # never keep anyone's answer
        _blank[key] = (state.field, state.raw, html)
    return html
