"""マイページ's blueprint, on its own so that its route modules (the pages, 補正) attach to it without
importing each other; the package imports them all."""
from portal.tenancy.scope import tenant_blueprint

bp = tenant_blueprint("mypage", __name__, url_prefix="/mypage", template_folder="templates")
