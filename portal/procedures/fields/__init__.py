"""Field types of the procedure engine. Importing this package registers every type."""
from .base import LOCALIZED_TEXT, REGISTRY, FieldType, Parsed, UploadContext, field_for, register
from . import text, kana, email, phone, date, number, choice, address, file, consent  # noqa: F401  (register)

__all__ = ["LOCALIZED_TEXT", "REGISTRY", "FieldType", "Parsed", "UploadContext", "field_for", "register"]
