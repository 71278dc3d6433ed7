"""The 書かない portal: an application factory, one blueprint per area."""
from __future__ import annotations

import os
import secrets
from collections.abc import Callable
from pathlib import Path

from flask import Flask

from portal import config as config_module


def create_app(overrides: dict | None = None) -> Flask:
    app = Flask(
        __name__,
        static_folder=str(config_module.ROOT / "static"),
        instance_path=str(config_module.INSTANCE),
    )
    app.config.update(config_module.from_environment())
    if overrides:
        app.config.update(overrides)
    if not app.config.get("SECRET_KEY"):
        app.config["SECRET_KEY"] = _dev_secret_key(app)
    Path(app.config["UPLOAD_DIR"]).mkdir(parents=True, exist_ok=True)

    from portal.params import BoundedIntConverter, PlainStringConverter, PortalRequest

    # before any route is added: every <int:...> of every blueprint stops at the largest database id
    app.url_map.converters["int"] = BoundedIntConverter
    app.url_map.converters["default"] = app.url_map.converters["string"] = PlainStringConverter
    app.request_class = PortalRequest
    app.config.setdefault("RATELIMIT_ENABLED", True)
    for init_app in _init_apps():
        init_app(app)
    return app


def _init_apps() -> tuple[Callable[[Flask], None], ...]:
    """Every area's ``init_app``, in the one order they run. Where the order matters:

    - ``ratelimit`` before ``limiter``: it chooses the store both read;
    - ``ops`` first among the request hooks: its request log and timing wrap everything after it, the resident
      (``identity``'s hook) included;
    - ``page_cache`` after ``ops`` and inside the proxy fix (``security``): kept pages are logged and keyed by the
      client's host and scheme;
    - ``security`` before ``static_files``: WhiteNoise wraps ProxyFix, so static files are served before the proxy
      headers are read, and both wrap the app;
    - the blueprints keep the order they were always registered in. Werkzeug tries a static path part before a
      variable one whatever the order (/<municipality>/mypage/ before the catch-all /<municipality>/<key>/), but
      between two rules as specific as each other, and for one template name in two blueprints' folders, the
      first registered wins: none today, and a new area added at the end cannot take an existing page over;
    - ``identity`` before ``staff``: the rate limits count a request as the resident's before the staff member's.

    The registries areas add to (the staff menu, retention's purgers and sweepers, periodic tasks) are read only
    when a request or a task runs, so for them an area's place in the list does not matter.
    """
    from portal import (
        admin,
        backoffice,
        booking,
        cli,
        clock,
        db,
        errors,
        events,
        i18n,
        identity,
        mypage,
        notifications,
        ops,
        page_cache,
        payments,
        procedures,
        ratelimit,
        retention,
        security,
        staff,
        static_files,
        tasks,
        templating,
        tenancy,
    )
    from portal.extensions import babel, csrf, limiter
    from portal.i18n import select_locale

    return (
        db.init_app, errors.init_app, csrf.init_app, lambda app: babel.init_app(app, locale_selector=select_locale),
        ratelimit.init_app, limiter.init_app, ops.init_app, i18n.init_app, page_cache.init_app, security.init_app,
        templating.init_app,
        static_files.init_app,
        tenancy.init_app, identity.init_app, procedures.init_app, mypage.init_app, staff.init_app,
        backoffice.init_app, admin.init_app, payments.init_app, booking.init_app, clock.init_app, events.init_app,
        notifications.init_app, retention.init_app, tasks.init_app, cli.init_app,
    )


def _dev_secret_key(app: Flask) -> str:
    """Without SECRET_KEY (development only) a random key is kept in the instance folder so
    sessions survive restarts and every worker process agrees on it."""
    path = Path(app.instance_path) / "secret_key"
    path.parent.mkdir(parents=True, exist_ok=True)
    if not path.exists():
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as handle:
            handle.write(secrets.token_hex(32))
    return path.read_text().strip()
