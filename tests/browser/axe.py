"""axe-core in the page: the WCAG 2.2 AA rules, run by the vendored copy (no download at
test time). The app's Content-Security-Policy forbids inline scripts, so the pages it runs
in come from a context made with ``bypass_csp=True`` (see ``new_context``)."""

from __future__ import annotations

from pathlib import Path

from playwright.sync_api import Browser, BrowserContext, Page

AXE_SOURCE = (Path(__file__).parent / "vendor" / "axe-4.14.1.min.js").read_text()
WCAG_22_AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]
FAILING_IMPACTS = ("serious", "critical")

RUN = """(tags) => axe.run(document, {
  runOnly: {type: "tag", values: tags},
  resultTypes: ["violations"],
}).then((results) => results.violations.map((v) => ({
  id: v.id, impact: v.impact, help: v.help,
  targets: v.nodes.slice(0, 4).map((n) => n.target.join(" ")),
})))"""


def new_context(browser: Browser, **options: object) -> BrowserContext:
    """A browser context whose pages can take axe's script despite the app's CSP."""
    context = browser.new_context(bypass_csp=True, **options)
    context.set_default_timeout(10_000)
    return context


def violations(page: Page, where: str) -> list[str]:
    """The page's serious and critical WCAG 2.2 A/AA violations, one line each."""
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        page.add_script_tag(content=AXE_SOURCE)
    found = page.evaluate(RUN, WCAG_22_AA)
    return [
        f"{where}: {v['id']} ({v['impact']}) {v['help']} at {'; '.join(v['targets'])}"
        for v in found
        if v["impact"] in FAILING_IMPACTS
    ]
