"""Event administration (admins): create, edit, duplicate, publish and unpublish events and their sessions.
URLs: /<municipality>/backoffice/admin/events/…; every change is written to the audit log."""
from __future__ import annotations

from portal.staff.auth import staff_required
from portal.tenancy.scope import tenant_blueprint

bp = tenant_blueprint("events_admin", __name__, url_prefix="/backoffice/admin/events",
                      template_folder="../templates")


@bp.get("")
@staff_required(role="admin")
def index():
    """Replaced by the admins' event list (placeholder of the skeleton)."""
    return ""
