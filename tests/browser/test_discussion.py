"""A discussion guide in real Chromium: notes from two phones at once, and the spotlight."""

from __future__ import annotations

import re

from playwright.sync_api import Page, expect

from .helpers import join, open_room

GUIDE = "Alignment and Coherence discussion"


def go_to_element_a(lead: Page) -> None:
    lead.get_by_role("button", name="Go to phase 2: Element A: Policies and Regulations").click()


def test_two_phones_add_notes_to_one_question_at_once_and_both_see_both(live_server, person, shoot):
    lead = person("laptop")
    code = open_room(lead, live_server, GUIDE)
    ana, ben = person("phone"), person("phone")
    join(ana, live_server, code, "Ana")
    join(ben, live_server, code, "Ben")
    go_to_element_a(lead)

    question, about = "Question A2 about your PL system", "question A2 about your PL system"
    typed = {
        ana: "We frame induction as year one of a career path",
        ben: "<b>Mentors</b> **matter**",
    }
    for page, text in typed.items():
        article = page.get_by_role("article", name=question)
        article.get_by_label(f"Your note on {about}").fill(text)
    # Both tap "Add note" at the same moment.
    for page in typed:
        page.get_by_role("article", name=question).get_by_role(
            "button", name=f"Add note on {about}"
        ).dispatch_event("click")

    for page in (ana, ben, lead):
        notes = page.get_by_role("list", name=f"Notes on {about}")
        expect(notes.get_by_role("listitem")).to_have_count(2)
        for text in typed.values():
            expect(notes).to_contain_text(text)  # shown as typed, never as markup
    # The form cleared itself, ready for the next thought.
    box = ana.get_by_role("article", name=question).get_by_label(f"Your note on {about}")
    expect(box).to_have_value("")
    ana_notes = ana.get_by_role("list", name=f"Notes on {about}")
    mine = ana_notes.get_by_role("listitem").filter(has_text="You")
    expect(mine).to_have_count(1)
    shoot(ana, "discussion-phone-notes", full_page=False)

    # Ana fixes her note; everyone sees the new text.
    # (A <summary> has no role in Playwright's tree; its text is its name.)
    mine.get_by_text(re.compile(f"^Edit note [12] on {about}")).click()
    mine.get_by_label(re.compile(f"^New text for note [12] on {about}")).fill(
        "Induction is year one of a career path"
    )
    mine.get_by_role("button", name=re.compile("^Save")).click()
    for page in (ben, lead):
        notes = page.get_by_role("list", name=f"Notes on {about}")
        expect(notes).to_contain_text("Induction is year one of a career path")
        expect(notes).to_contain_text("edited")


def test_a_spotlight_moves_every_screen_to_the_question(live_server, person, shoot):
    lead = person("laptop")
    code = open_room(lead, live_server, GUIDE)
    ana, ben = person("phone"), person("phone")
    join(ana, live_server, code, "Ana")
    join(ben, live_server, code, "Ben")
    projector = lead.context.new_page()
    projector.set_viewport_size({"width": 1920, "height": 1080})
    projector.goto(f"{live_server}/r/{code}/projector")
    expect(projector.locator("body")).to_have_attribute("data-live", "connected")
    go_to_element_a(lead)

    question, about = "Question A4 about your PL system", "question A4 about your PL system"
    ben.get_by_role("article", name=question).get_by_label(f"Your note on {about}").fill(
        "Coaching cycles tied to the standards"
    )
    ben.get_by_role("button", name=f"Add note on {about}").click()
    for page in (ana, ben):
        page.evaluate("window.scrollTo(0, 0)")
        expect(page.get_by_role("article", name=question)).not_to_be_in_viewport()

    lead.get_by_role("button", name=f"Spotlight {about}").click()
    for page in (ana, ben, lead, projector):
        spotlit = page.get_by_role("article", name=question)
        expect(spotlit.get_by_text("Spotlight", exact=True)).to_be_visible()
        expect(spotlit).to_be_in_viewport()
    # The projector shows the spotlighted question alone, large, with its notes.
    expect(projector.get_by_role("article")).to_have_count(1)
    expect(projector.get_by_role("article", name=question)).to_contain_text(
        "Coaching cycles tied to the standards"
    )
    ana.get_by_role("article", name=question).get_by_label(f"Your note on {about}").fill(
        "Walkthrough data every quarter"
    )
    ana.get_by_role("button", name=f"Add note on {about}").click()
    expect(projector.get_by_role("article", name=question)).to_contain_text(
        "Walkthrough data every quarter"
    )
    shoot(ana, "discussion-phone-spotlight", full_page=False)
    shoot(projector, "discussion-projector-spotlight", full_page=False)

    lead.get_by_role("button", name="Clear spotlight").first.click()
    # Every question is back on the slide (paged when they do not all fit the screen).
    expect(projector.locator("article.question")).to_have_count(8)
    expect(projector.get_by_role("article").first).to_be_visible()
    expect(ana.get_by_text("Spotlight", exact=True)).to_have_count(0)
    shoot(projector, "discussion-projector-element", full_page=False)
    shoot(lead, "discussion-laptop-facilitator", full_page=False)
