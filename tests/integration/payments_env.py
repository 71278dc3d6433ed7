"""The portal served on a real port with the Stripe emulator pointed at it, so payments cross real HTTP:
the official SDK calls the emulator, the emulator's signed webhooks call the portal.

Imported by each ``test_payments_*`` module (and the payment e2e test)."""
from __future__ import annotations

import re
import threading
import time
from dataclasses import dataclass
from urllib.parse import urlsplit

import pytest
from flask import g, has_app_context
from flask.testing import FlaskClient
from sqlalchemy import select

from devtools.stripe_emulator.testing import EmulatorHandle, run_in_thread
from portal import create_app, db as portal_db
from portal.payments.models import Payment
from portal.procedures.models import Submission
from portal.staff import auth
from portal.staff.models import StaffProcedure, StaffUser
from portal.tenancy.models import Municipality
from tests.conftest import PERSONA_CLAIMS, app_config, reset_database, sign_in_as
from tests.integration.helpers import JUMINHYO_SELF, answer, csrf_token, draft_token, location_path, post, start
from tests.live_server import LiveServer

WEBHOOK_SECRET = "whsec_portal_payment_tests"


def payment_config(emulator_url: str, secret: str = WEBHOOK_SECRET) -> dict:
    return {
        "STRIPE_SECRET_KEY": "sk_test_portal_tests",
        "STRIPE_WEBHOOK_SECRET": secret,
        "STRIPE_API_BASE": emulator_url,
        "STRIPE_CHECKOUT_ORIGIN": emulator_url,
        "CSP_FORM_ACTION_EXTRA": [emulator_url],
        "STRIPE_MAX_NETWORK_RETRIES": 0,
    }


@dataclass
class World:
    app: object
    emulator: EmulatorHandle
    portal_url: str

    @property
    def webhook_url(self) -> str:
        return f"{self.portal_url}/payments/stripe/webhook"


class IsolatedClient(FlaskClient):
    """Tests here use several browsers (residents, staff) in one test, and a test client's request shares
    the test's app context and so its ``g``: forget what one request cached for its browser."""

    def open(self, *args, **kwargs):
        if has_app_context():
            for key in ("csrf_token", "staff", "staff_scope", "staff_expired", "resident", "resident_expired",
                        "_flask_babel"):
                g.pop(key, None)
        return super().open(*args, **kwargs)


@pytest.fixture(scope="session")
def stripe_world(database_url, mail_sink, tmp_path_factory):
    server = LiveServer()
    emulator = run_in_thread(webhook_url=f"{server.url}/payments/stripe/webhook", secret=WEBHOOK_SECRET,
                             retry_delays=(0.05, 0.1, 0.2))
    app = create_app(app_config(database_url, tmp_path_factory.mktemp("payments"), SMTP_PORT=mail_sink.port,
                                PUBLIC_URL=server.url, **payment_config(emulator.base_url)))
    app.test_client_class = IsolatedClient
    server.start(app)
    yield World(app, emulator, server.url)
    server.stop()
    emulator.stop()


class Pay:
    """One test's view of the world: a resident's browser (test client), the emulator, the database."""

    def __init__(self, world: World, dbs):
        self.world = world
        self.app = world.app
        self.emulator = world.emulator
        self.db = dbs
        self.client = self.app.test_client()
        self._residents = iter(range(1, 10_000))

    # --- residents and submissions ---------------------------------------------------------------------

    def resident(self, client=None, home: str = "ichinomiya"):
        from portal.identity.models import Resident

        resident = Resident(sub=f"pay-sub-{next(self._residents):04d}", issuer="http://idp.test",
                            claims=dict(PERSONA_CLAIMS[home]), remembered={})
        self.db.add(resident)
        self.db.commit()
        sign_in_as(client or self.client, resident)
        return resident

    def submit_juminhyo(self, copies: int = 3, client=None, email: str = "hanako@example.jp") -> Submission:
        client = client or self.client
        slug = "ichinomiya"
        token = draft_token(start(client, slug, "juminhyo"))
        for step_id, data in JUMINHYO_SELF:
            if step_id == "contents":
                data = {**data, "copies": str(copies)}
            if step_id == "applicant":
                data = {**data, "email": email}
            response = answer(client, slug, token, step_id, data)
            assert response.status_code == 302, response.get_data(as_text=True)[:300]
        response = post(client, f"/{slug}/drafts/{token}/submit", page=f"/{slug}/drafts/{token}/check")
        reference = location_path(response).split("/submissions/")[1].split("/")[0]
        return self.submission(reference)

    def submission(self, reference: str) -> Submission:
        self.fresh()
        return self.db.scalar(select(Submission).where(Submission.reference == reference))

    # --- paying ------------------------------------------------------------------------------------------

    def click_pay(self, submission: Submission, client=None):
        client = client or self.client
        page = f"/ichinomiya/mypage/submissions/{submission.reference}"
        return client.post(f"/ichinomiya/submissions/{submission.reference}/pay",
                           data={"csrf_token": csrf_token(client, page)})

    def checkout(self, submission: Submission, client=None) -> str:
        """Click Pay; returns the Checkout Session id the portal redirected to."""
        response = self.click_pay(submission, client)
        assert response.status_code == 303, response.get_data(as_text=True)[:300]
        location = response.headers["Location"]
        assert location.startswith(self.emulator.base_url + "/checkout/cs_"), location
        return location.rsplit("/", 1)[1]

    def outcome(self, session_id: str, outcome: str, **kwargs) -> dict:
        return self.emulator.outcome(session_id, outcome, **kwargs)

    def follow(self, url: str, client=None):
        """The browser following the emulator's redirect back to the portal."""
        assert url.startswith(self.world.portal_url), url
        parts = urlsplit(url)
        return (client or self.client).get(parts.path + (f"?{parts.query}" if parts.query else ""))

    def wait(self) -> None:
        assert self.emulator.wait_for_webhooks(timeout=20), self.emulator.deliveries()[-5:]

    # --- reading ------------------------------------------------------------------------------------------

    def fresh(self) -> None:
        self.db.rollback()
        self.db.expire_all()

    def payments(self, submission: Submission) -> list[Payment]:
        self.fresh()
        return list(self.db.scalars(select(Payment).where(Payment.submission_id == submission.id)
                                    .order_by(Payment.id)))

    def payment(self, submission: Submission) -> Payment:
        payments = self.payments(submission)
        assert len(payments) == 1, [(p.id, p.status) for p in payments]
        return payments[0]

    def wait_for(self, predicate, timeout: float = 10.0):
        deadline = time.monotonic() + timeout
        while True:
            self.fresh()
            value = predicate()
            if value or time.monotonic() > deadline:
                return value
            time.sleep(0.05)

    def sessions(self) -> list[dict]:
        """Every Checkout Session the emulator holds."""
        return [o for o in self.emulator.emulator.store.objects.values() if o.get("object") == "checkout.session"]

    def webhook_outcomes(self) -> list[dict]:
        return self.emulator.deliveries()

    def municipality(self, slug: str) -> Municipality:
        return self.db.scalar(select(Municipality).where(Municipality.slug == slug))

    # --- staff --------------------------------------------------------------------------------------------

    def staff(self, role: str = "staff", slug: str = "ichinomiya") -> StaffUser:
        municipality = self.db.scalar(select(Municipality).where(Municipality.slug == slug))
        staff = StaffUser(municipality_id=municipality.id, username=f"pay-{role}-{next(self._residents)}",
                          display_name=f"支払 {role}", role=role, password_hash=_password_hash(),
                          active=True, failed_attempts=0, session_version=1)
        staff.procedures = [StaffProcedure(definition_key="juminhyo")]
        self.db.add(staff)
        self.db.commit()
        return staff

    def staff_client(self, staff: StaffUser):
        client = self.app.test_client()
        now = int(time.time())
        with client.session_transaction() as s:
            s.update({"staff_id": staff.id, "staff_v": staff.session_version, "staff_seen": now, "staff_since": now})
        return client


_HASH: list[str] = []


def _password_hash() -> str:
    if not _HASH:
        _HASH.append(auth.hash_password("correct horse battery staple"))
    return _HASH[0]


@pytest.fixture
def pay(stripe_world, mail_sink):
    reset_database(stripe_world.app)
    mail_sink.clear()
    stripe_world.emulator.set_faults(clear=True)
    stripe_world.emulator.reset()
    stripe_world.emulator.set_webhook(stripe_world.webhook_url, WEBHOOK_SECRET)
    with stripe_world.app.test_request_context():
        yield Pay(stripe_world, portal_db.session())
    stripe_world.emulator.set_faults(clear=True)
    stripe_world.emulator.wait_for_webhooks(timeout=5)


def csrf_from(client, page: str) -> str:
    return csrf_token(client, page)


def concurrently(*calls, prepare=None):
    """Run the calls at the same moment in threads (each after its own ``prepare(i)``, whose result it
    gets); returns their results in order. Each thread has its own app context, hence its own ``g``."""
    barrier = threading.Barrier(len(calls))
    results: list = [None] * len(calls)
    errors: list = []

    def run(i, call):
        try:
            prepared = prepare(i) if prepare else None
            barrier.wait()
            results[i] = call(prepared) if prepare else call()
        except Exception as exc:  # noqa: BLE001 - reported below
            import traceback
            errors.append("".join(traceback.format_exception(exc)))

    threads = [threading.Thread(target=run, args=(i, c)) for i, c in enumerate(calls)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert not errors, errors
    return results


REF = re.compile(r"[0-9A-Z]{4}-[0-9A-Z]{4}")
