"""Three phones dot the posters at once; the counts stay hidden until the reveal, then
every screen, the projector's included, shows the same ones."""

from __future__ import annotations

import re

from playwright.sync_api import Locator, Page, expect

from .helpers import join, open_room, wait_live

READINESS = "Readiness protocol and action plan"
LABELS = ("Strength", "Some work needed", "Significant work needed")


def dot_group(page: Page, ref: str) -> Locator:
    return page.get_by_role("group", name=f"Your dot on {ref}")


def show_poster(page: Page, letter: str) -> None:
    """A phone shows one poster at a time: pick it by its letter (as a person taps it)."""
    posters = page.get_by_role("navigation", name="Posters")
    posters.get_by_role("link", name=re.compile(f"^{letter}:")).click()
    expect(posters.get_by_role("link", name=re.compile(f"^{letter}:"))).to_have_attribute(
        "aria-current", "true"
    )


def team_dots(page: Page, ref: str) -> Locator:
    return page.get_by_role("list", name=f"Team\N{RIGHT SINGLE QUOTATION MARK}s dots on {ref}")


def turn_to(page: Page, ref: str) -> None:
    """On the projector, whose wall is paged as slides, turn to the page showing the item."""
    pager = page.get_by_role("navigation", name="Pages of this slide")
    for _ in range(6):
        if not pager.is_visible() or team_dots(page, ref).count():
            return
        pager.get_by_role("button", name="Next page").click()


def counts(page: Page, ref: str) -> tuple[int, ...]:
    """The green, yellow and red counts an item shows on this screen."""
    turn_to(page, ref)
    rows = team_dots(page, ref).get_by_role("listitem")
    expect(rows).to_have_count(3)
    return tuple(int(re.search(r"\d+", text).group()) for text in rows.all_inner_texts())


def test_three_phones_dot_at_once_and_see_the_same_counts_after_the_reveal(live_server, person):
    lead = person("laptop")
    code = open_room(lead, live_server, READINESS)
    lead.get_by_role("button", name=re.compile("^Go to phase 4:")).click()
    expect(lead.get_by_role("heading", level=1, name="Dot the posters")).to_be_visible()
    projector = lead.context.new_page()
    projector.set_viewport_size({"width": 1920, "height": 1080})
    projector.goto(f"{live_server}/r/{code}/projector")
    wait_live(projector)

    phones = [person("phone") for _ in range(3)]
    for phone, name in zip(phones, ("Ana", "Ben", "Cleo"), strict=True):
        join(phone, live_server, code, name)
        expect(dot_group(phone, "A1")).to_be_visible()
        # A phone shows one poster at a time, and says which; "All posters" lists the wall.
        expect(phone.locator("#poster-at")).to_have_text("Poster 1 of 3: Policies and Regulations")
        phone.get_by_role("button", name="All posters").click()
        expect(dot_group(phone, "C3")).to_be_visible()
        expect(phone.locator("#poster-at")).to_have_text("All 3 posters")

    # All three tap at the same moment: each a different colour on A1, and B2 in green.
    choices = {"A1": LABELS, "B2": (LABELS[0],) * 3}
    for ref, labels in choices.items():
        buttons = [
            dot_group(phone, ref).get_by_role("button", name=label, exact=True)
            for phone, label in zip(phones, labels, strict=True)
        ]
        for button in buttons:
            button.click(no_wait_after=True)
        for button in buttons:
            expect(button).to_have_attribute("aria-pressed", "true")

    # The facilitator sees the live tally; nobody else sees any count yet.
    expect(lead.locator("#dot-progress")).to_have_text("6 dots placed by 3 of 3 people")
    expect(projector.locator("#dot-progress")).to_have_text("6 dots placed by 3 of 3 people")
    assert counts(lead, "A1") == (1, 1, 1)
    assert counts(lead, "B2") == (3, 0, 0)
    for screen in (*phones, projector):
        expect(team_dots(screen, "A1")).to_have_count(0)
        expect(team_dots(screen, "B2")).to_have_count(0)
    # Each phone shows only its own choice as pressed.
    for phone, label in zip(phones, LABELS, strict=True):
        for other in LABELS:
            button = dot_group(phone, "A1").get_by_role("button", name=other, exact=True)
            expect(button).to_have_attribute("aria-pressed", "true" if other == label else "false")

    lead.get_by_role("button", name="Reveal everyone\N{RIGHT SINGLE QUOTATION MARK}s dots").click()
    for screen in (lead, projector, *phones):
        expect(team_dots(screen, "A1")).to_be_visible()
        assert counts(screen, "A1") == (1, 1, 1)
        assert counts(screen, "B2") == (3, 0, 0)

    # Ben changes his mind after the reveal: every screen follows.
    dot_group(phones[1], "A1").get_by_role("button", name="Strength", exact=True).click()
    for screen in (lead, projector, *phones):
        turn_to(screen, "A1")
        expect(team_dots(screen, "A1").get_by_role("listitem").first).to_contain_text("2")
        assert counts(screen, "A1") == (2, 0, 1)

    # Cleo takes hers back.
    dot_group(phones[2], "A1").get_by_role("button", name="Take back your dot on A1").click()
    for screen in (lead, projector, *phones):
        turn_to(screen, "A1")
        expect(team_dots(screen, "A1").get_by_role("listitem").last).to_contain_text("0")
        assert counts(screen, "A1") == (2, 0, 0)

    # On to the review and back: every phone gets the wall again, with its own dots pressed
    # (the room's one wall, then each phone's own buttons).
    lead.get_by_role("button", name=re.compile("^Go to phase 5:")).click()
    for phone in phones:
        expect(phone.get_by_role("heading", level=1, name="Strengths and gaps")).to_be_visible()
    lead.get_by_role("button", name=re.compile("^Go to phase 4:")).click()
    for phone, chose in zip(phones, ("Strength", "Strength", None), strict=True):
        for label in LABELS:
            button = dot_group(phone, "A1").get_by_role("button", name=label, exact=True)
            expect(button).to_have_attribute("aria-pressed", "true" if label == chose else "false")
        strength = dot_group(phone, "B2").get_by_role("button", name="Strength", exact=True)
        expect(strength).to_have_attribute("aria-pressed", "true")
        assert counts(phone, "A1") == (2, 0, 0)


def test_locked_posters_disable_the_buttons_and_say_why(live_server, person):
    lead = person("laptop")
    code = open_room(lead, live_server, READINESS)
    lead.get_by_role("button", name=re.compile("^Go to phase 4:")).click()
    phone = person("phone")
    join(phone, live_server, code, "Ana")
    show_poster(phone, "C")
    strength = dot_group(phone, "C3").get_by_role("button", name="Strength", exact=True)
    expect(strength).to_be_enabled()
    lead.get_by_role("button", name="Lock the posters").click()
    expect(strength).to_be_disabled()
    expect(phone.get_by_role("list", name="How the dots work")).to_contain_text(
        "The posters are locked"
    )
    lead.get_by_role("button", name="Unlock the posters").click()
    expect(strength).to_be_enabled()
    strength.click()
    expect(strength).to_have_attribute("aria-pressed", "true")


def test_a_phone_over_a_lowered_budget_is_told_what_to_take_back(live_server, person, shoot):
    lead = person("laptop")
    code = open_room(lead, live_server, READINESS)
    lead.get_by_role("button", name=re.compile("^Go to phase 4:")).click()
    lead.get_by_label("Dots each").fill("5")
    lead.get_by_role("button", name="Give a budget").click()
    phone = person("phone")
    join(phone, live_server, code, "Ana")
    phone.get_by_role("button", name="All posters").click()
    # Not a live region (announce.js says it once the taps settle): found by its id.
    status = phone.locator("#dots-left")
    expect(status).to_have_text("Dots left: 5 of 5")
    for left, ref in enumerate(("A1", "A1", "A2", "B1", "C1")):
        group = phone.get_by_role("group", name=f"Your dots on {ref}")
        group.get_by_role("button", name=re.compile("^Strength")).click()
        expect(status).to_have_text(f"Dots left: {4 - left} of 5")

    lead.get_by_label("Dots each").fill("4")
    lead.get_by_role("button", name="Change the budget").click()
    told = phone.locator("#dots-left")
    expect(told).to_have_text(
        "⚠ The facilitator lowered the budget to 4 dots each; you have 5 placed. Take 1 back."
    )
    expect(lead.locator("#dot-progress")).to_contain_text(
        "1 person has more dots than the budget of 4"
    )
    shoot(phone, "budget-lowered-phone", full_page=False)

    phone.get_by_role("group", name="Your dots on A1").get_by_role(
        "button", name=re.compile("^Take back one")
    ).click()
    expect(told).to_have_text("Dots left: 0 of 4")
    expect(lead.locator("#dot-progress")).not_to_contain_text("more dots than the budget")
