"""受付番号: short, read aloud over the phone, typed back by hand — so no look-alike characters."""
import secrets
import unicodedata

# Digits and capitals without 0/O, 1/I/L, 5/S, 8/B, 2/Z and U/V, which people and fonts confuse.
ALPHABET = "34679ACDEFGHJKMNPQRTWXY"
LENGTH = 8


def new_reference() -> str:
    chars = "".join(secrets.choice(ALPHABET) for _ in range(LENGTH))
    return f"{chars[:4]}-{chars[4:]}"


def normalise(text: str) -> str:
    """What a person typed back (lower case, full width, no hyphen) in canonical form."""
    cleaned = unicodedata.normalize("NFKC", text).upper().replace("-", "").replace(" ", "")
    if len(cleaned) != LENGTH:
        return cleaned
    return f"{cleaned[:4]}-{cleaned[4:]}"
