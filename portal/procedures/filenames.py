"""Upload file names as a browser sends them are the sender's text: they end up in a download's
Content-Disposition header, in CSV exports and on staff screens, so only a plain name is kept."""
from __future__ import annotations

import re
import unicodedata

MAX_LENGTH = 255
FALLBACK = "file"


def safe_filename(name: str | None) -> str:
    """The last path segment, without control or invisible format characters (CR, LF, NUL, RTL override…),
    outer spaces and dots, at most ``MAX_LENGTH`` characters; ``file`` when nothing is left."""
    text = unicodedata.normalize("NFC", str(name or ""))
    text = re.split(r"[\\/]", text)[-1]
    text = "".join(" " if unicodedata.category(c) in ("Zl", "Zp") else c for c in text
                   if not unicodedata.category(c).startswith("C"))
    text = re.sub(r"\s+", " ", text).strip(" .")
    return text[:MAX_LENGTH].rstrip(" .") or FALLBACK
