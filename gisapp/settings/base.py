"""Settings shared by every environment; every deploy-specific value comes from the environment."""

from pathlib import Path

from django.utils.translation import gettext_lazy as _

from gisapp.settings.databases import primary_database, replica_database
from gisapp.settings.env import env_bool, env_float, env_list, env_str

BASE_DIR = Path(__file__).resolve().parents[2]

# A development default so `make run` works on a fresh machine; production.py refuses it.
INSECURE_DEV_SECRET_KEY = "dev-only-insecure-key-change-me"  # noqa: S105
SECRET_KEY = env_str("SECRET_KEY", INSECURE_DEV_SECRET_KEY)
DEBUG = env_bool("DEBUG", False)
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "127.0.0.1,localhost")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    # django.contrib.admin with the site's own admin site (titled for the reader's area)
    "gisapp.admin_apps.GisAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.gis",
    "rest_framework",
    "rest_framework.authtoken",
    "rest_framework_gis",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "leaflet",
    "accounts",
    "audit",
    "layers",
    "network",
    "consumption",
    "rasters",
    "dataio",
    "compliance",
    "registers",
    "ogcapi",
    "gisapp",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "gisapp.middleware.SecurityHeadersMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "gisapp.db_unavailable.DatabaseUnavailableMiddleware",
    "gisapp.db_timeouts.StatementTimeoutMiddleware",
    "gisapp.db_router.ReplicaReadMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "gisapp.middleware.DefaultLanguageMiddleware",
    "gisapp.input_checks.InputCheckMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "gisapp.middleware.LoginRequiredMiddleware",
    "accounts.scope.AreaScopeMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "gisapp.urls"
# Error pages and debug pages (gisapp/error_pages.py): a refused form is the translated 403 page
# (JSON under /api/); a debug page, when DEBUG is on by choice, shows no settings values.
CSRF_FAILURE_VIEW = "gisapp.error_pages.csrf_failure"
DEFAULT_EXCEPTION_REPORTER_FILTER = "gisapp.error_pages.SecretsHiddenReporterFilter"
WSGI_APPLICATION = "gisapp.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "gisapp.context_processors.csp_nonce",
                "gisapp.context_processors.site_title",
            ],
        },
    },
]

# Local PostGIS cluster started by `make run` (scripts/pg_cluster.sh) unless DATABASE_URL is set.
# DATABASE_POOLED: the URLs lead to a transaction-mode pooler (pgbouncer; docs/scaling.md).
DATABASE_POOLED = env_bool("DATABASE_POOLED", False)
# Set by gisapp/wsgi.py (gunicorn): this process serves web requests only, so its connections
# start with the read statement_timeout and a safe request sets none (gisapp/db_timeouts.py).
WEB_PROCESS = env_bool("GISAPP_WEB_PROCESS", False)
STATEMENT_TIMEOUT_READ_S = env_float("STATEMENT_TIMEOUT_READ_S", 10)
STATEMENT_TIMEOUT_ON_CONNECT = WEB_PROCESS and not DATABASE_POOLED
DATABASES = {
    "default": primary_database(
        env_str("DATABASE_URL", "postgis://gisapp:gisapp@127.0.0.1:5433/lianzhou"),
        pooled=DATABASE_POOLED,
        read_timeout_s=STATEMENT_TIMEOUT_READ_S if STATEMENT_TIMEOUT_ON_CONNECT else None,
    )
}
# Optional read replica (a streaming standby of the primary; docs/scaling.md): safe requests
# read from it (gisapp/db_router.py); absent, everything reads and writes `default`.
# A browser reads its own writes from the primary until the replica has replayed them; other
# reads may lag by at most REPLICA_MAX_LAG_S; a replica that fails or is unreachable within
# REPLICA_CONNECT_TIMEOUT_S is left alone for REPLICA_RETRY_S (reads go to the primary).
DATABASE_REPLICA_URL = env_str("DATABASE_REPLICA_URL", "")
REPLICA_MAX_LAG_S = env_float("REPLICA_MAX_LAG_S", 30)
REPLICA_CONNECT_TIMEOUT_S = env_float("REPLICA_CONNECT_TIMEOUT_S", 2)
REPLICA_RETRY_S = env_float("REPLICA_RETRY_S", 10)
# How long a write keeps its author's reads on the primary at most (the lag limit then holds).
REPLICA_READ_AFTER_MAX_S = env_float("REPLICA_READ_AFTER_MAX_S", 300)
if DATABASE_REPLICA_URL:
    DATABASES["replica"] = replica_database(
        DATABASE_REPLICA_URL,
        read_timeout_s=STATEMENT_TIMEOUT_READ_S,
        connect_timeout_s=REPLICA_CONNECT_TIMEOUT_S,
        pooled=DATABASE_POOLED,
    )
DATABASE_ROUTERS = ["gisapp.db_router.PrimaryReplicaRouter"]
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 10},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
# Login throttling (accounts/throttling.py): after this many failed logins for one user name, or
# from one address, within the window, attempts are refused until the window has passed.
LOGIN_FAILURE_LIMIT = int(env_float("LOGIN_FAILURE_LIMIT", 5))
# Per address: higher, as a bureau's office shares one address behind NAT and five colleagues'
# typos must not lock everyone out; still stops one machine guessing many user names.
LOGIN_FAILURE_LIMIT_PER_IP = int(env_float("LOGIN_FAILURE_LIMIT_PER_IP", 20))
LOGIN_FAILURE_WINDOW_S = int(env_float("LOGIN_FAILURE_WINDOW_S", 15 * 60))
# Reverse proxies in front of the app that append to X-Forwarded-For (0: use REMOTE_ADDR).
NUM_PROXIES = int(env_float("NUM_PROXIES", 0))
# A government office's shared machines: sessions end with the browser and after 8 hours.
# Sessions in the database: every worker process sees a logout at once (a per-process cache
# would not); the same query reads the data versions (accounts/sessions.py).
SESSION_ENGINE = "accounts.sessions"
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_AGE = int(env_float("SESSION_COOKIE_AGE", 8 * 3600))
SESSION_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_SAMESITE = "Lax"
# Pages hand scripts the token from the form field, never from the cookie.
CSRF_COOKIE_HTTPONLY = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "/"
LOGOUT_REDIRECT_URL = "login"

# Chinese first, English second; the default does not follow the browser's Accept-Language.
LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", _("Simplified Chinese")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
# zh-hans numbers grouped by thousands ("1,318,000"; Django's own zh_Hans formats group nothing)
FORMAT_MODULE_PATH = ["gisapp.formats"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = Path(env_str("STATIC_ROOT", str(BASE_DIR / "staticfiles")))
# Front-end libraries come from npm (package.json, pinned) and are served as static files.
NODE_MODULES = BASE_DIR / "node_modules"
STATICFILES_DIRS = [
    BASE_DIR / "gisapp" / "static",
    ("vendor/vectorgrid", NODE_MODULES / "leaflet.vectorgrid" / "dist"),
    ("vendor/geoman", NODE_MODULES / "@geoman-io" / "leaflet-geoman-free" / "dist"),
    ("vendor/echarts", NODE_MODULES / "echarts" / "dist"),
    ("styles", BASE_DIR / "styles"),
]
# One JSON style file per layer (styles/<slug>.json), read by the map and by folium.
STYLES_DIR = BASE_DIR / "styles"
MEDIA_ROOT = Path(env_str("MEDIA_ROOT", str(BASE_DIR / "media")))
MEDIA_URL = "/media/"

CACHES = {
    "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
    # Each process's memory of vector tiles, in front of the table every process shares
    # (layers/tile_cache.py); entries are tiles of a few to a few hundred kB.
    "tiles": {
        "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
        "LOCATION": "tiles",
        "OPTIONS": {"MAX_ENTRIES": int(env_float("TILE_MEMORY_CACHE_ENTRIES", 3000))},
    },
}
# Off only to measure cold throughput (tests/benchmarks/tiles_http.py): every tile is built.
TILE_CACHE_ENABLED = env_bool("TILE_CACHE_ENABLED", True)
# Warm tiles answered before Django's middleware (gisapp/tile_fast_path.py).
TILE_FAST_PATH = env_bool("TILE_FAST_PATH", True)
# How long a tile stays in a process's memory at most (its key changes with any data version).
TILE_CACHE_SECONDS = int(env_float("TILE_CACHE_SECONDS", 24 * 3600))
# The shared tile table's size above which its older half is deleted.
TILE_SHARED_CACHE_MAX_MB = env_float("TILE_SHARED_CACHE_MAX_MB", 512)

# --- GIS ---------------------------------------------------------------------------------
STORAGE_SRID = 4326
# Tolerance in metres within which a pipe end joins an existing node (never pixels).
NETWORK_SNAP_TOLERANCE_M = env_float("NETWORK_SNAP_TOLERANCE_M", 0.5)
# The bureau's transformation parameters from the older datums to CGCS2000 (PROJ towgs84:
# dx,dy,dz in m, rx,ry,rz in arc-seconds, ds in ppm); empty = files in that datum are refused.
XIAN80_TOWGS84 = env_str("XIAN80_TOWGS84", "")
BEIJING54_TOWGS84 = env_str("BEIJING54_TOWGS84", "")
# Optional basemap tile URL template (e.g. a Tianditu intranet mirror); empty = none.
BASEMAP_URL = env_str("BASEMAP_URL", "")
# The county pages open on when no county is named and the reader's area holds several
# (docs/areas.md); a province's installation names its own.
DEFAULT_COUNTY_CODE = env_str("DEFAULT_COUNTY_CODE", "441882")
# The terrain raster whose hillshade is the map's own offline basemap (under the layers).
HILLSHADE_RASTER = env_str("HILLSHADE_RASTER", "elevation")
BASEMAP_ATTRIBUTION = env_str("BASEMAP_ATTRIBUTION", "")
# Upper bounds on what an import may carry.
IMPORT_MAX_FILE_BYTES = int(env_float("IMPORT_MAX_FILE_BYTES", 200 * 1024 * 1024))
IMPORT_MAX_UNZIPPED_BYTES = int(env_float("IMPORT_MAX_UNZIPPED_BYTES", 1024 * 1024 * 1024))
# An imported geometry within this distance (m, every vertex) of the stored one is unchanged:
# a file re-sent through another projection must not bump versions.
IMPORT_SAME_GEOMETRY_M = env_float("IMPORT_SAME_GEOMETRY_M", 0.05)
# Imported features must lie within the county's boundary buffered by this many metres.
IMPORT_COUNTY_MARGIN_M = env_float("IMPORT_COUNTY_MARGIN_M", 2000)
# Raster layers (GeoTIFF) live in MEDIA_ROOT/rasters; an import may carry at most this much.
RASTER_MAX_BYTES = int(env_float("RASTER_MAX_BYTES", 100 * 1024 * 1024))
RASTER_MAX_PIXELS = int(env_float("RASTER_MAX_PIXELS", 25_000_000))
# Evidence files (佐证材料) live in MEDIA_ROOT/evidence; one file may carry at most this much.
EVIDENCE_MAX_BYTES = int(env_float("EVIDENCE_MAX_BYTES", 20 * 1024 * 1024))
# Head (m) a supply source adds above its own elevation: nodes higher than that are listed.
NETWORK_SOURCE_HEAD_M = env_float("NETWORK_SOURCE_HEAD_M", 40.0)

LEAFLET_CONFIG = {
    "DEFAULT_CENTER": (24.90, 112.45),
    "DEFAULT_ZOOM": 10,
    "MIN_ZOOM": 3,
    "MAX_ZOOM": 20,
    "TILES": [(_("Basemap"), BASEMAP_URL, {"attribution": BASEMAP_ATTRIBUTION, "maxZoom": 20})]
    if BASEMAP_URL
    else [],
    "ATTRIBUTION_PREFIX": "",
    "RESET_VIEW": False,
    "FORCE_IMAGE_PATH": True,
}

# The demo loader (and its demo accounts) may run here; production.py turns it off.
DEMO_DATA_ALLOWED = True

# --- API ---------------------------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.SessionAuthentication",
        "rest_framework.authentication.TokenAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "layers.api_errors.exception_handler",
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Water-saving GIS API",
    "DESCRIPTION": "Layers, features and compliance verdicts of the county water bureau.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    "SERVE_PERMISSIONS": ["rest_framework.permissions.IsAuthenticated"],
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "WARNING")},
}

# --- Hostile input -------------------------------------------------------------------------
# Request input refused before any view (gisapp/input_checks.py): NUL characters anywhere,
# integers past PostgreSQL's bigint, and JSON bodies nested deeper than this many levels (a
# GeoJSON MultiPolygon feature nests 6).
REQUEST_JSON_MAX_DEPTH = int(env_float("REQUEST_JSON_MAX_DEPTH", 32))
# The most positions one geometry in an API request may carry, counted before any is parsed
# (request bodies are also capped by Django's DATA_UPLOAD_MAX_MEMORY_SIZE, 2.5 MB, → 413).
MAX_GEOMETRY_VERTICES = int(env_float("MAX_GEOMETRY_VERTICES", 10_000))
# A records file (CSV/XLSX) is read whole into memory; the demo's largest (consumption at
# scale 10) is about 21 MB, so a 100 MB file is refused before it is read.
IMPORT_MAX_RECORDS_BYTES = int(env_float("IMPORT_MAX_RECORDS_BYTES", 64 * 1024 * 1024))
# A layer file uploaded in the browser (an administrator's import) and how long a checked file
# waits for its import (seconds).
LAYER_UPLOAD_MAX_BYTES = int(env_float("LAYER_UPLOAD_MAX_BYTES", 50 * 1024 * 1024))
LAYER_UPLOAD_KEEP_S = env_float("LAYER_UPLOAD_KEEP_S", 3600)
# An XLSX's parts (XML) may expand to at most this many bytes before anything is parsed.
IMPORT_MAX_XLSX_UNZIPPED_BYTES = int(env_float("IMPORT_MAX_XLSX_UNZIPPED_BYTES", 100 * 1024 * 1024))
# Every statement of an import's transaction is cancelled after this many seconds.
IMPORT_STATEMENT_TIMEOUT_S = env_float("IMPORT_STATEMENT_TIMEOUT_S", 900)
# A first load into an empty layer table (dataio/importing/first_load.py) waits at most this many
# seconds for its exclusive lock on the table, then imports the ordinary way.
IMPORT_FIRST_LOAD_LOCK_WAIT_S = env_float("IMPORT_FIRST_LOAD_LOCK_WAIT_S", 2)
# A register uploaded in the browser is imported within the request: a smaller file, so a worker
# is never held for long (the demo's largest register, the levies, is ~70 kB).
REGISTER_UPLOAD_MAX_BYTES = int(env_float("REGISTER_UPLOAD_MAX_BYTES", 5 * 1024 * 1024))
# --- Bounded work (gisapp/db_timeouts.py, layers/limits.py) ---------------------------------
# Every SQL statement of a web request is cancelled after this many seconds (0: no limit):
# reads (GET/HEAD/OPTIONS) and writes separately; a cancelled request answers 503 and writes
# nothing. Management commands (imports, the evaluation worker) keep their own limits.
STATEMENT_TIMEOUT_WRITE_S = env_float("STATEMENT_TIMEOUT_WRITE_S", 30)
# A network write waits at most this many seconds for another one to finish, then answers 503.
NETWORK_LOCK_WAIT_S = env_float("NETWORK_LOCK_WAIT_S", 10)
# Geometry limits checked before any lock or heavy query: vertices of a drawn area and of a
# pipe, and the longest edge (degrees of longitude or latitude; antimeridian spans are longer).
AREA_MAX_VERTICES = int(env_float("AREA_MAX_VERTICES", 2000))
PIPE_MAX_VERTICES = int(env_float("PIPE_MAX_VERTICES", 5000))
GEOMETRY_MAX_EDGE_DEG = env_float("GEOMETRY_MAX_EDGE_DEG", 1.0)
