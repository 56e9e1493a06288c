"""Paperwire settings: every value comes from a PAPERWIRE_* environment variable."""

import secrets
import zoneinfo
from email.utils import getaddresses
from pathlib import Path
from urllib.parse import urlsplit

import dj_database_url

from paperwire.env import (
    SettingError,
    env,
    envbool,
    envchoice,
    envfloat,
    envint,
    envlist,
    envsecret,
)
from paperwire.mail import smtp_settings

BASE_DIR = Path(__file__).resolve().parent
VAR_DIR = Path(env("PAPERWIRE_VAR_DIR", str(Path.cwd() / "var"))).resolve()


def _secret_key() -> str:
    key = envsecret("PAPERWIRE_SECRET_KEY")
    if key:
        return key
    # A single-host install keeps a generated key under var/ so that sessions and
    # signed links survive restarts without any configuration.
    path = VAR_DIR / "secret_key"
    if not path.exists():
        VAR_DIR.mkdir(parents=True, exist_ok=True)
        path.touch(mode=0o600)
        path.write_text(secrets.token_urlsafe(50))
    return path.read_text().strip()


def _database(url: str) -> dict[str, object]:
    scheme = urlsplit(url).scheme
    if scheme == "sqlite":
        config: dict[str, object] = dict(dj_database_url.parse(url))
        name = str(config["NAME"])
        if name not in ("", ":memory:"):
            Path(name).parent.mkdir(parents=True, exist_ok=True)
        config["OPTIONS"] = {
            # WAL lets readers go on while the worker writes; IMMEDIATE takes the
            # write lock at BEGIN so two writers queue on busy_timeout instead of
            # failing with "database is locked" half-way through a transaction.
            "init_command": (
                "PRAGMA journal_mode=WAL;PRAGMA synchronous=NORMAL;"
                "PRAGMA foreign_keys=ON;PRAGMA cache_size=-65536;PRAGMA temp_store=MEMORY"
            ),
            "transaction_mode": "IMMEDIATE",
            "timeout": 30,
        }
        return config
    if scheme in ("postgres", "postgresql", "pgsql"):
        config = dict(dj_database_url.parse(url, conn_max_age=60, conn_health_checks=True))
        return config
    raise SettingError(
        f"PAPERWIRE_DATABASE_URL: unsupported scheme {scheme!r} (use sqlite:/// or postgresql://)"
    )


def _cache(url: str) -> dict[str, object]:
    """The cache every process shares: rate limits, log-in throttling and anonymous pages.

    Empty (the default): a cache in files under var/cache (diskcache, SQLite-backed), shared
    by the processes of one machine with no server to run. redis:// or rediss://: Redis or
    Valkey, shared by several machines. locmem://: each process its own (development only).
    """
    scheme = urlsplit(url).scheme
    if not url or scheme == "file":
        location = urlsplit(url).path if url else str(VAR_DIR / "cache")
        return {
            "BACKEND": "diskcache.DjangoCache",
            "LOCATION": location,
            "TIMEOUT": 300,
            "SHARDS": 4,
            # How long one operation waits for another process's write lock.
            "DATABASE_TIMEOUT": 0.25,
            "OPTIONS": {"size_limit": 512 * 2**20},
        }
    if scheme in ("redis", "rediss"):
        return {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": url}
    if scheme == "locmem":
        return {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "paperwire"}
    raise SettingError(
        f"PAPERWIRE_CACHE_URL: unsupported scheme {scheme!r} "
        "(leave it empty for files under var/, or use redis://, rediss:// or file:///PATH)"
    )


def _timezone(name: str) -> str:
    try:
        zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        raise SettingError(f"PAPERWIRE_TIMEZONE={name!r} is not a known time zone") from None
    return name


def _http_url(name: str, default: str) -> str:
    value = env(name, default)
    if urlsplit(value).scheme not in ("http", "https"):
        raise SettingError(f"{name}={value!r} is not an http(s) URL")
    return value


SECRET_KEY = _secret_key()
DEBUG = envbool("PAPERWIRE_DEBUG", False)
ALLOWED_HOSTS = envlist("PAPERWIRE_ALLOWED_HOSTS", "127.0.0.1,localhost,[::1]")
CSRF_TRUSTED_ORIGINS = envlist("PAPERWIRE_CSRF_TRUSTED_ORIGINS", "")
SITE_NAME = env("PAPERWIRE_SITE_NAME", "Paperwire")

# The feed day of a submission is its date in this zone; timestamps stay in UTC.
PAPERWIRE_TIMEZONE = _timezone(env("PAPERWIRE_TIMEZONE", "UTC"))
TIME_ZONE = "UTC"
USE_TZ = True
USE_I18N = False
LANGUAGE_CODE = "en-us"

# arXiv asks harvesters for a pause of at least 3 seconds between requests.
ARXIV_API_URL = _http_url("PAPERWIRE_ARXIV_API_URL", "https://export.arxiv.org/api/query")
ARXIV_OAI_URL = _http_url("PAPERWIRE_ARXIV_OAI_URL", "https://oaipmh.arxiv.org/oai")
ARXIV_DELAY = envfloat("PAPERWIRE_ARXIV_DELAY", 3.0, minimum=0.0)
ARXIV_TIMEOUT = envfloat("PAPERWIRE_ARXIV_TIMEOUT", 30.0, minimum=1.0)
ARXIV_MAX_RETRIES = envint("PAPERWIRE_ARXIV_MAX_RETRIES", 5, minimum=0)
# A web request that needs a paper from arXiv waits this long at most; the worker retries.
ARXIV_REQUEST_DEADLINE = envfloat("PAPERWIRE_ARXIV_REQUEST_DEADLINE", 5.0, minimum=0.5)
ARXIV_USER_AGENT = env("PAPERWIRE_ARXIV_USER_AGENT", "Paperwire/0.1 (self-hosted daily papers hub)")
# The arXiv sets the worker harvests every day (paperwire.ingest.scheduled_harvest), and
# how many days back the first harvest of a set goes.
HARVEST_SETS = envlist("PAPERWIRE_HARVEST_SETS", "")
HARVEST_DAYS = envint("PAPERWIRE_HARVEST_DAYS", 3, minimum=1)
# A hub speaking the Hugging Face papers API whose recent daily lists the worker mirrors
# (paperwire.feed.upstream): https://huggingface.co, or another Paperwire.
UPSTREAM_URL = env("PAPERWIRE_UPSTREAM_URL", "")
if UPSTREAM_URL:
    UPSTREAM_URL = _http_url("PAPERWIRE_UPSTREAM_URL", "")
UPSTREAM_DAYS = envint("PAPERWIRE_UPSTREAM_DAYS", 3, minimum=1)

DATABASES = {
    "default": _database(
        env("PAPERWIRE_DATABASE_URL", f"sqlite:///{VAR_DIR / 'paperwire.sqlite3'}")
    )
}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    # Listed so that /api/docs serves its Swagger UI from our own static files, not a CDN.
    "ninja",
    "paperwire.ops",
    "paperwire.papers",
    "paperwire.ingest",
    "paperwire.accounts",
    "paperwire.orgs",
    "paperwire.feed",
    "paperwire.discussion",
    "paperwire.collections",
    "paperwire.search",
    "paperwire.digests",
    "paperwire.profiles",
    "paperwire.api",
    "paperwire.site",
]

MIDDLEWARE = [
    # First: every other part (the HTTPS redirect, rate limits) sees the real client.
    "paperwire.proxies.TrustedProxyMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # Before everything that reads the session or the database: a hit skips all of it.
    "paperwire.pagecache.PageCacheMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
]

ROOT_URLCONF = "paperwire.urls"
WSGI_APPLICATION = "paperwire.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "paperwire.context_processors.site",
            ],
        },
    },
]

STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "static"
STATIC_ROOT.mkdir(parents=True, exist_ok=True)
STATICFILES_DIRS = [BASE_DIR / "static"]
# Serve straight from the package, so `make run` needs no collectstatic step.
WHITENOISE_USE_FINDERS = True

# Argon2id first: new passwords are hashed with it; older hashes upgrade on log-in.
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 10},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "feed:latest"
LOGOUT_REDIRECT_URL = "feed:latest"
# Links in emails point here when no request is at hand (the worker, the CLI).
BASE_URL = _http_url("PAPERWIRE_BASE_URL", "http://127.0.0.1:8000")

# Behind HTTPS and a reverse proxy (docs/deploy.md). An https:// base URL turns on secure
# cookies, the redirect to HTTPS (not for /healthz, which load balancers ask over HTTP)
# and HSTS; the base URL's host and origin are allowed without listing them again.
_public = urlsplit(BASE_URL)
HTTPS = envbool("PAPERWIRE_HTTPS", _public.scheme == "https")
if _public.hostname and _public.hostname not in ALLOWED_HOSTS:
    ALLOWED_HOSTS.append(_public.hostname)
if HTTPS and f"https://{_public.netloc}" not in CSRF_TRUSTED_ORIGINS:
    CSRF_TRUSTED_ORIGINS.append(f"https://{_public.netloc}")
# The proxies whose X-Forwarded-For and X-Forwarded-Proto are believed (paperwire.proxies).
TRUSTED_PROXIES = envlist("PAPERWIRE_TRUSTED_PROXIES", "")
SESSION_COOKIE_SECURE = HTTPS
CSRF_COOKIE_SECURE = HTTPS
SECURE_SSL_REDIRECT = HTTPS
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
SECURE_HSTS_SECONDS = envint("PAPERWIRE_HSTS_SECONDS", 31_536_000 if HTTPS else 0, minimum=0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = envbool("PAPERWIRE_HSTS_INCLUDE_SUBDOMAINS", HTTPS)
SECURE_HSTS_PRELOAD = envbool("PAPERWIRE_HSTS_PRELOAD", HTTPS)

# Email: unset PAPERWIRE_SMTP_URL writes messages to the console and var/mail/.
DEFAULT_FROM_EMAIL = env("PAPERWIRE_FROM_EMAIL", f"{SITE_NAME} <noreply@localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
EMAIL_SUBJECT_PREFIX = f"[{SITE_NAME}] "
globals().update(smtp_settings(envsecret("PAPERWIRE_SMTP_URL") or "", VAR_DIR / "mail"))

# Digests go out over this many SMTP connections at once.
DIGEST_SMTP_CONNECTIONS = envint("PAPERWIRE_DIGEST_CONNECTIONS", 4, minimum=1)

# Community rules (see the README for what each one does).
SUBMISSIONS_PER_DAY = envint("PAPERWIRE_SUBMISSIONS_PER_DAY", 3, minimum=0)
SUBMISSION_MAX_AGE_DAYS = envint("PAPERWIRE_SUBMISSION_MAX_AGE_DAYS", 14, minimum=1)

# Search: the dense half of hybrid search ("minilm": ONNX Runtime int8, exported once into
# SEARCH_MODEL_DIR; "minilm-torch": the same model on torch; "off" leaves it lexical only),
# and where vectors are searched ("auto": pgvector on PostgreSQL, an ANN index on SQLite).
SEARCH_EMBEDDER = envchoice(
    "PAPERWIRE_SEARCH_EMBEDDER", "minilm", ("minilm", "minilm-torch", "off")
)
SEARCH_MODEL_DIR = Path(env("PAPERWIRE_MODEL_DIR", str(VAR_DIR / "models"))).resolve()
VECTOR_INDEX = envchoice("PAPERWIRE_VECTOR_INDEX", "auto", ("auto", "exact"))
# PostgreSQL: at most about this many papers are ranked by a query's words (its rarer
# words' papers first; see paperwire.search.lexical).
SEARCH_RANK_BUDGET = envint("PAPERWIRE_SEARCH_RANK_BUDGET", 20_000, minimum=100)

# Rate limits, the log-in throttle and anonymous pages count and live in this cache,
# shared by every server process (see _cache).
CACHES = {"default": _cache(env("PAPERWIRE_CACHE_URL", ""))}
# Anonymous pages from the cache, invalidated by any write (paperwire.pagecache).
PAGE_CACHE = envbool("PAPERWIRE_PAGE_CACHE", True)
PAGE_CACHE_SECONDS = envint("PAPERWIRE_PAGE_CACHE_SECONDS", 300, minimum=1)
RATELIMIT_ENABLE = envbool("PAPERWIRE_RATELIMIT", True)

SESSION_COOKIE_HTTPONLY = True
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"
# Every page (the admin's and /api/docs included) runs scripts from this site only:
# were an injection ever to slip past the escaping, the browser would not run it.
SELF = "'self'"
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        # Inline style attributes stay allowed: the digest's HTML (viewed on the site)
        # and the discussion's rendered fragments carry them; they run no code.
        "style-src": [SELF, "'unsafe-inline'"],
        # Images come from this site only: organization logos are stored copies.
        "img-src": [SELF, "data:"],
        "connect-src": [SELF],
        "object-src": ["'none'"],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": ["'none'"],
    }
}

# Server errors go to the admins by email (when DEBUG is off and they are named) and,
# with their traceback, to the log always: Django's default logs them only in DEBUG.
ADMINS = [
    (name, address) for name, address in getaddresses([env("PAPERWIRE_ADMINS", "")]) if address
]
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"require_debug_false": {"()": "django.utils.log.RequireDebugFalse"}},
    "handlers": {
        "console": {"class": "logging.StreamHandler"},
        "mail_admins": {
            "class": "django.utils.log.AdminEmailHandler",
            "level": "ERROR",
            "filters": ["require_debug_false"],
        },
    },
    "loggers": {
        "paperwire": {"handlers": ["console"], "level": env("PAPERWIRE_LOG_LEVEL", "INFO")},
        "django.request": {
            "handlers": ["console", "mail_admins"],
            "level": "ERROR",
            "propagate": False,
        },
    },
}
