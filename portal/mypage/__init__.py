"""マイページ: the resident's drafts, submissions and 補正 requests. Importing the package attaches every
route module to ``bp``."""
from portal.mypage.blueprint import bp
from portal.mypage import correction, views  # noqa: F401  (their routes are on bp)

__all__ = ["bp"]
