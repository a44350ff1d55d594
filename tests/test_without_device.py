"""Nobody left out: people without a phone, whose dots and answer the facilitator or a
table captain places for them."""

from __future__ import annotations

import json
import re

from wsapp.extensions import db
from wsapp.models import Participant, QuietWrite
from wsapp.posters.domain import dot_progress

from .conftest import Member, Workshop
from .dom import parse
from .test_export import import_file
from .test_posters import item_ids, open_posters, room_tally

QUIET_WRITE_PHASE = 2


def person_id(workshop: Workshop, name: str) -> int:
    with workshop.app.app_context():
        return db.session.query(Participant).filter_by(name=name).one().id


def add_without_phone(by: Member, workshop: Workshop, name: str) -> int:
    reply = by.act("person.add", name=name)
    assert reply["ok"], reply
    return person_id(workshop, name)


def test_the_facilitator_dots_for_someone_without_a_phone(workshop: Workshop) -> None:
    lead, [ana] = open_posters(workshop, "Ana")
    pat = add_without_phone(lead, workshop, "Pat")
    items = item_ids(workshop, lead.code)

    assert lead.act("dot.place", item_id=items["A1"], colour="red", for_person=pat)["ok"]
    assert lead.act("dot.place", item_id=items["A2"], colour="green", for_person=pat)["ok"]
    # A new colour replaces Pat's dot, as it would replace anyone's.
    assert lead.act("dot.place", item_id=items["A1"], colour="yellow", for_person=pat)["ok"]
    assert ana.act("dot.place", item_id=items["A1"], colour="yellow")["ok"]
    assert lead.act("dot.take_back", item_id=items["A2"], for_person=pat)["ok"]

    counts = room_tally(workshop, lead.code)
    assert counts["A1"] == {"green": 0, "yellow": 2, "red": 0}
    assert counts["A2"] == {"green": 0, "yellow": 0, "red": 0}
    with workshop.app.app_context():
        progress = dot_progress(workshop.room(lead.code))
    assert (progress.dots, progress.people, progress.members) == (2, 2, 2)

    # The facilitator's people list marks Pat, who is never online.
    page = parse(lead.client.get(f"/r/{lead.code}/lead").get_data(as_text=True))
    people = page.by_id("people")
    assert people is not None
    pat_row = next(li for li in people.find_all("li") if "Pat" in li.words)
    assert "no phone" in pat_row.words
    assert "online" not in pat_row.words
    assert people.find(lambda n: n.tag == "a" and n.words == "Act for Pat") is not None


def test_the_page_for_pat_shows_and_changes_pats_dots(workshop: Workshop) -> None:
    lead, _ = open_posters(workshop)
    pat = add_without_phone(lead, workshop, "Pat")
    items = item_ids(workshop, lead.code)
    page = lead.client.get(f"/r/{lead.code}/lead/for/{pat}")
    assert page.status_code == 200
    wall = parse(page.get_data(as_text=True))
    holder = next(n for n in wall.walk() if n.attrs.get("hx-vals"))
    assert json.loads(str(holder.attrs["hx-vals"])) == {"for_person": pat}

    # The button posts the ordinary action; the reply carries Pat's buttons as they now are.
    response = lead.post_action("dot.place", item_id=items["B1"], colour="green", for_person=pat)
    assert response.status_code == 200
    buttons = parse(response.get_data(as_text=True))
    green = buttons.by_id(f"dot-{items['B1']}-green")
    assert green is not None and green.attrs["aria-pressed"] == "true"
    assert room_tally(workshop, lead.code)["B1"]["green"] == 1


def test_only_the_facilitator_or_a_captain_acts_for_others(workshop: Workshop) -> None:
    lead, [ana, ben] = open_posters(workshop, "Ana", "Ben")
    pat = add_without_phone(lead, workshop, "Pat")
    items = item_ids(workshop, lead.code)

    # A participant can neither add a person nor act for one.
    refused = ana.act("person.add", name="Sam")
    assert not refused["ok"] and "table captain" in refused["error"]
    refused = ana.act("dot.place", item_id=items["A1"], colour="red", for_person=pat)
    assert not refused["ok"] and "table captain" in refused["error"]
    assert (
        ana.post_action(
            "person.captain", participant_id=person_id(workshop, "Ana"), captain="true"
        ).status_code
        == 403
    )
    # Nobody acts for someone who has a phone of their own, or for a stranger.
    ben_id = person_id(workshop, "Ben")
    refused = lead.act("dot.place", item_id=items["A1"], colour="red", for_person=ben_id)
    assert not refused["ok"] and "acts for themselves" in refused["error"]
    other = workshop.open_room()
    workshop.connect(other)
    sam = add_without_phone(other, workshop, "Sam")
    refused = lead.act("dot.place", item_id=items["A1"], colour="red", for_person=sam)
    assert not refused["ok"] and "not in this room" in refused["error"]
    # Bad values, and for_person on an action no one does for others.
    assert (
        "for_person"
        in lead.act("dot.place", item_id=items["A1"], colour="red", for_person="x")["error"]
    )
    assert "for_person" in lead.act("posters.lock", locked=True, for_person=pat)["error"]
    assert not workshop.room(lead.code).posters_locked
    assert room_tally(workshop, lead.code)["A1"] == {"green": 0, "yellow": 0, "red": 0}
    assert lead.client.get(f"/r/{lead.code}/lead/for/{ben_id}").status_code == 403
    assert ana.client.get(f"/r/{lead.code}/for/{pat}").status_code == 403

    # Named table captain, Ana adds Sam at her table and dots for them; Ben still cannot.
    ana_id = person_id(workshop, "Ana")
    assert lead.act("person.captain", participant_id=ana_id, captain=True)["ok"]
    captain_tools = parse("".join(s["html"] for s in ana.swaps()))
    assert captain_tools.by_id("captain") is not None
    assert ana.act("person.add", name="Lee")["ok"]
    lee = person_id(workshop, "Lee")
    assert ana.client.get(f"/r/{lead.code}/for/{lee}").status_code == 200
    assert ana.act("dot.place", item_id=items["A1"], colour="green", for_person=lee)["ok"]
    assert not ben.act("dot.place", item_id=items["A1"], colour="red", for_person=lee)["ok"]
    # Ana's own dots are hers alone: acting for Lee placed none.
    assert ana.act("dot.place", item_id=items["A1"], colour="red")["ok"]
    assert room_tally(workshop, lead.code)["A1"] == {"green": 1, "yellow": 0, "red": 1}
    # Un-named, she can act for nobody.
    assert lead.act("person.captain", participant_id=ana_id, captain=False)["ok"]
    assert not ana.act("dot.take_back", item_id=items["A1"], for_person=lee)["ok"]
    assert room_tally(workshop, lead.code)["A1"]["green"] == 1
    # Someone without a phone cannot be captain.
    assert not lead.act("person.captain", participant_id=lee, captain=True)["ok"]


def test_acting_for_others_counts_against_the_senders_rate(workshop: Workshop) -> None:
    lead, _ = open_posters(workshop)
    pat = add_without_phone(lead, workshop, "Pat")
    items = list(item_ids(workshop, lead.code).values())
    workshop.app.config.update(ACTION_RATE=0.01, ACTION_BURST=3)
    replies = [
        lead.act("dot.place", item_id=item, colour="green", for_person=pat) for item in items[:6]
    ]
    assert [reply["ok"] for reply in replies].count(True) <= 3
    assert any("slow down" in reply.get("error", "").lower() for reply in replies)


def test_the_facilitator_types_an_answer_for_someone_without_a_phone(workshop: Workshop) -> None:
    lead = workshop.connect(workshop.open_room())
    assert lead.act("phase.go", index=QUIET_WRITE_PHASE)["ok"]
    pat = add_without_phone(lead, workshop, "Pat")
    assert not lead.act("quiet.save", text="Too early", for_person=pat)["ok"]
    assert lead.act("quiet.open")["ok"]
    assert lead.act("quiet.save", text="We need time to plan.", for_person=pat)["ok"]
    assert lead.act("quiet.private", keep_private=True, for_person=pat)["ok"]
    with workshop.app.app_context():
        answer = db.session.query(QuietWrite).filter_by(participant_id=pat).one()
        assert (answer.text, answer.keep_private) == ("We need time to plan.", True)


def test_exports_mark_people_without_a_phone(workshop: Workshop) -> None:
    lead, _ = open_posters(workshop)
    assert lead.act("posters.named", named=True)["ok"]
    pat = add_without_phone(lead, workshop, "Pat")
    items = item_ids(workshop, lead.code)
    assert lead.act("dot.place", item_id=items["A1"], colour="green", for_person=pat)["ok"]
    record = json.loads(lead.client.get(f"/r/{lead.code}/export/room.json").get_data(as_text=True))
    assert [p["without_device"] for p in record["participants"]] == [True]
    csv = lead.client.get(f"/r/{lead.code}/export/posters.csv").get_data(as_text=True)
    assert "Pat (no phone)" in csv
    record_page = parse(lead.client.get(f"/r/{lead.code}/record").get_data(as_text=True))
    assert "Team (1): Pat (no phone)" in record_page.words
    response = import_file(workshop.app.test_client(), json.dumps(record).encode())
    copy = re.search(r"/r/([A-Z0-9]+)/lead", response.headers["HX-Redirect"]).group(1)
    with workshop.app.app_context():
        room = workshop.room(copy)
        assert [
            p.without_device for p in db.session.query(Participant).filter_by(room_id=room.id)
        ] == [True]


# --- Paper posters ------------------------------------------------------------------------


def test_a_paper_posters_dots_add_to_the_tally_and_can_be_corrected(workshop: Workshop) -> None:
    lead, [ana] = open_posters(workshop, "Ana")
    items = item_ids(workshop, lead.code)
    assert ana.act("dot.place", item_id=items["A1"], colour="green")["ok"]
    lead.swaps()
    assert lead.act("paper.set", item_id=items["A1"], green=3, yellow=1, red=0)["ok"]
    assert room_tally(workshop, lead.code)["A1"] == {"green": 4, "yellow": 1, "red": 0}
    # The facilitator's screen is sent the item's tally, marked as from the paper poster.
    sent = parse("".join(s["html"] for s in lead.swaps()))
    mark = sent.by_id(f"tally-{items['A1']}")
    assert mark is not None
    assert "4 from the paper poster" in mark.words
    # A correction replaces the typed counts; all zero takes them out.
    assert lead.act("paper.set", item_id=items["A1"], green=2, yellow="", red=2)["ok"]
    assert room_tally(workshop, lead.code)["A1"] == {"green": 3, "yellow": 0, "red": 2}
    with workshop.app.app_context():
        progress = dot_progress(workshop.room(lead.code))
    assert (progress.dots, progress.paper_dots) == (1, 4)
    csv = lead.client.get(f"/r/{lead.code}/export/posters.csv").get_data(as_text=True)
    assert "Green 2; Red 2" in csv
    record = json.loads(lead.client.get(f"/r/{lead.code}/export/room.json").get_data(as_text=True))
    first = record["posters"][0]["items"][0]
    assert first["paper"] == {"green": 2, "yellow": 0, "red": 2}
    # A copy made from the file keeps the paper dots and who had no phone.
    response = import_file(workshop.app.test_client(), json.dumps(record).encode())
    copy = re.search(r"/r/([A-Z0-9]+)/lead", response.headers["HX-Redirect"]).group(1)
    assert room_tally(workshop, copy)["A1"] == {"green": 3, "yellow": 0, "red": 2}
    assert lead.act("paper.set", item_id=items["A1"], green=0, yellow=0, red=0)["ok"]
    assert room_tally(workshop, lead.code)["A1"] == {"green": 1, "yellow": 0, "red": 0}


def test_paper_counts_are_whole_numbers_within_a_limit_typed_by_the_facilitator(
    workshop: Workshop,
) -> None:
    lead, [ana] = open_posters(workshop, "Ana")
    items = item_ids(workshop, lead.code)
    assert lead.act("paper.set", item_id=items["A2"], green=2)["ok"]
    for bad in ({"green": -1}, {"green": 501}, {"red": 1.5}, {"yellow": "three"}):
        refused = lead.act("paper.set", item_id=items["A2"], **bad)
        assert not refused["ok"], bad
    assert not lead.act("paper.set", item_id=10**6, green=1)["ok"]
    refused = ana.act("paper.set", item_id=items["A2"], green=9)
    assert not refused["ok"] and "Only the facilitator" in refused["error"]
    http = ana.post_action("paper.set", item_id=items["A2"], green=9)
    assert http.status_code == 403
    assert room_tally(workshop, lead.code)["A2"] == {"green": 2, "yellow": 0, "red": 0}
