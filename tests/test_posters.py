"""Readiness posters: seeding, dots, the facilitator's controls, what each screen is sent."""

from __future__ import annotations

import random
import threading

import pytest

from wsapp.extensions import db
from wsapp.models import Dot, Participant, Poster, PosterItem, Room
from wsapp.posters.domain import LOCKED_MESSAGE, summary, tally

from .conftest import Member, Workshop
from .dom import Node, parse

POSTERS_PHASE = 3
REVIEW_PHASE = 4


# --- Helpers ------------------------------------------------------------------------------


COLOUR_CLASSES = {"tally-green", "tally-yellow", "tally-red"}


def pushed(member: Member) -> Node:
    return parse("".join(swap["html"] for swap in member.swaps()))


def counts_in(node: Node | None) -> dict[str, int]:
    """Read a tally element's counts, by colour, from its text."""
    assert node is not None
    found = {}
    for row in node.walk():
        classes = str(row.attrs.get("class") or "").split()
        if "tally-row" in classes:
            colour = next(c.removeprefix("tally-") for c in classes if c in COLOUR_CLASSES)
            count = next(n for n in row.walk() if "tally-count" in str(n.attrs.get("class")))
            found[colour] = int(count.words)
    return found


def item_ids(workshop: Workshop, code: str) -> dict[str, int]:
    """The room's live items by reference (A1, B3...)."""
    with workshop.app.app_context():
        room = db.session.query(Room).filter_by(code=code).one()
        return {entry.ref: entry.item.id for poster in tally(room) for entry in poster.items}


def poster_ids(workshop: Workshop, code: str) -> dict[str, int]:
    with workshop.app.app_context():
        room = db.session.query(Room).filter_by(code=code).one()
        return {p.key: p.id for p in db.session.query(Poster).filter_by(room_id=room.id)}


def room_tally(workshop: Workshop, code: str) -> dict[str, dict[str, int]]:
    with workshop.app.app_context():
        room = db.session.query(Room).filter_by(code=code).one()
        return {entry.ref: entry.counts for poster in tally(room) for entry in poster.items}


def all_dots(workshop: Workshop) -> list[tuple[int, int, str]]:
    with workshop.app.app_context():
        return sorted((d.item_id, d.participant_id, d.colour) for d in db.session.query(Dot).all())


def open_posters(workshop: Workshop, *names: str) -> tuple[Member, list[Member]]:
    lead = workshop.connect(workshop.open_room())
    assert lead.act("phase.go", index=POSTERS_PHASE)["ok"]
    members = [workshop.connect(workshop.join(lead.code, name)) for name in names]
    for member in (lead, *members):
        member.swaps()
    return lead, members


def projector_of(workshop: Workshop, lead: Member) -> Member:
    return workshop.connect(Member(lead.client, lead.code, "projector"))


# --- Seeding ------------------------------------------------------------------------------


def test_the_readiness_kit_puts_the_standards_elements_on_the_wall(workshop: Workshop, app):
    lead = workshop.open_room()
    with app.app_context():
        room = db.session.query(Room).filter_by(code=lead.code).one()
        board = tally(room)
        standard = app.extensions["wsapp_content"].standards["alignment-coherence"]
    assert [p.poster.key for p in board] == ["A", "B", "C"]
    for poster, element in zip(board, standard.elements, strict=True):
        assert poster.poster.title == element.title
        assert poster.poster.statement == element.statement
        assert [e.item.label for e in poster.items] == ["1", "2", "3", "4"]
        assert [e.item.text for e in poster.items] == [i.text for i in element.indicators]
        assert all(e.counts == {"green": 0, "yellow": 0, "red": 0} for e in poster.items)


def test_kits_without_a_posters_phase_get_no_posters(workshop: Workshop, app):
    workshop.open_room(kit="discussion-equity")
    with app.app_context():
        assert db.session.query(Poster).count() == 0


# --- One dot per item ---------------------------------------------------------------------


def test_a_new_colour_replaces_your_dot_and_the_same_colour_is_refused(workshop: Workshop):
    lead, (ana,) = open_posters(workshop, "Ana")
    a1 = item_ids(workshop, lead.code)["A1"]
    assert ana.act("dot.place", item_id=a1, colour="green")["ok"]
    assert room_tally(workshop, lead.code)["A1"] == {"green": 1, "yellow": 0, "red": 0}
    assert ana.act("dot.place", item_id=a1, colour="red")["ok"]
    assert room_tally(workshop, lead.code)["A1"] == {"green": 0, "yellow": 0, "red": 1}
    version = workshop.room(lead.code).version
    reply = ana.act("dot.place", item_id=a1, colour="red")
    assert reply == {"ok": False, "error": "Your dot on A1 is already “Significant work needed”."}
    assert workshop.room(lead.code).version == version
    assert room_tally(workshop, lead.code)["A1"] == {"green": 0, "yellow": 0, "red": 1}


def test_take_back_removes_your_dot_only(workshop: Workshop):
    lead, (ana, ben) = open_posters(workshop, "Ana", "Ben")
    a1 = item_ids(workshop, lead.code)["A1"]
    ana.act("dot.place", item_id=a1, colour="yellow")
    ben.act("dot.place", item_id=a1, colour="yellow")
    assert ana.act("dot.take_back", item_id=a1, colour="green") == {
        "ok": False,
        "error": "You have no “Strength” dot on A1 to take back.",
    }
    assert ana.act("dot.take_back", item_id=a1)["ok"]
    assert room_tally(workshop, lead.code)["A1"]["yellow"] == 1
    assert ana.act("dot.take_back", item_id=a1) == {
        "ok": False,
        "error": "You have no dot on A1 to take back.",
    }
    assert room_tally(workshop, lead.code)["A1"]["yellow"] == 1


def test_dots_work_over_http_as_the_buttons_send_them(workshop: Workshop):
    lead, (ana,) = open_posters(workshop, "Ana")
    b2 = item_ids(workshop, lead.code)["B2"]
    response = ana.post_action("dot.place", item_id=str(b2), colour="green")
    assert response.status_code == 200
    assert room_tally(workshop, lead.code)["B2"]["green"] == 1
    refused = ana.post_action("dot.place", item_id=str(b2), colour="purple")
    assert refused.status_code == 422
    flash = parse(refused.get_data(as_text=True)).find_all("p", role="alert")[0]
    assert flash.words == "colour: Input should be 'green', 'yellow' or 'red'"


# --- Budget -------------------------------------------------------------------------------


def test_a_budget_lets_people_spread_several_dots_and_no_more(workshop: Workshop):
    lead, (ana,) = open_posters(workshop, "Ana")
    ids = item_ids(workshop, lead.code)
    assert lead.act("posters.budget", budget=3)["ok"]
    assert ana.act("dot.place", item_id=ids["A1"], colour="green")["ok"]
    assert ana.act("dot.place", item_id=ids["A1"], colour="green")["ok"]
    assert ana.act("dot.place", item_id=ids["C4"], colour="red")["ok"]
    html = ana.client.get(f"/r/{lead.code}").get_data(as_text=True)
    assert parse(html).by_id("dots-left").words == "Dots left: 0 of 3"
    reply = ana.act("dot.place", item_id=ids["B1"], colour="yellow")
    assert reply == {
        "ok": False,
        "error": "You have placed all 3 of your dots. Take one back to put it somewhere else.",
    }
    assert room_tally(workshop, lead.code)["A1"]["green"] == 2
    assert ana.act("dot.take_back", item_id=ids["A1"], colour="green")["ok"]
    assert room_tally(workshop, lead.code)["A1"]["green"] == 1
    assert ana.act("dot.place", item_id=ids["B1"], colour="yellow")["ok"]


def test_budget_changes_keep_every_placed_dot(workshop: Workshop):
    lead, (ana,) = open_posters(workshop, "Ana")
    ids = item_ids(workshop, lead.code)
    lead.act("posters.budget", budget=4)
    for ref in ("A1", "A1", "A2"):
        assert ana.act("dot.place", item_id=ids[ref], colour="green")["ok"]
    assert lead.act("posters.budget", budget=2)["ok"]
    assert len(all_dots(workshop)) == 3
    assert ana.act("dot.place", item_id=ids["B1"], colour="red")["error"] == (
        "The facilitator lowered the budget to 2 dots each and you have 3 placed: "
        "take 2 back to place another."
    )
    # Back to one per item (an empty form field means None): a new colour replaces them all.
    assert lead.post_action("posters.budget", budget="").status_code == 200
    assert workshop.room(lead.code).dot_budget is None
    assert ana.act("dot.place", item_id=ids["A1"], colour="yellow")["ok"]
    assert room_tally(workshop, lead.code)["A1"] == {"green": 0, "yellow": 1, "red": 0}


def test_lowering_the_budget_below_what_people_placed_tells_them_and_the_facilitator(
    workshop: Workshop,
):
    lead, (ana, ben) = open_posters(workshop, "Ana", "Ben")
    ids = item_ids(workshop, lead.code)
    lead.act("posters.budget", budget=5)
    for ref in ("A1", "A1", "A2", "B1", "C1"):
        assert ana.act("dot.place", item_id=ids[ref], colour="green")["ok"]
    for ref in ("A1", "B2"):
        assert ben.act("dot.place", item_id=ids[ref], colour="red")["ok"]
    for member in (lead, ana, ben):
        member.swaps()

    assert lead.act("posters.budget", budget=4)["ok"]
    # Live, on each phone: Ana holds 5 of a budget of 4; Ben is under it.
    assert pushed(ana).by_id("dots-left").words == (
        "⚠ The facilitator lowered the budget to 4 dots each; you have 5 placed. Take 1 back."
    )
    assert pushed(ben).by_id("dots-left").words == "Dots left: 2 of 4"
    progress = pushed(lead).by_id("dot-progress")
    assert progress.by_class("over-budget")[0].words == (
        "⚠ 1 person has more dots than the budget of 4; their phones ask them to take the "
        "extra back."
    )
    reply = ana.act("dot.place", item_id=ids["C2"], colour="red")
    assert reply["error"] == (
        "The facilitator lowered the budget to 4 dots each and you have 5 placed: "
        "take 2 back to place another."
    )

    assert ana.act("dot.take_back", item_id=ids["A1"])["ok"]
    assert pushed(ana).by_id("dots-left").words == "Dots left: 0 of 4"
    assert pushed(lead).by_id("dot-progress").by_class("over-budget") == []
    page = parse(ana.client.get(f"/r/{lead.code}").get_data(as_text=True))
    assert page.by_id("dots-left").words == "Dots left: 0 of 4"


@pytest.mark.parametrize("budget", [0, -1, 51, "many", 2.5])
def test_a_budget_must_be_a_sensible_number(workshop: Workshop, budget):
    lead = workshop.connect(workshop.open_room())
    assert lead.act("posters.budget", budget=budget)["ok"] is False
    assert workshop.room(lead.code).dot_budget is None


# --- Locks, closed rooms, strangers -------------------------------------------------------


def test_locked_posters_refuse_dots_with_a_clear_message(workshop: Workshop):
    lead, (ana,) = open_posters(workshop, "Ana")
    a1 = item_ids(workshop, lead.code)["A1"]
    ana.act("dot.place", item_id=a1, colour="green")
    assert lead.act("posters.lock", locked=True)["ok"]
    for name, args in (("dot.place", {"colour": "red"}), ("dot.take_back", {})):
        assert ana.act(name, item_id=a1, **args) == {"ok": False, "error": LOCKED_MESSAGE}
    page = parse(ana.client.get(f"/r/{lead.code}").get_data(as_text=True))
    group = page.by_id(f"my-dots-{a1}")
    assert all("disabled" in button.attrs for button in group.find_all("button"))
    assert lead.act("posters.lock", locked=False)["ok"]
    assert ana.act("dot.place", item_id=a1, colour="red")["ok"]
    assert room_tally(workshop, lead.code)["A1"]["red"] == 1


def test_a_locked_or_closed_room_refuses_dots(workshop: Workshop):
    lead, (ana,) = open_posters(workshop, "Ana")
    a1 = item_ids(workshop, lead.code)["A1"]
    lead.act("room.lock", locked=True)
    assert ana.act("dot.place", item_id=a1, colour="green")["error"] == (
        "The facilitator has locked the room for now."
    )
    lead.act("room.lock", locked=False)
    ana.act("dot.place", item_id=a1, colour="green")
    lead.act("room.close")
    reply = ana.act("dot.take_back", item_id=a1)
    assert reply["ok"] is False and "closed" in reply["error"]
    assert len(all_dots(workshop)) == 1


def test_someone_not_in_the_room_cannot_dot(workshop: Workshop, app):
    lead, _ = open_posters(workshop, "Ana")
    a1 = item_ids(workshop, lead.code)["A1"]
    stranger = Member(app.test_client(), lead.code, "participant")
    assert stranger.post_action("dot.place", item_id=a1, colour="green").status_code == 403
    other = workshop.open_room()
    outsider = workshop.join(other.code, "Outsider")
    # A member of another room names this room's item: it is not on their room's posters.
    response = outsider.post_action("dot.place", item_id=a1, colour="green")
    assert response.status_code == 404
    assert "not on this room's posters" in parse(response.get_data(as_text=True)).words
    assert all_dots(workshop) == []


@pytest.mark.parametrize(
    "args,message",
    [
        ({"item_id": 99999, "colour": "green"}, "That item is not on this room's posters"),
        ({"item_id": "A1", "colour": "green"}, "item_id: Input should be a valid integer"),
        ({"colour": "green"}, "item_id: is required"),
        ({"item_id": "__A1__", "colour": "blue"}, "colour: Input should be"),
        ({"item_id": "__A1__", "colour": "green", "weight": 5}, "weight: is not expected here"),
    ],
)
def test_bad_dots_change_nothing_and_lose_no_other_dot(workshop: Workshop, args, message):
    lead, (ana, ben) = open_posters(workshop, "Ana", "Ben")
    a1 = item_ids(workshop, lead.code)["A1"]
    ana.act("dot.place", item_id=a1, colour="green")
    ben.act("dot.place", item_id=a1, colour="red")
    before, version = all_dots(workshop), workshop.room(lead.code).version
    args = {k: a1 if v == "__A1__" else v for k, v in args.items()}
    reply = ana.act("dot.place", **args)
    assert reply["ok"] is False and reply["error"].startswith(message)
    assert all_dots(workshop) == before
    assert workshop.room(lead.code).version == version


@pytest.mark.parametrize(
    "name,args",
    [
        ("posters.lock", {"locked": True}),
        ("posters.reveal", {"revealed": True}),
        ("posters.named", {"named": True}),
        ("posters.budget", {"budget": 3}),
        ("posters.clear", {"poster_id": 1}),
        ("poster.item.add", {"poster_id": 1, "text": "Mine"}),
        ("poster.item.rename", {"item_id": 1, "text": "Mine"}),
        ("poster.item.remove", {"item_id": 1}),
        ("poster.add", {"title": "Mine"}),
        ("poster.rename", {"poster_id": 1, "title": "Mine"}),
        ("poster.remove", {"poster_id": 1}),
    ],
)
def test_participants_cannot_run_the_facilitators_poster_controls(workshop: Workshop, name, args):
    lead, (ana,) = open_posters(workshop, "Ana")
    version = workshop.room(lead.code).version
    assert ana.act(name, **args) == {"ok": False, "error": "Only the facilitator can do that."}
    assert workshop.room(lead.code).version == version


def test_the_facilitator_cannot_dot(workshop: Workshop):
    lead, _ = open_posters(workshop, "Ana")
    a1 = item_ids(workshop, lead.code)["A1"]
    reply = lead.act("dot.place", item_id=a1, colour="green")
    assert reply == {"ok": False, "error": "Join the room as a participant to do that."}


# --- Changing the posters before dots start ------------------------------------------------


def test_items_can_be_added_renamed_and_removed_before_dots_start(workshop: Workshop, app):
    lead, (ana,) = open_posters(workshop, "Ana")
    posters = poster_ids(workshop, lead.code)
    ids = item_ids(workshop, lead.code)
    assert lead.act("poster.item.add", poster_id=posters["A"], text="  Our own indicator ")["ok"]
    assert lead.act("poster.item.rename", item_id=ids["A2"], text="Reworded")["ok"]
    assert lead.act("poster.item.remove", item_id=ids["A1"])["ok"]
    with app.app_context():
        room = db.session.query(Room).filter_by(code=lead.code).one()
        a = tally(room)[0]
        assert [(e.ref, e.item.text) for e in a.items][::3] == [
            ("A1", "Reworded"),
            ("A4", "Our own indicator"),
        ]
        removed = db.session.get(PosterItem, ids["A1"])
        assert removed.removed_at is not None  # kept for the record
    # A removed item takes no dots.
    reply = ana.act("dot.place", item_id=ids["A1"], colour="green")
    assert reply["ok"] is False and "not on this room's posters" in reply["error"]


def test_items_are_fixed_once_their_poster_has_dots(workshop: Workshop):
    lead, (ana,) = open_posters(workshop, "Ana")
    posters = poster_ids(workshop, lead.code)
    ids = item_ids(workshop, lead.code)
    ana.act("dot.place", item_id=ids["A3"], colour="green")
    expected = "Poster A already has dots, so its items stay as they are. Clear its dots first"
    for name, args in (
        ("poster.item.add", {"poster_id": posters["A"], "text": "Late"}),
        ("poster.item.rename", {"item_id": ids["A1"], "text": "Late"}),
        ("poster.item.remove", {"item_id": ids["A1"]}),
        ("poster.remove", {"poster_id": posters["A"]}),
    ):
        reply = lead.act(name, **args)
        assert reply["ok"] is False and reply["error"].startswith(expected), name
    assert lead.act("poster.item.rename", item_id=ids["B1"], text="Still open")["ok"]
    # The facilitator's page says so, instead of offering the forms.
    page = parse(lead.client.get(f"/r/{lead.code}/lead").get_data(as_text=True))
    assert "Items are fixed" in page.by_id(f"poster-tools-{posters['A']}").words
    assert page.by_id(f"item-{ids['B1']}-text") is not None
    assert page.by_id(f"item-{ids['A1']}-text") is None


@pytest.mark.parametrize(
    "name,args,error",
    [
        ("poster.item.add", {"text": "x" * 301}, "text: String should have at most 300"),
        ("poster.item.add", {"text": "   "}, "text: String should have at least 1"),
        ("poster.add", {"title": "x" * 121}, "title: String should have at most 120"),
    ],
)
def test_poster_text_has_limits(workshop: Workshop, name, args, error):
    lead = workshop.connect(workshop.open_room())
    if name.startswith("poster.item"):
        args = {"poster_id": poster_ids(workshop, lead.code)["A"], **args}
    reply = lead.act(name, **args)
    assert reply["ok"] is False and reply["error"].startswith(error)


def test_posters_can_be_added_renamed_and_removed(workshop: Workshop):
    lead = workshop.connect(workshop.open_room())
    assert lead.act("poster.add", title="Equity", statement="Our own poster")["ok"]
    posters = poster_ids(workshop, lead.code)
    assert set(posters) == {"A", "B", "C", "D"}
    assert lead.act("poster.item.add", poster_id=posters["D"], text="Access for all")["ok"]
    assert "D1" in item_ids(workshop, lead.code)
    assert lead.act("poster.rename", poster_id=posters["D"], title="Equity of access")["ok"]
    assert lead.act("poster.remove", poster_id=posters["B"])["ok"]
    assert set(poster_ids(workshop, lead.code)) == {"A", "C", "D"}


def test_clearing_a_poster_takes_only_its_dots(workshop: Workshop):
    lead, (ana, ben) = open_posters(workshop, "Ana", "Ben")
    posters, ids = poster_ids(workshop, lead.code), item_ids(workshop, lead.code)
    ana.act("dot.place", item_id=ids["A1"], colour="green")
    ben.act("dot.place", item_id=ids["A4"], colour="red")
    ben.act("dot.place", item_id=ids["B1"], colour="yellow")
    assert lead.act("posters.clear", poster_id=posters["A"])["ok"]
    assert all_dots(workshop) == [(ids["B1"], all_dots(workshop)[0][1], "yellow")]
    assert lead.act("posters.clear", poster_id=99999)["error"] == "That poster is not in this room."
    # The facilitator's button asks first.
    page = parse(lead.client.get(f"/r/{lead.code}/lead").get_data(as_text=True))
    clear = next(
        b
        for b in page.find_all("button")
        if b.words == "Clear poster B\N{RIGHT SINGLE QUOTATION MARK}s dots"
    )
    assert clear.attrs["hx-confirm"].startswith("Take every dot off poster B?")


# --- Who sees what ------------------------------------------------------------------------


def test_before_the_reveal_participants_are_sent_only_their_own_dots(workshop: Workshop):
    lead, (ana, ben) = open_posters(workshop, "Ana", "Ben")
    projector = projector_of(workshop, lead)
    projector.swaps()
    a1 = item_ids(workshop, lead.code)["A1"]

    assert ana.act("dot.place", item_id=a1, colour="green")["ok"]

    mine = pushed(ana)
    assert mine.ids("tally-") == set()
    group = mine.by_id(f"my-dots-{a1}")
    pressed = {b.attrs["id"]: b.attrs.get("aria-pressed") for b in group.find_all("button")}
    assert pressed == {
        f"dot-{a1}-green": "true",
        f"dot-{a1}-yellow": "false",
        f"dot-{a1}-red": "false",
        f"take-back-{a1}": None,
    }

    others = pushed(ben)
    assert others.ids("tally-") == set() and others.ids("my-dots-") == set()
    assert others.words == ""

    facilitator = pushed(lead)
    assert counts_in(facilitator.by_id(f"tally-{a1}")) == {"green": 1, "yellow": 0, "red": 0}
    assert (
        facilitator.by_id("dot-progress").words
        == "1 dot placed by 1 of 2 people · 1 has not dotted yet"
    )

    wall = pushed(projector)
    assert wall.ids("tally-") == set()
    assert wall.by_id("dot-progress").words == "1 dot placed by 1 of 2 people"

    # Nor do the pages show anyone else's dots.
    for member in (ben, ana):
        page = parse(member.client.get(f"/r/{lead.code}").get_data(as_text=True))
        assert [page.by_id(tally_id).words for tally_id in page.ids("tally-")] == [""] * 12


def pressed_on(node: Node | None, item_id: int) -> set[str]:
    """The colours pressed among one item's own dot buttons."""
    assert node is not None
    return {
        button.attrs["id"].rsplit("-", 1)[1]
        for button in node.find_all("button")
        if button.attrs.get("aria-pressed") == "true"
    }


def test_moving_to_the_posters_sends_the_wall_once_and_each_phone_its_own_buttons(
    workshop: Workshop,
):
    lead, (ana, ben) = open_posters(workshop, "Ana", "Ben")
    ids = item_ids(workshop, lead.code)
    a1, a2 = ids["A1"], ids["A2"]
    ana.act("dot.place", item_id=a1, colour="green")
    lead.act("phase.go", index=REVIEW_PHASE)
    for member in (lead, ana, ben):
        member.swaps()

    lead.act("phase.go", index=POSTERS_PHASE)

    for member, own in ((ana, {"green"}), (ben, set())):
        room_push, own_push = (parse(swap["html"]) for swap in member.swaps())
        # The room's participants get one wall, every item's buttons as before a first dot...
        assert room_push.by_id("phase") is not None
        for item in ids.values():
            assert pressed_on(room_push.by_id(f"my-dots-{item}"), item) == set()
        take_back = room_push.by_id(f"take-back-{a2}")
        assert take_back is not None and "disabled" in take_back.attrs
        # ...and each phone, after it, its budget and the buttons of the items it has dots
        # on, pressed as placed: nothing more to render for a phone without dots.
        assert own_push.by_id("phase") is None
        assert own_push.by_id("dots-left") is not None
        assert own_push.ids("my-dots-") == ({f"my-dots-{a1}"} if own else set())
        if own:
            assert pressed_on(own_push.by_id(f"my-dots-{a1}"), a1) == own
        # The page, loaded afresh, shows the same as the two pushes did.
        page = parse(member.client.get(f"/r/{lead.code}").get_data(as_text=True))
        assert pressed_on(page.by_id(f"my-dots-{a1}"), a1) == own
        assert page.by_id("phase").attrs.get("data-phase") == "posters"


def test_after_the_reveal_every_screen_shows_the_same_counts(workshop: Workshop):
    lead, (ana, ben) = open_posters(workshop, "Ana", "Ben")
    projector = projector_of(workshop, lead)
    ids = item_ids(workshop, lead.code)
    ana.act("dot.place", item_id=ids["A1"], colour="green")
    ben.act("dot.place", item_id=ids["A1"], colour="red")
    for member in (lead, ana, ben, projector):
        member.swaps()

    assert lead.act("posters.reveal", revealed=True)["ok"]
    expected = {"green": 1, "yellow": 0, "red": 1}
    for member in (lead, ana, ben, projector):
        assert counts_in(pushed(member).by_id(f"tally-{ids['A1']}")) == expected, member.view

    # A later dot reaches everyone's tally, participants' included.
    ben.act("dot.place", item_id=ids["A1"], colour="yellow")
    expected = {"green": 1, "yellow": 1, "red": 0}
    for member in (lead, ana, ben, projector):
        assert counts_in(pushed(member).by_id(f"tally-{ids['A1']}")) == expected, member.view

    # Hiding again takes the counts off participants' screens.
    lead.act("posters.reveal", revealed=False)
    fragment = pushed(ana)
    assert fragment.by_id(f"tally-{ids['A1']}").words == ""


def test_dots_are_anonymous_unless_named_before_anyone_dots(workshop: Workshop):
    lead, (ana, ben) = open_posters(workshop, "Ana", "Ben")
    ids = item_ids(workshop, lead.code)
    ana.act("dot.place", item_id=ids["A1"], colour="green")
    lead.act("posters.reveal", revealed=True)
    with workshop.app.app_context():
        room = db.session.query(Room).filter_by(code=lead.code).one()
        assert tally(room)[0].items[0].names == {"green": [], "yellow": [], "red": []}
    page = parse(ben.client.get(f"/r/{lead.code}").get_data(as_text=True))
    assert "Ana" not in page.by_id(f"tally-{ids['A1']}").words
    reply = lead.act("posters.named", named=True)
    assert reply["ok"] is False and "stay anonymous" in reply["error"]

    lead.act("posters.clear", poster_id=poster_ids(workshop, lead.code)["A"])
    assert lead.act("posters.named", named=True)["ok"]
    ana.act("dot.place", item_id=ids["A1"], colour="green")
    ben.act("dot.place", item_id=ids["A1"], colour="green")
    with workshop.app.app_context():
        room = db.session.query(Room).filter_by(code=lead.code).one()
        assert tally(room)[0].items[0].names["green"] == ["Ana", "Ben"]
    tally_node = pushed(ben).by_id(f"tally-{ids['A1']}")
    assert "Ana, Ben" in tally_node.words
    # Names can always be switched off again.
    assert lead.act("posters.named", named=False)["ok"]
    assert (
        "Ana"
        not in parse(ben.client.get(f"/r/{lead.code}").get_data(as_text=True))
        .by_id(f"tally-{ids['A1']}")
        .words
    )


def test_a_removed_participants_dots_drop_out_of_the_tally(workshop: Workshop, app):
    lead, (ana, twice) = open_posters(workshop, "Ana", "Ana again")
    ids = item_ids(workshop, lead.code)
    ana.act("dot.place", item_id=ids["A1"], colour="green")
    twice.act("dot.place", item_id=ids["A1"], colour="green")
    with app.app_context():
        duplicate = db.session.query(Participant).filter_by(name="Ana again").one().id
    projector = projector_of(workshop, lead)
    for member in (lead, ana, projector):
        member.swaps()
    assert lead.act("participant.remove", participant_id=duplicate)["ok"]
    assert room_tally(workshop, lead.code)["A1"]["green"] == 1
    # Every screen that shows the tally is told at once, not at the next dot.
    expected = {"green": 1, "yellow": 0, "red": 0}
    assert counts_in(pushed(lead).by_id(f"tally-{ids['A1']}")) == expected
    assert pushed(projector).by_id("dot-progress").words == "1 dot placed by 1 of 1 person"
    page = parse(lead.client.get(f"/r/{lead.code}/lead").get_data(as_text=True))
    assert page.by_id("dot-progress").words == "1 dot placed by 1 of 1 person"


# --- Many people at once ------------------------------------------------------------------


def test_concurrent_dots_from_many_participants_converge_to_one_tally(workshop: Workshop):
    lead = workshop.connect(workshop.open_room())
    lead.act("phase.go", index=POSTERS_PHASE)
    ids = list(item_ids(workshop, lead.code).values())
    people = [workshop.join(lead.code, f"Person {n}") for n in range(20)]
    final: list[dict[int, str]] = [{} for _ in people]
    errors: list[str] = []
    start = threading.Barrier(len(people))

    def dot(index: int, member: Member) -> None:
        chooser = random.Random(index)
        mine = final[index]
        start.wait()
        for _ in range(15):
            item = chooser.choice(ids)
            if item in mine and chooser.random() < 0.25:
                response = member.post_action("dot.take_back", item_id=item)
                if response.status_code == 200:
                    del mine[item]
                continue
            colour = chooser.choice(("green", "yellow", "red"))
            response = member.post_action("dot.place", item_id=item, colour=colour)
            if response.status_code == 200:
                mine[item] = colour
            elif mine.get(item) != colour:  # only a repeat of one's own colour may fail
                errors.append(response.get_data(as_text=True))

    threads = [threading.Thread(target=dot, args=(i, m)) for i, m in enumerate(people)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []

    expected = {item: dict.fromkeys(("green", "yellow", "red"), 0) for item in ids}
    for mine in final:
        for item, colour in mine.items():
            expected[item][colour] += 1
    with workshop.app.app_context():
        room = db.session.query(Room).filter_by(code=lead.code).one()
        actual = {entry.item.id: entry.counts for p in tally(room) for entry in p.items}
        assert db.session.query(Participant).count() == 20
    assert actual == expected
    # The facilitator's screen ends on the same tally as the database.
    page = parse(lead.client.get(f"/r/{lead.code}/lead").get_data(as_text=True))
    assert {item: counts_in(page.by_id(f"tally-{item}")) for item in ids} == expected


# --- The summary --------------------------------------------------------------------------


def _dot_pattern(workshop: Workshop, lead: Member, people: list[Member], pattern: dict[str, str]):
    """pattern: item ref -> colours, one letter per person (g, y, r, or . for none)."""
    ids = item_ids(workshop, lead.code)
    colour = {"g": "green", "y": "yellow", "r": "red"}
    for ref, letters in pattern.items():
        for member, letter in zip(people, letters, strict=False):
            if letter != ".":
                assert member.act("dot.place", item_id=ids[ref], colour=colour[letter])["ok"]


def test_the_summary_ranks_strengths_gaps_and_disagreement(workshop: Workshop):
    lead, people = open_posters(workshop, "P1", "P2", "P3", "P4")
    _dot_pattern(
        workshop,
        lead,
        people,
        {
            "A1": "gggg",  # unanimous strength
            "A2": "gggy",  # strength, a little less
            "A3": "gggr",  # majority green but one red: disagreement, not clear
            "B1": "rrrr",  # unanimous gap
            "B2": "rryy",  # gap, mean -0.5
            "B3": "ggrr",  # even split: most disagreement
            "C1": "gyyr",  # spread but centred
            "C2": "yyyy",  # agreement on "some work"
        },
    )
    with workshop.app.app_context():
        room = db.session.query(Room).filter_by(code=lead.code).one()
        result = summary(room)
    refs = lambda entries: [e.ref for e in entries]  # noqa: E731
    assert refs(result.strengths) == ["A1", "A2"]
    assert refs(result.gaps) == ["B1", "B2"]
    assert refs(result.disagreements) == ["B3", "A3", "C1"]
    spreads = {e.ref: round(e.spread, 3) for e in result.disagreements}
    assert spreads == {"B3": 1.0, "A3": 0.866, "C1": 0.707}
    assert refs(result.undotted) == ["A4", "B4", "C3", "C4"]


def test_the_review_shows_the_summary_to_participants_only_after_the_reveal(workshop: Workshop):
    lead, people = open_posters(workshop, "P1", "P2")
    _dot_pattern(workshop, lead, people, {"A1": "gg", "B1": "gr"})
    lead.act("phase.go", index=REVIEW_PHASE)
    facilitator = parse(lead.client.get(f"/r/{lead.code}/lead").get_data(as_text=True))
    strengths = facilitator.by_id("poster-summary").find_all("section")[0]
    assert strengths.find_all("h2")[0].words == "● Clear strengths 1"
    assert "A1" in strengths.words and "Strength: 2" in strengths.words
    disagreement = facilitator.by_id("poster-summary").find_all("section")[2]
    assert "B1" in disagreement.words and "spread 1.00" in disagreement.words
    # The room reads plain words, not the statistic.
    lead.act("posters.reveal", revealed=True)
    wall = parse(lead.client.get(f"/r/{lead.code}/projector").get_data(as_text=True))
    split = wall.by_id("poster-summary").find_all("section")[2].words
    assert "The team is split on B1" in split and "spread" not in split.lower()
    lead.act("posters.reveal", revealed=False)

    participant_page = parse(people[0].client.get(f"/r/{lead.code}").get_data(as_text=True))
    assert participant_page.by_id("poster-summary").words == (
        "The team\N{RIGHT SINGLE QUOTATION MARK}s dots appear here once the facilitator "
        "reveals them."
    )
    for member in (lead, *people):
        member.swaps()
    # A late dot during the review refreshes the facilitator's summary, nobody else's.
    people[1].act("dot.place", item_id=item_ids(workshop, lead.code)["C1"], colour="red")
    assert pushed(lead).by_id("poster-summary") is not None
    assert pushed(people[0]).by_id("poster-summary") is None

    lead.act("posters.reveal", revealed=True)
    revealed = pushed(people[0]).by_id("poster-summary")
    assert "Clear strengths" in revealed.words and "A1" in revealed.words


# --- The pages ----------------------------------------------------------------------------


def test_the_phone_page_labels_each_button_with_text_and_shape(workshop: Workshop):
    lead, (ana,) = open_posters(workshop, "Ana")
    a1 = item_ids(workshop, lead.code)["A1"]
    page = parse(ana.client.get(f"/r/{lead.code}").get_data(as_text=True))
    group = page.by_id(f"my-dots-{a1}")
    assert group.attrs["role"] == "group" and group.attrs["aria-label"] == "Your dot on A1"
    labels = [b.words for b in group.find_all("button")]
    assert labels == [
        "● Strength",
        "▲ Some work needed",
        "■ Significant work needed",
        "↶ Take back your dot on A1",
    ]
    take_back = group.find_all("button")[-1]
    assert "disabled" in take_back.attrs
    assert page.by_id("dots-left").words == ""
    lead.act("posters.budget", budget=5)
    page = parse(ana.client.get(f"/r/{lead.code}").get_data(as_text=True))
    assert page.by_id("dots-left").words == "Dots left: 5 of 5"
