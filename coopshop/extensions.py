"""Flask extensions, created bare and bound to the app in create_app(). The database handle
lives in coopshop.db, so services need none of these."""

from flask_babel import Babel
from flask_bootstrap import Bootstrap5
from flask_caching import Cache
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_wtf import CSRFProtect

migrate = Migrate()
login_manager = LoginManager()
csrf = CSRFProtect()
babel = Babel()
bootstrap = Bootstrap5()
limiter = Limiter(key_func=get_remote_address, default_limits=[])
# Public catalog fragments (web/catalog_cache.py): Redis in production, memory otherwise.
cache = Cache()
