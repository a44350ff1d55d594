"""The attacker's view: every way in that should not work, by HTTP and by socket.

Each refusal must come with a clear message and leave the saved state exactly as it was:
``unchanged(app)`` compares every row of every table (open sockets aside) before and after.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import re
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import socketio as socketio_client
from flask import Flask
from flask.testing import FlaskClient
from itsdangerous import URLSafeTimedSerializer
from sqlalchemy import select
from werkzeug.serving import make_server

from wsapp import create_app, security
from wsapp.config import _instance_secret_key, config_from_env
from wsapp.extensions import db, socketio
from wsapp.limits import (
    ITEMS_PER_POSTER_MAX,
    NOTES_MAX,
    NOTES_PER_PERSON_MAX,
    PEOPLE_MAX,
    POSTERS_MAX,
)
from wsapp.models import Note, Participant, PlanCell, PlanRow, Poster, PosterItem, Room, utcnow

from .conftest import (
    TEST_CONFIG,
    Member,
    Workshop,
    csrf_of,
    post,
    saved_state,
    unchanged,
    wait_until,
)
from .dom import parse
from .test_export import import_file

READINESS = "readiness-planning"
DISCUSSION = "discussion-alignment-coherence"
PROMPT_PHASE = 1  # readiness-planning's "Where are we now?": notes on its prompt
PROMPT_KEY = "readiness-planning:where-are-we-now"
NOTE_KEY = "alignment-coherence:A:yours:2"

PAYLOADS = (
    "<script>alert(1)</script>",
    '"><img src=x onerror=alert(1)>',
    "{{7*7}}",
    "javascript:alert(1)",
)


# --- Helpers ------------------------------------------------------------------------------


def facilitator_key(member: Member) -> str:
    with member.client.session_transaction() as session:
        return str(next(iter(session["keys"].values())))


def page_token(client: FlaskClient) -> str:
    """The CSRF token a page gives this browser (as a real one gets it, not the tests')."""
    page = parse(client.get("/").get_data(as_text=True))
    body = next(attrs for tag, attrs in page.elements() if tag == "body")
    return str(json.loads(body["hx-headers"])["X-CSRFToken"])


def room_id(workshop: Workshop, code: str) -> int:
    return workshop.room(code).id


def participant_id(app: Flask, name: str) -> int:
    with app.app_context():
        return db.session.scalars(select(Participant.id).where(Participant.name == name)).one()


def first_item_id(app: Flask, room: int) -> int:
    with app.app_context():
        return db.session.scalars(
            select(PosterItem.id)
            .join(Poster)
            .where(Poster.room_id == room)
            .order_by(PosterItem.id)
            .limit(1)
        ).one()


def socket_for(app: Flask, client: FlaskClient, code: str, view: str, **kwargs: Any) -> Any:
    return socketio.test_client(
        app, flask_test_client=client, auth={"code": code, "view": view}, **kwargs
    )


def assert_inert(html: str, *, shown: tuple[str, ...] = ()) -> None:
    """No script, image, handler or javascript: URL came from what people typed, and
    ``shown`` (what they typed) appears as plain text or a plain attribute value."""
    page = parse(html)
    elements = page.elements()
    for tag, attrs in elements:
        assert not [name for name in attrs if name.startswith("on")], (tag, attrs)
        if tag == "script":
            assert attrs.get("src", "").startswith("/static/"), attrs
        if tag == "img":
            assert re.fullmatch(r"/(static/|r/[A-Z0-9]+/qr\.svg).*", attrs.get("src", "")), attrs
        for name in ("href", "src", "action", "formaction", "hx-get", "hx-post"):
            assert not attrs.get(name, "").strip().lower().startswith("javascript:"), attrs
    for typed in shown:
        assert typed in page.text or any(typed in a.values() for _, a in elements), typed


def pushed_html(*members: Member) -> str:
    return "".join(swap["html"] for member in members for swap in member.swaps())


@pytest.fixture
def served(app: Flask) -> Iterator[str]:
    """The app behind a real HTTP server, for real websockets and raw requests."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join()


def real_socket(base_url: str, member: Member, *, origin: str, view: str | None = None) -> Any:
    """A python-socketio client over a real websocket, with the member's cookie."""
    client = socketio_client.Client(reconnection=False, websocket_extra_options={"origin": origin})
    cookie = member.client.get_cookie("session")
    assert cookie is not None
    client.connect(
        base_url,
        headers={"Cookie": f"session={cookie.value}"},
        transports=["websocket"],
        auth={"code": member.code, "view": view or member.view},
        wait_timeout=5,
    )
    return client


# --- The facilitator's secret --------------------------------------------------------------


def test_the_facilitator_key_is_random_unrelated_to_the_code_and_stored_hashed(
    workshop: Workshop, app: Flask
):
    leads = [workshop.open_room() for _ in range(3)]
    keys = [facilitator_key(lead) for lead in leads]
    assert len(set(keys)) == 3
    for lead, key in zip(leads, keys, strict=True):
        assert len(key) >= 43  # 32 random bytes, URL-safe base64
        assert lead.code not in key
        room = workshop.room(lead.code)
        assert room.facilitator_key_hash == hashlib.sha256(key.encode()).hexdigest()
        assert key not in repr(saved_state(app))  # only its hash is saved


def test_the_key_is_compared_in_constant_time(
    workshop: Workshop, app: Flask, monkeypatch: pytest.MonkeyPatch
):
    lead = workshop.open_room()
    compared: list[tuple[str, str]] = []
    real = hmac.compare_digest

    def spy(a: str, b: str) -> bool:
        compared.append((a, b))
        return real(a, b)

    monkeypatch.setattr("wsapp.identity.hmac.compare_digest", spy)
    assert post(app.test_client(), f"/claim/{lead.code}", {"key": "guess"}).status_code == 403
    assert compared, "the claim must go through hmac.compare_digest"


def test_the_key_never_reaches_a_participant_page_a_url_or_a_referrer(
    workshop: Workshop, app: Flask
):
    lead = workshop.open_room()
    key = facilitator_key(lead)
    ana = workshop.join(lead.code, "Ana")
    for client, url in (
        (ana.client, f"/r/{lead.code}"),
        (ana.client, f"/r/{lead.code}/join"),
        (lead.client, f"/r/{lead.code}/projector"),
        (app.test_client(), f"/claim/{lead.code}"),
        (app.test_client(), "/"),
    ):
        response = client.get(url, follow_redirects=True)
        assert key not in response.get_data(as_text=True), url
        assert key not in str(response.headers), url
    # Only the facilitator's own page holds it: in a password field, after the #.
    page = parse(lead.client.get(f"/r/{lead.code}/lead").get_data(as_text=True))
    holders = [attrs for _, attrs in page.elements() if key in " ".join(attrs.values())]
    assert len(holders) == 1
    assert holders[0]["type"] == "password"
    assert holders[0]["value"].endswith(f"/claim/{lead.code}#{key}")
    # The claim form posts the key in the body, to a URL without it.
    claim = parse(app.test_client().get(f"/claim/{lead.code}").get_data(as_text=True))
    form = next(attrs for tag, attrs in claim.elements() if tag == "form")
    assert form["method"] == "post" and form["action"] == f"/claim/{lead.code}"
    # No page ever tells another site where it was.
    assert lead.client.get(f"/r/{lead.code}/lead").headers["Referrer-Policy"] == "no-referrer"


def test_the_key_stays_out_of_the_request_log(
    served: str, workshop: Workshop, caplog: pytest.LogCaptureFixture
):
    """werkzeug logs request lines; the key travels in the claim's body, never its URL."""
    import requests

    lead = workshop.open_room()
    key = facilitator_key(lead)
    with requests.Session() as browser, caplog.at_level("INFO", logger="werkzeug"):
        page = browser.get(f"{served}/claim/{lead.code}")
        token = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
        assert token is not None
        claimed = browser.post(
            f"{served}/claim/{lead.code}",
            data={"csrf_token": token.group(1), "key": key},
            allow_redirects=False,
        )
    assert claimed.status_code == 302
    logged = "\n".join(record.getMessage() for record in caplog.records)
    assert f"POST /claim/{lead.code}" in logged
    assert key not in logged


def test_wrong_facilitator_keys_run_out_and_then_even_the_right_one_waits(
    workshop: Workshop, app: Flask
):
    app.config["JOIN_ATTEMPTS_PER_MINUTE"] = 5
    lead = workshop.open_room()
    key = facilitator_key(lead)
    thief = app.test_client()
    with unchanged(app):
        for n in range(5):
            assert post(thief, f"/claim/{lead.code}", {"key": f"guess-{n}"}).status_code == 403
        refused = post(thief, f"/claim/{lead.code}", {"key": key})
    assert refused.status_code == 429
    assert "Too many wrong tries" in refused.get_data(as_text=True)
    assert thief.get(f"/r/{lead.code}/lead").status_code == 403


# --- Forged and replayed requests -----------------------------------------------------------


def write_requests(code: str) -> list[tuple[str, dict[str, str]]]:
    return [
        ("/rooms", {"kit": READINESS}),
        ("/join", {"code": code}),
        (f"/r/{code}/join", {"name": "Mallory"}),
        (f"/claim/{code}", {"key": "x"}),
        (f"/r/{code}/act/participant.rename", {"name": "Mallory"}),
        (f"/r/{code}/lead/act/phase.next", {}),
        (f"/r/{code}/lead/act/room.close", {}),
        (f"/r/{code}/lead/link", {}),
        ("/rooms/import", {}),
        ("/facilitator/rooms/link", {}),
        ("/facilitator/rooms/open", {"key": "x"}),
    ]


@pytest.mark.parametrize("index", range(len(write_requests("ABCDEF"))))
def test_every_http_write_needs_the_session_csrf_token(workshop: Workshop, app: Flask, index):
    lead = workshop.open_room()
    url, data = write_requests(lead.code)[index]
    stolen_token = page_token(app.test_client())
    with unchanged(app):
        for headers in ({}, {"X-CSRFToken": "forged"}, {"X-CSRFToken": stolen_token}):
            response = lead.client.post(url, data=data, headers=headers)
            assert response.status_code == 400, (url, headers)
            assert "did not come from it" in response.get_data(as_text=True)
        plain_form = lead.client.post(url, data={**data, "csrf_token": "forged"})
        assert plain_form.status_code == 400


def test_pages_send_the_token_the_way_htmx_reads_it(workshop: Workshop):
    lead = workshop.open_room()
    page = parse(lead.client.get(f"/r/{lead.code}/lead").get_data(as_text=True))
    body = next(attrs for tag, attrs in page.elements() if tag == "body")
    sent = json.loads(body["hx-headers"])["X-CSRFToken"]
    signer = URLSafeTimedSerializer(TEST_CONFIG["SECRET_KEY"], salt="wtf-csrf-token")
    assert signer.loads(sent) == signer.loads(csrf_of(lead.client))
    meta = next(a for t, a in page.elements() if t == "meta" and a.get("name") == "htmx-config")
    assert '"allowEval": false' in meta["content"]
    assert '"allowScriptTags": false' in meta["content"]


def test_a_captured_facilitator_request_replayed_from_another_browser_is_refused(
    workshop: Workshop, app: Flask
):
    lead = workshop.connect(workshop.open_room())
    url = f"/r/{lead.code}/lead/act/phase.go"
    captured_headers = {"X-CSRFToken": csrf_of(lead.client), "HX-Request": "true"}
    attacker = app.test_client()
    assert page_token(attacker) != captured_headers["X-CSRFToken"]
    ana = workshop.connect(workshop.join(lead.code, "Ana"))
    with unchanged(app):
        # Sent as captured: the token belongs to the facilitator's session, not this one.
        assert attacker.post(url, data={"index": "3"}, headers=captured_headers).status_code == 400
        # With the attacker's own valid token: still no key in this browser's session.
        for browser in (attacker, ana.client):
            replay = post(browser, url, {"index": "3"})
            assert replay.status_code == 403
            assert "Only the facilitator can do that." in replay.get_data(as_text=True)
        # By socket: a participant's connection cannot carry a facilitator action.
        assert ana.act("phase.go", index=3) == {
            "ok": False,
            "error": "Only the facilitator can do that.",
        }
        # Nor can anyone open a facilitator socket without the key.
        for browser in (attacker, ana.client):
            assert not socket_for(app, browser, lead.code, "facilitator").is_connected()
            assert not socket_for(app, browser, lead.code, "projector").is_connected()


def test_a_stale_csrf_token_is_refused_after_the_session_changed(workshop: Workshop, app: Flask):
    lead = workshop.open_room()
    stale = csrf_of(lead.client)
    lead.client.delete_cookie("session")  # cookies cleared: a new session
    with unchanged(app):
        response = lead.client.post(
            f"/r/{lead.code}/lead/act/phase.next", headers={"X-CSRFToken": stale}
        )
    assert response.status_code == 400


def test_a_forged_session_cookie_is_worth_nothing(workshop: Workshop, app: Flask):
    """A cookie signed with any other key (or edited by hand) is a stranger's."""
    lead = workshop.open_room()
    workshop.join(lead.code, "Ana")
    target = room_id(workshop, lead.code)
    forged = URLSafeTimedSerializer(
        "not-the-secret", salt="cookie-session", signer_kwargs={"key_derivation": "hmac"}
    ).dumps({"csrf": "t", "joined": {str(target): 1}, "led": {str(target): "x"}})
    mallory = app.test_client()
    mallory.set_cookie("session", forged)
    with unchanged(app):
        assert mallory.get(f"/r/{lead.code}").status_code == 302  # sent to the join page
        assert mallory.get(f"/r/{lead.code}/lead").status_code == 403
        assert (
            mallory.post(
                f"/r/{lead.code}/act/participant.rename",
                data={"name": "Eve"},
                headers={"X-CSRFToken": "t"},
            ).status_code
            == 400
        )
        assert not socket_for(app, mallory, lead.code, "participant").is_connected()


# --- Sockets: origin, identity, membership ------------------------------------------------


def test_a_page_on_another_site_cannot_open_a_socket(workshop: Workshop, app: Flask):
    lead = workshop.open_room()
    handshake = "/socket.io/?EIO=4&transport=polling"
    for origin in ("https://evil.example", "http://localhost.evil.example", "null"):
        refused = lead.client.get(handshake, headers={"Origin": origin})
        assert refused.status_code == 400
        assert "Not an accepted origin" in refused.get_data(as_text=True)
    assert lead.client.get(handshake, headers={"Origin": "http://localhost"}).status_code == 200


def test_foreign_origins_are_refused_over_a_real_websocket(served: str, workshop: Workshop):
    lead = workshop.open_room()
    with pytest.raises(socketio_client.exceptions.ConnectionError):
        real_socket(served, lead, origin="https://evil.example")
    own = real_socket(served, lead, origin=served)
    try:
        assert own.call("act", {"name": "phase.next", "args": {}}, timeout=5)["ok"]
    finally:
        own.disconnect()


def test_allowed_origins_are_named_never_a_wildcard(
    migrated_database: Path, monkeypatch: pytest.MonkeyPatch
):
    uri = f"sqlite:///{migrated_database}"
    named = create_app(
        {
            **TEST_CONFIG,
            "SQLALCHEMY_DATABASE_URI": uri,
            "ALLOWED_ORIGINS": ["https://hub.district.org"],
        }
    )
    handshake = "/socket.io/?EIO=4&transport=polling"
    client = named.test_client()
    assert client.get(handshake, headers={"Origin": "https://hub.district.org"}).status_code == 200
    assert client.get(handshake, headers={"Origin": "https://evil.example"}).status_code == 400
    for wildcard in (["*"], ["https://a.example", "*"]):
        with pytest.raises(RuntimeError, match="may not contain"):
            create_app({**TEST_CONFIG, "SQLALCHEMY_DATABASE_URI": uri, "ALLOWED_ORIGINS": wildcard})
    monkeypatch.setenv("WSAPP_ALLOWED_ORIGINS", "https://a.example, https://b.example")

    assert config_from_env(migrated_database.parent)["ALLOWED_ORIGINS"] == [
        "https://a.example",
        "https://b.example",
    ]


def test_a_removed_participant_keeps_nothing(workshop: Workshop, app: Flask):
    lead = workshop.connect(workshop.open_room())
    mallory = workshop.connect(workshop.join(lead.code, "Mallory"))
    spare_socket = socket_for(app, mallory.client, lead.code, "participant")
    assert spare_socket.is_connected()
    assert lead.act("participant.remove", participant_id=participant_id(app, "Mallory"))["ok"]
    # Both open sockets were cut off at once, and were told why.
    assert not mallory.socket.is_connected() and not spare_socket.is_connected()
    with unchanged(app):
        # Reconnecting, acting by HTTP, or asking for the room's state: all refused.
        assert not socket_for(app, mallory.client, lead.code, "participant").is_connected()
        refused = mallory.post_action("participant.rename", name="Back again")
        assert refused.status_code == 403
        assert "You are not in this room" in refused.get_data(as_text=True)
        assert mallory.client.get(f"/r/{lead.code}").status_code == 302
        assert (
            post(
                mallory.client,
                f"/r/{lead.code}/act/note.add",
                {"question_key": PROMPT_KEY, "text": "still here"},
            ).status_code
            == 403
        )


def test_a_socket_whose_participant_was_removed_elsewhere_reads_nothing(
    workshop: Workshop, app: Flask
):
    """Removed on another process, before that process's disconnect reaches this socket:
    the socket's own process still holds its seat, and must refuse it all the same."""
    lead = workshop.connect(workshop.open_room())
    mallory = workshop.connect(workshop.join(lead.code, "Mallory"))
    with app.app_context():
        participant = db.session.get(Participant, participant_id(app, "Mallory"))
        participant.removed_at = utcnow()
        db.session.commit()
    with unchanged(app):
        reply = mallory.socket.emit("resync", callback=True)
        assert reply == {"ok": False, "error": security.NOT_IN_A_ROOM}
        assert mallory.act("participant.rename", name="Back again")["ok"] is False


def test_the_projector_view_cannot_act(workshop: Workshop, app: Flask):
    lead = workshop.open_room()
    projector = socket_for(app, lead.client, lead.code, "projector")
    assert projector.is_connected()
    with unchanged(app):
        reply = projector.emit("act", {"name": "phase.next", "args": {}}, callback=True)
    assert reply == {"ok": False, "error": "The projector view only shows the room."}


# --- The view-only projector link ---------------------------------------------------------


def projector_link(workshop: Workshop, lead: Member) -> str:
    """The facilitator makes the room's projector link; its key, as the page shows it."""
    assert lead.post_action("room.link", kind="projector", on="true").status_code == 200
    html = lead.client.get(f"/r/{lead.code}/lead").get_data(as_text=True)
    found = re.search(rf'/r/{lead.code}/watch#([A-Za-z0-9_-]+)"', html)
    assert found is not None
    return found.group(1)


def watching(workshop: Workshop, code: str, key: str) -> Member:
    """A browser that opened the projector link: the room's computer."""
    screen = Member(workshop.app.test_client(), code, "projector")
    response = post(screen.client, f"/r/{code}/watch", {"key": key})
    assert response.status_code == 302 and response.headers["Location"].endswith("/projector")
    return screen


def test_the_projector_secret_is_stored_hashed_and_unlike_the_facilitators(
    workshop: Workshop, app: Flask
):
    lead = workshop.open_room()
    key = projector_link(workshop, lead)
    room = workshop.room(lead.code)
    assert key != facilitator_key(lead) and len(key) >= 40
    assert room.projector_key_hash == hashlib.sha256(key.encode()).hexdigest()
    assert key not in repr(saved_state(app))
    # The facilitator's page can show it again (same link after a reload).
    assert projector_link_url_of(lead) == projector_link_url_of(lead)


def projector_link_url_of(lead: Member) -> str:
    html = lead.client.get(f"/r/{lead.code}/lead").get_data(as_text=True)
    found = re.search(r'value="([^"]*/watch#[^"]+)"', html)
    assert found is not None
    return found.group(1)


def test_the_projector_link_is_refused_every_action(workshop: Workshop, app: Flask):
    from wsapp.actions import registered

    lead = workshop.open_room()
    workshop.join(lead.code, "Ana")
    screen = watching(workshop, lead.code, projector_link(workshop, lead))
    assert screen.client.get(f"/r/{lead.code}/projector").status_code == 200
    assert screen.client.get(f"/r/{lead.code}/lead").status_code == 403
    assert screen.client.get(f"/r/{lead.code}/projector-qr.svg").status_code == 403
    assert screen.client.get(f"/r/{lead.code}/export/room.json").status_code in (403, 404)
    assert not socket_for(app, screen.client, lead.code, "facilitator").is_connected()
    assert not socket_for(app, screen.client, lead.code, "participant").is_connected()
    sock = socket_for(app, screen.client, lead.code, "projector")
    assert sock.is_connected()
    with unchanged(app):
        for name in registered(app):
            reply = sock.emit("act", {"name": name, "args": {}}, callback=True)
            assert reply == {"ok": False, "error": "The projector view only shows the room."}
            # Refused as not the room's (403), or for its missing arguments first (422).
            for door in (f"/r/{lead.code}/act/{name}", f"/r/{lead.code}/lead/act/{name}"):
                assert post(screen.client, door).status_code in (403, 422), (name, door)


def test_the_projector_link_shows_no_private_writing_and_no_hidden_dots(
    workshop: Workshop, app: Flask
):
    lead = workshop.connect(workshop.open_room())
    ana = workshop.connect(workshop.join(lead.code, "Ana"))
    screen = workshop.connect(watching(workshop, lead.code, projector_link(workshop, lead)))
    phases = app.extensions["wsapp_content"].kits[READINESS].phases
    kinds = [phase.kind for phase in phases]

    secret = "Our coaching budget is being cut next year"
    assert lead.act("phase.go", index=kinds.index("quiet_write"))["ok"]
    assert lead.act("quiet.open")["ok"]
    assert ana.act("quiet.save", text=secret)["ok"]
    assert ana.act("quiet.private", keep_private=True)["ok"]
    assert lead.act("quiet.share", named=True)["ok"]
    seen = pushed_html(screen) + screen.client.get(f"/r/{lead.code}/projector").text
    assert secret not in seen

    assert lead.act("phase.go", index=kinds.index("posters"))["ok"]
    screen.swaps()
    item = first_item_id(app, room_id(workshop, lead.code))
    assert ana.act("dot.place", item_id=item, colour="red")["ok"]
    seen = pushed_html(screen) + screen.client.get(f"/r/{lead.code}/projector").text
    assert f'id="tally-{item}"' in seen  # the tally's place, empty until the reveal
    assert "tally-count" not in seen and "tally-rows" not in seen
    assert lead.act("posters.reveal", revealed=True)["ok"]
    assert "tally-count" in screen.client.get(f"/r/{lead.code}/projector").text


def test_a_revoked_or_replaced_projector_link_opens_nothing(workshop: Workshop, app: Flask):
    lead = workshop.open_room()
    old = projector_link(workshop, lead)
    screen = watching(workshop, lead.code, old)
    sock = socket_for(app, screen.client, lead.code, "projector")
    assert sock.is_connected()

    new = projector_link(workshop, lead)  # a new link: the old one stops working at once
    assert new != old
    assert not sock.is_connected()
    assert screen.client.get(f"/r/{lead.code}/projector").status_code == 403
    assert not socket_for(app, screen.client, lead.code, "projector").is_connected()
    with unchanged(app):
        refused = post(workshop.app.test_client(), f"/r/{lead.code}/watch", {"key": old})
    assert refused.status_code == 403 and "not right" in refused.text

    assert lead.post_action("room.link", kind="projector", on="false").status_code == 200
    assert workshop.room(lead.code).projector_key_hash is None
    refused = post(workshop.app.test_client(), f"/r/{lead.code}/watch", {"key": new})
    assert refused.status_code == 403
    # The facilitator's own browser still shows the projector.
    assert lead.client.get(f"/r/{lead.code}/projector").status_code == 200


def test_only_the_facilitator_makes_or_revokes_the_projector_link(workshop: Workshop, app: Flask):
    lead = workshop.open_room()
    ana = workshop.connect(workshop.join(lead.code, "Ana"))
    with unchanged(app):
        assert not ana.act("room.link", kind="projector", on=True)["ok"]
        door = f"/r/{lead.code}/lead/act/room.link"
        assert post(ana.client, door, {"kind": "projector"}).status_code == 403
        assert ana.client.get(f"/r/{lead.code}/projector").status_code == 403


def cofacilitator(workshop: Workshop, lead: Member) -> Member:
    """Someone who opened the room's co-facilitator link on their own laptop."""
    assert lead.post_action("room.link", kind="cofacilitator", on="true").status_code == 200
    html = lead.client.get(f"/r/{lead.code}/lead").get_data(as_text=True)
    found = re.search(
        rf'id="cofacilitator-link-url"[^>]*/claim/{lead.code}#([A-Za-z0-9_-]+)"', html
    )
    assert found is not None and found.group(1) != facilitator_key(lead)
    second = Member(workshop.app.test_client(), lead.code, "facilitator")
    response = post(second.client, f"/claim/{lead.code}", {"key": found.group(1)})
    assert response.status_code == 302
    return second


def test_a_co_facilitator_runs_the_room_until_the_link_is_revoked(workshop: Workshop, app: Flask):
    lead = workshop.open_room()
    second = workshop.connect(cofacilitator(workshop, lead))
    assert second.client.get(f"/r/{lead.code}/lead").status_code == 200
    assert second.act("phase.next")["ok"]
    assert workshop.room(lead.code).phase_index == 1
    hashes = workshop.room(lead.code)
    assert hashes.cofacilitator_key_hash != hashes.facilitator_key_hash

    assert lead.post_action("room.link", kind="cofacilitator", on="false").status_code == 200
    assert not second.socket.is_connected()  # cut off at once
    with unchanged(app):
        assert second.client.get(f"/r/{lead.code}/lead").status_code == 403
        assert second.post_action("phase.next").status_code == 403
        assert not socket_for(app, second.client, lead.code, "facilitator").is_connected()
    # The room's own facilitator is untouched.
    assert lead.client.get(f"/r/{lead.code}/lead").status_code == 200
    assert lead.post_action("phase.next").status_code == 200


# --- Cross-room references ------------------------------------------------------------------


def test_nobody_can_touch_another_rooms_items_notes_or_people(workshop: Workshop, app: Flask):
    """Room A's people name ids from room B: refused as not in this room, B unchanged."""
    lead_a = workshop.connect(workshop.open_room())
    ana = workshop.connect(workshop.join(lead_a.code, "Ana"))
    lead_b = workshop.connect(workshop.open_room())
    ben = workshop.connect(workshop.join(lead_b.code, "Ben"))
    lead_b.act("phase.go", index=PROMPT_PHASE)
    assert ben.act("note.add", question_key=PROMPT_KEY, text="Room B's note")["ok"]
    b_room = room_id(workshop, lead_b.code)
    b_item = first_item_id(app, b_room)
    with app.app_context():
        b_note = db.session.scalars(select(Note.id).where(Note.room_id == b_room)).one()
    b_person = participant_id(app, "Ben")
    b_cell, a_cell = (
        plan_cell_ids(app, b_room)[0],
        plan_cell_ids(app, room_id(workshop, lead_a.code))[0],
    )
    with app.app_context():
        b_row = db.session.scalars(select(PlanRow.id).where(PlanRow.room_id == b_room)).first()
    lead_a.act("phase.go", index=PROMPT_PHASE)

    attempts = [
        (ana, "dot.place", {"item_id": b_item, "colour": "green"}),
        (ana, "dot.take_back", {"item_id": b_item}),
        (ana, "note.edit", {"note_id": b_note, "text": "hijacked"}),
        (ana, "note.delete", {"note_id": b_note}),
        (lead_a, "note.edit", {"note_id": b_note, "text": "hijacked"}),
        (lead_a, "note.delete", {"note_id": b_note}),
        (lead_a, "note.star", {"note_id": b_note, "starred": True}),
        (lead_a, "participant.remove", {"participant_id": b_person}),
        (lead_a, "poster.item.rename", {"item_id": b_item, "text": "hijacked"}),
        (lead_a, "poster.item.remove", {"item_id": b_item}),
        (ana, "plan.cell.edit", {"cell_id": b_cell, "base_revision": 0, "text": "hijacked"}),
        (lead_a, "plan.cell.restore", {"cell_id": b_cell, "revision": 1}),
        (lead_a, "plan.row.rename", {"row_id": b_row, "heading": "hijacked"}),
        (lead_a, "plan.row.lock", {"row_id": b_row, "locked": True}),
        (ana, "plan.place", {"source_kind": "note", "source_id": b_note, "cell_id": a_cell}),
        (ana, "plan.place", {"source_kind": "poster_item", "source_id": b_item, "cell_id": a_cell}),
    ]
    with unchanged(app):
        for member, name, args in attempts:
            reply = member.act(name, **args)
            assert reply["ok"] is False, (name, reply)
            assert re.search(r"not (in|on) this room", reply["error"]), (name, reply)
            assert member.post_action(name, **args).status_code == 404, name
        # Socket-only events and the cell history page check the room just the same.
        assert ana.act("plan.editing", cell_id=b_cell)["ok"] is False
        history = ana.client.get(f"/r/{lead_a.code}/plan/cells/{b_cell}/history")
        assert history.status_code == 404
    assert ben.socket.is_connected()


# --- Floods ---------------------------------------------------------------------------------


def test_a_flood_of_events_is_slowed_and_nobody_else_loses_anything(workshop: Workshop, app: Flask):
    app.config.update(ACTION_RATE=0.5, ACTION_BURST=10)
    lead = workshop.connect(workshop.open_room())
    mallory = workshop.connect(workshop.join(lead.code, "Mallory"))
    ana = workshop.connect(workshop.join(lead.code, "Ana"))
    version = workshop.room(lead.code).version

    replies = [mallory.act("participant.rename", name=f"Mallory {n}") for n in range(200)]
    accepted = [n for n, reply in enumerate(replies) if reply["ok"]]
    refused = [reply for reply in replies if not reply["ok"]]
    assert 10 <= len(accepted) <= 12 and accepted == list(range(len(accepted)))
    assert len(refused) >= 188
    assert {reply["error"] for reply in refused} == {security.SLOW_DOWN}
    # Refused events changed nothing: the name is the last accepted one, one version each.
    with app.app_context():
        assert db.session.get(Participant, participant_id(app, "Ana")) is not None
        names = set(db.session.scalars(select(Participant.name)))
    assert names == {"Ana", f"Mallory {accepted[-1]}"}
    assert workshop.room(lead.code).version == version + len(accepted)
    # Someone else in the same room acts at once, by socket and by HTTP.
    assert ana.act("participant.rename", name="Ana R.")["ok"]
    assert lead.act("phase.next")["ok"]
    # Mallory's HTTP requests draw on the same allowance.
    slowed = mallory.post_action("participant.rename", name="Mallory again")
    assert slowed.status_code == 429
    assert security.SLOW_DOWN in slowed.get_data(as_text=True)


def test_malformed_floods_count_too_and_strangers_cannot_drain_the_facilitator(
    workshop: Workshop, app: Flask
):
    app.config.update(ACTION_RATE=0.5, ACTION_BURST=5)
    lead = workshop.connect(workshop.open_room())
    mallory = workshop.connect(workshop.join(lead.code, "Mallory"))
    with unchanged(app):
        for _ in range(5):
            assert mallory.act("phase.go", index="nonsense")["ok"] is False
        assert mallory.act("participant.rename", name="M")["error"] == security.SLOW_DOWN
        # A stranger hammering the facilitator's door spends only their own allowance.
        stranger = app.test_client()
        for _ in range(20):
            post(stranger, f"/r/{lead.code}/lead/act/phase.next")
    assert lead.act("phase.next")["ok"]


def test_resync_and_heartbeat_floods_are_slowed(workshop: Workshop):
    lead = workshop.open_room()
    ana = workshop.connect(workshop.join(lead.code, "Ana"))
    for event in ("resync", "heartbeat"):
        replies = [ana.socket.emit(event, callback=True) for _ in range(30)]
        assert sum(reply["ok"] for reply in replies) <= 11
        assert replies[-1] == {"ok": False, "error": security.SLOW_DOWN}


def test_counts_in_memory_are_a_moving_window_and_forget_idle_keys(
    monkeypatch: pytest.MonkeyPatch,
):
    """The embedded default's counts (and every process's per-socket ones): ``amount`` hits
    in any ``seconds`` in a row, asking spends nothing, and a socket long gone is forgotten
    rather than kept (and walked) for the life of the process."""
    now = [1000.0]
    monkeypatch.setattr(security.time, "monotonic", lambda: now[0])
    limiter = security.InProcessLimiter()
    three_in_ten = security.per_window(3, 10)
    assert [limiter.hit(three_in_ten, "act", "ana") for _ in range(4)] == [True] * 3 + [False]
    assert limiter.test(three_in_ten, "act", "ana") is False
    assert limiter.hit(three_in_ten, "act", "ben"), "each key has its own allowance"
    assert limiter.test(three_in_ten, "act", "cleo") and len(limiter) == 2, "asking spends none"
    now[0] += 6
    assert limiter.hit(three_in_ten, "act", "ben")
    now[0] += 4.5  # Ana's three are more than ten seconds old; Ben's second is not
    assert [limiter.hit(three_in_ten, "act", "ana") for _ in range(4)] == [True] * 3 + [False]
    now[0] += security.InProcessLimiter.SWEEP_SECONDS
    assert limiter.test(three_in_ten, "act", "ana")
    assert len(limiter) == 0, "idle keys are swept"


def test_socket_connections_are_limited_per_person_not_per_address(workshop: Workshop, app: Flask):
    app.config["CONNECTS_PER_MINUTE"] = 3
    lead = workshop.open_room()
    sockets = [socket_for(app, lead.client, lead.code, "facilitator") for _ in range(4)]
    assert [s.is_connected() for s in sockets] == [True, True, True, False]
    # Everyone at the venue shares the test client's address; each still gets in.
    for name in ("Ana", "Ben", "Cleo", "Dev"):
        member = workshop.join(lead.code, name)
        assert socket_for(app, member.client, lead.code, "participant").is_connected(), name


def test_counts_are_bounded_however_many_times_someone_asks(workshop: Workshop, app: Flask):
    lead = workshop.connect(workshop.open_room())
    ana = workshop.connect(workshop.join(lead.code, "Ana"))
    lead.act("phase.go", index=PROMPT_PHASE)
    room = room_id(workshop, lead.code)

    def added_until_refused(member: Member, action: str, **args: Any) -> tuple[int, str]:
        for n in range(1000):
            reply = member.act(action, **args)
            if not reply["ok"]:
                return n, reply["error"]
        raise AssertionError(f"{action} was never refused")

    added, error = added_until_refused(ana, "note.add", question_key=PROMPT_KEY, text="again")
    assert added == NOTES_PER_PERSON_MAX
    assert f"{NOTES_PER_PERSON_MAX} notes on this question" in error
    assert lead.act("note.add", question_key=PROMPT_KEY, text="mine")["ok"], "others still can"

    with app.app_context():
        poster = db.session.scalars(select(Poster).where(Poster.room_id == room)).first()
        assert poster is not None
        poster_id, items = poster.id, len(poster.items)
    added, error = added_until_refused(lead, "poster.item.add", poster_id=poster_id, text="more")
    assert items + added == ITEMS_PER_POSTER_MAX
    assert f"at most {ITEMS_PER_POSTER_MAX} items" in error
    with app.app_context():
        posters = len(db.session.scalars(select(Poster.id).where(Poster.room_id == room)).all())
    added, error = added_until_refused(lead, "poster.add", title="Another")
    assert posters + added == POSTERS_MAX
    assert f"at most {POSTERS_MAX} posters" in error
    with unchanged(app):
        assert lead.act("poster.add", title="Another")["ok"] is False


# --- Guessing join codes ------------------------------------------------------------------


def test_by_default_an_address_gets_twenty_wrong_codes_a_minute(
    app: Flask, workshop: Workshop, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    """docs/security.md's arithmetic (a room found in about 42 years) rests on this rate."""
    monkeypatch.delenv("WSAPP_JOIN_ATTEMPTS_PER_MINUTE", raising=False)
    app.config["JOIN_ATTEMPTS_PER_MINUTE"] = config_from_env(tmp_path)["JOIN_ATTEMPTS_PER_MINUTE"]
    lead = workshop.open_room()
    guesser = app.test_client()
    wrong = next(code for code in ("ZZZZZ2", "ZZZZZ3", "ZZZZZ4") if code != lead.code)
    for _ in range(20):
        assert post(guesser, "/join", {"code": wrong}).status_code == 404
    assert post(guesser, "/join", {"code": lead.code}).status_code == 429
    # Every code the app makes is six characters people cannot misread.
    codes = {workshop.open_room().code for _ in range(20)}
    assert all(len(code) == 6 and not set(code) & set("01ILO") for code in codes)


WRONG_CODE_DOORS = (
    "/r/{code}",
    "/r/{code}/join",
    "/r/{code}/projector",
    "/r/{code}/qr.svg",
    "/claim/{code}",
    "/r/{code}/record",
    "/r/{code}/export/plan.csv",
    "/r/{code}/plan/cells/1/history",
)


def test_wrong_codes_run_out_by_every_door_and_then_reveal_nothing(workshop: Workshop, app: Flask):
    """Every URL that names a room, any feature's, spends the same per-address attempts."""
    app.config["JOIN_ATTEMPTS_PER_MINUTE"] = len(WRONG_CODE_DOORS) + 2
    lead = workshop.open_room()
    guesser = app.test_client()
    with unchanged(app):
        assert post(guesser, "/join", {"code": "ZZZZZ2"}).status_code == 404
        assert not socket_for(app, guesser, "ZZZZZ3", "participant").is_connected()
        for door in WRONG_CODE_DOORS:
            assert guesser.get(door.format(code="ZZZZZ4")).status_code == 404, door
        # Out of attempts: the right code gets the same answer as a wrong one.
        for response in (
            post(guesser, "/join", {"code": lead.code}),
            *(guesser.get(door.format(code=lead.code)) for door in WRONG_CODE_DOORS),
            guesser.get("/r/ZZZZZ5/join"),
        ):
            assert response.status_code == 429
            assert "Too many wrong tries" in response.get_data(as_text=True)
        assert not socket_for(app, guesser, lead.code, "participant").is_connected()


def test_a_guesser_behind_the_venue_address_locks_out_nobody_already_in(
    workshop: Workshop, app: Flask
):
    """A venue's phones share one address. Someone there typing wrong codes runs out of
    attempts, but the room's people and its facilitator keep every page, export, action
    and socket; the guesser is refused even the right code, and stays refused by every door."""
    app.config["JOIN_ATTEMPTS_PER_MINUTE"] = 5
    lead = workshop.connect(workshop.open_room())
    ana = workshop.connect(workshop.join(lead.code, "Ana"))
    assert lead.act("record.open", open=True)["ok"]
    guesser = app.test_client()
    for n in range(5):
        assert post(guesser, "/join", {"code": f"ZZZZZ{n + 2}"}).status_code == 404
    assert guesser.get(f"/r/{lead.code}/join").status_code == 429
    assert not socket_for(app, guesser, lead.code, "participant").is_connected()

    for url in (f"/r/{lead.code}", f"/r/{lead.code}/record", f"/r/{lead.code}/export/plan.csv"):
        assert ana.client.get(url).status_code == 200, url
    for url in (f"/r/{lead.code}/lead", f"/r/{lead.code}/projector", f"/r/{lead.code}/record"):
        assert lead.client.get(url).status_code == 200, url
    assert post(ana.client, "/join", {"code": lead.code}).status_code == 302
    assert ana.post_action("participant.rename", name="Ana B").status_code == 200
    assert lead.post_action("phase.next").status_code == 200
    assert socket_for(app, ana.client, lead.code, "participant").is_connected()
    assert socket_for(app, lead.client, lead.code, "facilitator").is_connected()
    # Being in one room opens no other door: the guesser's budget binds there too.
    assert ana.client.get("/r/ZZZZZ9").status_code == 429
    assert post(guesser, "/join", {"code": lead.code}).status_code == 429


def test_a_404_inside_a_real_room_is_not_a_wrong_guess(workshop: Workshop, app: Flask):
    app.config["JOIN_ATTEMPTS_PER_MINUTE"] = 3
    lead = workshop.open_room()
    ana = workshop.join(lead.code, "Ana")
    for _ in range(5):
        assert ana.client.get(f"/r/{lead.code}/plan/cells/999999/history").status_code == 404
    newcomer = app.test_client()
    assert post(newcomer, "/join", {"code": lead.code}).status_code == 302


def test_while_the_limits_redis_is_down_the_workshop_goes_on(
    workshop: Workshop, app: Flask, caplog: pytest.LogCaptureFixture
):
    """Counts kept in Redis (a message queue is set) fail open: a Redis outage must not
    turn every click into an error; the change is saved and the outage logged."""
    lead = workshop.open_room()
    unreachable = {"MESSAGE_QUEUE_URL": "redis://127.0.0.1:1/0", "MESSAGE_QUEUE_CHANNEL": "t"}
    app.extensions["wsapp_limits"] = security.limiter_for(unreachable)
    assert lead.post_action("phase.next").status_code == 200
    assert workshop.room(lead.code).phase_index == 1
    assert workshop.join(lead.code, "Ana").client.get(f"/r/{lead.code}").status_code == 200
    assert "Rate limits are not counted" in caplog.text


def test_a_whole_staff_behind_one_address_can_join_at_once(workshop: Workshop, app: Flask):
    """Only wrong codes cost attempts, so thirty people on a school's network get in."""
    app.config["JOIN_ATTEMPTS_PER_MINUTE"] = 5
    lead = workshop.open_room()
    for n in range(30):
        teacher = app.test_client()
        assert post(teacher, "/join", {"code": lead.code.lower()}).status_code == 302
        assert post(teacher, f"/r/{lead.code}/join", {"name": f"Teacher {n}"}).status_code == 302
    with app.app_context():
        joined = db.session.scalars(select(Participant.name)).all()
    assert len(joined) == 30


def test_opening_rooms_is_limited_per_browser_and_per_address(workshop: Workshop, app: Flask):
    """New rooms, imports and copies share one allowance an hour per browser and a larger
    one per address (a venue's facilitators share its address)."""
    app.config.update(ROOMS_PER_HOUR=3, ROOMS_PER_HOUR_PER_ADDRESS=5)
    lead = workshop.open_room()
    for _ in range(2):
        assert post(lead.client, "/rooms", {"kit": READINESS}).status_code == 302
    record = lead.client.get(f"/r/{lead.code}/export/room.json").data
    with unchanged(app):
        for refused in (
            post(lead.client, "/rooms", {"kit": READINESS}),
            post(lead.client, f"/facilitator/rooms/{lead.code}/duplicate"),
            import_file(lead.client, record),
        ):
            assert refused.status_code == 429
            assert "opened many rooms" in parse(refused.get_data(as_text=True)).text

    def browser(address: str = "127.0.0.1") -> FlaskClient:
        client = app.test_client()
        client.environ_base["REMOTE_ADDR"] = address
        page_token(client)  # its own session (the tests' clients share a CSRF token)
        return client

    colleague = browser()  # another browser at the same address
    for _ in range(2):
        assert post(colleague, "/rooms", {"kit": READINESS}).status_code == 302
    with unchanged(app):
        assert post(colleague, "/rooms", {"kit": READINESS}).status_code == 429
    assert post(browser("192.0.2.7"), "/rooms", {"kit": READINESS}).status_code == 302


def test_a_room_holds_a_team_not_a_crowd(workshop: Workshop, app: Flask):
    lead = workshop.open_room()
    with app.app_context():
        room = db.session.scalars(select(Room).where(Room.code == lead.code)).one()
        db.session.add_all(Participant(room_id=room.id, name=f"P{n}") for n in range(PEOPLE_MAX))
        db.session.commit()
    with unchanged(app):
        refused = post(app.test_client(), f"/r/{lead.code}/join", {"name": "One more"})
    assert refused.status_code == 409
    assert "This room is full" in refused.get_data(as_text=True)


def test_a_room_holds_a_bounded_number_of_notes(workshop: Workshop, app: Flask):
    """However many people share the work, the room's notes stop at NOTES_MAX (an import
    stops there too: tests/test_malformed_input.py)."""
    lead = workshop.connect(workshop.open_room())
    assert lead.act("phase.go", index=PROMPT_PHASE)["ok"]
    with app.app_context():
        room = db.session.scalars(select(Room).where(Room.code == lead.code)).one()
        people = [Participant(room_id=room.id, name=f"P{n}") for n in range(PEOPLE_MAX)]
        db.session.add_all(people)
        db.session.flush()
        db.session.add_all(
            Note(
                room_id=room.id,
                question_key=PROMPT_KEY,
                participant_id=people[n % PEOPLE_MAX].id,
                author_name="P",
                text=f"{n}",
            )
            for n in range(NOTES_MAX)
        )
        db.session.commit()
    with unchanged(app):
        reply = lead.act("note.add", question_key=PROMPT_KEY, text="One more")
    assert reply["ok"] is False
    assert f"already holds {NOTES_MAX} notes" in reply["error"]


# --- Script and HTML in every text field ----------------------------------------------------


def plan_cell_ids(app: Flask, room: int) -> list[int]:
    with app.app_context():
        return list(
            db.session.scalars(
                select(PlanCell.id)
                .join(PlanRow, PlanCell.row_id == PlanRow.id)
                .where(PlanRow.room_id == room)
                .order_by(PlanCell.id)
            )
        )


def test_script_typed_anywhere_in_a_readiness_room_is_shown_as_text(workshop: Workshop, app: Flask):
    """Phase by phase, everyone types the payloads into every field there is; every screen,
    first rendered and pushed live, shows them as text."""
    lead = workshop.connect(workshop.open_room(title=PAYLOADS[1]))
    people = [workshop.connect(workshop.join(lead.code, payload)) for payload in PAYLOADS]
    watcher = people[0]
    projector = socket_for(app, lead.client, lead.code, "projector")
    room = room_id(workshop, lead.code)
    assert lead.act("timer.start", minutes=5, label=PAYLOADS[0])["ok"]

    def type_notes() -> None:
        for member, payload in zip(people, PAYLOADS, strict=True):
            assert member.act("note.add", question_key=PROMPT_KEY, text=payload)["ok"]
        assert lead.act("note.add", question_key=PROMPT_KEY, text=PAYLOADS[2])["ok"]

    def type_quiet_write() -> None:
        assert lead.act("quiet.open")["ok"]
        for member, payload in zip(people, PAYLOADS, strict=True):
            assert member.act("quiet.save", text=payload)["ok"]
        assert lead.act("quiet.share", named=True)["ok"]

    def type_posters() -> None:
        assert lead.act("poster.add", title=PAYLOADS[1], statement=PAYLOADS[0])["ok"]
        item = first_item_id(app, room)
        assert lead.act("poster.item.rename", item_id=item, text=PAYLOADS[2])["ok"]
        assert lead.act("poster.item.add", poster_id=1, text=PAYLOADS[3])["ok"]
        assert watcher.act("dot.place", item_id=item, colour="red")["ok"]

    def type_plan() -> None:
        assert lead.act("plan.row.add", heading=PAYLOADS[0], detail=PAYLOADS[1])["ok"]
        assert lead.act("plan.column.add", heading=PAYLOADS[1])["ok"]
        for cell, payload in zip(plan_cell_ids(app, room), PAYLOADS, strict=False):
            reply = watcher.act("plan.cell.edit", cell_id=cell, base_revision=0, text=payload)
            assert reply["ok"], reply

    phases = [
        (PROMPT_PHASE, type_notes, PAYLOADS),
        (2, type_quiet_write, PAYLOADS),
        (3, type_posters, PAYLOADS[1:]),
        (4, lambda: None, ()),
        (5, type_plan, PAYLOADS),
    ]
    for index, type_in, shown in phases:
        assert lead.act("phase.go", index=index)["ok"]
        for member in (lead, *people):
            member.swaps()
        projector.get_received()
        type_in()
        # Pushed live to the facilitator, a participant and the projector.
        assert_inert(pushed_html(lead), shown=shown)
        assert_inert(pushed_html(watcher))
        assert_inert(
            "".join(m["args"][0]["html"] for m in projector.get_received() if m["name"] == "swap")
        )
        # And each screen as it is first rendered.
        assert_inert(lead.client.get(f"/r/{lead.code}/lead").get_data(as_text=True), shown=shown)
        assert_inert(lead.client.get(f"/r/{lead.code}/projector").get_data(as_text=True))
        assert_inert(watcher.client.get(f"/r/{lead.code}").get_data(as_text=True))
    page = parse(lead.client.get(f"/r/{lead.code}/lead").get_data(as_text=True))
    assert "{{7*7}}" in page.text  # never evaluated as a template
    for payload in PAYLOADS:  # names, in the people list
        assert payload in page.text


def test_script_typed_into_notes_is_shown_as_text_in_a_discussion_room(
    workshop: Workshop, app: Flask
):
    lead = workshop.connect(workshop.open_room(kit=DISCUSSION, title=PAYLOADS[0]))
    ana = workshop.connect(workshop.join(lead.code, PAYLOADS[1]))
    assert lead.act("phase.go", index=1)["ok"]
    ana.swaps()
    for payload in PAYLOADS:
        assert ana.act("note.add", question_key=NOTE_KEY, text=payload)["ok"]
    assert lead.act("notes.anonymous", anonymous=False)["ok"]
    assert_inert(pushed_html(ana, lead), shown=PAYLOADS)
    for client, url in (
        (lead.client, f"/r/{lead.code}/lead"),
        (lead.client, f"/r/{lead.code}/projector"),
        (ana.client, f"/r/{lead.code}"),
    ):
        assert_inert(client.get(url).get_data(as_text=True), shown=PAYLOADS)


def test_exports_show_typed_text_as_text(workshop: Workshop, app: Flask):
    lead = workshop.connect(workshop.open_room(title=PAYLOADS[1]))
    ana = workshop.connect(workshop.join(lead.code, PAYLOADS[0]))
    assert lead.act("phase.go", index=PROMPT_PHASE)["ok"]
    for payload in (*PAYLOADS, '=HYPERLINK("http://evil.example","x")'):
        assert ana.act("note.add", question_key=PROMPT_KEY, text=payload)["ok"]
    assert lead.act("poster.add", title="=1+2", statement="@SUM(A1)")["ok"]
    cell = plan_cell_ids(app, room_id(workshop, lead.code))[0]
    edit = lead.act("plan.cell.edit", cell_id=cell, base_revision=0, text=' \t=HYPERLINK("x")')
    assert edit["ok"]

    record = lead.client.get(f"/r/{lead.code}/record")
    assert record.status_code == 200
    assert_inert(record.get_data(as_text=True), shown=PAYLOADS)
    chart = lead.client.get(f"/r/{lead.code}/export/posters.svg").get_data(as_text=True)
    svg = parse(chart)
    assert not [tag for tag, _ in svg.elements() if tag in {"script", "img", "foreignobject"}]
    notes = lead.client.get(f"/r/{lead.code}/export/notes.md").get_data(as_text=True)
    assert not re.search(r"(?<!\\)<", notes), "every < in the Markdown is escaped"
    for name in ("posters.csv", "plan.csv"):
        table = lead.client.get(f"/r/{lead.code}/export/{name}").get_data(as_text=True)
        cells = [cell for line in table.splitlines() for cell in line.split(",")]
        assert not [cell for cell in cells if cell.strip('" \t').startswith(("=", "+", "@"))]


MARKDOWN = "# <img src=x onerror=alert(1)> [a](javascript:alert(1)) *b* `c` | d"


def test_markdown_exports_show_everything_people_typed_as_text(workshop: Workshop, app: Flask):
    """Typed or imported, a room's title, names, notes, quiet writes and the plan's words
    reach plan.md and notes.md escaped: no markup, link or HTML of theirs takes effect."""
    lead = workshop.connect(workshop.open_room(title=MARKDOWN[:30]))
    ana = workshop.connect(workshop.join(lead.code, MARKDOWN[:40]))
    assert lead.act("phase.go", index=PROMPT_PHASE)["ok"]
    assert ana.act("note.add", question_key=PROMPT_KEY, text=MARKDOWN)["ok"]
    assert lead.act("quiet.open")["ok"]
    assert ana.act("quiet.save", text=MARKDOWN)["ok"]
    assert lead.act("quiet.share", named=True)["ok"]
    assert lead.act("plan.row.add", heading=MARKDOWN, detail=MARKDOWN)["ok"]
    assert lead.act("plan.column.add", heading=MARKDOWN[:60])["ok"]
    cell = plan_cell_ids(app, room_id(workshop, lead.code))[-1]
    assert ana.act("plan.cell.edit", cell_id=cell, base_revision=0, text=MARKDOWN)["ok"]
    for name in ("plan.md", "notes.md"):
        text = lead.client.get(f"/r/{lead.code}/export/{name}").get_data(as_text=True)
        assert text.startswith("# \\# \\<img src=x onerror=alert(1)\\>"), name
        assert not re.findall(r"(?<!\\)<(?!br>)", text), name  # <br>: a cell's line break
        assert not re.findall(r"(?<!\\)[\[`]", text), name
        assert not re.findall(r"(?<!\\)\*b", text), name


def test_pages_have_no_inline_script_or_style_for_the_csp_to_refuse(workshop: Workshop):
    lead = workshop.open_room()
    ana = workshop.join(lead.code, "Ana")
    for client, url in (
        (lead.client, "/"),
        (lead.client, "/join"),
        (lead.client, f"/claim/{lead.code}"),
        (lead.client, f"/r/{lead.code}/lead"),
        (lead.client, f"/r/{lead.code}/projector"),
        (ana.client, f"/r/{lead.code}"),
    ):
        page = parse(client.get(url).get_data(as_text=True))
        for tag, attrs in page.elements():
            assert "style" not in attrs, (url, tag, attrs)
            assert not [name for name in attrs if name.startswith(("on", "hx-on"))], (url, attrs)
            if tag == "script":
                assert attrs.get("src", "").startswith("/static/"), (url, attrs)
            assert tag != "style", url


# --- Sizes and shapes -----------------------------------------------------------------------


def test_an_oversized_request_is_refused_with_a_clear_message(workshop: Workshop, app: Flask):
    lead = workshop.open_room()
    ana = workshop.join(lead.code, "Ana")
    huge = "x" * (65 * 1024)
    with unchanged(app):
        for headers in ({"HX-Request": "true"}, {}):
            response = ana.client.post(
                f"/r/{lead.code}/act/participant.rename",
                data={"name": huge},
                headers={"X-CSRFToken": csrf_of(ana.client), **headers},
            )
            assert response.status_code == 413
            assert "too much to send at once" in response.get_data(as_text=True)
        stranger = post(app.test_client(), "/rooms", {"kit": READINESS, "title": huge})
        assert stranger.status_code == 413


def test_an_oversized_socket_message_is_refused(served: str, workshop: Workshop, app: Flask):
    lead = workshop.open_room()
    sock = real_socket(served, lead, origin=served)
    with unchanged(app):
        sock.emit("act", {"name": "timer.start", "args": {"minutes": 1, "label": "x" * 70_000}})
        # The server closes a socket that sends too much at once.
        wait_until(lambda: not sock.connected, "the server to close the socket")
    sock.eio.ws.shutdown()  # the client library leaves a socket the server closed open


# The malformed socket events and actions: tests/test_malformed_input.py (both databases).


# --- Headers and cookies ------------------------------------------------------------------


def test_every_response_carries_the_security_headers(workshop: Workshop, app: Flask):
    lead = workshop.open_room()
    for response in (
        lead.client.get("/"),
        lead.client.get(f"/r/{lead.code}/lead"),
        lead.client.get("/r/ZZZZZZ"),
        lead.post_action("phase.next"),
    ):
        policy = response.headers["Content-Security-Policy"]
        assert "script-src 'self'" in policy and "unsafe" not in policy
        assert "frame-ancestors 'none'" in policy and "object-src 'none'" in policy
        assert response.headers["X-Content-Type-Options"] == "nosniff"
        assert response.headers["Referrer-Policy"] == "no-referrer"
        assert response.headers["X-Frame-Options"] == "DENY"


def test_session_cookies_are_httponly_lax_and_secure_over_https(app: Flask):
    plain = post(app.test_client(), "/rooms", {"kit": READINESS})
    cookie = plain.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Secure" not in cookie
    assert "Strict-Transport-Security" not in plain.headers

    secure_client = app.test_client()
    over_https = secure_client.post(
        "/rooms",
        data={"kit": READINESS},
        headers={"X-CSRFToken": csrf_of(secure_client)},
        base_url="https://localhost",
    )
    assert over_https.status_code == 302
    cookie = over_https.headers["Set-Cookie"]
    assert "Secure" in cookie and "HttpOnly" in cookie and "SameSite=Lax" in cookie
    assert over_https.headers["Strict-Transport-Security"].startswith("max-age=")


def test_behind_a_proxy_https_is_read_from_the_forwarded_scheme(migrated_database: Path):
    app = create_app(
        {**TEST_CONFIG, "SQLALCHEMY_DATABASE_URI": f"sqlite:///{migrated_database}", "PROXIES": 1}
    )
    client = app.test_client()
    response = client.get("/", headers={"X-Forwarded-Proto": "https"})
    assert response.headers["Strict-Transport-Security"].startswith("max-age=")
    assert "Secure" in response.headers["Set-Cookie"]


def test_the_secret_key_is_generated_per_install_and_kept(tmp_path: Path):
    first = _instance_secret_key(tmp_path / "one")
    assert _instance_secret_key(tmp_path / "one") == first
    assert _instance_secret_key(tmp_path / "two") != first
    assert len(first) >= 64
    assert (tmp_path / "one" / "secret_key").stat().st_mode & 0o077 == 0
    sources = "\n".join(p.read_text() for p in Path(security.__file__).parent.rglob("*.py"))
    assert not re.search(r"SECRET_KEY['\"]?\s*[:=]\s*['\"]", sources)
