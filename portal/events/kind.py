"""Event sign-up (イベント・講座申込) as a procedure kind: the event's questions are a definition of kind ``event``,
answered for a registration (the chosen session and party) that the event's page made with the draft.

Declared as the entry point ``event`` of the group ``portal.kinds`` (pyproject.toml).
"""
from __future__ import annotations

from portal.procedures.kinds.base import N_, ProcedureKind


class EventKind(ProcedureKind):
    name = "event"
    fee_label = N_("参加費")
    # a registration is cancelled from its own page, where the event's cancellation terms and refund are shown
    withdrawable = False
    # at the counter staff add a participant from the event's participant list, not from an empty form
    offered_at_counter = False
