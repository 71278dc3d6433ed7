"""Rate limits hold across the processes of one deployment (the database store of ``make run``, and Redis),
and are counted per signed-in resident rather than per address."""
from __future__ import annotations

import json
import subprocess
import sys
import time

import pytest
from limits import parse
from limits.storage import storage_from_string
from limits.strategies import FixedWindowRateLimiter

from tests.conftest import ROOT, sign_in_as
from tests.integration.backoffice import login
from tests.integration.helpers import post

TEN_PER_MINUTE = parse("10 per minute")


def alternate_hits(first, second, attempts: int = 20) -> int:
    """Hits taken in turn through two storage objects (as two worker processes have); how many were allowed."""
    workers = [FixedWindowRateLimiter(first), FixedWindowRateLimiter(second)]
    return sum(workers[n % 2].hit(TEN_PER_MINUTE, "staff-login", "198.51.100.1") for n in range(attempts))


def test_memory_storage_is_per_process_which_is_the_problem():
    assert alternate_hits(storage_from_string("memory://"), storage_from_string("memory://")) == 20


def test_the_database_store_holds_across_two_instances(database_url, db):
    first, second = storage_from_string("db+" + database_url), storage_from_string("db+" + database_url)
    assert first.engine is not second.engine
    assert alternate_hits(first, second) == 10
    # A new window starts once the old one has run out.
    item = parse("2 per 1 second")
    limiter = FixedWindowRateLimiter(first)
    assert [limiter.hit(item, "k") for _ in range(3)] == [True, True, False]
    time.sleep(1.1)
    assert limiter.hit(item, "k") and FixedWindowRateLimiter(second).get_window_stats(item, "k").remaining == 1
    assert first.sweep(time.time() + 120) >= 1 and first.get(TEN_PER_MINUTE.key_for("staff-login", "198.51.100.1")) == 0


def test_redis_holds_across_two_instances(redis_url):
    first, second = storage_from_string(redis_url), storage_from_string(redis_url)
    first.reset()
    assert alternate_hits(first, second) == 10


def _processes_share_the_staff_login_limit(limited_app, make_staff, tmp_path, database_url, storage_uri):
    """``10 per minute`` on the staff sign-in, 7 attempts from this process and 7 from another at once."""
    app = limited_app(RATELIMIT_STORAGE_URI=storage_uri)
    staff = make_staff()
    worker = subprocess.Popen(
        [sys.executable, "-m", "tests.integration.limit_worker", database_url, storage_uri, staff.username, "7",
         str(tmp_path)], cwd=ROOT, stdout=subprocess.PIPE, text=True)
    client = app.test_client()
    here = [login(client, staff, password="wrong").status_code for _ in range(7)]
    out, _ = worker.communicate(timeout=120)
    assert worker.returncode == 0
    there = json.loads(out.strip().splitlines()[-1])
    codes = here + there
    assert codes.count(429) == 4 and len(codes) == 14, codes


def test_two_processes_share_the_limit_in_the_database(limited_app, make_staff, tmp_path, database_url):
    _processes_share_the_staff_login_limit(limited_app, make_staff, tmp_path, database_url, "db+" + database_url)


def test_two_processes_share_the_limit_in_redis(limited_app, make_staff, tmp_path, database_url, redis_url):
    storage_from_string(redis_url).reset()
    _processes_share_the_staff_login_limit(limited_app, make_staff, tmp_path, database_url, redis_url)


def test_the_default_store_is_the_database_then_redis(database_url, tmp_path, mail_sink, db):
    from portal import create_app
    from tests.conftest import app_config

    plain = create_app(app_config(database_url, tmp_path))
    assert plain.config["RATELIMIT_STORAGE_URI"] == "db+" + database_url
    redis = create_app(app_config(database_url, tmp_path, REDIS_URL="redis://127.0.0.1:1/0"))
    assert redis.config["RATELIMIT_STORAGE_URI"] == "redis://127.0.0.1:1/0"


def test_residents_behind_one_address_do_not_share_a_signed_in_limit(limited_app, make_resident):
    """A carrier NAT puts many phones on one address: holding slots is limited per resident."""
    app = limited_app()
    first, second = app.test_client(), app.test_client()
    sign_in_as(first, make_resident())
    sign_in_as(second, make_resident())
    codes = [post(first, "/ichinomiya/facilities/no-such-place/book").status_code for _ in range(31)]
    assert codes[:30] == [404] * 30 and codes[30] == 429
    assert post(second, "/ichinomiya/facilities/no-such-place/book").status_code == 404
    # Anonymous visitors behind that address are still one client to the limit.
    anonymous = app.test_client()
    assert post(anonymous, "/ichinomiya/facilities/no-such-place/book").status_code != 429


@pytest.mark.parametrize("address, key", [("203.0.113.5", "203.0.113.5"),
                                          ("2001:db8:1:2:aaaa::1", "2001:db8:1:2::/64"),
                                          ("::ffff:198.51.100.4", "198.51.100.4")])
def test_client_addresses_are_keyed_per_subscriber(app, address, key):
    from portal.ratelimit import client_address

    with app.test_request_context("/", environ_base={"REMOTE_ADDR": address}):
        assert client_address() == key


def test_a_trusted_proxy_gives_the_real_client_address(database_url, tmp_path, mail_sink, db):
    from portal import create_app
    from portal.ratelimit import client_address
    from tests.conftest import app_config

    behind = create_app(app_config(database_url, tmp_path, TRUSTED_PROXIES=1))
    seen = {}

    @behind.get("/_whoami")
    def whoami():
        seen["address"] = client_address()
        return ""

    behind.test_client().get("/_whoami", headers={"X-Forwarded-For": "203.0.113.77"})
    assert seen["address"] == "203.0.113.77"
