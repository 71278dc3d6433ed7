"""The rate limits' key: the first registered kind of signed-in person who is present, else the client address."""
from __future__ import annotations

from types import SimpleNamespace

from flask import Flask

from portal import ratelimit


def make_app(*requesters) -> Flask:
    app = Flask(__name__)
    app.config["RATELIMIT_STORAGE_URI"] = "memory://"
    ratelimit.init_app(app)
    for prefix, current in requesters:
        ratelimit.add_requester(app, prefix, current)
    return app


def test_the_first_person_present_in_registration_order_is_the_key():
    app = make_app(("resident", lambda: None), ("staff", lambda: SimpleNamespace(id=7)),
                   ("other", lambda: SimpleNamespace(id=9)))
    with app.test_request_context("/", environ_base={"REMOTE_ADDR": "192.0.2.1"}):
        assert ratelimit.request_key() == "staff:7"


def test_nobody_signed_in_is_counted_by_address():
    app = make_app(("resident", lambda: None))
    with app.test_request_context("/", environ_base={"REMOTE_ADDR": "2001:db8::1"}):
        assert ratelimit.request_key() == "ip:2001:db8::/64"
