"""The Content-Security-Policy holds in real Chromium while a facilitator, a projector and
two participants use every feature; and the private link's key stays out of the logs."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import ConsoleMessage, Page, expect

from .helpers import join, open_room, wait_live

READINESS = "Readiness protocol and action plan"
DISCUSSION = "Alignment and Coherence discussion"

# Registered before any of the page's own scripts run, on every page the context opens.
LISTEN = """
document.addEventListener("securitypolicyviolation", function (event) {
  window.reportCspViolation(
    event.violatedDirective + " blocked " + (event.blockedURI || "inline") +
    " at " + event.sourceFile + ":" + event.lineNumber);
});
"""


class CspWatch:
    """Collects CSP violations and "Refused to ..." console errors from every page."""

    def __init__(self) -> None:
        self.violations: list[str] = []

    def watch(self, page: Page) -> Page:
        page.context.expose_binding(
            "reportCspViolation", lambda source, text: self.violations.append(text)
        )
        page.context.add_init_script(LISTEN)
        page.on("console", self._console)
        page.on("dialog", lambda dialog: dialog.accept())
        return page

    def _console(self, message: ConsoleMessage) -> None:
        if "Content Security Policy" in message.text or "Refused to" in message.text:
            self.violations.append(message.text)


@pytest.fixture
def csp() -> CspWatch:
    return CspWatch()


def next_phase(lead: Page, heading: str, *pages: Page) -> None:
    lead.get_by_role("button", name="Next phase").click()
    for page in (lead, *pages):
        expect(page.get_by_role("heading", level=1, name=heading)).to_be_visible()


def readiness_team(live_server: str, person, csp: CspWatch) -> tuple[str, Page, Page, Page, Page]:
    """A facilitator (and their projector) and two phones in a readiness room, all watched."""
    lead = csp.watch(person("laptop"))
    code = open_room(lead, live_server, READINESS, room_name="Cedar USD")
    ana, ben = csp.watch(person("phone")), csp.watch(person("phone"))
    join(ana, live_server, code, "Ana")
    join(ben, live_server, code, "Ben")
    projector = lead.context.new_page()  # the facilitator's own browser, another window
    projector.on("console", csp._console)
    projector.set_viewport_size({"width": 1920, "height": 1080})
    projector.goto(f"{live_server}/r/{code}/projector")
    wait_live(projector)
    return code, lead, ana, ben, projector


def test_no_csp_violation_with_room_controls_notes_and_the_quiet_write(
    live_server, person, csp: CspWatch
):
    _code, lead, ana, ben, projector = readiness_team(live_server, person, csp)
    screens = (ana, ben, projector)

    # Facilitator controls: copy, timer, lock.
    lead.get_by_role("button", name="Copy join link").click()
    lead.get_by_label("Minutes").fill("5")
    lead.get_by_role("button", name="Start timer").click()
    for page in screens:
        expect(page.get_by_role("timer")).to_contain_text(re.compile(r"[45]:\d\d"))
    lead.get_by_role("button", name="Pause").click()
    lead.get_by_role("button", name="Lock the room (read-only)").click()
    expect(ana.get_by_text("The room is locked")).to_be_visible()
    lead.get_by_role("button", name="Unlock the room").click()
    expect(ana.get_by_text("The room is locked")).to_have_count(0)

    # The prompt: notes typed on phones reach every screen.
    next_phase(lead, "Where are we now?", *screens)
    ana.get_by_label("Your note on the discussion prompt").fill("We meet monthly")
    ana.get_by_role("button", name="Add note on the discussion prompt").click()
    expect(projector.get_by_text("We meet monthly")).to_be_visible()

    # The quiet write: typing saves as it goes; the facilitator shares the answers.
    next_phase(lead, "Quiet write", *screens)
    lead.get_by_role("button", name="Start writing, no timer").click()
    answer = ben.get_by_label("Your answer")
    expect(answer).to_be_editable()
    answer.fill("Coaching cycles are uneven")
    answer.blur()  # a focused field is never swapped away; leaving it lets the page catch up
    expect(lead.get_by_text(re.compile(r"1 of 2"))).to_be_visible()
    lead.get_by_role("button", name="Share answers with names").click()
    expect(projector.get_by_text("Coaching cycles are uneven")).to_be_visible()

    assert csp.violations == []


def test_no_csp_violation_with_posters_the_plan_a_removal_and_the_record(
    live_server, person, csp: CspWatch
):
    code, lead, ana, ben, projector = readiness_team(live_server, person, csp)

    # The posters: dots from a phone, revealed on the projector.
    lead.get_by_role("button", name=re.compile("^Go to phase 4:")).click()
    for page in (ana, ben, projector):
        expect(page.get_by_role("heading", level=1, name="Dot the posters")).to_be_visible()
    dots = ana.get_by_role("group", name="Your dot on A1")
    dots.get_by_role("button", name="Strength", exact=True).click()
    expect(dots.get_by_role("button", name="Strength", exact=True)).to_have_attribute(
        "aria-pressed", "true"
    )
    lead.get_by_role("button", name="Reveal everyone\N{RIGHT SINGLE QUOTATION MARK}s dots").click()

    # The review and the plan: a participant types in a cell (the plan's script runs).
    next_phase(lead, "Strengths and gaps", ana, projector)
    next_phase(lead, "One-year plan", ana, projector)
    cell = ana.get_by_role("table").get_by_role("textbox").first
    cell.fill("Monthly coaching for new teachers")
    cell.blur()
    # Saved and pushed under the policy: the facilitator's screen shows it.
    expect(lead.get_by_role("table").get_by_role("textbox").first).to_have_value(
        "Monthly coaching for new teachers"
    )

    # Removing someone cuts them off with a message, under the same policy.
    lead.get_by_role("button", name="Remove Ben").click()
    expect(ben.locator("body")).to_have_attribute("data-live", "removed")

    # The record, as printed.
    lead.goto(f"{live_server}/r/{code}/record")
    expect(lead.get_by_role("heading", level=1, name="Cedar USD")).to_be_visible()

    assert csp.violations == []


def test_no_csp_violation_in_a_discussion_room_and_its_private_link(
    live_server, person, csp: CspWatch, tmp_path_factory: pytest.TempPathFactory
):
    lead = csp.watch(person("laptop"))
    code = open_room(lead, live_server, DISCUSSION)
    ana = csp.watch(person("phone"))
    join(ana, live_server, code, "Ana")
    lead.get_by_role("button", name="Go to phase 2: Element A: Policies and Regulations").click()
    about = "question A2 about your PL system"
    ana.get_by_label(f"Your note on {about}").fill("Board policy first")
    ana.get_by_role("button", name=f"Add note on {about}").click()
    expect(lead.get_by_role("list", name=f"Notes on {about}")).to_contain_text("Board policy first")
    lead.get_by_role("button", name=f"Spotlight {about}").click()

    # The private link opens the facilitator view on another device (claim.js posts the
    # key from the #fragment), and the key never reaches the server's log.
    lead.get_by_text("Your private facilitator link").click()
    link = lead.get_by_label("Private facilitator link").input_value()
    key = link.split("#", 1)[1]
    other_device = csp.watch(person("laptop"))
    other_device.goto(link)
    wait_live(other_device)
    assert other_device.url == f"{live_server}/r/{code}/lead"
    assert csp.violations == []

    logs = list(tmp_path_factory.getbasetemp().glob("live*/server.log"))
    assert logs, "the live server's log"
    logged = "\n".join(log.read_text() for log in logs)
    assert f"/claim/{code}" in logged
    assert key not in logged


def test_a_hostile_inline_script_is_blocked(live_server, person, csp: CspWatch):
    """The policy really is enforced: a script injected into the page does not run."""
    page = csp.watch(person("laptop"))
    page.goto(live_server + "/")
    # Resolves when the browser reports the script blocked (Playwright's timeout, if never).
    blocked = page.evaluate(
        """() => new Promise((resolve) => {
            document.addEventListener("securitypolicyviolation",
                (event) => resolve(event.effectiveDirective), { once: true });
            const s = document.createElement("script");
            s.textContent = "window.__ran = true";
            document.body.appendChild(s);
        })"""
    )
    assert blocked.startswith("script-src")
    assert page.evaluate("window.__ran === undefined")
