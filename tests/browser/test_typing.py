"""What a push does to what someone is typing (static/js/app.js, TYPING): their words stay,
the push waits and says so, and it lands when they leave the field, without asking the
server for the whole room again."""

from __future__ import annotations

import re

from playwright.sync_api import Locator, Page, expect

from .helpers import join, leave_the_field, open_room, resyncs_sent

READINESS = "Readiness protocol and action plan"
GUIDE = "Alignment and Coherence discussion"
ELEMENT_A = "Element A: Policies and Regulations"
ELEMENT_B = "Element B: District and School Alignment"
QUESTION, ABOUT = "Question A2 about your PL system", "question A2 about your PL system"
CELL = "Major Focus, 30 Days"
WAITING = "Updated while you were typing"


def note_box(page: Page) -> Locator:
    return page.get_by_role("article", name=QUESTION).get_by_label(f"Your note on {ABOUT}")


def notes(page: Page) -> Locator:
    return page.get_by_role("list", name=f"Notes on {ABOUT}")


def go_to(lead: Page, number: int, title: str, *pages: Page) -> None:
    lead.get_by_role("button", name=re.compile(f"^Go to phase {number}:")).click()
    for page in (lead, *pages):
        expect(page.get_by_role("heading", level=1, name=title)).to_be_visible()


def team_at(
    live_server: str, person, kit: str, phase: int, title: str
) -> tuple[Page, Page, Page, list[str]]:
    """A facilitator and two phones (Ana, Ben) at a phase; Ana's requests for the whole room."""
    lead = person("laptop")
    code = open_room(lead, live_server, kit)
    ana, ben = person("phone"), person("phone")
    ana_resyncs = resyncs_sent(ana)
    join(ana, live_server, code, "Ana")
    join(ben, live_server, code, "Ben")
    go_to(lead, phase, title, ana, ben)
    return lead, ana, ben, ana_resyncs


def test_a_note_typed_while_names_are_hidden_is_kept(live_server, person):
    """#15 item 13: the names push waited while Ana typed, then a resync on leaving the box
    replaced her form with an empty one."""
    lead, ana, ben, ana_resyncs = team_at(live_server, person, GUIDE, 2, ELEMENT_A)
    note_box(ben).fill("Mentors matter")
    ben.get_by_role("button", name=f"Add note on {ABOUT}").click()
    expect(notes(ana)).to_contain_text("Ben")

    note_box(ana).press_sequentially("Induction is year one", delay=10)
    lead.get_by_role("button", name="Hide names on notes").click()
    expect(lead.get_by_text("Names are hidden on notes.")).to_be_visible()
    expect(note_box(ana)).to_have_value("Induction is year one")
    expect(note_box(ana)).to_be_focused()

    # She looks up: the names go on her screen too, and her words are still there.
    leave_the_field(ana)
    expect(ana.get_by_text("Notes are anonymous: names are hidden.")).to_be_visible()
    expect(notes(ana)).not_to_contain_text("Ben")
    expect(note_box(ana)).to_have_value("Induction is year one")
    ana.get_by_role("button", name=f"Add note on {ABOUT}").click()
    expect(notes(ben)).to_contain_text("Induction is year one")
    assert ana_resyncs == []  # the push itself, applied late: nothing asked for again


def test_a_note_being_typed_when_the_room_moves_on_is_posted_or_kept(live_server, person):
    lead, ana, _ben, ana_resyncs = team_at(live_server, person, GUIDE, 2, ELEMENT_A)
    waiting = ana.get_by_role("status").filter(has_text=WAITING)

    # The room moves on while Ana types: her screen stays, says why, and her note goes.
    note_box(ana).press_sequentially("Coaches meet monthly", delay=10)
    lead.get_by_role("button", name="Next phase").click()
    expect(lead.get_by_role("heading", level=1, name=ELEMENT_B)).to_be_visible()
    expect(waiting).to_be_visible()
    expect(ana.get_by_role("heading", level=1, name=ELEMENT_A)).to_be_visible()
    ana.get_by_role("button", name=f"Add note on {ABOUT}").click()
    expect(ana.get_by_role("heading", level=1, name=ELEMENT_B)).to_be_visible()
    expect(waiting).to_have_count(0)
    go_to(lead, 2, ELEMENT_A, ana)
    expect(notes(lead)).to_contain_text("Coaches meet monthly")

    # Again, but she looks away without posting: she follows the room, and her words wait
    # for her in the box when the room comes back to the question.
    note_box(ana).press_sequentially("Policy review each spring", delay=10)
    lead.get_by_role("button", name="Next phase").click()
    expect(waiting).to_be_visible()
    leave_the_field(ana)
    expect(ana.get_by_role("heading", level=1, name=ELEMENT_B)).to_be_visible()
    go_to(lead, 2, ELEMENT_A, ana)
    expect(note_box(ana)).to_have_value("Policy review each spring")
    assert ana_resyncs == []


def test_a_note_being_edited_keeps_its_words_and_stays_open_when_the_list_changes(
    live_server, person
):
    lead, ana, ben, ana_resyncs = team_at(live_server, person, GUIDE, 2, ELEMENT_A)
    for page, text in ((ana, "First thought"), (ben, "Mentors matter")):
        note_box(page).fill(text)
        page.get_by_role("button", name=f"Add note on {ABOUT}").click()
        expect(notes(page)).to_contain_text(text)
    mine = notes(ana).get_by_role("listitem").filter(has_text="You")
    mine.get_by_text(re.compile(f"^Edit note 1 on {ABOUT}")).click()
    new_text = mine.get_by_label(re.compile(f"^New text for note \\d on {ABOUT}"))
    new_text.fill("Induction is year one of a career path")

    # The facilitator stars Ben's note while Ana edits hers: her list waits and says so.
    lead.get_by_role("button", name=f"Star note 2 on {ABOUT}").click()
    expect(notes(ben).get_by_role("listitem").first).to_contain_text("Agreed")
    expect(ana.get_by_role("status").filter(has_text=WAITING)).to_be_visible()
    expect(notes(ana)).not_to_contain_text("Agreed")
    # She looks up: the star shows, and her editor is still open with her words in it.
    leave_the_field(ana)
    expect(notes(ana).get_by_role("listitem").first).to_contain_text("Agreed")
    expect(new_text).to_be_visible()
    expect(new_text).to_have_value("Induction is year one of a career path")
    mine.get_by_role("button", name=re.compile("^Save")).click()
    expect(notes(ben)).to_contain_text("Induction is year one of a career path")
    assert ana_resyncs == []


def test_leaving_a_co_edited_plan_cell_asks_for_nothing_again(live_server, person):
    """#15 item 14: Ben's words reached the cell Ana was typing in, and every time she left
    it afterwards her page asked for the whole room (1 resync, then 2)."""
    lead, ana, ben, ana_resyncs = team_at(live_server, person, READINESS, 6, "One-year plan")
    ana_cell = ana.get_by_role("textbox", name=CELL)
    ben_cell = ben.get_by_role("textbox", name=CELL)

    ana_cell.press_sequentially("Hire a coach", delay=10)
    expect(ben_cell).to_have_value("Hire a coach")
    for ben_adds, ana_adds in ((" by May", " now"), (" and June", " twice")):
        # Ben adds to the cell while Ana's caret is in it: his words come into hers.
        ben_cell.click()
        ben_cell.press("End")
        ben_cell.press_sequentially(ben_adds, delay=10)
        expect(ana_cell).to_have_value(re.compile(re.escape(ben_adds)))
        expect(ana_cell).to_be_focused()
        leave_the_field(ana)
        # Ana types again: once Ben sees it, whatever her leaving sent has long gone out.
        ana_cell.click()
        ana_cell.press("End")
        ana_cell.press_sequentially(ana_adds, delay=10)
        expect(ben_cell).to_have_value(re.compile(re.escape(ana_adds)))
        assert ana_resyncs == []
    leave_the_field(ana)
    expect(lead.get_by_role("textbox", name=CELL)).to_have_value(
        "Hire a coach by May now and June twice"
    )
    assert ana_resyncs == []
