"""Staff decide registered groups (団体登録): approve after checking the member list, reject, suspend, reinstate.
Any staff member of the municipality may look; admins and staff who process ``facility-booking`` decide."""
from __future__ import annotations

from flask import abort, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from sqlalchemy.orm.exc import StaleDataError

from portal import db
from portal.backoffice import common
from portal.booking.models import BookingGroup
from portal.booking.presentation.labels import GROUP_STATUS_LABELS
from portal.booking.services import groups
from portal.clock import now
from portal.staff.auth import staff_required
from portal.tenancy.scope import tenant_blueprint

bp = tenant_blueprint("booking_groups", __name__, url_prefix="/backoffice/groups", template_folder="../../templates")
BOOKING_PROCEDURE = "facility-booking"


def _group_or_404(group_id: int) -> BookingGroup:
    group = db.session().get(BookingGroup, group_id)
    if group is None or group.municipality_id != g.municipality.id:
        abort(404)
    return group


@bp.get("")
@staff_required()
def index():
    found = groups.for_staff(db.session(), g.municipality.id)
    common.audit("booking.groups_list", "booking_group", "", count=len(found),
                 members_shown=sum(len(grp.memberships) for grp in found))
    db.session().commit()
    return render_template("booking/groups/index.html", nav="groups", groups=found,
                           may_decide=common.may_process(g.staff, BOOKING_PROCEDURE))


@bp.post("/<int:group_id>")
@staff_required()
def decide(group_id: int):
    if not common.may_process(g.staff, BOOKING_PROCEDURE):
        abort(403)
    group = _group_or_404(group_id)
    to = request.form.get("to", "")
    try:
        groups.decide(group, to, g.staff.id, now(), request.form.get("note", ""))
    except ValueError:
        flash(_("この団体の状態は変更できません。"), "error")
        return redirect(url_for(".index"), 303)
    common.audit(f"booking.group_{to}", "booking_group", group.id, name=group.name)
    try:
        db.session().commit()
    except StaleDataError:
        db.session().rollback()
    flash(_("「%(name)s」を%(status)sにしました。", name=group.name, status=str(GROUP_STATUS_LABELS.get(to, to))),
          "success")
    return redirect(url_for(".index"), 303)
