"""Three-way merge of a plan cell's text, word by word.

Two people who edit the same cell at once each start from a saved revision (the *base*).
When the second edit arrives, the cell already holds the first (*theirs*); the second
(*ours*) is merged into it against the base. Changes to different words both survive; two
insertions at the same place are both kept, ours first; changes to the same words that
differ cannot be merged, and the caller keeps both texts for a person to resolve.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from difflib import SequenceMatcher
from typing import Literal

# Every character belongs to exactly one token: a word, a run of spaces, or one mark.
TOKEN = re.compile(r"\w+|\s+|[^\w\s]")


def tokens(text: str) -> list[str]:
    return TOKEN.findall(text)


@dataclass(frozen=True)
class Change:
    """Base tokens ``[start, end)`` replaced by ``text`` (an insertion when start == end)."""

    start: int
    end: int
    text: str

    def overlaps(self, other: Change) -> bool:
        """Do the two touch the same base tokens (an insertion inside a range counts)?"""
        return self.start < other.end and other.start < self.end


def changes(base: list[str], edited: list[str]) -> list[Change]:
    """The edits that turn ``base`` into ``edited``, in base order, none overlapping.

    The unchanged start and end are set aside first: a person's edit is usually in one
    place, so what is left to compare is short. SequenceMatcher's junk heuristic (on from
    200 tokens) keeps even a long, repetitive rewrite fast.
    """
    limit = min(len(base), len(edited))
    head = 0
    while head < limit and base[head] == edited[head]:
        head += 1
    tail = 0
    while tail < limit - head and base[-1 - tail] == edited[-1 - tail]:
        tail += 1
    base_middle = base[head : len(base) - tail]
    matcher = SequenceMatcher(None, base_middle, edited[head : len(edited) - tail])
    return [
        Change(head + i1, head + i2, "".join(edited[head + j1 : head + j2]))
        for tag, i1, i2, j1, j2 in matcher.get_opcodes()
        if tag != "equal"
    ]


def join_insertions(first: str, second: str) -> str:
    """Both people typed at the same place: keep both, each on its own line."""
    if first and second and not first.endswith("\n") and not second.startswith("\n"):
        return f"{first}\n{second}"
    return first + second


def merge(base: str, ours: str, theirs: str) -> str | None:
    """The text with both sides' changes to ``base``, or None when they change the same words."""
    if ours == theirs or theirs == base:
        return ours
    if ours == base:
        return theirs
    base_tokens = tokens(base)
    mine = changes(base_tokens, tokens(ours))
    others = changes(base_tokens, tokens(theirs))
    merged: list[Change] = list(mine)
    for other in others:
        for index, change in enumerate(merged):
            if change == other:
                break  # both made the very same change
            if change.start == change.end == other.start == other.end:
                merged[index] = Change(
                    change.start, change.end, join_insertions(change.text, other.text)
                )
                break
            if change.overlaps(other):
                return None
        else:
            merged.append(other)
    # An insertion sorts before a range that starts at the same token, after one that ends there.
    merged.sort(key=lambda change: (change.start, change.end))
    out: list[str] = []
    position = 0
    for change in merged:
        out.extend(base_tokens[position : change.start])
        out.append(change.text)
        position = change.end
    out.extend(base_tokens[position:])
    return "".join(out)


@dataclass(frozen=True)
class Outcome:
    """What a cell holds after an edit: its text and any other text still to be resolved."""

    text: str
    conflict_text: str | None
    # edit: nothing was saved since its base; merge: combined with what was; conflict: not
    kind: Literal["edit", "merge", "conflict"]


def reconcile(base: str, ours: str, theirs: str, conflict_text: str | None) -> Outcome:
    """Apply an edit made from ``base`` to a cell that now holds ``theirs``.

    When the merge fails the typist's text stays in the cell (it is in their hands) and
    ``theirs`` is kept beside it as the conflict. A conflict already waiting is kept too,
    unless this edit was made from it (its author typed on from there).
    """
    text = merge(base, ours, theirs)
    if text is not None:
        return Outcome(text, conflict_text, "edit" if theirs == base else "merge")
    if conflict_text is None or conflict_text in (base, ours, theirs):
        return Outcome(ours, theirs, "conflict")
    return Outcome(ours, f"{conflict_text}\n\n{theirs}", "conflict")
