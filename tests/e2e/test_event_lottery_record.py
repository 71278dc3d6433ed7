"""The published record of an event lottery on a phone, before and after the draw, with axe on each page."""
from __future__ import annotations

from datetime import timedelta

from portal.events import lottery, registration as reg
from portal.identity.models import Resident
from tests.integration.events_factory import NOW, START, make_event

CLOSE = START - timedelta(days=2)


def test_the_lottery_record_before_and_after_the_draw(live, phone, a11y):
    app = live.portal
    db = app.extensions["db_sessionmaker"]()
    event = make_event(db, (4, 3), slug="kosodate", allocation="lottery", session_mode="choice",
                       title="親子で楽しむ料理教室")
    first, second = [s.id for s in event.sessions]
    with app.app_context():
        for n, (size, prefs) in enumerate([(3, [first, second]), (2, [first]), (1, [second, first]), (2, [first]),
                                           (2, [second]), (3, [first, second]), (1, [first]), (2, [second])]):
            resident = Resident(sub=f"e2e-lottery-{n}", issuer="http://idp.test", claims={}, remembered={})
            db.add(resident)
            db.flush()
            reg.apply(db, event, resident, {"adult": size}, prefs, now=NOW)
        db.commit()
    page = phone
    url = f"{live.portal_url}/ichinomiya/events/kosodate/draw"
    app.extensions["clock"] = lambda: NOW
    try:
        page.goto(url)
        assert "申込を受け付けています" in page.content()
        a11y.check(page, "record-open")
        with app.app_context():
            lottery.run_due(db, CLOSE)
        page.goto(url)
        a11y.check(page, "record-committed")
        with app.app_context():
            lottery.run_due(db, CLOSE + lottery.DRAW_AFTER)
        app.extensions["clock"] = lambda: CLOSE + lottery.DRAW_AFTER
        page.goto(url)
        assert "一致しました" in page.content()
        a11y.check(page, "record-drawn")
    finally:
        app.extensions.pop("clock", None)
        db.close()
