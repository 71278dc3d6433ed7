"""The one JSON schema of a text in a definition, for the definition itself and for every field type.

What ``portal.i18n.localized`` reads: a non-empty string, or a mapping with the Japanese text (the fallback
for every language) and optionally the English one.
"""
from __future__ import annotations

LOCALIZED_TEXT = {
    "oneOf": [
        {"type": "string", "minLength": 1},
        {
            "type": "object",
            "required": ["ja"],
            "additionalProperties": False,
            # en_one: the English singular of a counted unit (see portal.i18n.localized_count)
            "properties": {"ja": {"type": "string", "minLength": 1}, "en": {"type": "string"},
                           "en_one": {"type": "string"}},
        },
    ]
}
