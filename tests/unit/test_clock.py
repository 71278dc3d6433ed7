"""``PORTAL_NOW`` runs the business clock from another moment in development, never in production."""
from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from portal import create_app
from portal.clock import now

BASE = {"SECRET_KEY": "x", "DATABASE_URL": "sqlite://", "OIDC_CLIENT_SECRET": "x"}


def test_portal_now_moves_the_business_clock():
    app = create_app({**BASE, "PORTAL_NOW": "2026-12-12T10:00+09:00"})
    with app.app_context():
        moment = now()
    expected = datetime(2026, 12, 12, 1, 0, tzinfo=UTC)
    assert expected <= moment < expected + timedelta(seconds=30)


def test_production_ignores_it_and_a_naive_moment_is_refused():
    app = create_app({**BASE, "PORTAL_NOW": "2026-12-12T10:00+09:00", "PORTAL_ENV": "production"})
    with app.app_context():
        assert "clock" not in app.extensions and abs(now() - datetime.now(UTC)) < timedelta(seconds=30)
    with pytest.raises(ValueError, match="UTC offset"):
        create_app({**BASE, "PORTAL_NOW": "2026-12-12T10:00"})
