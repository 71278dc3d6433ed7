"""The municipal back office (issue 3): staff sign-in, the queue, working a submission, counter mode,
administration and the audit log. ``init_app`` registers the blueprints of all four packages."""
from __future__ import annotations

from flask import Flask, g


def init_app(app: Flask) -> None:
    import portal.models  # noqa: F401  (every table, and the search-key listeners)
    from portal.admin.views import bp as admin_bp
    from portal.backoffice.common import ROLE_LABELS
    from portal.backoffice import counter, views  # noqa: F401  (their routes are on the blueprint)
    from portal.backoffice.blueprint import bp as backoffice_bp
    from portal.staff.cli import staff_cli
    from portal.staff.views import bp as staff_bp

    app.register_blueprint(staff_bp)
    app.register_blueprint(backoffice_bp)
    app.register_blueprint(admin_bp)
    app.cli.add_command(staff_cli)

    @app.context_processor
    def _staff_context():
        return {"staff": g.get("staff"), "role_label": lambda role: str(ROLE_LABELS.get(role, role)),
                "field_labels": _field_labels}


def _field_labels(definition, ids) -> str:
    """「氏名、住所」: the labels of ``ids`` in the definition version the submission used."""
    return "、".join(definition.fields[i].label for i in ids or [] if i in definition.fields)
