"""The catalogue's categories: a definition names one, and the catalogue lists its procedures under it.

A feature adds its own with ``register_category`` when its package is imported (``portal/events`` adds イベント).
The label is a Japanese Babel message; its English is in the translations like every other text.
"""
from __future__ import annotations

from dataclasses import dataclass

from flask_babel import lazy_gettext as _l


@dataclass(frozen=True)
class Category:
    key: str
    label: object  # a lazy Babel string: Japanese, or the request's language
    #: where the category's section comes in the catalogue, smallest first
    order: int


CATEGORIES: dict[str, Category] = {}


def register_category(key: str, label, order: int) -> Category:
    if key in CATEGORIES:
        raise ValueError(f"a category {key!r} is already registered")
    CATEGORIES[key] = Category(key, label, order)
    return CATEGORIES[key]


def ordered() -> list[Category]:
    return sorted(CATEGORIES.values(), key=lambda category: (category.order, category.key))


register_category("kosodate", _l("子育て"), 10)
register_category("sumai", _l("住まい・引越し"), 20)
register_category("shomeisho", _l("証明書"), 30)
register_category("shisetsu", _l("施設"), 40)
register_category("kurashi", _l("くらし・ご意見"), 60)
