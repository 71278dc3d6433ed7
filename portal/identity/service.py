from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from portal.db import utcnow
from portal.identity.models import Resident

RELEASED_CLAIMS = ("name", "address", "birthdate", "gender")


def sign_in(session: Session, issuer: str, claims: dict) -> Resident:
    """Find or create the resident for the provider's pseudonymous ``sub`` and refresh their claims."""
    sub = claims["sub"]
    resident = session.scalar(select(Resident).where(Resident.sub == sub))
    if resident is None:
        resident = Resident(sub=sub, issuer=issuer, claims={}, remembered={})
        session.add(resident)
    resident.claims = {k: claims[k] for k in RELEASED_CLAIMS if k in claims}
    resident.last_login_at = utcnow()
    session.flush()
    return resident
