"""Registered groups (団体登録): a representative registers the group, staff approve it; approved groups may book
facilities that require one, and their lottery applications and wins count together (``group_key``)."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from portal.booking.models import BookingGroup
from portal.booking.rules import Violation
from portal.identity.models import Resident

STATUSES = ("pending", "approved", "rejected", "suspended")
#: (from, to) staff may decide
DECISIONS = {("pending", "approved"), ("pending", "rejected"), ("approved", "suspended"), ("suspended", "approved")}


class GroupRefused(ValueError):
    def __init__(self, errors: dict[str, str]):
        super().__init__("; ".join(errors))
        self.errors = errors


def register(dbs: Session, municipality_id: int, resident: Resident, form: dict) -> BookingGroup:
    """The representative's application; every problem at once (field → message). No commit."""
    name = (form.get("name") or "").strip()
    kana = (form.get("name_kana") or "").strip()
    errors = {}
    if not name:
        errors["name"] = "団体名を入力してください。"
    elif len(name) > 200:
        errors["name"] = "団体名は200文字以内で入力してください。"
    members = _count(form.get("members"))
    resident_members = _count(form.get("resident_members"))
    if members is None or members < 1:
        errors["members"] = "構成員の人数を1以上の数字で入力してください。"
    if resident_members is None or resident_members < 0 or (members is not None and resident_members > members):
        errors["resident_members"] = "市内在住・在勤・在学の人数を、構成員の人数以下の数字で入力してください。"
    if not (form.get("phone") or "").strip():
        errors["phone"] = "代表者の電話番号を入力してください。"
    if name and dbs.scalar(select(BookingGroup.id).where(
            BookingGroup.municipality_id == municipality_id, BookingGroup.name == name,
            BookingGroup.status.in_(("pending", "approved", "suspended")))):
        errors["name"] = "同じ名前の団体がすでに登録（申請）されています。"
    if errors:
        raise GroupRefused(errors)
    group = BookingGroup(municipality_id=municipality_id, name=name, name_kana=kana, representative_id=resident.id,
                         representative_sub=resident.sub, members=members, resident_members=resident_members,
                         activity=(form.get("activity") or "").strip()[:500],
                         phone=(form.get("phone") or "").strip()[:30], status="pending")
    dbs.add(group)
    dbs.flush()
    return group


def _count(value) -> int | None:
    try:
        return int(str(value).strip().translate(str.maketrans("０１２３４５６７８９", "0123456789")))
    except (TypeError, ValueError):
        return None


def decide(group: BookingGroup, to: str, staff_id: int, now: datetime, note: str = "") -> None:
    """Staff approve, reject, suspend or reinstate a group; no commit."""
    if (group.status, to) not in DECISIONS:
        raise ValueError(f"a {group.status} group cannot become {to}")
    group.status, group.decided_by, group.decided_at, group.decision_note = to, staff_id, now, note.strip()[:500]


def of_representative(dbs: Session, municipality_id: int, resident: Resident) -> list[BookingGroup]:
    return list(dbs.scalars(select(BookingGroup).where(BookingGroup.municipality_id == municipality_id,
                                                       BookingGroup.representative_sub == resident.sub)
                            .order_by(BookingGroup.created_at)))


def approved_of(dbs: Session, municipality_id: int, resident: Resident | None) -> list[BookingGroup]:
    if resident is None:
        return []
    return [g for g in of_representative(dbs, municipality_id, resident) if g.status == "approved"]


def chosen(dbs: Session, municipality_id: int, resident: Resident, group_id) -> BookingGroup | None:
    """The approved group the resident picked, or None when they book for themselves; ValueError for a group
    that is not theirs or not approved (a tampered form)."""
    if group_id in (None, "", "0"):
        return None
    try:
        wanted = int(group_id)
    except (TypeError, ValueError):
        raise ValueError("group") from None
    group = next((g for g in approved_of(dbs, municipality_id, resident) if g.id == wanted), None)
    if group is None:
        raise ValueError("group")
    return group


NOT_YOURS = Violation("group_unknown", "選んだ団体は利用できません。承認済みの登録団体を選んでください。",
                      "That group cannot be used. Choose an approved registered group.")


def for_staff(dbs: Session, municipality_id: int) -> list[BookingGroup]:
    """Every group of the municipality, those waiting for a decision first."""
    return list(dbs.scalars(select(BookingGroup).where(BookingGroup.municipality_id == municipality_id)
                            .order_by(BookingGroup.status != "pending", BookingGroup.created_at.desc())))
