from flask_babel import Babel
from flask_limiter import Limiter
from flask_wtf.csrf import CSRFProtect

from portal.ratelimit import request_key

csrf = CSRFProtect()
babel = Babel()
limiter = Limiter(key_func=request_key, default_limits=[])
