"""How the generic pages show a kind's own parts: ``kind_view(draft=…)`` or ``kind_view(submission=…)`` gives
the kind and its ``page_context``; a page includes ``view.partial(place)`` (when not None) with
``kind_context`` set to that context."""
from __future__ import annotations

from dataclasses import dataclass

from flask import Flask

from portal import db
from portal.procedures.kinds.base import ProcedureKind
from portal.procedures.kinds.registry import KINDS


@dataclass(frozen=True)
class KindView:
    kind: ProcedureKind
    context: dict

    def partial(self, place: str) -> str | None:
        """The kind's template for this place, when it has one and something to show (a non-empty context)."""
        return self.kind.partials.get(place) if self.context else None


def kind_view(draft=None, submission=None) -> KindView:
    definition = (submission if submission is not None else draft).definition
    kind = KINDS[definition.kind]
    return KindView(kind, kind.page_context(db.session(), draft=draft, submission=submission))


def init_app(app: Flask) -> None:
    app.jinja_env.globals.update(kind_view=kind_view, procedure_kind=KINDS.__getitem__)
