"""The live pipeline as the features declare it: regions, phase kinds, start-up checks.

The main test here opens a room of every kit in ``content/`` at every phase and checks, for
each view, that the page, a resync (the full state a screen asks for after a gap) and a
reconnect carry the same live regions: a region the page shows that a full state left out
would stay stale on a screen that missed a push to it until the page was reloaded.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

import pytest
from flask import Flask, render_template

import wsapp
from wsapp import create_app
from wsapp.actions import SetLocked
from wsapp.extensions import db, socketio
from wsapp.feature import Feature
from wsapp.live import Parts, Region, Viewer, registry, render_regions
from wsapp.models import Participant, PlanCell, PlanRow, Poster, PosterItem, Room

from .conftest import TEST_CONFIG, Member, Workshop
from .dom import Node, parse

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
    "posters/_upload_preview.html",  # the answer to a poster file, to the screen that sent it
    "posters/_survey_result.html",  # the answer to a survey file, likewise
}

# Partials sent only to the participant who acted (``Publish.own``).
OWN_ONLY = {"posters/_mine.html"}


def pushed_partials() -> list[Region]:
    """Every region the features name in the code: the partials their changes push, and
    the parts of page partials (``Parts``) they push on their own."""
    named = {
        match
        for path in (ROOT / "wsapp").rglob("*.py")
        for match in re.findall(r'"([a-z]+/_[a-z0-9_]+\.html)"', path.read_text())
    }
    parts = {
        part
        for name, module in sys.modules.items()
        if name.startswith("wsapp.")
        for value in vars(module).values()
        for part in (value if isinstance(value, tuple) else (value,))
        if isinstance(part, Parts)
    }
    only_parts = {template for part in parts for template in part.parts}
    partials = named - NOT_ROOM_REGIONS - only_parts - {f for f in named if f.startswith("phases/")}
    return [*sorted(partials), *sorted(parts, key=repr)]


def pushed_regions(app: Flask, code: str, view: str) -> dict[str, list[Node]]:
    """What a push may replace on this view's screen, by id: every element that the pushed
    partials, rendered for the room as it is now (for a participant, as Ana), mark to be
    swapped."""
    with app.test_request_context():
        room = db.session.query(Room).filter_by(code=code).one()
        participant = (
            db.session.query(Participant).filter_by(room_id=room.id, name="Ana").one()
            if view == "participant"
            else None
        )
        viewer = Viewer(view, participant)
        regions = [r for r in pushed_partials() if participant is not None or r not in OWN_ONLY]
        html = render_regions(room, viewer, regions)
    found: dict[str, list[Node]] = {}
    for node in parse(html).all(lambda n: "hx-swap-oob" in n.attrs and "id" in n.attrs):
        found.setdefault(node.attrs["id"] or "", []).append(node)
    return found


def as_shown(node: Node | None) -> tuple[object, ...]:
    """An element as a screen shows it once swapped in: without the swap's own attribute,
    and with the whitespace between elements (which templates lay out differently) gone."""
    assert node is not None
    attrs = sorted((k, v) for k, v in node.attrs.items() if k != "hx-swap-oob")
    children = [
        as_shown(child) if isinstance(child, Node) else " ".join(child.split())
        for child in node.children
    ]
    return (node.tag, attrs, [child for child in children if child != ""])


def work_in(app: Flask, lead: Member, ana: Member, kind: str) -> None:
    """What a team does in a phase of this kind, so that its regions have something in them:
    Ana's dot (on revealed posters), her answer, a cell of the plan, a note."""
    with app.app_context():
        room = db.session.query(Room).filter_by(code=lead.code).one()
        item = db.session.query(PosterItem).join(Poster).filter(Poster.room_id == room.id).first()
        cell = db.session.query(PlanCell).join(PlanRow).filter(PlanRow.room_id == room.id).first()
    if kind == "posters" and item is not None:
        assert ana.act("dot.place", item_id=item.id, colour="red")["ok"]
        assert lead.act("posters.reveal", revealed=True)["ok"]
    elif kind == "quiet_write":
        assert lead.act("quiet.open")["ok"]
        assert ana.act("quiet.save", text="Time to plan together")["ok"]
    elif kind == "plan" and cell is not None:
        assert ana.act("plan.cell.edit", cell_id=cell.id, base_revision=0, text="Hire")["ok"]
    page = parse(ana.client.get(f"/r/{lead.code}").get_data(as_text=True))
    question = page.find(lambda n: n.attrs.get("name") == "question_key")
    if question is not None:
        assert ana.act("note.add", question_key=question.attrs["value"], text="Ours")["ok"]


def check_every_view(app: Flask, lead: Member, ana: Member, state: str) -> None:
    """For each view of the room as it is now: what a push puts in each region is what the
    page shows there, and a reconnect and a resync carry every region the page shows."""
    browsers = {"participant": ana.client, "facilitator": lead.client, "projector": lead.client}
    for view, browser in browsers.items():
        where = f"{state}, {view}"
        page = browser.get(PAGES[view].format(code=lead.code))
        assert page.status_code == 200, where
        on_page = parse(page.get_data(as_text=True))
        pushed = pushed_regions(app, lead.code, view)
        shown = on_page.ids() & set(pushed)
        assert "phase" in shown, where
        for region in sorted(shown):
            for fragment in pushed[region]:
                assert as_shown(fragment) == as_shown(on_page.by_id(region)), (where, region)
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


def test_every_kit_phase_and_view_gets_every_region_its_page_shows_in_a_full_state(
    app: Flask,
) -> None:
    workshop = Workshop(app)
    for kit in KITS:
        lead = workshop.connect(workshop.open_room(kit=kit))
        ana = workshop.connect(workshop.join(lead.code, "Ana"))
        if kit == "readiness-planning":
            assert lead.act("prework.open", days=3)["ok"]
            check_every_view(app, lead, ana, f"{kit} in pre-work")
            assert lead.act("prework.end")["ok"]
        for index, phase in enumerate(app.extensions["wsapp_content"].kits[kit].phases):
            assert lead.act("phase.go", index=index)["ok"]
            work_in(app, lead, ana, phase.kind)
            check_every_view(app, lead, ana, f"{kit}, phase {index} ({phase.kind})")


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
