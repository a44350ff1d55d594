"""WCAG 2.2 AA, shown rather than claimed: axe-core over every page and every phase of every
kit at phone, laptop and projector sizes (any serious or critical violation fails); no
sideways scrolling at 320 CSS px nor at 200% text on a phone; and on a phone, the control a
participant came for within the first screen."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Browser, Page, expect

from .axe import new_context, violations
from .conftest import SIZES
from .helpers import join, open_room, wait_live

KITS = {
    "Readiness protocol and action plan": 6,
    "Alignment and Coherence discussion": 5,
    "Equity discussion": 5,
    "Collaboration and Shared Accountability discussion": 5,
}
PHONE = SIZES["phone"]["viewport"]

# Where a participant's work starts on each phase: the first thing to type in or press.
FIRST_CONTROL = (
    "#phase textarea:not([readonly]), #phase .dot-button, #phase input:not([type=hidden]),"
    " #phase select"
)
HORIZONTAL_OVERFLOW = """() => {
  const width = document.documentElement.clientWidth;
  const wide = [...document.querySelectorAll("body *")]
    .filter((el) => el.checkVisibility() && el.getBoundingClientRect().right > width + 1)
    .filter((el) => ![...el.children].some((c) => c.getBoundingClientRect().right > width + 1));
  return {scroll: document.documentElement.scrollWidth - width,
          wide: wide.slice(0, 3).map((el) => el.tagName.toLowerCase() + "." + el.className +
            " " + JSON.stringify(el.textContent.trim().slice(0, 30)))};
}"""


def reflow_problems(page: Page, where: str) -> list[str]:
    """Sideways scrolling on the page at its current size and text size."""
    found = page.evaluate(HORIZONTAL_OVERFLOW)
    if found["scroll"] <= 0:
        return []
    return [f"{where}: {found['scroll']} px wider than the screen ({', '.join(found['wide'])})"]


def at_text_size(page: Page, percent: int) -> None:
    """Browser text size (what a person sets in the phone's settings): the root font size."""
    page.evaluate(f"document.documentElement.style.fontSize = '{percent}%'")


def first_control_problem(phone: Page, where: str) -> list[str]:
    """A participant's first control must be on the first screen (scrolled to the top)."""
    control = phone.locator(FIRST_CONTROL).first
    if not control.count():
        return []
    phone.evaluate("window.scrollTo(0, 0)")
    top = control.evaluate("(el) => el.getBoundingClientRect().top + window.scrollY")
    if top + 48 <= PHONE["height"]:
        return []
    return [f"{where}: the first control starts at {round(top)} px"]


def enrich(phase_kind: str, lead: Page, phone: Page) -> None:
    """Give the phase something to show: a note, an answer, dots, typed plan text."""
    if phase_kind in {"prompt", "guide_warmup", "guide_element", "take_action"}:
        box = phone.locator(".note-form textarea").first
        box.fill("We meet monthly")
        phone.locator(".note-form").first.get_by_role("button").click()
        expect(lead.get_by_text("We meet monthly").first).to_be_visible()
    elif phase_kind == "quiet_write":
        lead.get_by_role("button", name="Start writing, no timer").click()
        answer = phone.get_by_role("textbox", name="Your answer")
        expect(answer).not_to_have_attribute("readonly", "")
        answer.fill("Every school has a coach")
        expect(lead.get_by_text("1 of 1 have written something")).to_be_visible()
        lead.get_by_role("button", name="Share answers with names").click()
        expect(phone.get_by_text("Every school has a coach").last).to_be_visible()
    elif phase_kind == "posters":
        phone.get_by_role("group", name="Your dot on A1").get_by_role(
            "button", name="Some work needed"
        ).click()
        reveal = "Reveal everyone\N{RIGHT SINGLE QUOTATION MARK}s dots"
        lead.get_by_role("button", name=reveal).click()
        expect(phone.get_by_role("list", name=re.compile("dots on A1"))).to_be_visible()
    elif phase_kind == "plan":
        cell = phone.get_by_role("textbox", name="Major Focus, 30 Days")
        cell.fill("Hire a coach")
        expect(lead.get_by_role("textbox", name="Major Focus, 30 Days")).to_have_value(
            "Hire a coach"
        )


def check_sizes(page: Page, where: str) -> list[str]:
    """axe at the three sizes, and reflow at 320 CSS px, of the page as it is now."""
    found: list[str] = []
    for size in ("phone", "laptop", "projector"):
        page.set_viewport_size(SIZES[size]["viewport"])
        found += violations(page, f"{where} / {size}")
    page.set_viewport_size({"width": 320, "height": 640})
    found += reflow_problems(page, f"{where} / 320 px")
    page.set_viewport_size(PHONE)
    return found


def kit_slug(kit: str) -> str:
    return re.sub(r"[^a-z]+", "-", kit.lower()).strip("-")


@pytest.mark.parametrize("kit", list(KITS))
def test_every_phase_passes_axe_reflows_and_puts_the_task_first(
    live_server: str, browser: Browser, kit: str, shoot
) -> None:
    """One facilitator (and their projector) and one phone walk the whole kit; each phase is
    checked on all three screens at every size, then reflowed and measured on the phone."""
    lead_context = new_context(browser, **SIZES["laptop"])
    phone_context = new_context(browser, **SIZES["phone"])
    try:
        lead = lead_context.new_page()
        code = open_room(lead, live_server, kit, room_name="Cedar USD")
        projector = lead_context.new_page()
        projector.goto(f"{live_server}/r/{code}/projector")
        wait_live(projector)
        phone = phone_context.new_page()
        join(phone, live_server, code, "Ana")
        screens = {"facilitator": lead, "projector": projector, "participant": phone}

        found: list[str] = []
        for index in range(KITS[kit]):
            if index:
                before = lead.locator("#phase").get_attribute("data-phase")
                lead.get_by_role("button", name="Next phase").click()
                expect(lead.locator("#phase")).not_to_have_attribute("data-phase", before)
            title = lead.locator("#phase-title").inner_text()
            kind = lead.locator("#phase").get_attribute("class").split("phase-")[-1]
            for page in screens.values():
                expect(page.locator("#phase")).to_have_attribute(
                    "data-phase", lead.locator("#phase").get_attribute("data-phase")
                )
            enrich(kind, lead, phone)
            for view, page in screens.items():
                found += check_sizes(page, f"{title} / {view}")
            at_text_size(phone, 200)
            found += reflow_problems(phone, f"{title} / participant / 200% text")
            at_text_size(phone, 100)
            found += first_control_problem(phone, f"{title} / participant")
            shoot(phone, f"a11y-{kit_slug(kit)}-{index + 1}-phone", full_page=False)
        assert found == [], "\n".join(found)
    finally:
        lead_context.close()
        phone_context.close()


def test_the_pages_around_the_room_pass_axe_and_reflow(live_server: str, browser: Browser):
    """Start, join (with a wrong code), name, the private link, my rooms, the record with its
    side-scrolling tables, a cell's history, a closed room, and an error page."""
    lead_context = new_context(browser, **SIZES["laptop"])
    phone_context = new_context(browser, **SIZES["phone"])
    try:
        lead = lead_context.new_page()
        phone = phone_context.new_page()
        found: list[str] = []

        phone.goto(live_server + "/")
        found += check_sizes(phone, "start page")
        phone.goto(live_server + "/join")
        phone.get_by_label("Room code").fill("ZZZZZZ")
        phone.get_by_role("button", name="Continue").click()
        expect(phone.get_by_label("Room code")).to_have_attribute("aria-invalid", "true")
        found += check_sizes(phone, "join, wrong code")

        code = open_room(lead, live_server, "Readiness protocol and action plan", "Cedar USD")
        phone.get_by_label("Room code").fill(code)
        phone.get_by_role("button", name="Continue").click()
        found += check_sizes(phone, "join, name")
        phone.get_by_label("Your name").fill("Ana")
        phone.get_by_role("button", name="Join the room").click()
        wait_live(phone)

        lead.get_by_role("button", name=re.compile("^Go to phase 6:")).click()
        cell = phone.get_by_role("textbox", name="Major Focus, 30 Days")
        cell.fill("Hire a coach")
        cell.blur()
        history = lead.get_by_role("button", name=re.compile("^History of Major Focus, 30 Days"))
        history.click()
        expect(lead.get_by_role("dialog")).to_be_visible()
        found += check_sizes(lead, "a cell's history")
        lead.get_by_role("dialog").get_by_role("button", name="Close").click()

        lead.goto(f"{live_server}/r/{code}/record")
        found += check_sizes(lead, "record")
        lead.goto(f"{live_server}/facilitator/rooms")
        found += check_sizes(lead, "my rooms")
        lead.goto(f"{live_server}/facilitator/rooms/{code}/delete")
        found += check_sizes(lead, "delete a room")
        lead.goto(f"{live_server}/claim/{code}")
        lead.get_by_label("Facilitator key").fill("not the key")
        lead.get_by_role("button", name="Open the facilitator view").click()
        expect(lead.get_by_label("Facilitator key")).to_have_attribute("aria-invalid", "true")
        found += check_sizes(lead, "private link, wrong key")
        lead.goto(f"{live_server}/r/NOROOM")
        found += check_sizes(lead, "no such room")

        lead.goto(f"{live_server}/r/{code}/lead")
        lead.get_by_text("Close the room…").click()  # closing asks once more
        lead.get_by_role("button", name="Yes, close the room").click()
        expect(phone.get_by_text("This workshop is closed")).to_be_visible()
        found += check_sizes(phone, "closed room")
        assert found == [], "\n".join(found)
    finally:
        lead_context.close()
        phone_context.close()


def test_a_wrong_code_is_told_at_its_field(live_server: str, browser: Browser):
    """The error sits between the label and the field, which names it as its description."""
    context = new_context(browser, **SIZES["phone"])
    try:
        page = context.new_page()
        page.goto(live_server + "/join")
        page.get_by_label("Room code").fill("ZZZZZZ")
        page.get_by_role("button", name="Continue").click()
        field = page.get_by_label("Room code")
        expect(field).to_have_attribute("aria-invalid", "true")
        expect(field).to_have_accessible_description(re.compile("^No room has that code"))
        expect(field).to_be_focused()
        error = page.locator("#code-error")
        assert error.bounding_box()["y"] < field.bounding_box()["y"]
        expect(page.locator("#flash")).to_have_text("")
    finally:
        context.close()
