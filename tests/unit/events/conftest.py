"""The events core is pure Python: these tests need no Flask app, request or database."""
from __future__ import annotations

import pytest


@pytest.fixture(autouse=True)
def request_context():
    # tests/unit/conftest.py pushes a Flask request context for every unit test (its templates need one);
    # overriding the autouse fixture by name keeps the events tests free of Flask.
    yield
