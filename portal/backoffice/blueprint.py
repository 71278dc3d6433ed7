"""The back office's blueprint, on its own so that every route module (the queue and submissions, counter
mode) attaches to it without importing another: ``init_app`` imports them all."""
from portal.tenancy.scope import tenant_blueprint

bp = tenant_blueprint("backoffice", __name__, url_prefix="/backoffice", template_folder="templates")
