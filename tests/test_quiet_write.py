"""The quiet write: private while writing, saved as typed, shared to the wall by choice."""

from __future__ import annotations

import pytest
from flask import Flask

from wsapp.quietwrite.domain import TEXT_MAX

from .conftest import Member, Team, Workshop, phase_index
from .test_plan import page, pushed


@pytest.fixture
def team(workshop: Workshop, app: Flask) -> Team:
    """A readiness room at its quiet write."""
    return workshop.team(phase=phase_index(app, "quiet_write"))


ANA = "A district where every teacher has a coach"
BEN = "Common planning time in every school"


def all_pushed_html(*members: Member) -> str:
    return "".join(swap["html"] for member in members for swap in member.swaps())


def test_the_prompt_comes_from_the_kit(team):
    _lead, ana, _ben, _projector = team
    shown = page(ana)
    prompt = "Where do you want your district to be one year from today?"
    assert shown.by_id("quiet-prompt").text == prompt
    assert "readonly" in shown.by_id("quiet-text").attrs  # not open yet


def test_opening_starts_the_rooms_timer_and_lets_people_write(team):
    lead, ana, _ben, projector = team
    assert lead.act("quiet.open", minutes=10)["ok"]
    fragment = pushed(projector)
    assert "Writing now" in fragment.by_id("quiet-progress").text
    assert "10:00" in fragment.by_id("timer").text or "9:59" in fragment.by_id("timer").text
    mine = pushed(ana)
    assert "readonly" not in mine.by_id("quiet-text").attrs


def test_nobody_sees_anyones_words_while_they_write(team):
    lead, ana, ben, projector = team
    lead.act("quiet.open")
    for member in (lead, ana, ben, projector):
        member.swaps()
    assert ana.act("quiet.save", text=ANA)["ok"]
    assert ben.act("quiet.save", text=BEN)["ok"]
    # Every fragment pushed to anyone: counts, never the words.
    html = all_pushed_html(lead, ana, ben, projector)
    assert "2 of 2" in html
    assert ANA not in html and BEN not in html
    # Nor the pages: each person's own answer is on their page alone.
    mine = page(ana)
    assert ANA in mine.by_id("quiet-text").value and BEN not in mine.by_id("quiet-mine").text
    for member in (lead, ben):
        assert ANA not in member.client.get(
            f"/r/{member.code}" + ("/lead" if member.view == "facilitator" else "")
        ).get_data(as_text=True)
    assert ANA not in projector.client.get(f"/r/{projector.code}/projector").get_data(as_text=True)


def test_a_reload_shows_what_was_saved_with_its_spaces(team):
    lead, ana, _ben, _projector = team
    lead.act("quiet.open")
    assert ana.act("quiet.save", text="Coaching for all \n")["ok"]
    assert page(ana).by_id("quiet-text").value == "Coaching for all \n"


def test_sharing_puts_unprivate_answers_on_every_wall(team):
    lead, ana, ben, projector = team
    lead.act("quiet.open")
    ana.act("quiet.save", text=ANA)
    ben.act("quiet.save", text=BEN)
    assert ben.act("quiet.private", keep_private=True)["ok"]
    for member in (lead, ana, ben, projector):
        member.swaps()
    assert lead.act("quiet.share", named=False)["ok"]
    for member in (lead, ana, ben, projector):
        wall = pushed(member).by_id("quiet-wall").text
        assert ANA in wall, member.view
        assert BEN not in wall and "Ana" not in wall, member.view
    # Sharing stops the writing.
    refused = ana.act("quiet.save", text="more")
    assert refused["ok"] is False and "your text stays on this device" in refused["error"]
    assert lead.act("quiet.share", named=True)["ok"]
    wall = pushed(projector).by_id("quiet-wall").text
    assert "— Ana" in wall and BEN not in wall
    # Ben changes his mind: his answer joins the wall.
    assert ben.act("quiet.private", keep_private=False)["ok"]
    assert BEN in pushed(projector).by_id("quiet-wall").text


def test_dont_share_mine_is_a_pressed_toggle_only_its_author_sees(team):
    lead, ana, ben, _projector = team
    lead.act("quiet.open")
    ben.swaps()
    assert ana.act("quiet.private", keep_private=True)["ok"]
    # Each participant is sent their own part of the page: Ana's now says hers stays private.
    assert "stays private" in pushed(ana).by_id("quiet-mine").text
    assert "stays private" not in pushed(ben).by_id("quiet-mine").text
    assert 'aria-pressed="true"' in ana.client.get(f"/r/{ana.code}").get_data(as_text=True)
    assert 'aria-pressed="true"' not in ben.client.get(f"/r/{ben.code}").get_data(as_text=True)


@pytest.mark.parametrize(
    ("who", "action", "args", "message"),
    [
        ("ana", "quiet.save", {"text": "x" * (TEXT_MAX + 1)}, f"at most {TEXT_MAX}"),
        ("ana", "quiet.save", {"text": "a", "participant_id": 2}, "not expected"),
        ("ana", "quiet.open", {}, "Only the facilitator"),
        ("ana", "quiet.share", {"named": True}, "Only the facilitator"),
        ("lead", "quiet.save", {"text": "the lead's"}, "Join the room as a participant"),
        ("lead", "quiet.open", {"minutes": 0}, "minutes"),
    ],
)
def test_bad_requests_change_nothing(team, who, action, args, message):
    lead, ana, _ben, _projector = team
    lead.act("quiet.open")
    ana.act("quiet.save", text=ANA)
    member = {"ana": ana, "lead": lead}[who]
    reply = member.act(action, **args)
    assert reply["ok"] is False and message in reply["error"]
    assert page(ana).by_id("quiet-text").value == ANA


def test_closing_stops_the_writing_and_keeps_what_was_saved(team):
    lead, ana, _ben, projector = team
    lead.act("quiet.open")
    ana.act("quiet.save", text=ANA)
    assert lead.act("quiet.close")["ok"]
    assert "Writing has stopped: 1 of 2" in pushed(projector).by_id("quiet-progress").text
    assert ana.act("quiet.save", text="after")["ok"] is False
    shown = page(ana)
    assert shown.by_id("quiet-text").value == ANA and "readonly" in shown.by_id("quiet-text").attrs
    assert lead.act("quiet.close")["ok"] is False
