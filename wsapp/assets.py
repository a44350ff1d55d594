"""What a phone downloads: static files and pages, compressed, and static files cached.

- Static files are served from memory with content-hashed URLs (``?v=<hash>``) that
  browsers may keep for a year (``public, max-age=31536000, immutable``); each file is
  read, hashed and gzipped once, the first time it is asked for, never written to disk.
- A static response never carries the session: no ``Set-Cookie``, no ``Vary: Cookie``
  (see :class:`wsapp.security.SessionInterface`), so nothing makes a browser revalidate
  it and a shared cache cannot hand one person's cookie to another.
- Pages, htmx fragments, CSS, JavaScript, SVG and other text go out gzipped to clients
  that accept it, with ``Vary: Accept-Encoding``. Socket.IO traffic never passes here
  (Engine.IO answers ``/socket.io/`` before Flask); nginx passes what is already
  compressed through untouched.
"""

from __future__ import annotations

import gzip
import hashlib
import mimetypes
import re
from dataclasses import dataclass
from pathlib import Path

from flask import Flask, Response, request, url_for
from werkzeug.exceptions import NotFound
from werkzeug.security import safe_join

# Text types worth compressing; images other than SVG, PDFs and spreadsheets already are.
COMPRESSIBLE = frozenset(
    {
        "text/html",
        "text/css",
        "text/javascript",
        "text/plain",
        "text/csv",
        "text/markdown",
        "application/javascript",
        "application/json",
        "application/manifest+json",
        "image/svg+xml",
    }
)
# Below this, gzip's own header and the Vary header cost about what compressing saves.
MIN_SIZE = 512
IMMUTABLE = "public, max-age=31536000, immutable"
# A file asked for without its hash (a manifest's icons, /favicon.ico) may change with the
# next release: browsers keep it a day, then ask again.
UNHASHED = "public, max-age=86400"

mimetypes.add_type("application/manifest+json", ".webmanifest")


def gzipped(data: bytes, level: int) -> bytes | None:
    """``data`` gzipped, or None when that would not make it smaller than it is."""
    if len(data) < MIN_SIZE:
        return None
    packed = gzip.compress(data, level, mtime=0)
    return packed if len(packed) < len(data) else None


def accepts_gzip() -> bool:
    return request.accept_encodings["gzip"] > 0


_CSS_COMMENT = re.compile(rb"/\*.*?\*/", re.S)


def trim_css(data: bytes) -> bytes:
    """The style sheet without its comments and indentation: what a phone needs of it. The
    file keeps them for whoever edits it (no build step); a sixth less to download."""
    lines = (line.strip() for line in _CSS_COMMENT.sub(b"", data).splitlines())
    return b"\n".join(line for line in lines if line) + b"\n"


SCRIPTS = frozenset({"text/javascript", "application/javascript"})


def trim_script(data: bytes) -> bytes:
    """Our own scripts without their comment lines and indentation (vendored ones come
    minified). Only whole lines go: a comment after code stays, so no string or regular
    expression that merely looks like a comment is touched; line breaks stay where code is."""
    kept: list[bytes] = []
    in_comment = False
    for line in (raw.strip() for raw in data.splitlines()):
        if in_comment or line.startswith(b"/*"):
            end = line.find(b"*/", 0 if in_comment else 2)
            in_comment = end < 0
            line = b"" if in_comment else line[end + 2 :].strip()
        elif line.startswith(b"//"):
            continue
        if line:
            kept.append(line)
    return b"\n".join(kept) + b"\n"


@dataclass(frozen=True)
class Asset:
    """One static file as served: its bytes, their gzip (if it helps) and their hash."""

    body: bytes
    packed: bytes | None
    digest: str
    mimetype: str


class StaticFiles:
    """The ``static`` endpoint: files from one folder, held in memory once asked for."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self._assets: dict[str, Asset] = {}

    def get(self, filename: str) -> Asset:
        asset = self._assets.get(filename)
        if asset is not None:
            return asset
        path = safe_join(str(self.folder), filename)
        if path is None or not Path(path).is_file():
            raise NotFound()
        body = Path(path).read_bytes()
        mimetype = mimetypes.guess_type(filename)[0] or "application/octet-stream"
        if mimetype == "text/css":
            body = trim_css(body)
        elif mimetype in SCRIPTS and not filename.startswith("vendor/"):
            body = trim_script(body)
        packed = gzipped(body, 9) if mimetype in COMPRESSIBLE else None
        asset = Asset(body, packed, hashlib.sha256(body).hexdigest()[:12], mimetype)
        self._assets[filename] = asset
        return asset

    def url(self, filename: str) -> str:
        """The file's URL with its content hash, which lets browsers keep it for a year."""
        return url_for("static", filename=filename, v=self.get(filename).digest)

    def serve(self, filename: str) -> Response:
        asset = self.get(filename)
        response = Response(mimetype=asset.mimetype)
        response.headers["Cache-Control"] = (
            IMMUTABLE if request.args.get("v") == asset.digest else UNHASHED
        )
        body, etag = asset.body, asset.digest
        if asset.packed is not None:
            response.vary.add("Accept-Encoding")
            if accepts_gzip():
                body, etag = asset.packed, f"{asset.digest}-gzip"
                response.content_encoding = "gzip"
        response.set_data(body)
        response.set_etag(etag)
        response.make_conditional(request)  # 304 for a matching If-None-Match
        return response


def compress(response: Response) -> Response:
    """Gzip a text response for a client that accepts it (static files come packed)."""
    if (
        response.direct_passthrough
        or response.is_streamed
        or response.status_code in {204, 206, 304}
        or "Content-Encoding" in response.headers
        or response.mimetype not in COMPRESSIBLE
    ):
        return response
    data = response.get_data()
    if len(data) < MIN_SIZE:
        return response
    response.vary.add("Accept-Encoding")
    packed = gzipped(data, 6) if accepts_gzip() else None
    if packed is not None:
        response.set_data(packed)
        response.content_encoding = "gzip"
    return response


# The endpoints that serve files: nothing may read the session while they answer, or the
# response would vary by cookie (see ``identity.adopt_keys_from_old_cookie``).
FILE_ENDPOINTS = frozenset({"static", "favicon"})


def init_app(app: Flask, folder: Path) -> StaticFiles:
    """Serve ``folder`` at /static/ and compress every response that is worth it."""
    files = StaticFiles(folder)
    app.add_url_rule("/static/<path:filename>", "static", files.serve)
    # Asked for by browsers and tools that never read the page's <link rel="icon">.
    app.add_url_rule("/favicon.ico", "favicon", lambda: files.serve("icons/favicon.ico"))
    app.after_request(compress)
    return files
