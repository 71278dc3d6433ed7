from portal.procedures.kinds.base import ProcedureKind


class GenericKind(ProcedureKind):
    """Applications, notifications and surveys: the engine's behaviour as it is."""

    name = "generic"
