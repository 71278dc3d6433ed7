"""Staff accounts: sign-in, `staff_required`, `flask staff …`."""
from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    from portal import ratelimit
    from portal.staff import menu
    from portal.staff.auth import current_staff
    from portal.staff.cli import staff_cli
    from portal.staff.views import bp

    app.register_blueprint(bp)
    app.cli.add_command(staff_cli)
    app.jinja_env.globals["staff_menu"] = menu.entries_for
    # after the resident's (identity's init_app): a request is a resident's before it is a staff member's
    ratelimit.add_requester(app, "staff", current_staff)
