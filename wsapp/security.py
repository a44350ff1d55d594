"""What keeps people out of rooms they do not belong in, in one place.

- CSRF: every HTTP write carries the session's token (htmx sends it as ``X-CSRFToken``
  from ``hx-headers`` on ``<body>``, plain forms as ``csrf_token``).
- Sockets: connections are accepted only from the app's own origin (or the origins named
  in ``WSAPP_ALLOWED_ORIGINS``; never ``'*'``); identity comes from the session cookie.
- Headers: a Content-Security-Policy without inline script or eval, nosniff, no referrer
  (so a URL never travels to another site), no framing; HSTS when served over HTTPS.
- Cookies: HttpOnly, SameSite=Lax, and Secure whenever the request came over HTTPS.
- Guessing: room codes and facilitator links are looked up under a per-address budget of
  failed attempts. A code is 6 characters from a 31-letter alphabet: 31**6 = 887,503,681
  codes. At the default 20 failed attempts a minute per address, one address needs on
  average 887,503,681 / 2 / 20 minutes (about 42 years) to find a given room, and with
  even 1,000 rooms open at once, about 30 days of nonstop guessing to find any one. A
  found code only lets someone join as a named participant, whom the facilitator sees
  and can remove; facilitator power needs the 256-bit key of the private link.
"""

from __future__ import annotations

import hmac
import secrets
import threading
import time
from collections.abc import Callable, Mapping
from datetime import UTC, datetime, timedelta
from ipaddress import IPv6Address, ip_address, ip_network
from typing import TYPE_CHECKING, Any

from flask import Flask, Request, Response, abort, current_app, request, session
from flask.sessions import SecureCookieSession, SecureCookieSessionInterface, SessionMixin
from itsdangerous import BadSignature
from werkzeug.middleware.proxy_fix import ProxyFix

if TYPE_CHECKING:
    from _typeshed.wsgi import StartResponse, WSGIApplication, WSGIEnvironment

from .identity import socket_id

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})

CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "connect-src 'self'",
        "font-src 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)


def csrf_token() -> str:
    """The session's CSRF token; htmx sends it as X-CSRFToken, forms as csrf_token."""
    token = session.get("csrf")
    if token is None:
        token = session["csrf"] = secrets.token_urlsafe(32)
    return str(token)


def too_large_message() -> str:
    """What a person is told when a request's body is over MAX_CONTENT_LENGTH (413)."""
    limit = int(current_app.config["MAX_CONTENT_LENGTH"])
    return (
        f"That is too much to send at once (the limit is {limit // 1024} KB). "
        "Shorten the text and try again."
    )


def check_csrf() -> None:
    if request.method in SAFE_METHODS:
        return
    sent = request.headers.get("X-CSRFToken") or request.form.get("csrf_token", "")
    expected = session.get("csrf")
    if not expected or not hmac.compare_digest(str(sent), str(expected)):
        abort(
            400,
            "This page has expired or the request did not come from it. "
            "Reload the page and try again.",
        )


def add_security_headers(response: Response) -> Response:
    response.headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("Referrer-Policy", "no-referrer")
    response.headers.setdefault("X-Frame-Options", "DENY")
    response.headers.setdefault("Cross-Origin-Opener-Policy", "same-origin")
    if request.is_secure:
        response.headers.setdefault("Strict-Transport-Security", "max-age=31536000")
    return response


# A permanent session's cookie is signed again (so its 60 days start over) once it is this
# old; not on every request, which put a fresh Set-Cookie on every response.
RENEW_SESSION_AFTER = timedelta(days=1)


class Session(SecureCookieSession):
    """The signed-cookie session, knowing when the cookie it came in was signed."""

    signed_at: datetime | None = None


class SessionInterface(SecureCookieSessionInterface):
    """The signed-cookie session, marked Secure whenever the request came over HTTPS, sent
    only when it changed (or to renew it once a day), and never with a public response.

    Behind a TLS-terminating proxy, ``WSAPP_PROXIES`` lets ProxyFix read the scheme from
    X-Forwarded-Proto; ``WSAPP_SECURE_COOKIES`` forces Secure regardless.
    """

    session_class = Session

    def get_cookie_secure(self, app: Flask) -> bool:
        return bool(app.config["SESSION_COOKIE_SECURE"]) or request.is_secure

    def open_session(self, app: Flask, request: Request) -> Session | None:
        serializer = self.get_signing_serializer(app)
        if serializer is None:
            return None
        value = request.cookies.get(self.get_cookie_name(app))
        if not value:
            return Session()
        max_age = int(app.permanent_session_lifetime.total_seconds())
        try:
            data, signed_at = serializer.loads(value, max_age=max_age, return_timestamp=True)
        except BadSignature:
            return Session()
        session = Session(data)
        session.signed_at = signed_at
        return session

    def should_set_cookie(self, app: Flask, session: SessionMixin) -> bool:
        if session.modified:
            return True
        signed_at = getattr(session, "signed_at", None)
        return session.permanent and (
            signed_at is None or datetime.now(UTC) - signed_at > RENEW_SESSION_AFTER
        )

    def save_session(self, app: Flask, session: SessionMixin, response: Response) -> None:
        """A response any cache may keep (a static file) neither reads nor carries the
        session; one that carries it or depends on it is never public."""
        if response.cache_control.public and not (session.accessed or session.modified):
            return
        super().save_session(app, session, response)
        if "Set-Cookie" in response.headers or "cookie" in response.vary:
            response.cache_control.public = False
            response.cache_control.private = True


# --- Rate limits ----------------------------------------------------------------------------

SLOW_DOWN = "Slow down a little: too many changes at once. Try again."
# A socket event from a connection its room no longer holds (it left, or was removed).
NOT_IN_A_ROOM = "This connection is not in a room any more. Reload."


class RateLimiter:
    """A token bucket per key, kept in this process (a socket stays on one process)."""

    # Every limit here refills fully within this many seconds; older buckets are full.
    IDLE_SECONDS = 600
    MAX_KEYS = 50_000

    def __init__(self) -> None:
        self._buckets: dict[str, tuple[float, float]] = {}
        self._lock = threading.Lock()

    def allow(self, key: str, rate: float, burst: int) -> bool:
        """Spend one token of ``key``'s bucket, if it has one."""
        now = time.monotonic()
        with self._lock:
            tokens, stamp = self._buckets.get(key, (float(burst), now))
            tokens = min(float(burst), tokens + (now - stamp) * rate)
            if tokens < 1:
                self._buckets[key] = (tokens, now)
                return False
            self._buckets[key] = (tokens - 1, now)
            if len(self._buckets) > self.MAX_KEYS:
                self._forget_idle(now)
            return True

    def exhausted(self, key: str, rate: float, burst: int) -> bool:
        """Would ``allow`` refuse now? Spends nothing."""
        now = time.monotonic()
        with self._lock:
            tokens, stamp = self._buckets.get(key, (float(burst), now))
            return min(float(burst), tokens + (now - stamp) * rate) < 1

    def _forget_idle(self, now: float) -> None:
        idle = [key for key, (_, stamp) in self._buckets.items() if now - stamp > self.IDLE_SECONDS]
        for key in idle:
            del self._buckets[key]
        if len(self._buckets) > self.MAX_KEYS:
            self._buckets.clear()


rate_limiter = RateLimiter()


def socket_event_allowed(kind: str) -> bool:
    """Housekeeping events (resync, heartbeat) per socket: at most one a second on
    average, so a stuck or hostile client cannot make the server render a room in a loop.
    Actions are limited per sender in :func:`wsapp.actions.perform`."""
    return rate_limiter.allow(f"{kind}:{socket_id()}", 1.0, 10)


# --- Guessing: failed attempts per client address ------------------------------------------


def _attempt_key(kind: str) -> str:
    return f"{kind}:{request.remote_addr}"


def _attempt_rate() -> tuple[float, int]:
    per_minute = int(current_app.config["JOIN_ATTEMPTS_PER_MINUTE"])
    return per_minute / 60, per_minute


def attempts_left(kind: str) -> bool:
    """May this address try another guess of ``kind`` (``code`` or ``claim``)?

    Asked before the lookup, so an address out of attempts learns nothing more. Works in
    socket handlers too (their request is the socket's handshake).
    """
    return not rate_limiter.exhausted(_attempt_key(kind), *_attempt_rate())


def count_failed_attempt(kind: str) -> None:
    """Spend one of this address's attempts: only wrong guesses cost anything, so a
    school's whole staff behind one address can join the same room at once."""
    rate_limiter.allow(_attempt_key(kind), *_attempt_rate())


TOO_MANY_ATTEMPTS = "Too many wrong tries from this device. Wait a minute, then try again."


def guard_room_urls() -> None:
    """Every URL naming a room code (``/r/<code>/...``, ``/claim/<code>``, any feature's)
    is refused once the address is out of attempts, whether the code is right or not."""
    if request.view_args and "code" in request.view_args and not attempts_left("code"):
        abort(429, TOO_MANY_ATTEMPTS)


def count_wrong_room_urls(response: Response) -> Response:
    """A 404 at a URL naming a room code is a wrong guess, whichever view answered it."""
    if response.status_code == 404 and request.view_args and "code" in request.view_args:
        count_failed_attempt("code")
    return response


TOO_MANY_ROOMS = (
    "You have opened many rooms from here in the last hour. Wait a few minutes, then try again."
)


def guard_room_opening() -> None:
    """Opening a room (a new one, an import or a copy) spends one of this browser's
    allowance an hour and one of its address's, a larger one since a venue's facilitators
    share an address; refused with 429 when either is spent, so no script can fill the
    database with rooms."""
    config = current_app.config
    limits = [
        (f"rooms:browser:{csrf_token()}", int(config["ROOMS_PER_HOUR"])),
        (f"rooms:address:{request.remote_addr}", int(config["ROOMS_PER_HOUR_PER_ADDRESS"])),
    ]
    if any(rate_limiter.exhausted(key, per_hour / 3600, per_hour) for key, per_hour in limits):
        abort(429, TOO_MANY_ROOMS)
    for key, per_hour in limits:
        rate_limiter.allow(key, per_hour / 3600, per_hour)


def connects_left(identity: str) -> bool:
    """Socket connections per person (a participant, or a room's facilitator): a stuck
    reconnect loop cannot hammer the server. Counted per identity, not per address, so a
    venue's hundreds of phones behind one NAT address all get back in after a Wi-Fi drop;
    connections without an identity cost nothing to refuse, and wrong codes count as guesses.
    """
    per_minute = int(current_app.config["CONNECTS_PER_MINUTE"])
    return rate_limiter.allow(f"connect:{identity}", per_minute / 60, per_minute)


# --- Proxies --------------------------------------------------------------------------------


class ProxiesAt:
    """ProxyFix, for requests from the proxy's own addresses only.

    With ``WSAPP_PROXIES`` set, the client's address (which guesses are counted by) and
    scheme come from X-Forwarded-* headers. Anyone who reaches a process's port directly
    could send those too, a new address with every guess, and guess without limit; so
    they count only from ``WSAPP_PROXY_ADDRESSES`` (addresses or networks; loopback by
    default, where nginx runs), and anyone else is taken at the address they came from.
    """

    def __init__(self, app: WSGIApplication, proxies: int, addresses: list[str]) -> None:
        self.direct = app
        self.proxied = ProxyFix(app, x_for=proxies, x_proto=proxies, x_host=proxies)
        self.networks = [ip_network(address, strict=False) for address in addresses]

    def __call__(self, environ: WSGIEnvironment, start_response: StartResponse) -> Any:
        try:
            peer = ip_address(environ.get("REMOTE_ADDR", ""))
        except ValueError:
            return self.direct(environ, start_response)
        if isinstance(peer, IPv6Address) and peer.ipv4_mapped:
            peer = peer.ipv4_mapped
        if any(peer in network for network in self.networks):
            return self.proxied(environ, start_response)
        return self.direct(environ, start_response)


# --- Socket origins -------------------------------------------------------------------------


def socket_origins(config: Mapping[str, Any]) -> Callable[[str, dict[str, Any]], bool]:
    """The check Socket.IO runs on a connection's Origin header.

    Allowed: the origin the request itself was made to (scheme and host, as ProxyFix sees
    them when ``WSAPP_PROXIES`` is set), the origin of ``WSAPP_PUBLIC_URL``, and any listed
    in ``WSAPP_ALLOWED_ORIGINS``. Browsers always send Origin with a websocket, so a page
    on another site cannot open a socket with a participant's cookie.
    """
    listed = [origin.rstrip("/") for origin in config["ALLOWED_ORIGINS"]]
    if "*" in listed:
        raise RuntimeError("WSAPP_ALLOWED_ORIGINS may not contain '*': name each origin.")
    public_url = config.get("PUBLIC_URL")
    if public_url:
        scheme, _, rest = str(public_url).partition("://")
        listed.append(f"{scheme}://{rest.split('/')[0]}")
    extra = frozenset(listed)

    def allowed(origin: str, environ: dict[str, Any]) -> bool:
        own = f"{environ.get('wsgi.url_scheme')}://{environ.get('HTTP_HOST')}"
        return origin == own or origin in extra

    return allowed


def init_app(app: Flask) -> None:
    app.session_interface = SessionInterface()
    app.before_request(guard_room_urls)
    app.before_request(check_csrf)
    app.after_request(count_wrong_room_urls)
    app.after_request(add_security_headers)
    app.jinja_env.globals["csrf_token"] = csrf_token
