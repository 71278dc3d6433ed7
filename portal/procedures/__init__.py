"""The form-definition engine: definitions, fields, the resident's journey from draft to submission, kinds."""
from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    from portal.procedures import jobs  # noqa: F401  (registers the purge of anonymous drafts)
    from portal.procedures.retention import discard_draft
    from portal.procedures.views import api, bp
    from portal.retention.purgers import register_purger

    app.register_blueprint(bp)
    app.register_blueprint(api)
    register_purger("procedure_kinds", draft=discard_draft)
