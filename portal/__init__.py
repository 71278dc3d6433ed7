"""The 書かない portal: an application factory, one blueprint per area."""
from __future__ import annotations

import os
import secrets
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

    from portal import cli, db, errors, ratelimit, security
    from portal.extensions import babel, csrf, limiter
    from portal.i18n import select_locale
    from portal.params import BoundedIntConverter, PlainStringConverter, PortalRequest

    # before any route is added: every <int:...> of every blueprint stops at the largest database id
    app.url_map.converters["int"] = BoundedIntConverter
    app.url_map.converters["default"] = app.url_map.converters["string"] = PlainStringConverter
    app.request_class = PortalRequest
    db.init_app(app)
    errors.init_app(app)
    csrf.init_app(app)
    babel.init_app(app, locale_selector=select_locale)
    app.config.setdefault("RATELIMIT_ENABLED", True)
    ratelimit.init_app(app)
    limiter.init_app(app)
    from portal import ops

    ops.init_app(app)
    security.init_app(app)

    from portal.identity import init_app as init_identity
    from portal.identity.views import bp as identity_bp
    from portal.mypage.views import bp as mypage_bp
    from portal.procedures.views import api as procedures_api_bp, bp as procedures_bp
    from portal.static_files import init_app as init_static_files
    from portal.templating import init_app as init_templating
    from portal.tenancy.views import bp as tenancy_bp, municipal as municipal_bp

    init_identity(app)
    init_templating(app)
    init_static_files(app)
    app.register_blueprint(tenancy_bp)
    app.register_blueprint(municipal_bp)
    app.register_blueprint(identity_bp)
    app.register_blueprint(procedures_bp)
    app.register_blueprint(procedures_api_bp)
    app.register_blueprint(mypage_bp)
    from portal.backoffice import init_app as init_backoffice

    init_backoffice(app)
    from portal.payments import init_app as init_payments

    init_payments(app)
    from portal.booking import init_app as init_booking
    from portal.clock import init_app as init_clock

    init_booking(app)
    init_clock(app)
    from portal.events import init_app as init_events

    init_events(app)
    from portal import tasks

    tasks.init_app(app)
    cli.init_app(app)
    return app


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
