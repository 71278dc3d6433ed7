"""Events in the back office: each event's sessions with their participants (名簿 A4 and CSV), check-in on a phone,
cancelling a session or the event. URLs: /<municipality>/backoffice/events/…"""
from __future__ import annotations

from portal.tenancy.scope import tenant_blueprint

bp = tenant_blueprint("events_staff", __name__, url_prefix="/backoffice/events", template_folder="../templates")


@bp.get("")
def index():
    """Replaced by the staff's event list (placeholder of the skeleton)."""
    return ""
