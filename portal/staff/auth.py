"""Staff sign-in: argon2 passwords, lockout, TOTP second factor, and the session rules of the back office.

The staff session lives in the same signed cookie as the resident's but under its own keys
(``staff_id``, ``staff_v``, ``staff_seen``, ``staff_since``); signing in as either clears the other.
Logout bumps ``session_version``, so a copy of the cookie taken before it no longer opens anything.

Wrong passwords are counted per typed username *and client address* (``FAILURES_PER_CLIENT``): a stranger
who knows a username cannot lock its owner out from another machine, and the answer is the same whether
the username exists or not. Across all clients a username with many failures is slowed down
(``SLOWED_ATTEMPTS``), never locked. The account itself locks only on wrong second-factor codes, which
needs the password first.
"""
from __future__ import annotations

import hashlib
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
from portal.clock import session_time
from portal.db import utcnow
from portal.ratelimit import client_address, counters
from portal.staff.demo_credentials import DEMO_PASSWORD
from portal.staff.models import StaffUser
from portal.tenancy.models import Municipality

MAX_FAILURES = 5
LOCK_MINUTES = 15
#: wrong passwords for one username from one client before that client must wait for the window to end
FAILURES_PER_CLIENT = f"{MAX_FAILURES} per {LOCK_MINUTES} minutes"
#: wrong passwords for one username from anywhere before every client is slowed to SLOWED_ATTEMPTS
FAILURES_PER_USERNAME = f"20 per {LOCK_MINUTES} minutes"
SLOWED_ATTEMPTS = "1 per 10 seconds"
MIN_PASSWORD_LENGTH = 12
MAX_PASSWORD_LENGTH = 128
PENDING_SECONDS = 300
SESSION_KEYS = ("staff_id", "staff_v", "staff_seen", "staff_since", "staff_pending", "staff_totp_setup")

_hasher = PasswordHasher()
# Verifying against this when the username is unknown keeps the answer time the same either way.
_DUMMY_HASH = _hasher.hash("not a real password, only for constant timing")


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def password_problem(password: str, username: str = "", current_hash: str | None = None) -> str | None:
    """Why a new password is not acceptable, or None."""
    if len(password) < MIN_PASSWORD_LENGTH:
        return _("パスワードは%(n)s文字以上にしてください。", n=MIN_PASSWORD_LENGTH)
    if len(password) > MAX_PASSWORD_LENGTH:
        return _("パスワードは%(n)s文字以内にしてください。", n=MAX_PASSWORD_LENGTH)
    if username and username.lower() in password.lower():
        return _("パスワードにユーザー名を含めないでください。")
    if password == DEMO_PASSWORD:
        return _("このパスワードはデモ用として公開されているため使えません。")
    if current_hash and _verifies(current_hash, password):
        return _("今と同じパスワードには変更できません。")
    return None


def _verifies(password_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


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
    outcome: str  # ok | invalid | locked (this username from this client) | slowed | account_locked
    staff: StaffUser | None = None


def find(session: Session, municipality: Municipality, username: str) -> StaffUser | None:
    return session.scalar(
        select(StaffUser).where(StaffUser.municipality_id == municipality.id, StaffUser.username == username.strip())
    )


def register_failure(staff: StaffUser, now: datetime | None = None) -> bool:
    """Count a wrong second-factor code; returns True when this failure locked the account."""
    now = now or utcnow()
    staff.failed_attempts = (staff.failed_attempts or 0) + 1
    if staff.failed_attempts >= MAX_FAILURES:
        staff.locked_until = now + timedelta(minutes=LOCK_MINUTES)
        staff.failed_attempts = 0
        return True
    return False


def _typed_name(municipality: Municipality, username: str) -> str:
    """The counters' name for a typed username, whether or not such an account exists."""
    digest = hashlib.sha256(username.strip().lower().encode()).hexdigest()[:32]
    return f"{municipality.id}:{digest}"


def check_password(session: Session, municipality: Municipality, username: str, password: str,
                   client: str) -> Attempt:
    """Everything before the password is checked depends only on what was typed and where from, so the
    answer never tells whether the username exists."""
    name = _typed_name(municipality, username)
    limits = counters()
    if not limits.test(FAILURES_PER_CLIENT, "staff-login", name, client):
        return Attempt("locked")
    if not limits.test(FAILURES_PER_USERNAME, "staff-login", name) \
            and not limits.hit(SLOWED_ATTEMPTS, "staff-login-slow", name):
        return Attempt("slowed")
    staff = find(session, municipality, username)
    if not verify_password(staff, password) or staff is None or not staff.active:
        limits.hit(FAILURES_PER_USERNAME, "staff-login", name)
        limits.hit(FAILURES_PER_CLIENT, "staff-login", name, client)
        locked = not limits.test(FAILURES_PER_CLIENT, "staff-login", name, client)
        return Attempt("locked" if locked else "invalid", staff)
    limits.clear(FAILURES_PER_CLIENT, "staff-login", name, client)
    if staff.is_locked():  # wrong second-factor codes: only someone with the password gets this far
        return Attempt("account_locked", staff)
    if current_app.config.get("PORTAL_ENV") == "production" and password_problem(password, staff.username):
        staff.must_change_password = True  # e.g. a published demo password in a copied database
    return Attempt("ok", staff)


def start_session(staff: StaffUser) -> None:
    """A new session for the signed-in staff member: nothing from before survives except the language."""
    lang = session.get("lang")
    session.clear()
    now = int(session_time())
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


def revoke_sessions(staff: StaffUser) -> None:
    """Every session signed in as this account, and every copy of its cookie, stops working."""
    staff.session_version += 1


def actor(staff: StaffUser) -> Actor:
    return Actor("staff", staff.id, f"{staff.display_name} ({staff.username})")


def client_ip() -> str:
    return client_address()


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
    now = int(session_time())
    idle = current_app.config["STAFF_IDLE_SECONDS"]
    longest = current_app.config["STAFF_SESSION_MAX_SECONDS"]
    timed_out = now - int(session.get("staff_seen", 0)) > idle or now - int(session.get("staff_since", 0)) > longest
    if staff is None or not staff.active or session.get("staff_v") != staff.session_version or timed_out:
        g.staff_expired = timed_out
        end_session()
        return None
    session["staff_seen"] = now
    g.staff = staff
    return staff


def staff_required(role: str | None = None, password_change: bool = False):
    """Back-office views: a signed-in, active staff account of *this* municipality (and ``role`` if given).

    Anonymous visitors and residents go to the staff sign-in; staff of another municipality get 403.
    An account whose password was set by someone else goes to the password change first
    (``password_change=True`` marks the views it may use meanwhile).
    """

    def decorate(view):
        @wraps(view)
        def wrapper(*args, **kwargs):
            staff = current_staff()
            if staff is None:
                if g.get("staff_expired"):
                    return _to_login(_("一定時間操作がなかったため、ログアウトしました。"
                                       "もう一度ログインしてください。"))
                return _to_login()
            if staff.municipality_id != g.municipality.id:
                abort(403)
            if staff.must_change_password and not password_change:
                target = request.full_path.rstrip("?") if request.method == "GET" else None
                return redirect(url_for("staff.account_password", next=target) if target
                                else url_for("staff.account_password"))
            if role is not None and staff.role != role:
                abort(403)
            return view(*args, **kwargs)

        return wrapper

    return decorate
