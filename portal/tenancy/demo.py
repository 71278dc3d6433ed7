"""Demo municipalities; loading them twice changes nothing."""
from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from portal.tenancy.models import Municipality

DEMO_MUNICIPALITIES = [
    {
        "slug": "ichinomiya",
        "name": "一宮市",
        "name_en": "Ichinomiya City",
        "prefecture": "愛知県",
        "prefecture_en": "Aichi",
        "code": "232033",
        "contact_department": "市民課",
        "contact_department_en": "Citizens Affairs Division",
        "contact_phone": "0586-28-8100",
        "contact_email": "shimin@city.ichinomiya.example.jp",
    },
    {
        "slug": "anjo",
        "name": "安城市",
        "name_en": "Anjo City",
        "prefecture": "愛知県",
        "prefecture_en": "Aichi",
        "code": "232122",
        "contact_department": "市民課",
        "contact_department_en": "Citizens Affairs Division",
        "contact_phone": "0566-71-2222",
        "contact_email": "shimin@city.anjo.example.jp",
    },
]


def load_municipalities(session: Session) -> int:
    added = 0
    for data in DEMO_MUNICIPALITIES:
        if session.scalar(select(Municipality).where(Municipality.slug == data["slug"])) is None:
            session.add(Municipality(**data))
            added += 1
    session.flush()
    return added
