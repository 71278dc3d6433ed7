"""Procedure kinds: a kind adds fee rules, inventory, workflow and its own parts of the generic pages to the
generic engine.

A kind is a ``ProcedureKind`` subclass in the package that owns it, declared as an entry point of the group
``portal.kinds`` in pyproject.toml (see docs/extending.md); ``KINDS`` loads them all on first use.
"""
from portal.procedures.kinds.base import KindRefused, ProcedureKind  # noqa: F401
from portal.procedures.kinds.registry import KINDS  # noqa: F401
