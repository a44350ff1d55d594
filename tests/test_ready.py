"""Ready signals: each person can say "I'm done" where it makes sense; the facilitator and
the projector see how many, never who; moving on clears them."""

from __future__ import annotations

from .conftest import Member, Workshop
from .dom import parse
from .test_plan import page, pushed
from .test_quiet_write import team  # noqa: F401 (a fixture)


def done_button(html: str) -> str | None:
    """aria-pressed of the "I'm done" button in some HTML, or None when there is none."""
    region = parse(html).by_id("ready-mine")
    buttons = region.find_all("button") if region is not None else []
    return buttons[0].attrs.get("aria-pressed") if buttons else None


def swapped(member: Member) -> str:
    return "".join(swap["html"] for swap in member.swaps())


def test_done_counts_reach_the_facilitator_and_projector_but_never_names(team):  # noqa: F811
    lead, ana, ben, projector = team
    assert page(lead).by_id("ready-count").text.split() == ["✔", "0", "of", "2", "done"]
    assert done_button(ana.client.get(f"/r/{ana.code}").get_data(as_text=True)) == "false"

    assert ana.act("ready.set", done=True)["ok"]
    for screen in (lead, projector):
        shown = pushed(screen).by_id("ready-count").text
        assert "1 of 2 done" in " ".join(shown.split()) and "Ana" not in shown
    # Ana's button is pressed on her phone alone; Ben's phone hears nothing of it.
    assert done_button(swapped(ana)) == "true"
    assert done_button(swapped(ben)) is None
    assert done_button(ana.client.get(f"/r/{ana.code}").get_data(as_text=True)) == "true"

    # Taken back, the count drops again.
    assert ana.act("ready.set", done=False)["ok"]
    assert "0 of 2" in pushed(projector).by_id("ready-count").text


def test_moving_on_clears_every_done(team, workshop: Workshop):  # noqa: F811
    lead, ana, ben, projector = team
    assert ana.act("ready.set", done=True)["ok"] and ben.act("ready.set", done=True)["ok"]
    for member in (lead, ana, ben, projector):
        member.swaps()
    assert lead.act("phase.next")["ok"]  # the posters: people say they are done there too
    assert "0 of 2" in pushed(projector).by_id("ready-count").text
    assert done_button(swapped(ana)) == "false"
    assert lead.act("phase.back")["ok"]  # and coming back does not bring them back
    assert "0 of 2" in page(lead).by_id("ready-count").text


def test_nothing_to_finish_in_a_phase_the_whole_team_does_together(workshop: Workshop):
    lead = workshop.connect(workshop.open_room())
    ana = workshop.connect(workshop.join(lead.code, "Ana"))
    refused = ana.act("ready.set", done=True)  # the introduction
    assert not refused["ok"] and "nothing to finish" in refused["error"]
    assert done_button(ana.client.get(f"/r/{ana.code}").get_data(as_text=True)) is None
    assert page(lead).by_id("ready-count").text.strip() == ""


def test_only_a_participant_says_they_are_done(team):  # noqa: F811
    lead, *_ = team
    refused = lead.act("ready.set", done=True)
    assert not refused["ok"]
