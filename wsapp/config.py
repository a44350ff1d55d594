"""Configuration read from the environment, with defaults that need nothing else running."""

from __future__ import annotations

import os
import secrets
from pathlib import Path

from .content import DEFAULT_CONTENT_DIR


def _instance_secret_key(instance_path: Path) -> str:
    """Return the secret key kept in the instance folder, creating it on first run.

    Generated once and kept, so sessions (and so facilitators' and participants' cookies)
    survive a restart without a constant key ever living in the code.
    """
    key_file = instance_path / "secret_key"
    if key_file.exists():
        return key_file.read_text().strip()
    instance_path.mkdir(parents=True, exist_ok=True)
    key = secrets.token_urlsafe(48)
    key_file.touch(mode=0o600)
    key_file.write_text(key)
    return key


def _default_async_mode() -> str:
    """gevent when the process has been monkey-patched (gunicorn -k gevent), else threading."""
    from gevent import monkey

    return "gevent" if monkey.is_module_patched("socket") else "threading"


def config_from_env(instance_path: Path) -> dict[str, object]:
    """Settings from WSAPP_* variables. Each is documented in docs/deployment.md."""
    env = os.environ
    database_url = env.get("WSAPP_DATABASE_URL") or f"sqlite:///{instance_path / 'wsapp.sqlite'}"
    engine_options: dict[str, object] = {}
    if not database_url.startswith("sqlite"):
        # A gevent process runs many changes at once, each holding a connection until it
        # commits. SQLAlchemy's default pool keeps 5 and opens up to 10 more that it closes
        # after use, and PostgreSQL starts a backend process for each: under the
        # benchmark's steady load that was 7 connections a second. A fixed pool makes a
        # change past it wait for a connection instead.
        pool_size = int(env.get("WSAPP_DB_POOL_SIZE", "10"))
        engine_options = {"pool_size": pool_size, "max_overflow": 0}
    return {
        "SECRET_KEY": env.get("WSAPP_SECRET_KEY") or _instance_secret_key(instance_path),
        "SQLALCHEMY_DATABASE_URI": database_url,
        "SQLALCHEMY_ENGINE_OPTIONS": engine_options,
        "MESSAGE_QUEUE_URL": env.get("WSAPP_MESSAGE_QUEUE_URL") or None,
        # Processes sharing one Redis but not one database (two sites, or tests) each need
        # their own channel, or they would push each other's rooms' changes.
        "MESSAGE_QUEUE_CHANNEL": env.get("WSAPP_MESSAGE_QUEUE_CHANNEL") or "wsapp",
        # A socket not heard from for this many seconds counts as gone: its process died.
        "PRESENCE_TTL": float(env.get("WSAPP_PRESENCE_TTL", "75")),
        # A participant whose socket closes still counts as here for this many seconds, so
        # a phone that drops off the Wi-Fi for a moment is not shown leaving and coming back.
        "PRESENCE_GRACE": float(env.get("WSAPP_PRESENCE_GRACE", "10")),
        # How many proxies (nginx) stand in front of the app and set X-Forwarded-*.
        "PROXIES": int(env.get("WSAPP_PROXIES", "0")),
        # Whose X-Forwarded-* headers count: the proxy's addresses (nginx on this machine).
        "PROXY_ADDRESSES": env.get("WSAPP_PROXY_ADDRESSES", "127.0.0.1 ::1")
        .replace(",", " ")
        .split(),
        "ASYNC_MODE": env.get("WSAPP_ASYNC_MODE") or _default_async_mode(),
        "CONTENT_DIR": env.get("WSAPP_CONTENT_DIR") or str(DEFAULT_CONTENT_DIR),
        "PUBLIC_URL": env.get("WSAPP_PUBLIC_URL") or None,
        "SESSION_COOKIE_SECURE": env.get("WSAPP_SECURE_COOKIES", "").lower() in {"1", "true"},
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "PERMANENT_SESSION_LIFETIME": 60 * 60 * 24 * 60,
        "MAX_CONTENT_LENGTH": 64 * 1024,
        "ACTION_RATE": float(env.get("WSAPP_ACTION_RATE", "10")),
        "ACTION_BURST": int(env.get("WSAPP_ACTION_BURST", "30")),
        "JOIN_ATTEMPTS_PER_MINUTE": int(env.get("WSAPP_JOIN_ATTEMPTS_PER_MINUTE", "20")),
        "CONNECTS_PER_MINUTE": int(env.get("WSAPP_CONNECTS_PER_MINUTE", "60")),
        # Rooms opened (new, imported or copied) per browser and per address, in an hour.
        "ROOMS_PER_HOUR": int(env.get("WSAPP_ROOMS_PER_HOUR", "20")),
        "ROOMS_PER_HOUR_PER_ADDRESS": int(env.get("WSAPP_ROOMS_PER_HOUR_PER_ADDRESS", "200")),
        # An event's roll-up shows a room's numbers once this many of its people dotted.
        "EVENT_MIN_DOTTERS": int(env.get("WSAPP_EVENT_MIN_DOTTERS", "5")),
        # Other sites whose pages may open sockets here (the app's own origin always may).
        "ALLOWED_ORIGINS": env.get("WSAPP_ALLOWED_ORIGINS", "").replace(",", " ").split(),
        # Refused actions and sockets, removals, deletions and imports are logged at INFO,
        # failed socket events at WARNING; with ids and room codes, never what people typed.
        "LOG_LEVEL": env.get("WSAPP_LOG_LEVEL", "INFO").upper(),
    }
