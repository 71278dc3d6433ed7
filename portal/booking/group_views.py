"""Residents' side of registered groups (団体登録), on the booking blueprint: register a group, invite members
by a secret link, join, leave, and take members off the list. Every group URL checks the resident's part in it
(representative or member; 404 otherwise)."""
from __future__ import annotations

from flask import abort, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from sqlalchemy.exc import IntegrityError

from portal import db
from portal.booking import groups
from portal.booking.models import BookingGroup
from portal.booking.views import bp
from portal.clock import now
from portal.extensions import limiter
from portal.identity import resident_required


@bp.route("/mypage/groups", methods=["GET", "POST"])
@resident_required
def my_groups():
    """The groups the resident represents or joined, and the form to register one (staff approve it)."""
    dbs = db.session()
    errors, form = {}, {}
    if request.method == "POST":
        form = request.form.to_dict()
        try:
            groups.register(dbs, g.municipality.id, g.resident, form)
        except groups.GroupRefused as refused:
            dbs.rollback()
            errors = refused.errors
        else:
            dbs.commit()
            flash(_("団体登録を申請しました。市の担当者が確認して承認すると、団体として予約できます。"), "success")
            return redirect(url_for(".my_groups"), 303)
    represented = groups.of_representative(dbs, g.municipality.id, g.resident)
    return render_template("booking/my_groups.html", groups=represented,
                           activity={grp.id: groups.activity(dbs, grp, now()) for grp in represented
                                     if grp.status == "approved"},
                           joined=groups.of_member(dbs, g.municipality.id, g.resident), now=now(),
                           errors=errors, form=form), 422 if errors else 200


def _represented_or_404(group_id: int):
    group = groups.represented(db.session(), g.municipality.id, g.resident, group_id)
    if group is None:
        abort(404)
    return group


@bp.post("/mypage/groups/<int:group_id>/invitation")
@resident_required
def group_invitation(group_id: int):
    group = _represented_or_404(group_id)
    if group.status != "approved":
        abort(409)
    renewing = group.invite_token is not None
    groups.issue_invitation(group)
    db.session().commit()
    flash(_("新しい招待用リンクを作りました。前のリンクは使えなくなりました。") if renewing
          else _("招待用リンクを作りました。構成員に知らせてください。"), "success")
    return redirect(url_for(".my_groups", _anchor=f"group-{group.id}"), 303)


@bp.post("/mypage/groups/<int:group_id>/members/<int:member_id>/remove")
@resident_required
def group_member_remove(group_id: int, member_id: int):
    group = _represented_or_404(group_id)
    if groups.remove_member(group, member_id) is None:
        abort(404)
    db.session().commit()
    flash(_("構成員を名簿から外しました。"), "success")
    return redirect(url_for(".my_groups", _anchor=f"group-{group.id}"), 303)


@bp.post("/mypage/groups/<int:group_id>/leave")
@resident_required
def group_leave(group_id: int):
    dbs = db.session()
    group = dbs.get(BookingGroup, group_id)
    member = groups.membership(group, g.resident) if group and group.municipality_id == g.municipality.id else None
    if member is None:
        abort(404)
    groups.remove_member(group, member.id)
    dbs.commit()
    flash(_("「%(name)s」を退会しました。", name=group.name), "success")
    return redirect(url_for(".my_groups"), 303)


@bp.route("/mypage/groups/join/<token>", methods=["GET", "POST"])
@limiter.limit("30 per minute", methods=["GET", "POST"])
@resident_required
def group_join(token: str):
    """The invitation link: who invites you, then a button to join (nothing happens on GET)."""
    dbs = db.session()
    group = groups.by_invitation(dbs, g.municipality.id, token)
    if group is None:
        return render_template("booking/group_join.html", group=None), 404
    already = group.representative_sub == g.resident.sub or groups.membership(group, g.resident) is not None
    if request.method == "POST" and not already:
        try:
            groups.join(dbs, group, g.resident)
            dbs.commit()
        except IntegrityError:
            dbs.rollback()  # a double click: the first one joined
        flash(_("「%(name)s」の構成員になりました。団体として予約・抽選の申込ができます。", name=group.name), "success")
        return redirect(url_for(".my_groups"), 303)
    return render_template("booking/group_join.html", group=group, already=already, token=token)
