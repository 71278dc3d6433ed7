"""The municipal back office (issue 3): the queue, working a submission, counter mode, CSV export. Staff
sign-in is ``portal.staff``'s, administration and the audit log ``portal.admin``'s."""
from __future__ import annotations

from flask import Flask, g
from flask_babel import lazy_gettext as _l


def init_app(app: Flask) -> None:
    import portal.models  # noqa: F401  (every table, and the search-key listeners)
    from portal.backoffice import counter, views  # noqa: F401  (their routes are on the blueprint)
    from portal.backoffice.blueprint import bp
    from portal.backoffice.common import ROLE_LABELS
    from portal.staff import menu

    app.register_blueprint(bp)
    menu.add_entry(app, 10, "queue", _l("申請一覧"), "backoffice.queue")
    menu.add_entry(app, 20, "counter", _l("窓口受付"), "backoffice.counter")

    @app.context_processor
    def _staff_context():
        return {"staff": g.get("staff"), "role_label": lambda role: str(ROLE_LABELS.get(role, role)),
                "field_labels": _field_labels}


def _field_labels(definition, ids) -> str:
    """「氏名、住所」: the labels of ``ids`` in the definition version the submission used."""
    return "、".join(definition.fields[i].label for i in ids or [] if i in definition.fields)
