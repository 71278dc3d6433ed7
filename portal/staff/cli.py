"""`flask staff …`: the first admin of a municipality (admins create the rest in the browser), and the
two ways back in when the browser can't help (a lost phone, a locked last admin)."""
from __future__ import annotations

import click
from flask.cli import AppGroup
from sqlalchemy import select

from portal import db
from portal.audit.service import SYSTEM, record
from portal.staff import auth
from portal.staff.models import ROLES, StaffProcedure, StaffUser
from portal.tenancy.models import Municipality

staff_cli = AppGroup("staff", help="Back-office staff accounts.")


def _municipality(slug: str) -> Municipality:
    municipality = db.session().scalar(select(Municipality).where(Municipality.slug == slug))
    if municipality is None:
        raise click.BadParameter(f"no municipality {slug!r}", param_hint="--municipality")
    return municipality


def _account(slug: str, username: str) -> StaffUser:
    staff = auth.find(db.session(), _municipality(slug), username)
    if staff is None:
        raise click.BadParameter(f"no staff account {username!r} in {slug}", param_hint="USERNAME")
    return staff


@staff_cli.command("create")
@click.option("--municipality", "slug", required=True, help="municipality slug, e.g. ichinomiya")
@click.option("--username", required=True)
@click.option("--display-name", required=True, help="name shown to colleagues, e.g. 市民課 山田")
@click.option("--role", type=click.Choice(ROLES), default="admin", show_default=True)
@click.option("--procedure", "procedures", multiple=True, help="procedure key this account processes (repeatable)")
@click.password_option(help="prompted for (twice) when not given")
def create(slug, username, display_name, role, procedures, password):
    """Create a staff account. At the first sign-in its owner replaces the password given here and (admins)
    sets up the TOTP second factor."""
    session = db.session()
    municipality = _municipality(slug)
    username = username.strip().lower()
    if auth.find(session, municipality, username) is not None:
        raise click.ClickException(f"{username!r} already exists in {slug}")
    problem = auth.password_problem(password, username)
    if problem:
        raise click.ClickException(problem)
    staff = StaffUser(municipality_id=municipality.id, username=username, display_name=display_name, role=role,
                      password_hash=auth.hash_password(password), active=True, failed_attempts=0, session_version=1,
                      must_change_password=True)
    staff.procedures = [StaffProcedure(definition_key=key) for key in sorted(set(procedures))]
    session.add(staff)
    session.flush()
    record(session, SYSTEM, "admin.staff_create", "staff_user", staff.id,
           {"username": username, "role": role, "via": "cli"},
           municipality_id=municipality.id)
    session.commit()
    click.echo(f"created {role} {username!r} for {municipality.name}; sign in at /{slug}/backoffice/login"
               + " (a new password" + (" and TOTP enrolment" if role == "admin" else "") + " at first sign-in)")


@staff_cli.command("reset-totp")
@click.option("--municipality", "slug", required=True)
@click.argument("username")
def reset_totp(slug, username):
    """Forget an account's TOTP secret (a lost phone); an admin enrols again at the next sign-in."""
    staff = _account(slug, username)
    staff.totp_secret = None
    staff.totp_last_step = None
    staff.session_version += 1
    record(db.session(), SYSTEM, "admin.staff_totp_reset", "staff_user", staff.id, {"via": "cli"},
           municipality_id=staff.municipality_id)
    db.session().commit()
    click.echo(f"second factor of {username!r} reset")


@staff_cli.command("unlock")
@click.option("--municipality", "slug", required=True)
@click.argument("username")
def unlock(slug, username):
    """Lift the account lock that repeated wrong second-factor codes set."""
    staff = _account(slug, username)
    staff.locked_until = None
    staff.failed_attempts = 0
    record(db.session(), SYSTEM, "admin.staff_unlock", "staff_user", staff.id, {"via": "cli"},
           municipality_id=staff.municipality_id)
    db.session().commit()
    click.echo(f"{username!r} unlocked")
