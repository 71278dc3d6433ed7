"""Procedure kinds: a kind adds fee rules, inventory and workflow to the generic engine.

Adding a kind is a new module with a ``ProcedureKind`` subclass and one ``@register`` line.
"""
from portal.procedures.kinds import booking, certificate, generic  # noqa: F401
from portal.procedures.kinds.base import KINDS, KindRefused, ProcedureKind, register  # noqa: F401
