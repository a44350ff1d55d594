"""The live pipeline as the features declare it: regions, phase kinds, start-up checks.

The main test here opens a room of every kit in ``content/`` at every phase and checks, for
each view, that the page, a resync (the full state a screen asks for after a gap) and a
reconnect carry the same live regions: a region the page shows that a full state left out
would stay stale on a screen that missed a push to it until the page was reloaded.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from flask import Flask, render_template

import wsapp
from wsapp import create_app
from wsapp.actions import SetLocked
from wsapp.extensions import db, socketio
from wsapp.feature import Feature
from wsapp.live import Viewer, registry
from wsapp.models import Participant, PlanCell, PlanRow, Poster, PosterItem, Room

from .conftest import TEST_CONFIG, Workshop
from .dom import parse

ROOT = Path(__file__).resolve().parent.parent
KITS = sorted(path.stem for path in (ROOT / "content" / "kits").glob("*.yaml"))
PAGES = {
    "participant": "/r/{code}",
    "facilitator": "/r/{code}/lead",
    "projector": "/r/{code}/projector",
}
# Partials pushed only to one screen for one thing, never to a room's audiences as a region.
NOT_ROOM_REGIONS = {
    "rooms/_knock.html",  # the waiting screen's answer
    "rooms/_prework.html",  # inside rooms/_phase.html, during pre-work only
    "discussion/_note.html",  # one note, inside discussion/_live_notes.html
    "plan/_history.html",  # a cell's history dialog, asked for by one screen
    "plan/_action_form.html",  # the form in that dialog
    # An event's page (not a room's): pushed to its watchers (tests/test_events.py)
    "events/_rollup.html",
    "events/_room_rows.html",
    "events/_summary.html",
}


def pushed_partials() -> list[str]:
    """Every partial the features name in the code: the regions their changes push."""
    named = {
        match
        for path in (ROOT / "wsapp").rglob("*.py")
        for match in re.findall(r'"([a-z]+/_[a-z0-9_]+\.html)"', path.read_text())
    }
    return sorted(named - NOT_ROOM_REGIONS - {f for f in named if f.startswith("phases/")})


def region_ids(app: Flask, code: str, view: str) -> set[str]:
    """The ids a push may replace on this view's screen: what every pushed partial, rendered
    for the room as it is now, marks to be swapped."""
    with app.test_request_context():
        room = db.session.query(Room).filter_by(code=code).one()
        participant = (
            db.session.query(Participant).filter_by(room_id=room.id, name="Ana").one()
            if view == "participant"
            else None
        )
        viewer = Viewer(view, participant)
        html = "".join(
            render_template(partial, room=room, viewer=viewer, swap_oob=True)
            for partial in pushed_partials()
        )
    return {
        node.attrs["id"] or ""
        for node in parse(html).all(lambda n: "hx-swap-oob" in n.attrs and "id" in n.attrs)
    }


def test_every_kit_phase_and_view_gets_every_region_its_page_shows_in_a_full_state(
    app: Flask,
) -> None:
    workshop = Workshop(app)
    for kit in KITS:
        lead = workshop.connect(workshop.open_room(kit=kit))
        ana = workshop.connect(workshop.join(lead.code, "Ana"))
        phases = app.extensions["wsapp_content"].kits[kit].phases
        for index, phase in enumerate(phases):
            assert lead.act("phase.go", index=index)["ok"]
            browsers = {
                "participant": ana.client,
                "facilitator": lead.client,
                "projector": lead.client,
            }
            for view, browser in browsers.items():
                where = f"{kit}, phase {index} ({phase.kind}), {view}"
                page = browser.get(PAGES[view].format(code=lead.code))
                assert page.status_code == 200, where
                shown = parse(page.get_data(as_text=True)).ids() & region_ids(app, lead.code, view)
                assert "phase" in shown, where
                # A screen coming back after missing changes is sent the full state...
                screen = socketio.test_client(
                    app, flask_test_client=browser, auth={"code": lead.code, "view": view, "v": 0}
                )
                (reconnected,) = [
                    m["args"][0]
                    for m in screen.get_received()
                    if m["name"] == "swap" and m["args"][0].get("full")
                ]
                assert shown <= parse(reconnected["html"]).ids(), where
                # ... and so is one that saw a gap and asked for it.
                resynced = screen.emit("resync", callback=True)
                assert resynced["ok"], where
                assert shown <= parse(resynced["html"]).ids(), where
                screen.disconnect()


def test_a_phase_kind_without_a_template_stops_the_app_at_start_up(
    monkeypatch: pytest.MonkeyPatch, database_url: str
) -> None:
    without_plan = tuple(feature for feature in wsapp.FEATURES if feature.name != "plan")
    monkeypatch.setattr(wsapp, "FEATURES", without_plan)
    with pytest.raises(RuntimeError, match="phase of kind 'plan'"):
        create_app({**TEST_CONFIG, "SQLALCHEMY_DATABASE_URI": database_url})


def test_a_phase_template_that_does_not_exist_stops_the_app_at_start_up(
    monkeypatch: pytest.MonkeyPatch, database_url: str
) -> None:
    typo = Feature("typo", __name__)
    typo.phase("no_such_kind", "phases/_no_such_kind.html")
    monkeypatch.setattr(wsapp, "FEATURES", (*wsapp.FEATURES, typo))
    with pytest.raises(RuntimeError, match=r"'phases/_no_such_kind\.html', which does not exist"):
        create_app({**TEST_CONFIG, "SQLALCHEMY_DATABASE_URI": database_url})


def test_an_action_declared_twice_stops_the_app_at_start_up(
    monkeypatch: pytest.MonkeyPatch, database_url: str
) -> None:
    twice = Feature("twice", __name__)
    twice.action("room.lock", SetLocked, who="facilitator")(lambda *_: None)
    monkeypatch.setattr(wsapp, "FEATURES", (*wsapp.FEATURES, twice))
    with pytest.raises(RuntimeError, match=r"action 'room\.lock' is registered twice"):
        create_app({**TEST_CONFIG, "SQLALCHEMY_DATABASE_URI": database_url})


def test_every_app_made_gets_the_socket_handlers(app: Flask, database_url: str) -> None:
    """Flask-SocketIO gives a new app the handlers declared before its first init_app;
    the features' handlers are declared on import, so an app made later has them too."""
    events = {"connect", "disconnect", "act", "resync", "heartbeat", "*"}
    assert events <= set(socketio.server.handlers["/"])
    create_app({**TEST_CONFIG, "SQLALCHEMY_DATABASE_URI": database_url})
    assert events <= set(socketio.server.handlers["/"])


def test_a_phase_declared_the_same_for_everyone_renders_the_same_for_each_participant(
    app: Flask,
) -> None:
    """Changes to such a phase are rendered once for all participants (``bp.phase``
    without ``per_person`` or ``own_parts``): that is only right if nobody's differs, even
    with their own dots and typing in it."""
    workshop = Workshop(app)
    team = workshop.team()
    kit = app.extensions["wsapp_content"].kits["readiness-planning"]
    kinds = [phase.kind for phase in kit.phases]
    with app.app_context():
        room = db.session.query(Room).filter_by(code=team.lead.code).one()
        item = db.session.query(PosterItem).join(Poster).filter(Poster.room_id == room.id).first()
        cell = db.session.query(PlanCell).join(PlanRow).filter(PlanRow.room_id == room.id).first()
        assert item is not None and cell is not None
        item_id, cell_id = item.id, cell.id
    assert team.lead.act("phase.go", index=kinds.index("posters"))["ok"]
    assert team.ana.act("dot.place", item_id=item_id, colour="red")["ok"]
    assert team.ana.act("plan.cell.edit", cell_id=cell_id, base_revision=0, text="Ours")["ok"]
    same_for_everyone = [
        index
        for index, phase in enumerate(kit.phases)
        if not (
            registry(app).phases[phase.kind].per_person
            or registry(app).phases[phase.kind].own_parts
        )
    ]
    assert "plan" in {kinds[index] for index in same_for_everyone}
    for index in same_for_everyone:
        assert team.lead.act("phase.go", index=index)["ok"]
        with app.test_request_context():
            room = db.session.query(Room).filter_by(code=team.lead.code).one()
            ana, ben = (
                db.session.query(Participant).filter_by(room_id=room.id).order_by(Participant.id)
            )
            rendered = [
                render_template(
                    "rooms/_phase.html", room=room, viewer=Viewer("participant", who), swap_oob=True
                )
                for who in (ana, ben, None)
            ]
        assert rendered[0] == rendered[1] == rendered[2], kinds[index]
