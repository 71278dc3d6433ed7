"""Staff sign-in: argon2 passwords, lockout, TOTP second factor, and the session rules of the back office.

The staff session lives in the same signed cookie as the resident's but under its own keys
(``staff_id``, ``staff_v``, ``staff_seen``, ``staff_since``); signing in as either clears the other.
"""
from __future__ import annotations

import hmac
import time
import unicodedata
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import wraps

import pyotp
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask import abort, current_app, flash, g, redirect, request, session, url_for
from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import Session

from portal import db
from portal.audit.service import Actor
from portal.db import utcnow
from portal.staff.models import StaffUser
from portal.tenancy.models import Municipality

MAX_FAILURES = 5
LOCK_MINUTES = 15
MIN_PASSWORD_LENGTH = 12
PENDING_SECONDS = 300
SESSION_KEYS = ("staff_id", "staff_v", "staff_seen", "staff_since", "staff_pending", "staff_totp_setup")

_hasher = PasswordHasher()
# Verifying against this when the username is unknown keeps the answer time the same either way.
_DUMMY_HASH = _hasher.hash("not a real password, only for constant timing")


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def password_problem(password: str, username: str = "") -> str | None:
    """Why a new password is not acceptable, or None."""
    if len(password) < MIN_PASSWORD_LENGTH:
        return _("パスワードは%(n)s文字以上にしてください。", n=MIN_PASSWORD_LENGTH)
    if username and username.lower() in password.lower():
        return _("パスワードにユーザー名を含めないでください。")
    return None


def verify_password(staff: StaffUser | None, password: str) -> bool:
    try:
        ok = _hasher.verify(staff.password_hash if staff else _DUMMY_HASH, password)
    except (VerificationError, InvalidHashError):
        return False
    if ok and staff is not None and _hasher.check_needs_rehash(staff.password_hash):
        staff.password_hash = _hasher.hash(password)
    return ok and staff is not None


# --- TOTP (RFC 6238: 6 digits, 30 seconds, as every authenticator app does) -------------------------

def new_totp_secret() -> str:
    return pyotp.random_base32()


def provisioning_uri(secret: str, staff: StaffUser, municipality: Municipality) -> str:
    return pyotp.TOTP(secret).provisioning_uri(name=f"{staff.username}@{municipality.slug}",
                                               issuer_name=f"{municipality.name} 職員用")


def _clean_code(code: str) -> str:
    return "".join(unicodedata.normalize("NFKC", code or "").split()).replace("-", "")


def totp_step(secret: str, code: str, last_step: int | None, now: float | None = None) -> int | None:
    """The time step ``code`` is valid for (±1 step of clock drift), or None. A step at or before
    ``last_step`` was used already: accepting it again would let a watched code be replayed."""
    code = _clean_code(code)
    if len(code) != 6 or not code.isdigit():
        return None
    totp = pyotp.TOTP(secret)
    current = int(now if now is not None else time.time()) // totp.interval
    for step in (current - 1, current, current + 1):
        if hmac.compare_digest(totp.generate_otp(step), code) and (last_step is None or step > last_step):
            return step
    return None


# --- signing in ---------------------------------------------------------------------------------------

@dataclass
class Attempt:
    outcome: str  # ok | invalid | locked
    staff: StaffUser | None = None


def find(session: Session, municipality: Municipality, username: str) -> StaffUser | None:
    return session.scalar(
        select(StaffUser).where(StaffUser.municipality_id == municipality.id, StaffUser.username == username.strip())
    )


def register_failure(staff: StaffUser, now: datetime | None = None) -> bool:
    """Count a wrong password or code; returns True when this failure locked the account."""
    now = now or utcnow()
    staff.failed_attempts = (staff.failed_attempts or 0) + 1
    if staff.failed_attempts >= MAX_FAILURES:
        staff.locked_until = now + timedelta(minutes=LOCK_MINUTES)
        staff.failed_attempts = 0
        return True
    return False


def check_password(session: Session, municipality: Municipality, username: str, password: str) -> Attempt:
    staff = find(session, municipality, username)
    if staff is not None and staff.is_locked():
        return Attempt("locked", staff)
    if not verify_password(staff, password) or staff is None or not staff.active:
        if staff is not None and staff.active:
            if register_failure(staff):
                return Attempt("locked", staff)
        return Attempt("invalid", staff)
    return Attempt("ok", staff)


def start_session(staff: StaffUser) -> None:
    """A new session for the signed-in staff member: nothing from before survives except the language."""
    lang = session.get("lang")
    session.clear()
    now = int(time.time())
    session["staff_id"] = staff.id
    session["staff_v"] = staff.session_version
    session["staff_seen"] = now
    session["staff_since"] = now
    if lang:
        session["lang"] = lang
    staff.failed_attempts = 0
    staff.locked_until = None
    staff.last_login_at = utcnow()


def end_session() -> None:
    for key in SESSION_KEYS:
        session.pop(key, None)


def actor(staff: StaffUser) -> Actor:
    return Actor("staff", staff.id, f"{staff.display_name} ({staff.username})")


def client_ip() -> str:
    return request.remote_addr or ""


# --- the decorator every back-office view wears ---------------------------------------------------------

def _to_login(message: str | None = None):
    if message:
        flash(message, "warning")
    target = request.full_path.rstrip("?") if request.method == "GET" else None
    return redirect(url_for("staff.login", next=target) if target else url_for("staff.login"))


def current_staff() -> StaffUser | None:
    """The signed-in staff member of this request (checks idle time, account state and session version)."""
    if "staff" in g:
        return g.staff
    g.staff = None
    staff_id = session.get("staff_id")
    if not staff_id:
        return None
    staff = db.session().get(StaffUser, staff_id)
    now = int(time.time())
    idle = current_app.config.get("STAFF_IDLE_SECONDS", 1800)
    longest = current_app.config.get("STAFF_SESSION_MAX_SECONDS", 12 * 3600)
    timed_out = now - int(session.get("staff_seen", 0)) > idle or now - int(session.get("staff_since", 0)) > longest
    if staff is None or not staff.active or session.get("staff_v") != staff.session_version or timed_out:
        g.staff_expired = timed_out
        end_session()
        return None
    session["staff_seen"] = now
    g.staff = staff
    return staff


def staff_required(role: str | None = None):
    """Back-office views: a signed-in, active staff account of *this* municipality (and ``role`` if given).

    Anonymous visitors and residents go to the staff sign-in; staff of another municipality get 403.
    """

    def decorate(view):
        @wraps(view)
        def wrapper(*args, **kwargs):
            staff = current_staff()
            if staff is None:
                if g.get("staff_expired"):
                    return _to_login(_("一定時間操作がなかったため、ログアウトしました。もう一度ログインしてください。"))
                return _to_login()
            if staff.municipality_id != g.municipality.id:
                abort(403)
            if role is not None and staff.role != role:
                abort(403)
            return view(*args, **kwargs)

        return wrapper

    return decorate
