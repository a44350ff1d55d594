"""The three-way merge of a plan cell, with many generated concurrent edits."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from wsapp.plan.merge import merge, reconcile, tokens

# Free text, including the spaces, line breaks and marks people type.
text = st.text(alphabet=st.sampled_from("ab c\n.,-éx"), max_size=60)

# Texts made of distinct words, so what each side changed is unambiguous.
WORDS = [f"w{n}" for n in range(40)]


@st.composite
def base_and_two_edits_apart(draw: st.DrawFn) -> tuple[list[str], list[str], list[str], dict]:
    """A base of distinct words and two edits of separate stretches, at least a word apart."""
    size = draw(st.integers(min_value=3, max_value=25))
    base = WORDS[:size]
    split = draw(st.integers(min_value=1, max_value=size - 1))  # this word stays untouched

    def edit(lo: int, hi: int, tag: str) -> tuple[int, int, list[str]]:
        start = draw(st.integers(min_value=lo, max_value=hi))
        end = draw(st.integers(min_value=start, max_value=hi))
        new = [f"{tag}{n}" for n in range(draw(st.integers(min_value=0, max_value=3)))]
        if start == end and not new:
            new = [f"{tag}0"]
        return start, end, new

    a_start, a_end, a_new = edit(0, split, "a")
    b_start, b_end, b_new = edit(split + 1, size, "b")
    ours = base[:a_start] + a_new + base[a_end:]
    theirs = base[:b_start] + b_new + base[b_end:]
    expected = base[:a_start] + a_new + base[a_end:b_start] + b_new + base[b_end:]
    return base, ours, theirs, {"expected": expected, "added": a_new + b_new}


def words(text: str) -> list[str]:
    return text.split()


@settings(max_examples=400)
@given(text, text)
def test_an_edit_against_an_unchanged_cell_is_the_edit(base, ours):
    assert merge(base, ours, base) == ours
    assert merge(base, base, ours) == ours


@settings(max_examples=400)
@given(text, text)
def test_the_same_edit_on_both_sides_is_that_edit(base, edited):
    assert merge(base, edited, edited) == edited


@settings(max_examples=600, suppress_health_check=[HealthCheck.too_slow])
@given(base_and_two_edits_apart(), st.booleans())
def test_edits_of_different_words_both_survive(case, line_breaks):
    base, ours, theirs, facts = case
    sep = "\n" if line_breaks else " "
    merged = merge(sep.join(base), sep.join(ours), sep.join(theirs))
    assert merged is not None
    assert words(merged) == facts["expected"]
    # ...whichever of the two arrived first.
    assert words(merge(sep.join(base), sep.join(theirs), sep.join(ours)) or "") == words(merged)


@settings(max_examples=600)
@given(text, text, text)
def test_every_word_either_side_added_survives_a_clean_merge(base, ours, theirs):
    merged = merge(base, ours, theirs)
    if merged is None:
        return
    for side in (ours, theirs):
        added = {token for token in tokens(side) if token.strip()} - set(tokens(base))
        assert all(token in merged for token in added), (base, ours, theirs, merged)


@settings(max_examples=600)
@given(text, text, text, st.one_of(st.none(), text))
def test_a_conflict_never_loses_either_text(base, ours, theirs, waiting):
    outcome = reconcile(base, ours, theirs, waiting)
    if merge(base, ours, theirs) is not None:
        assert outcome.kind in ("edit", "merge")
        assert outcome.conflict_text == waiting
        return
    assert outcome.kind == "conflict"
    # The typist's text stays in the cell, the other is kept beside it...
    assert outcome.text == ours
    assert outcome.conflict_text is not None and theirs in outcome.conflict_text
    # ...and a conflict already waiting is kept unless this edit was made from it.
    if waiting is not None and waiting not in (base, ours, theirs):
        assert waiting in outcome.conflict_text


@settings(max_examples=200)
@given(
    st.lists(st.sampled_from(["Ana", "Ben", "Cleo", "Dev"]), min_size=2, max_size=4, unique=True)
)
def test_people_typing_into_an_empty_cell_at_once_all_keep_their_line(names):
    """Everyone starts from the empty cell; each save merges into what is there."""
    cell = ""
    for name in names:
        cell = merge("", name, cell) or ""
    assert sorted(cell.split("\n")) == sorted(names)


def test_examples_people_would_recognise():
    # Two people add their own line at the end of the same cell.
    assert merge("Hire coach", "Hire coach\nBudget", "Hire coach\nSchedule") == (
        "Hire coach\nBudget\nSchedule"
    )
    # One finishes a word while the other adds a line before it.
    assert merge("Hire a coa", "Hire a coach", "Budget\nHire a coa") == "Budget\nHire a coach"
    # Two people change different words of one sentence.
    assert merge("Meet every month", "Meet every week", "Meet them every month") == (
        "Meet them every week"
    )
    # The same word changed two ways cannot be merged.
    assert merge("Hire a coach", "Hire two coaches", "Hire a mentor") is None
    # A deletion and an edit of the words it deleted cannot either.
    assert merge("one two three", "one three", "one 2 three") is None
    # Two rewrites of a long, repetitive cell overlap everywhere.
    assert merge("a " * 1000, "b " * 1000, "a b " * 500) is None
