"""Registered groups (団体登録): a representative registers the group, staff approve it; approved groups may book
facilities that require one, and their lottery applications and wins count together (``group_key``).

Members join through the representative's invitation link (a secret token; issuing a new one voids the old) and
may then book and apply for the group too, so the group's caps bind the whole group, not one person. Membership
is by verified person (``sub``), like every cap."""
from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from datetime import datetime

from flask_babel import gettext as _
from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from portal.booking.domain.rules import Violation
from portal.booking.models import TAKING, BookingGroup, BookingGroupMember, LotteryApplication, Reservation
from portal.booking.services import booking as service
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
        errors["name"] = _("団体名を入力してください。")
    elif len(name) > 200:
        errors["name"] = _("団体名は200文字以内で入力してください。")
    members = _count(form.get("members"))
    resident_members = _count(form.get("resident_members"))
    if members is None or members < 1:
        errors["members"] = _("構成員の人数を1以上の数字で入力してください。")
    if resident_members is None or resident_members < 0 or (members is not None and resident_members > members):
        errors["resident_members"] = _("市内在住・在勤・在学の人数を、構成員の人数以下の数字で入力してください。")
    if not (form.get("phone") or "").strip():
        errors["phone"] = _("代表者の電話番号を入力してください。")
    if name and dbs.scalar(select(BookingGroup.id).where(
            BookingGroup.municipality_id == municipality_id, BookingGroup.name == name,
            BookingGroup.status.in_(("pending", "approved", "suspended")))):
        errors["name"] = _("同じ名前の団体がすでに登録（申請）されています。")
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


def of_member(dbs: Session, municipality_id: int, resident: Resident) -> list[BookingGroup]:
    """The groups the resident joined (not those they represent)."""
    return list(dbs.scalars(select(BookingGroup).join(BookingGroupMember).where(
        BookingGroup.municipality_id == municipality_id, BookingGroupMember.person_sub == resident.sub)
        .order_by(BookingGroupMember.joined_at)))


def approved_of(dbs: Session, municipality_id: int, resident: Resident | None) -> list[BookingGroup]:
    """The approved groups the resident may book and apply for: those they represent or joined."""
    if resident is None:
        return []
    member = select(BookingGroupMember.group_id).where(BookingGroupMember.person_sub == resident.sub)
    return list(dbs.scalars(select(BookingGroup).where(
        BookingGroup.municipality_id == municipality_id, BookingGroup.status == "approved",
        or_(BookingGroup.representative_sub == resident.sub, BookingGroup.id.in_(member)))
        .order_by(BookingGroup.created_at)))


def represented(dbs: Session, municipality_id: int, resident: Resident, group_id: int) -> BookingGroup | None:
    """The group, if the resident is its representative (anything else reads as not found)."""
    group = dbs.get(BookingGroup, group_id)
    if group is None or group.municipality_id != municipality_id or group.representative_sub != resident.sub:
        return None
    return group


def issue_invitation(group: BookingGroup) -> str:
    """A new invitation secret for an approved group; the previous link stops working. No commit."""
    if group.status != "approved":
        raise ValueError("only an approved group invites members")
    group.invite_token = secrets.token_urlsafe(24)
    return group.invite_token


def by_invitation(dbs: Session, municipality_id: int, token: str) -> BookingGroup | None:
    if not token or len(token) > 64:
        return None
    group = dbs.scalar(select(BookingGroup).where(BookingGroup.invite_token == token))
    if group is None or group.municipality_id != municipality_id or group.status != "approved":
        return None
    return group


def join(dbs: Session, group: BookingGroup, resident: Resident) -> BookingGroupMember | None:
    """Add the resident to the group; None if they represent or already belong to it. No commit."""
    if group.representative_sub == resident.sub or any(m.person_sub == resident.sub for m in group.memberships):
        return None
    member = BookingGroupMember(group=group, resident_id=resident.id, person_sub=resident.sub)
    dbs.add(member)
    dbs.flush()
    return member


def remove_member(group: BookingGroup, member_id: int) -> BookingGroupMember | None:
    """The representative takes a member off the list (or the member leaves). No commit."""
    member = next((m for m in group.memberships if m.id == member_id), None)
    if member is not None:
        group.memberships.remove(member)
    return member


def membership(group: BookingGroup, resident: Resident) -> BookingGroupMember | None:
    return next((m for m in group.memberships if m.person_sub == resident.sub), None)


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


@dataclass
class GroupActivity:
    """What is booked and applied for in a group's name, and by whom: for its representative's page."""

    bookings: list[tuple[Reservation, str]] = field(default_factory=list)
    applications: list[tuple[LotteryApplication, str]] = field(default_factory=list)


def activity(dbs: Session, group: BookingGroup, now: datetime) -> GroupActivity:
    """The group's bookings still to come and its lottery applications still waiting or won, soonest first."""
    bookings = [r for r in dbs.scalars(select(Reservation).where(Reservation.group_id == group.id,
                                                                Reservation.status.in_(TAKING)))
                if service.is_live(r, now) and any(s.ends_at > now for s in r.live_slots)]
    applications = list(dbs.scalars(select(LotteryApplication).where(
        LotteryApplication.group_id == group.id, LotteryApplication.status == "applied")
        .order_by(LotteryApplication.created_at)))
    ids = {r.resident_id for r in bookings} | {a.resident_id for a in applications}
    names = {r.id: r.display_name for r in dbs.scalars(select(Resident).where(Resident.id.in_(ids)))} if ids else {}
    return GroupActivity(
        bookings=[(r, names.get(r.resident_id, "")) for r in sorted(bookings, key=lambda r: r.starts_at)],
        applications=[(a, names.get(a.resident_id, "")) for a in applications])
