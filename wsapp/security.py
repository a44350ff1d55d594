"""What keeps people out of rooms they do not belong in, in one place.

- CSRF: Flask-WTF's ``CSRFProtect`` checks every HTTP write (htmx sends the token as
  ``X-CSRFToken`` from ``hx-headers`` on ``<body>``, plain forms as ``csrf_token``).
- Sockets: connections are accepted only from the app's own origin (or the origins named
  in ``WSAPP_ALLOWED_ORIGINS``; never ``'*'``); identity comes from the session cookie.
- Headers: a Content-Security-Policy without inline script or eval, nosniff, no referrer
  (so a URL never travels to another site), no framing; HSTS when served over HTTPS.
- Cookies: HttpOnly, SameSite=Lax, and Secure whenever the request came over HTTPS.
- Rate limits: moving windows, kept in Redis by the ``limits`` library when a message
  queue is configured (so every process counts against one allowance), in this process's
  memory otherwise (:class:`InProcessLimiter`).
- Guessing: room codes and private links are looked up under a per-address budget of
  failed attempts, which binds only browsers not already in the room a URL names: a
  guesser behind a venue's shared address never locks out the room's people or its
  facilitator. A code is 6 characters from a 31-letter alphabet: 31**6 = 887,503,681
  codes. At the default 20 failed attempts a minute per address, one address needs on
  average 887,503,681 / 2 / 20 minutes (about 42 years) to find a given room, and with
  even 1,000 rooms open at once, about 30 days of nonstop guessing to find any one. A
  found code only lets someone ask to join as a named participant, whom the facilitator
  sees and can remove (or, in a room whose newcomers wait, must first let in);
  facilitator power needs the 256-bit key of a private link.
"""

from __future__ import annotations

import functools
import threading
import time
from collections import deque
from collections.abc import Callable, Mapping
from datetime import UTC, datetime, timedelta
from ipaddress import IPv6Address, ip_address, ip_network
from typing import TYPE_CHECKING, Any, Protocol

from flask import Flask, Request, Response, abort, current_app, request, session
from flask.sessions import SecureCookieSession, SecureCookieSessionInterface, SessionMixin
from flask_wtf.csrf import CSRFError, CSRFProtect
from itsdangerous import BadSignature
from limits import RateLimitItem, RateLimitItemPerSecond
from limits.errors import StorageError
from limits.storage import RedisStorage
from limits.strategies import MovingWindowRateLimiter
from werkzeug.exceptions import HTTPException
from werkzeug.middleware.proxy_fix import ProxyFix

if TYPE_CHECKING:
    from _typeshed.wsgi import StartResponse, WSGIApplication, WSGIEnvironment

from .assets import FILE_ENDPOINTS
from .identity import adopt_keys_from_old_cookie, holds_a_place, holds_a_place_in, socket_id
from .models import Room

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

csrf = CSRFProtect()

EXPIRED_PAGE = (
    "This page has expired or the request did not come from it. Reload the page and try again."
)


def error_message(error: HTTPException) -> str | None:
    """What a person is told about a refused request: what the view said, in plain words
    where the refusal came from a library (a missing or stale CSRF token, a request body
    over MAX_CONTENT_LENGTH)."""
    if isinstance(error, CSRFError):
        return EXPIRED_PAGE
    if error.code == 413:
        limit = int(current_app.config["MAX_CONTENT_LENGTH"])
        return (
            f"That is too much to send at once (the limit is {limit // 1024} KB). "
            "Shorten the text and try again."
        )
    return error.description


def add_security_headers(response: Response) -> Response:
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    if request.endpoint in FILE_ENDPOINTS and response.mimetype != "image/svg+xml":
        # A script, a style sheet or a PNG is no document: the page's policies say nothing
        # to it, and each of a phone's first downloads would carry them (SVG keeps them).
        return response
    response.headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
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

    def open_session(self, app: Flask, request: Request) -> SecureCookieSession | None:
        # A socket's events use the copy Flask-SocketIO took at its connect and swaps in
        # after this: verifying the cookie's signature again on every event was wasted.
        copied: SecureCookieSession | None = request.environ.get("saved_session")
        if copied is not None:
            return copied
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


class Limiter(Protocol):
    """Counts of what a key did within a limit's moving window."""

    def hit(self, limit: RateLimitItem, /, *key: str) -> bool:
        """Spend one of ``key``'s allowance under ``limit``, if any is left."""
        ...

    def test(self, limit: RateLimitItem, /, *key: str) -> bool:
        """Is any of ``key``'s allowance under ``limit`` left (spending none)?"""
        ...


class InProcessLimiter:
    """Moving windows kept in this process's memory.

    Not ``limits``' MemoryStorage: after every hit it starts a timer thread (under gevent,
    a greenlet) that walks every key it has ever seen, and it never forgets a key. With a
    heartbeat counted per socket that was over a millisecond of CPU a hit, and it grew with
    every socket since the process started. Here a key's old hits go when the key is
    counted, and keys idle for longer than their window go in a sweep at most once every
    ``SWEEP_SECONDS``.
    """

    SWEEP_SECONDS = 60.0

    def __init__(self) -> None:
        # key -> (its hits' times, oldest first; its window in seconds)
        self._hits: dict[str, tuple[deque[float], int]] = {}
        self._lock = threading.Lock()
        self._next_sweep = time.monotonic() + self.SWEEP_SECONDS

    def hit(self, limit: RateLimitItem, /, *key: str) -> bool:
        return self._count(limit, key, spend=True)

    def test(self, limit: RateLimitItem, /, *key: str) -> bool:
        return self._count(limit, key, spend=False)

    def __len__(self) -> int:
        """How many keys are counted now."""
        return len(self._hits)

    def _count(self, limit: RateLimitItem, key: tuple[str, ...], *, spend: bool) -> bool:
        now = time.monotonic()
        name = limit.key_for(*key)
        window = limit.get_expiry()
        with self._lock:
            if now >= self._next_sweep:
                self._sweep(now)
            counted = self._hits.get(name)
            if counted is None:
                if not spend:
                    return limit.amount > 0
                counted = self._hits[name] = (deque(), window)
            hits = counted[0]
            while hits and hits[0] <= now - window:
                hits.popleft()
            if len(hits) >= limit.amount:
                return False
            if spend:
                hits.append(now)
            return True

    def _sweep(self, now: float) -> None:
        self._next_sweep = now + self.SWEEP_SECONDS
        idle = [
            name
            for name, (hits, window) in self._hits.items()
            if not hits or hits[-1] <= now - window
        ]
        for name in idle:
            del self._hits[name]


def limiter_for(config: Mapping[str, Any]) -> Limiter:
    """Where the counts live: Redis when a message queue is configured, so every process
    spends from one allowance (under the queue's channel, which separates sites sharing a
    Redis), else this process's memory."""
    url = config["MESSAGE_QUEUE_URL"]
    if url:
        return MovingWindowRateLimiter(
            RedisStorage(
                url, key_prefix=f"{config['MESSAGE_QUEUE_CHANNEL']}:limits", wrap_exceptions=True
            )
        )
    return InProcessLimiter()


@functools.lru_cache(maxsize=64)
def per_window(amount: int, seconds: int) -> RateLimitItem:
    """``amount`` in any ``seconds`` in a row."""
    return RateLimitItemPerSecond(max(1, amount), max(1, seconds))


def _limiter() -> Limiter:
    limiter: Limiter = current_app.extensions["wsapp_limits"]
    return limiter


def _counted(ask: Callable[[RateLimitItem, str], bool], limit: RateLimitItem, *key: str) -> bool:
    """Ask the counts; while their store (Redis) cannot answer, allow: a workshop goes on
    through a Redis outage, its changes saved, rather than every click failing."""
    try:
        return ask(limit, *key)
    except StorageError as error:
        current_app.logger.warning("Rate limits are not counted: %s", error.storage_error)
        return True


def allow(limit: RateLimitItem, *key: str) -> bool:
    """Spend one of ``key``'s allowance under ``limit``, if any is left."""
    return _counted(_limiter().hit, limit, *key)


def action_limit() -> RateLimitItem:
    """WSAPP_ACTION_BURST changes at once, WSAPP_ACTION_RATE a second on average."""
    config = current_app.config
    burst = int(config["ACTION_BURST"])
    return per_window(burst, round(burst / float(config["ACTION_RATE"])))


def socket_event_allowed(kind: str) -> bool:
    """Housekeeping events (resync, heartbeat) per socket: at most eight in any six seconds,
    so a stuck or hostile client cannot make the server render a room in a loop. A short
    window: a client sending too often still gets one through every two seconds or so,
    which keeps its person online (ten in ten seconds let a heartbeat twice a second go
    silent for five). Actions are limited per sender in :func:`wsapp.actions.perform`.

    Counted in this process's memory, even with Redis: a socket lives in one process, and
    every socket's heartbeat would otherwise be a round trip to Redis."""
    limiter: Limiter = current_app.extensions["wsapp_socket_limits"]
    return limiter.hit(per_window(8, 6), kind, socket_id())


# --- Guessing: failed attempts per client address ------------------------------------------


def _guess_limit() -> RateLimitItem:
    return per_window(int(current_app.config["JOIN_ATTEMPTS_PER_MINUTE"]), 60)


def attempts_left(kind: str) -> bool:
    """May this address try another guess of ``kind`` (``code`` or ``claim``)?

    Asked before the lookup, so an address out of attempts learns nothing more. Works in
    socket handlers too (their request is the socket's handshake).
    """
    return _counted(_limiter().test, _guess_limit(), "guess", kind, str(request.remote_addr))


def count_failed_attempt(kind: str) -> None:
    """Spend one of this address's attempts: only wrong guesses cost anything, so a
    school's whole staff behind one address can join the same room at once."""
    allow(_guess_limit(), "guess", kind, str(request.remote_addr))


TOO_MANY_ATTEMPTS = "Too many wrong tries from this device. Wait a minute, then try again."


def _room_named(code: str) -> Room | None:
    from .rooms.codes import room_by_code  # the rooms feature imports this module

    return room_by_code(code)


def out_of_guesses(code: str) -> bool:
    """Is this request refused for its address's wrong guesses?

    Only a browser not already in the room the code names is: its participants (or
    someone waiting at its door) and its facilitator keep every page, export, action and
    socket however many wrong codes others behind their address type. Whether a code is
    right is looked up only for a browser holding a place in some room, so an address out
    of attempts learns nothing from it.
    """
    if attempts_left("code"):
        return False
    if not holds_a_place():
        return True
    room = _room_named(code)
    return room is None or not holds_a_place_in(room)


def guard_room_urls() -> None:
    """Every URL naming a room code (``/r/<code>/...``, ``/claim/<code>``, any feature's)
    is refused once the address is out of attempts, whether the code is right or not,
    unless this browser is already in that room."""
    code = (request.view_args or {}).get("code")
    if code is not None and out_of_guesses(str(code)):
        abort(429, TOO_MANY_ATTEMPTS)


def count_wrong_room_urls(response: Response) -> Response:
    """A 404 at a URL naming a code no room has is a wrong guess, whichever view answered
    it (a 404 for something inside a real room, a stale cell say, is not)."""
    code = (request.view_args or {}).get("code")
    if response.status_code == 404 and code is not None and _room_named(str(code)) is None:
        count_failed_attempt("code")
    return response


TOO_MANY_ROOMS = (
    "You have opened many rooms from here in the last hour. Wait a few minutes, then try again."
)


def guard_room_opening() -> None:
    """Opening a room (a new one, an import or a copy) spends one of this browser's
    allowance an hour and one of its address's, a larger one since a venue's facilitators
    share an address; refused with 429 when either is spent, so no script can fill the
    database with rooms. The browser is known by its session's CSRF secret."""
    config = current_app.config
    address = str(request.remote_addr)
    hourly = [
        (int(config["ROOMS_PER_HOUR"]), "browser", str(session.get("csrf_token", address))),
        (int(config["ROOMS_PER_HOUR_PER_ADDRESS"]), "address", address),
    ]
    if not all(
        _counted(_limiter().test, per_window(per_hour, 3600), "rooms", kind, key)
        for per_hour, kind, key in hourly
    ):
        abort(429, TOO_MANY_ROOMS)
    for per_hour, kind, key in hourly:
        allow(per_window(per_hour, 3600), "rooms", kind, key)


def connects_left(identity: str) -> bool:
    """Socket connections per person (a participant, or a room's facilitator): a stuck
    reconnect loop cannot hammer the server. Counted per identity, not per address, so a
    venue's hundreds of phones behind one NAT address all get back in after a Wi-Fi drop;
    connections without an identity cost nothing to refuse, and wrong codes count as guesses.
    """
    return allow(
        per_window(int(current_app.config["CONNECTS_PER_MINUTE"]), 60), "connect", identity
    )


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
    # A token lasts as long as its session: a workshop page stays open for hours.
    app.config.setdefault("WTF_CSRF_TIME_LIMIT", None)
    # Flask-WTF would also want a Referer over HTTPS, which no-referrer never sends;
    # SameSite=Lax cookies and the token keep other sites' forms out.
    app.config.setdefault("WTF_CSRF_SSL_STRICT", False)
    csrf.init_app(app)
    app.extensions["wsapp_limits"] = limiter_for(app.config)
    app.extensions["wsapp_socket_limits"] = InProcessLimiter()
    app.before_request(adopt_keys_from_old_cookie)
    app.before_request(guard_room_urls)
    app.after_request(count_wrong_room_urls)
    app.after_request(add_security_headers)
