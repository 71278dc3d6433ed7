"""One page of questions, the same for everyone who fills one in: the resident on their journey, staff at the
counter for a walk-in resident (書かない窓口), the resident answering a 補正 request.

``StepForm`` shows the page, redisplays it after an in-page action, and reads what was posted (uploads are
stored as they pass, so a page that fails validation keeps them and every answer as typed). ``answer_page``
is the request cycle around it; callers differ only in who acts (which fields, whose card prefills them,
where uploads belong) and in what a successful page does next.
"""
from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from flask import request
from werkzeug.datastructures import MultiDict

from portal import db
from portal.identity.models import Resident
from portal.procedures import prefill
from portal.procedures.fields import FieldType
from portal.procedures.uploads import UploadPlace


@dataclass
class FieldState:
    field: FieldType
    raw: dict
    errors: list[str] = field(default_factory=list)
    prefill: prefill.Prefilled | None = None


@dataclass
class Reading:
    """What a posted page says: each field's state, and the answers with the page's values applied."""

    states: list[FieldState]
    answers: dict

    @property
    def failed(self) -> bool:
        return any(s.errors for s in self.states)


class StepForm:
    """The fields of one page, the answers they start from, and where their uploads belong.

    ``base`` is what the page's values are applied to (a 補正 keeps every answer it does not show);
    ``detail_fields`` are the fields whose 「その他」 makes a detail required (default: the page's own);
    without ``offers_prefill`` only a locked card value is used (a 補正 starts from what was submitted).
    """

    def __init__(self, fields: Iterable[FieldType], saved: dict, resident: Resident | None, uploads: UploadPlace,
                 *, base: dict | None = None, detail_fields: Iterable[FieldType] | None = None,
                 offers_prefill: bool = True):
        self.fields = list(fields)
        self.saved = saved
        self.resident = resident
        self.uploads = uploads
        self.base = base or {}
        self.detail_fields = list(detail_fields) if detail_fields is not None else self.fields
        self.offers_prefill = offers_prefill

    def _prefill(self, f: FieldType) -> prefill.Prefilled | None:
        filled = prefill.prefill_for(f.spec, self.resident)
        if filled is None or filled.locked or self.offers_prefill:
            return filled
        return None

    def shown(self) -> list[FieldState]:
        """Each field as the page first shows it: the card's locked value, else the saved answer, else the
        prefilled one."""
        states = []
        for f in self.fields:
            filled = self._prefill(f)
            if filled and filled.locked:
                value = filled.value
            elif f.id in self.saved:
                value = self.saved[f.id]
            else:
                value = filled.value if filled else None
            states.append(FieldState(field=f, raw=f.raw_from_value(value), prefill=filled))
        return states

    def after_action(self, form: MultiDict) -> list[FieldState]:
        """An in-page action without JavaScript (the postal-code lookup): redisplay what was typed with the
        action's result, save nothing."""
        target = form["field_action"]
        states = self.shown()
        for s in states:
            if s.prefill and s.prefill.locked:
                continue
            if s.field.stores_upload:
                kept = self._kept(s.field, s.field.parse(form).value)
                if kept is not None:
                    s.raw = s.field.raw_from_value(kept)
            else:
                s.raw = s.field.parse(form).raw
            if s.field.id == target and s.field.has_action:  # the name comes from the browser
                s.raw, s.errors = s.field.perform_action(form)
        return states

    def read(self, form: MultiDict, files: MultiDict | None) -> Reading:
        """Parse and validate the page. Uploads that pass are stored (the caller commits them even when
        another field failed); a locked card value stands whatever the browser posts."""
        context = self.uploads.context()
        answers = dict(self.base)
        states: list[FieldState] = []
        for f in self.fields:
            filled = self._prefill(f)
            if filled and filled.locked:
                answers[f.id] = filled.value
                states.append(FieldState(field=f, raw=f.raw_from_value(filled.value), prefill=filled))
                continue
            parsed = f.parse(form, files, context)
            value, errors = parsed.value, list(parsed.errors)
            if f.stores_upload and _keeps(f, value):
                value = self._kept(f, value)
                if value is None and f.required:
                    errors.append(f.required_message())
            states.append(FieldState(field=f, raw=parsed.raw, errors=errors, prefill=filled))
            if value is None:
                answers.pop(f.id, None)
            else:
                answers[f.id] = value
        require_details(self.detail_fields, states, answers)
        return Reading(states=states, answers=answers)

    def _kept(self, f: FieldType, value) -> dict | None:
        return self.uploads.kept(f.id, value.get("token")) if _keeps(f, value) else None


def _keeps(f: FieldType, value) -> bool:
    """An upload field parses "keep the file chosen before" as ``{"token": …, KEEP: True}``."""
    return isinstance(value, dict) and bool(value.get(f.KEEP))


def require_details(fields: Iterable[FieldType], states: list[FieldState], answers: dict) -> None:
    """An option that asks for its detail (「その他」 → 具体的に) makes that field required: the message goes
    on the detail field when it is one of ``states`` (the fields on the page)."""
    by_id = {s.field.id: s for s in states}
    for f in fields:
        if answers.get(f.id) is None:
            continue
        for option_label, detail_id in f.required_details(answers[f.id]):
            target = by_id.get(detail_id)
            if target is not None and answers.get(detail_id) is None and not target.errors:
                target.errors.append(target.field.detail_required_message(option_label))


def error_summary(states: list[FieldState]) -> list[dict]:
    """The error summary above a page: each message links to its field's first input."""
    return [{"href": f"#f-{s.field.input_names()[0]}", "message": m} for s in states for m in s.errors]


def answer_sections(definition, answers: dict) -> list[tuple]:
    """``[(step, [(field, answer)])]`` of what a ``Definition`` shows for these answers: the check page, the
    resident's and staff's view of a submission, the printed summary. (Untyped: importing ``Definition`` would
    pull this module into the procedures' import cycle.)"""
    return [
        (step, [(f, answers.get(f.id)) for f in step.visible_fields(answers)])
        for step in definition.visible_steps(answers)
    ]


def answer_page(form: StepForm, render: Callable, accept: Callable):
    """The request cycle of a page of questions. ``render(states)`` draws the page; ``accept(reading)`` is
    called with a page that passed validation and returns where to go next, or None when it refuses the
    answers after all (it has then put its messages on ``reading.states``)."""
    if request.method == "GET":
        return render(form.shown())
    if request.form.get("field_action"):
        return render(form.after_action(request.form))
    reading = form.read(request.form, request.files)
    if not reading.failed:
        response = accept(reading)
        if response is not None:
            return response
    db.session().commit()  # uploads that passed are kept with their owner even when another field failed
    return render(reading.states), 422
