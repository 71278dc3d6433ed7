"""Demo staff for each demo municipality — development only (never with PORTAL_ENV=production).

Every demo account's password is DEMO_PASSWORD; admins' TOTP secret is DEMO_TOTP_SECRET, so a code can be
made without a phone: ``python -c "import pyotp; print(pyotp.TOTP('KAKANAIDEMOADMINONLYFORDEVELOPMT').now())"``.
Both are published in the README: these accounts must never exist anywhere real.
"""
from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from portal.staff import auth
from portal.staff.demo_credentials import DEMO_PASSWORD, DEMO_TOTP_SECRET
from portal.staff.models import StaffProcedure, StaffUser
from portal.tenancy.models import Municipality

DEMO_STAFF = {
    "ichinomiya": [
        ("ichinomiya-admin", "一宮市 管理者（デモ）", "admin", []),
        ("ichinomiya-staff", "市民課 一宮 太郎（デモ）", "staff", ["juminhyo", "ichinomiya-dog-death", "consultation",
                                                                  "facility-booking"]),
    ],
    "anjo": [
        ("anjo-admin", "安城市 管理者（デモ）", "admin", []),
        ("anjo-staff", "市民課 安城 花子（デモ）", "staff", ["juminhyo", "consultation", "facility-booking"]),
    ],
}


def load_demo_staff(session: Session) -> int:
    added = 0
    password_hash = None
    for slug, accounts in DEMO_STAFF.items():
        municipality = session.scalar(select(Municipality).where(Municipality.slug == slug))
        if municipality is None:
            continue
        for username, name, role, keys in accounts:
            if auth.find(session, municipality, username) is not None:
                continue
            password_hash = password_hash or auth.hash_password(DEMO_PASSWORD)
            staff = StaffUser(municipality_id=municipality.id, username=username, display_name=name, role=role,
                              password_hash=password_hash, totp_secret=DEMO_TOTP_SECRET if role == "admin" else None,
                              active=True, failed_attempts=0, session_version=1)
            staff.procedures = [StaffProcedure(definition_key=key) for key in keys]
            session.add(staff)
            added += 1
    session.flush()
    return added
