"""What an admin types into a back-office form, made ready to check and store: the list of errors the form pages
show next to each field (``#f-<name>``), text typed on a Japanese keyboard normalised, and a map position."""
from __future__ import annotations

import unicodedata
from collections.abc import Mapping

from flask_babel import gettext as _


class FieldErrors(list):
    """Errors in form order, each linking to its field (the error summary's ``href``)."""

    def add(self, name: str, message: str) -> None:
        self.append({"href": f"#f-{name}", "message": message})


def normal(text: str | None) -> str:
    """Full-width digits, colons and hyphens as typed on a Japanese keyboard → ASCII."""
    return unicodedata.normalize("NFKC", text or "").strip()


def position(values: Mapping, errors: FieldErrors) -> tuple[float | None, float | None]:
    """Latitude and longitude from the fields of those names: both or neither, each within its range."""
    result = []
    for name, label, limit in (("latitude", _("緯度"), 90), ("longitude", _("経度"), 180)):
        text = normal(values.get(name, ""))
        try:
            number = float(text) if text else None
        except ValueError:
            number = float("nan")
        if number is not None and not -limit <= number <= limit:   # NaN fails this too
            errors.add(name, _("%(label)sは-%(limit)s〜%(limit)sの数で入力してください（例：35.3037）", label=label,
                               limit=limit))
            number = None
        result.append(number)
    if (result[0] is None) != (result[1] is None) and not any(e["href"] in ("#f-latitude", "#f-longitude")
                                                              for e in errors):
        errors.add("latitude", _("緯度と経度は両方入力するか、両方とも空欄にしてください"))
    return result[0], result[1]
