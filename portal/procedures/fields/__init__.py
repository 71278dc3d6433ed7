"""Field types of the procedure engine. Importing this package registers every type."""
from . import address, choice, consent, date, email, file, kana, number, phone, text  # noqa: F401  (register)
from .base import LOCALIZED_TEXT, REGISTRY, FieldType, Parsed, UploadContext, field_for, register

__all__ = ["LOCALIZED_TEXT", "REGISTRY", "FieldType", "Parsed", "UploadContext", "field_for", "register"]
