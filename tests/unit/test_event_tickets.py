"""The ticket's token is opaque and signed; the 受付番号 survives how it is typed at the door."""
from __future__ import annotations

import pytest
from flask import Flask

from portal.events import tickets


@pytest.fixture
def app_context():
    app = Flask(__name__)
    app.config["SECRET_KEY"] = "test-secret"
    with app.app_context():
        yield app


def test_token_round_trip_and_forgeries_refused(app_context):
    secret = tickets.new_secret()
    token = tickets.token(secret)
    assert tickets.secret_of(token) == secret
    assert tickets.secret_of(" " + token + "\n") == secret
    assert tickets.secret_of(secret + ".AAAAAAAAAAAAAAAA") is None
    assert tickets.secret_of(tickets.new_secret() + "." + token.rpartition(".")[2]) is None
    assert tickets.secret_of("") is None and tickets.secret_of("no-dot") is None and tickets.secret_of(".x") is None
    app_context.config["SECRET_KEY"] = "another-deployment"
    assert tickets.secret_of(token) is None


def test_reference_shape_and_typing():
    reference = tickets.new_reference()
    assert len(reference) == 11 and reference.startswith("E-") and reference[6] == "-"
    assert tickets.normalise_reference(reference.lower().replace("-", " ")) == reference
    assert tickets.normalise_reference(reference[2:].replace("-", "")) == reference
    assert tickets.normalise_reference("e-oooo-iiii") == "E-0000-1111"
    assert tickets.normalise_reference("E-UUUU-0000") == ""
    assert tickets.normalise_reference("123") == ""
    assert tickets.normalise_reference("") == ""


def test_qr_codes_carry_the_token(app_context):
    svg = tickets.qr_svg(tickets.token(tickets.new_secret()))
    assert svg.startswith("<svg") and "<title>QR</title>" in svg
    png = tickets.qr_png("x")
    assert png[:8] == b"\x89PNG\r\n\x1a\n"


def test_an_applications_reference_is_its_submissions_behind_e():
    assert tickets.reference_of("TM79-DW4Y") == "E-TM79-DW4Y"
    assert tickets.normalise_reference("tm79dw4y") == "E-TM79-DW4Y"
    assert tickets.reference_of("??") == ""
