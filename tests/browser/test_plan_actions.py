"""Two phones: one makes an action from a plan cell, the other sees it in the Actions list
and moves it on; both see the cell's count change, in words."""

from __future__ import annotations

from playwright.sync_api import expect

from .helpers import go_to_phase, join, open_room
from .test_plan import CELL, READINESS


def test_one_phone_makes_an_action_and_the_other_moves_it_on(live_server, person, shoot):
    lead = person("laptop")
    code = open_room(lead, live_server, READINESS, room_name="Cedar USD actions")
    ana, ben = person("phone"), person("phone")
    join(ana, live_server, code, "Ana")
    join(ben, live_server, code, "Ben")
    go_to_phase(lead, 6, "One-year plan", ana, ben)

    ana.get_by_role("button", name=f"Make an action from {CELL}").click()
    dialog = ana.get_by_role("dialog", name=f"Make an action ({CELL})")
    expect(dialog).to_be_visible()
    expect(dialog.get_by_label("Due date")).not_to_have_value("")  # the column's 30 days
    dialog.get_by_label("What will be done").fill("Survey staff on coaching")
    dialog.get_by_label("Owner").fill("Ben")
    dialog.get_by_role("button", name="Make the action").click()
    expect(dialog).to_be_hidden()

    actions = ben.get_by_role("region", name="Actions")
    row = actions.get_by_role("row").filter(has_text="Survey staff on coaching")
    expect(row).to_contain_text("Ben")
    status = ben.get_by_role("combobox", name="Status of “Survey staff on coaching”")
    expect(status).to_have_value("not_started")
    status.select_option(label="In progress")

    for page in (ana, ben, lead):
        cell_line = page.locator(".plan-cell", has=page.get_by_role("textbox", name=CELL))
        expect(cell_line.locator(".plan-cell-actions")).to_contain_text("1 action")
        expect(cell_line.locator(".plan-cell-actions")).to_contain_text("1 in progress")
    expect(ana.get_by_role("combobox", name="Status of “Survey staff on coaching”")).to_have_value(
        "in_progress"
    )

    # A second action, then the list sorted by owner on one phone stays so after a push.
    ben.get_by_role("button", name=f"Make an action from {CELL}").click()
    dialog = ben.get_by_role("dialog", name=f"Make an action ({CELL})")
    dialog.get_by_label("What will be done").fill("Book the PD days")
    dialog.get_by_label("Owner").fill("Ana")
    dialog.get_by_label("Due date").fill("2027-06-30")
    dialog.get_by_role("button", name="Make the action").click()
    ana_actions = ana.get_by_role("region", name="Actions")
    expect(ana_actions.get_by_role("row")).to_have_count(3)
    ana_actions.get_by_role("link", name="owner").click()
    expect(ana_actions.get_by_role("row").nth(1)).to_contain_text("Book the PD days")
    ben.get_by_role("combobox", name="Status of “Book the PD days”").select_option(label="Blocked")
    # Once the push has come (it changed the status), the list is in Ana's order again.
    expect(ana.get_by_role("combobox", name="Status of “Book the PD days”")).to_have_value(
        "blocked"
    )
    expect(ana_actions.get_by_role("row").nth(1)).to_contain_text("Book the PD days")

    ana.get_by_role("textbox", name=CELL).scroll_into_view_if_needed()
    shoot(ana, "plan-action-cell-390", full_page=False)
    for page, size in ((ana, "390"), (lead, "1366")):
        expect(page.get_by_role("region", name="Actions")).to_contain_text("Blocked")
        page.evaluate("document.getElementById('plan-actions').scrollIntoView()")
        shoot(page, f"plan-actions-{size}", full_page=False)
