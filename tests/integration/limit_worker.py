"""A second process for test_rate_limits: wrong staff sign-ins against the same database and rate-limit store,
as a second gunicorn worker would make them. Prints the response codes as JSON.

    python -m tests.integration.limit_worker DATABASE_URL STORAGE_URI USERNAME COUNT TMPDIR
"""
from __future__ import annotations

import json
import sys
from pathlib import Path

from portal import create_app
from tests.conftest import app_config
from tests.integration.helpers import post


def main(database_url: str, storage_uri: str, username: str, count: int, tmp: str) -> None:
    app = create_app(app_config(database_url, Path(tmp), RATELIMIT_ENABLED=True, RATELIMIT_STORAGE_URI=storage_uri))
    client = app.test_client()
    codes = [post(client, "/ichinomiya/backoffice/login", {"username": username, "password": "wrong"},
                  page="/ichinomiya/backoffice/login").status_code for _ in range(count)]
    print(json.dumps(codes))


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4]), sys.argv[5])
