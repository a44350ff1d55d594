"""What a phone downloads: static files cached without the session, everything compressed,
the icons every browser asks for; and the session cookie sent only when it changed."""

from __future__ import annotations

import gzip
import json
import time
from collections.abc import Iterator
from pathlib import Path

from flask import Flask
from flask.testing import FlaskClient
from itsdangerous import TimestampSigner
from werkzeug.test import TestResponse

from wsapp.assets import trim_css, trim_script

from .conftest import Member, Workshop, post
from .dom import parse

STATIC = Path(__file__).resolve().parent.parent / "static"
IMMUTABLE = "public, max-age=31536000, immutable"
GZIP = {"Accept-Encoding": "gzip, deflate, br"}


def served(file: Path) -> bytes:
    """What the app sends of a static file: our style sheet and scripts without comments or
    indentation, the rest as it is."""
    if file.suffix == ".css":
        return trim_css(file.read_bytes())
    if file.suffix == ".js" and file.parent.name != "vendor":
        return trim_script(file.read_bytes())
    return file.read_bytes()


def linked_assets(html: str) -> list[str]:
    """Every /static/ URL a page links to or loads (stylesheets, scripts, icons, manifest)."""
    page = parse(html)
    urls = [n.attrs.get("href") or "" for n in page.find_all("link")]
    urls += [n.attrs.get("src") or "" for n in page.find_all("script")]
    return [url for url in urls if url.startswith("/static/")]


def manifest_icons(client: FlaskClient, manifest_url: str) -> list[str]:
    manifest = json.loads(client.get(manifest_url).get_data())
    folder = manifest_url.split("?")[0].rsplit("/", 1)[0]
    return [f"{folder}/{icon['src']}" for icon in manifest["icons"]]


def a_phones_responses(workshop: Workshop) -> Iterator[tuple[str, TestResponse]]:
    """Everything a participant's phone and the facilitator's laptop ask for, start to end."""
    lead = Member(workshop.app.test_client(), "", "facilitator")
    opened = post(lead.client, "/rooms", {"kit": "readiness-planning"})
    yield "/rooms", opened
    lead.code = opened.headers["Location"].split("/")[2]
    phone = Member(workshop.app.test_client(), lead.code, "participant")
    yield "join", post(phone.client, f"/r/{lead.code}/join", {"name": "Ana"})
    for client, path in [
        (lead.client, "/"),
        (lead.client, f"/r/{lead.code}/lead"),
        (phone.client, f"/r/{phone.code}"),
        (phone.client, "/join"),
        (phone.client, "/favicon.ico"),
    ]:
        response = client.get(path, headers=GZIP)
        yield path, response
        if response.mimetype == "text/html":
            html = gzip.decompress(response.get_data()).decode()
            for asset in linked_assets(html):
                yield asset, client.get(asset, headers=GZIP)
    yield "action", phone.post_action("note.add", question="prompt", text="Yes")
    manifest = next(a for a in linked_assets(phone.client.get("/").text) if "manifest" in a)
    for icon in manifest_icons(phone.client, manifest):
        yield icon, phone.client.get(icon, headers=GZIP)


def test_static_files_never_carry_the_session_and_are_cached_for_a_year(workshop: Workshop):
    statics = [(p, r) for p, r in a_phones_responses(workshop) if p.startswith("/static/")]
    assert len(statics) >= 8  # css, htmx, socket.io, app.js, icons, manifest, its icons
    for path, response in statics:
        assert response.status_code == 200, path
        assert "Set-Cookie" not in response.headers, path
        assert "cookie" not in response.vary, path
        if "?v=" in path:
            assert response.headers["Cache-Control"] == IMMUTABLE, path


def test_no_response_that_sets_or_reads_a_cookie_is_public(workshop: Workshop):
    cookies = 0
    for path, response in a_phones_responses(workshop):
        carries = "Set-Cookie" in response.headers or "cookie" in response.vary
        cookies += "Set-Cookie" in response.headers
        if carries:
            assert not response.cache_control.public, path
            assert response.cache_control.private or response.cache_control.no_store, path
    assert cookies  # the walk did set cookies (opening the room, joining)


def test_a_permanent_session_is_not_sent_again_while_nothing_changed(workshop: Workshop):
    lead = workshop.open_room()
    phone = workshop.join(lead.code, "Ana")
    for client, page in [(phone.client, f"/r/{phone.code}"), (lead.client, f"/r/{lead.code}/lead")]:
        for _ in range(2):
            response = client.get(page)
            assert response.status_code == 200
            assert "Set-Cookie" not in response.headers


class _SignedTwoDaysAgo(TimestampSigner):
    def get_timestamp(self) -> int:
        return int(time.time()) - 2 * 24 * 3600


def test_a_day_old_session_cookie_is_renewed_so_its_sixty_days_start_over(
    workshop: Workshop, app: Flask
):
    lead = workshop.open_room()
    phone = workshop.join(lead.code, "Ana")
    with phone.client.session_transaction() as session:
        data = dict(session)
    serializer = app.session_interface.get_signing_serializer(app)  # type: ignore[attr-defined]
    serializer.signer = _SignedTwoDaysAgo
    phone.client.set_cookie("session", serializer.dumps(data))

    renewed = phone.client.get(f"/r/{phone.code}")
    assert renewed.status_code == 200  # still in the room: the old cookie is valid
    assert "Expires=" in renewed.headers["Set-Cookie"]
    assert "Set-Cookie" not in phone.client.get(f"/r/{phone.code}").headers


def test_pages_and_static_files_are_gzipped_for_clients_that_accept_it(workshop: Workshop):
    phone = workshop.join(workshop.open_room().code, "Ana")
    plain = phone.client.get(f"/r/{phone.code}")
    packed = phone.client.get(f"/r/{phone.code}", headers=GZIP)
    assert "Content-Encoding" not in plain.headers
    assert packed.headers["Content-Encoding"] == "gzip"
    assert "accept-encoding" in plain.vary and "accept-encoding" in packed.vary
    page = parse(gzip.decompress(packed.get_data()).decode())
    assert page.find_all("main")
    assert len(packed.get_data()) < len(plain.get_data()) / 2

    for asset in linked_assets(plain.text):
        file = STATIC / asset.removeprefix("/static/").split("?")[0]
        raw = phone.client.get(asset)
        assert raw.get_data() == served(file), asset
        if file.suffix in {".css", ".js", ".svg"} and file.stat().st_size >= 1024:
            packed = phone.client.get(asset, headers=GZIP)
            assert packed.headers["Content-Encoding"] == "gzip", asset
            assert gzip.decompress(packed.get_data()) == served(file), asset
            assert "accept-encoding" in packed.vary and "accept-encoding" in raw.vary, asset


def test_an_asset_asked_for_again_is_answered_304_by_its_etag(client: FlaskClient):
    for headers in ({}, GZIP):
        first = client.get("/favicon.ico", headers=headers)
        again = client.get(
            "/favicon.ico", headers={**headers, "If-None-Match": first.headers["ETag"]}
        )
        assert again.status_code == 304
        assert again.get_data() == b""


def test_every_icon_the_browser_asks_for_is_there(client: FlaskClient):
    response = client.get("/favicon.ico")
    assert response.status_code == 200
    assert response.get_data() == (STATIC / "icons" / "favicon.ico").read_bytes()
    assert response.headers["Cache-Control"].startswith("public, max-age=")
    html = client.get("/").text
    links = {n.attrs.get("rel"): n.attrs.get("href") for n in parse(html).find_all("link")}
    for rel in ("icon", "apple-touch-icon", "manifest"):
        assert client.get(links[rel]).status_code == 200, rel
    for icon in manifest_icons(client, links["manifest"]):
        assert client.get(icon).status_code == 200, icon


def test_a_path_outside_the_static_folder_is_404(client: FlaskClient):
    for path in ("/static/../wsapp/config.py", "/static/%2e%2e/pyproject.toml", "/static/nope.js"):
        assert client.get(path).status_code == 404, path


def test_socket_io_polling_is_left_to_engine_io(client: FlaskClient):
    """Engine.IO answers /socket.io/ before Flask: its long-polling responses are not
    compressed a second time (it compresses large ones itself)."""
    response = client.get("/socket.io/?EIO=4&transport=polling", headers=GZIP)
    assert response.status_code == 200
    body = response.get_data()
    if response.headers.get("Content-Encoding") == "gzip":
        body = gzip.decompress(body)
    assert body.startswith(b'0{"sid":')


def test_a_style_sheet_is_sent_without_comments_or_indentation_but_every_rule():
    sheet = (
        b'/* The room */\n.room {\n  color: red; /* why */\n}\n\n\n.a::before { content: "> "; }\n'
    )
    assert trim_css(sheet) == b'.room {\ncolor: red;\n}\n.a::before { content: "> "; }\n'
    whole = (STATIC / "css" / "app.css").read_bytes()
    trimmed = trim_css(whole)
    assert b"/*" not in trimmed and len(trimmed) < len(whole)
    assert trimmed.count(b"{") == whole.count(b"{") and trimmed.count(b"}") == whole.count(b"}")


def test_scripts_and_style_sheets_carry_nosniff_and_pages_their_policies(client: FlaskClient):
    page = client.get("/")
    assert "script-src 'self'" in page.headers["Content-Security-Policy"]
    for asset in linked_assets(page.text):
        response = client.get(asset)
        assert response.headers["X-Content-Type-Options"] == "nosniff", asset
        if response.mimetype == "image/svg+xml":  # a document of its own: the policy holds
            assert "script-src 'self'" in response.headers["Content-Security-Policy"]
        else:
            assert "Content-Security-Policy" not in response.headers, asset


def test_a_script_is_sent_without_comment_lines_or_indentation_but_all_its_code():
    script = b"""/* A block
 * of comment */
(function () {
  // a line comment
  const url = "http://x/*y";  // kept: after code
  /* one line */ run(url);
  return 1;
})();
"""
    assert trim_script(script) == (
        b'(function () {\nconst url = "http://x/*y";  // kept: after code\n'
        b"run(url);\nreturn 1;\n})();\n"
    )
