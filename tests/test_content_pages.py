"""The seeds' text as people see it: on every phase of every kit, nothing dangles ("consider
the following:" with nothing after it), nothing is said twice, and what the protocol sheet
puts below a sentence ("the chart depicted below") is there."""

from __future__ import annotations

import re
from collections import Counter

import pytest
from flask import Flask

from wsapp.content import Library

from .conftest import Member, Workshop
from .dom import Node, parse

BLOCKS = {"p", "li", "h1", "h2", "h3", "h4", "h5", "h6", "caption", "summary", "dt", "label"}
LISTS = {"ul", "ol", "dl", "table"}


def phase_of(member: Member) -> Node:
    path = f"/r/{member.code}/lead" if member.view == "facilitator" else f"/r/{member.code}"
    response = member.client.get(path)
    assert response.status_code == 200
    phase = parse(response.get_data(as_text=True)).by_id("phase")
    assert phase is not None
    return phase


def own_words(node: Node) -> str:
    """A block's words without the blocks and lists nested in it (a direction's note and
    lettered items), which are read on their own."""
    parts = [
        c if isinstance(c, str) else own_words(c)
        for c in node.children
        if isinstance(c, str) or c.tag not in LISTS | BLOCKS
    ]
    return " ".join(" ".join(parts).split())


def dangling(phase: Node) -> list[str]:
    """Blocks that end with a colon but are not followed by a list, inside them or next."""
    found = []
    for parent in phase.walk():
        elements = [c for c in parent.children if isinstance(c, Node)]
        for n, node in enumerate(elements):
            if node.tag not in BLOCKS or not own_words(node).endswith(":"):
                continue
            inside = any(c.tag in LISTS for c in node.children if isinstance(c, Node))
            after = n + 1 < len(elements) and elements[n + 1].tag in LISTS
            if not (inside or after):
                found.append(own_words(node))
    return found


def sentences(phase: Node) -> Counter[str]:
    """Every sentence of five words or more on the phase, counted (not the labels and
    counts each item repeats, which end in no full stop)."""
    found: Counter[str] = Counter()
    for node in phase.walk():
        if node.tag not in BLOCKS:
            continue
        for sentence in re.split(r"(?<=[.?!])\s+", own_words(node)):
            if len(sentence.split()) >= 5 and sentence.endswith((".", "?", "!", ":")):
                found[sentence.casefold()] += 1
    return found


def asked_twice(library: Library, guide_id: str | None) -> set[str]:
    """The guide's questions it asks of the featured PL system and of yours word for word:
    the seed itself asks them twice."""
    if guide_id is None:
        return set()
    texts = Counter(q.text.casefold() for q in library.guides[guide_id].questions())
    return {text for text, n in texts.items() if n > 1}


@pytest.mark.parametrize(
    "kit_id",
    [
        "readiness-planning",
        "discussion-alignment-coherence",
        "discussion-equity",
        "discussion-collaboration-shared-accountability",
    ],
)
def test_no_phase_says_a_sentence_twice_or_leaves_one_dangling(
    workshop: Workshop, app: Flask, kit_id: str
):
    library: Library = app.extensions["wsapp_content"]
    kit = library.kits[kit_id]
    lead = workshop.connect(workshop.open_room(kit_id))
    ana = workshop.join(lead.code, "Ana")
    for index, phase in enumerate(kit.phases):
        assert lead.act("phase.go", index=index)["ok"]
        allowed = asked_twice(library, phase.guide)
        for member in (lead, ana):
            shown = phase_of(member)
            where = f"{kit_id} {phase.key} ({member.view})"
            assert dangling(shown) == [], where
            doubled = {
                text: n
                for text, n in sentences(shown).items()
                if n > 1 and not any(q in text or text in q for q in allowed)
            }
            assert doubled == {}, where


def test_the_intro_lists_direction_7s_considerations_and_shows_the_chart(
    workshop: Workshop, app: Flask
):
    protocol = app.extensions["wsapp_content"].protocols["readiness-planning"]
    lead = workshop.open_room()
    intro = phase_of(lead)

    direction = intro.by_class("directions")[0].find_all("li")
    seventh = [li for li in direction if own_words(li).startswith("Throughout your planning")]
    assert len(seventh) == 1
    lettered = seventh[0].find_all("ol", type="a")[0]
    assert [li.words for li in lettered.find_all("li")] == [
        "The Standards for Professional Learning",
        "22 Components of a Comprehensive Professional Learning System",
        "At the district level: Standards Into Practice: School System Roles, Innovation "
        "Configuration Maps for Standards for Professional Learning (IC Maps)",
        "At the school level: Standards Into Practice: School-Based Roles, Innovation "
        "Configuration Maps for Standards for Professional Learning (IC Maps)",
        "Semi-annual Standards Assessment Inventory 2 (SAI2) results",
    ]

    # "sketch out the chart depicted below": the chart follows the preparation.
    blocks = [n for n in intro.walk() if n.tag in {"p", "table"}]
    preparation = next(n for n, b in enumerate(blocks) if "chart depicted below" in b.words)
    chart = blocks[preparation + 1]
    assert chart.tag == "table"
    assert chart.find_all("caption")[0].words == protocol.plan.title
    headings = [th.words for th in chart.find_all("th", scope="col")]
    assert headings == ["Scenario Elements", "30 Days", "60 Days", "90 Days", "120 Days"]
    rows = [th.words for th in chart.find_all("th", scope="row")]
    assert rows[0] == "Major Focus District Leadership Actions"
    assert len(rows) == 4
