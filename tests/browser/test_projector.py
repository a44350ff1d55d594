"""The projector as slides, in real Chromium at 1920x1080 and 1280x720: every phase of
every kit, with a realistic amount in the room (a 12-item wall with 30 people's dots, 40
notes, 30 answers, text in every plan cell), fits the screen page by page; nothing of it
lies below the screen, everything is on some page, and body text is at least 28 px and
headings 48 px at 1080p. The room is watched through its view-only projector link."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from .conftest import LIVE_SECRET_KEY
from .crowd import crowded_room
from .helpers import wait_live

KITS = (
    "readiness-planning",
    "discussion-alignment-coherence",
    "discussion-collaboration-shared-accountability",
    "discussion-equity",
)
SCREENS = {"1080p": (1920, 1080), "720p": (1280, 720)}
# What the room made, each of which must be on some page of its phase's slide.
CONTENT = ".poster-item, .note, .quiet-answer, .plan-row:not(.plan-head), .summary-item"

# For the page shown: every visible element of the slide that lies (even partly) off the
# screen, the smallest text and heading sizes, and the room's content marked as seen.
MEASURE = """(content) => {
  const visible = (el) => {
    if (el.closest(".visually-hidden")) return false;
    const box = el.getBoundingClientRect();
    return box.width > 0 && box.height > 0 && getComputedStyle(el).visibility !== "hidden";
  };
  const off = [];
  let text = Infinity, heading = Infinity;
  for (const el of document.querySelectorAll("#phase, #phase *")) {
    if (!visible(el)) continue;
    const box = el.getBoundingClientRect();
    if (box.bottom > innerHeight + 0.5 || box.right > innerWidth + 0.5) {
      off.push(el.tagName + "." + el.className + " " + (el.textContent || "").trim().slice(0, 40));
    }
    const own = Array.from(el.childNodes).some((n) => n.nodeType === 3 && n.textContent.trim());
    if (own) text = Math.min(text, parseFloat(getComputedStyle(el).fontSize));
  }
  for (const el of document.querySelectorAll("#phase h1")) {
    if (visible(el)) heading = Math.min(heading, parseFloat(getComputedStyle(el).fontSize));
  }
  for (const el of document.querySelectorAll(content)) {
    if (visible(el)) el.dataset.seen = "yes";
  }
  return {off, text, heading};
}"""


def walk_the_pages(projector: Page, screen: str, phase: str) -> int:
    """Check every page of the slide; return how many pages it has."""
    pager = projector.get_by_role("navigation", name="Pages of this slide")
    pages = 1
    if pager.is_visible():
        label = projector.locator("#slide-page").inner_text()
        pages = int(label.rsplit(" ", 1)[1])
    for page in range(pages):
        if page:
            pager.get_by_role("button", name="Next page").click()
            expect(projector.locator("#slide-page")).to_have_text(f"Page {page + 1} of {pages}")
        found = projector.evaluate(MEASURE, CONTENT)
        where = f"{phase} at {screen}, page {page + 1} of {pages}"
        assert found["off"] == [], where
        if screen == "1080p":
            assert found["text"] >= 28, where
            assert found["heading"] >= 48, where
    unseen = projector.locator(f":is({CONTENT}):not([data-seen])")
    assert unseen.count() == 0, f"{phase} at {screen}: never shown"
    return pages


@pytest.mark.parametrize("kit", KITS)
def test_every_phase_fits_the_projector_page_by_page(live_server, live_database_url, person, kit):
    crowd = crowded_room(live_database_url, LIVE_SECRET_KEY, kit)
    projector = person("projector")
    projector.goto(live_server + crowd.projector_link())
    wait_live(projector)
    with crowd.app.app_context():
        from wsapp.rooms.codes import room_by_code
        from wsapp.rooms.domain import kit_of

        phases = [phase.title for phase in kit_of(room_by_code(crowd.code)).phases]
    for index, title in enumerate(phases):
        crowd.go_to(index)
        for screen, (width, height) in SCREENS.items():
            projector.set_viewport_size({"width": width, "height": height})
            projector.reload()
            wait_live(projector)
            expect(projector.get_by_role("heading", level=1, name=title)).to_be_visible()
            walk_the_pages(projector, screen, title)


def test_the_join_code_is_large_until_people_are_in_and_the_theme_is_remembered(
    live_server, person
):
    from .helpers import join, open_room

    lead = person("laptop")
    code = open_room(lead, live_server, "Readiness protocol and action plan")
    projector = lead.context.new_page()
    projector.set_viewport_size({"width": 1920, "height": 1080})
    projector.goto(f"{live_server}/r/{code}/projector")
    wait_live(projector)
    qr = projector.get_by_role("img", name="QR code that opens the join page", exact=False)
    assert qr.bounding_box()["height"] >= 300
    join(person("phone"), live_server, code, "Ana")
    expect(projector.locator("#people")).to_contain_text("1 online of 1")
    projector.wait_for_function(
        "document.querySelector('.projector-join .qr').getBoundingClientRect().height < 120"
    )

    toggle = projector.get_by_role("button", name="High contrast")
    expect(toggle).to_have_attribute("aria-pressed", "false")
    toggle.click()
    expect(toggle).to_have_attribute("aria-pressed", "true")
    projector.reload()
    expect(projector.get_by_role("button", name="High contrast")).to_have_attribute(
        "aria-pressed", "true"
    )
    expect(projector.locator("html")).to_have_attribute("data-theme", "contrast")
