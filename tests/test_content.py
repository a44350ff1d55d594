"""Tests for wsapp.content: the real content loads, and broken copies fail with a clear error."""

import os
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml
from pydantic import BaseModel

from wsapp.content import (
    ContentError,
    Direction,
    Library,
    Question,
    Standard,
    load_library,
    main,
)

CONTENT_DIR = Path(__file__).resolve().parent.parent / "content"


@pytest.fixture(scope="module")
def library() -> Library:
    return load_library(CONTENT_DIR)


@pytest.fixture
def content(tmp_path: Path) -> Path:
    """A private copy of the real content that a test may break."""
    copy = tmp_path / "content"
    shutil.copytree(CONTENT_DIR, copy)
    return copy


def edit(content: Path, rel: str, change: Callable[[dict[str, Any]], None]) -> None:
    """Load one YAML file of the copy, let ``change`` mutate it, write it back."""
    path = content / rel
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    change(data)
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")


def load_error(content: Path) -> ContentError:
    with pytest.raises(ContentError) as caught:
        load_library(content)
    error = caught.value
    assert str(error) == f"{error.file}: {error.field}: {error.expected}"
    return error


# --- the real content ---------------------------------------------------------------------


def test_with_no_folder_named_the_checker_checks_the_repositorys_content(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main([]) == 0
    checked = [line.split(":")[0] for line in capsys.readouterr().out.splitlines()]
    assert sorted(checked) == sorted(path.stem for path in (CONTENT_DIR / "kits").glob("*.yaml"))


def test_real_content_loads(library: Library) -> None:
    assert sorted(library.guides) == [
        "alignment-coherence",
        "collaboration-shared-accountability",
        "equity",
    ]
    assert list(library.standards) == ["alignment-coherence"]
    assert list(library.protocols) == ["readiness-planning"]
    assert sorted(library.kits) == [
        "discussion-alignment-coherence",
        "discussion-collaboration-shared-accountability",
        "discussion-equity",
        "readiness-checkin",
        "readiness-planning",
    ]
    assert "readiness-checkin" not in [kit.id for kit in library.opening_kits()]


@pytest.mark.parametrize(
    ("guide_id", "counts"),
    [
        ("alignment-coherence", [4, 4, 4]),
        ("equity", [3, 3, 3]),
        ("collaboration-shared-accountability", [2, 3, 3]),
    ],
)
def test_guide_elements_and_question_counts(
    library: Library, guide_id: str, counts: list[int]
) -> None:
    guide = library.guides[guide_id]
    assert [element.key for element in guide.elements] == ["A", "B", "C"]
    assert [len(element.featured) for element in guide.elements] == counts
    assert [len(element.yours) for element in guide.elements] == counts
    assert guide.warmup.text.endswith("What stands out to you about this standard and why?")
    assert guide.warmup.standard_url in guide.warmup.text
    assert guide.warmup.stories_url in guide.warmup.stories_text
    assert guide.take_action.startswith("Review your notes above. What will you and your team do")


def test_only_alignment_coherence_guide_has_a_standard(library: Library) -> None:
    assert {g.id: g.standard_id for g in library.guides.values()} == {
        "alignment-coherence": "alignment-coherence",
        "equity": None,
        "collaboration-shared-accountability": None,
    }


def test_guide_questions_are_keyed_in_display_order(library: Library) -> None:
    guide = library.guides["collaboration-shared-accountability"]
    keys = [question.key for question in guide.questions()]
    assert keys[:4] == [
        "collaboration-shared-accountability:warmup",
        "collaboration-shared-accountability:A:featured:1",
        "collaboration-shared-accountability:A:featured:2",
        "collaboration-shared-accountability:A:yours:1",
    ]
    assert keys[-1] == "collaboration-shared-accountability:take-action"
    assert len(keys) == 1 + 2 * (2 + 3 + 3) + 1
    question = guide.question("collaboration-shared-accountability:C:yours:3")
    assert question == Question(
        key="collaboration-shared-accountability:C:yours:3",
        text=guide.elements[2].yours[2],
        element_key="C",
        side="yours",
        number=3,
    )
    assert question.text.endswith("If not, what are some of the barriers that prevent this?")
    assert guide.question("collaboration-shared-accountability:C:yours:4") is None


def test_standard_has_three_elements_of_four_indicators(library: Library) -> None:
    standard = library.standards["alignment-coherence"]
    assert [element.key for element in standard.elements] == ["A", "B", "C"]
    for element in standard.elements:
        assert [indicator.number for indicator in element.indicators] == [1, 2, 3, 4]
        assert element.statement.startswith("Quality professional learning")
    assert len(standard.summary) == 3
    assert standard.url == "https://www.cde.ca.gov/qpls"
    guide = library.guides["alignment-coherence"]
    assert [e.title for e in guide.elements] == [e.title for e in standard.elements]


def test_protocol_plan_grid_and_dots(library: Library) -> None:
    protocol = library.protocols["readiness-planning"]
    plan = protocol.plan
    assert plan.title == "Where do we want our district to be one year from today?"
    assert plan.corner == "Scenario Elements"
    assert [(row.key, row.heading, row.detail) for row in plan.rows] == [
        ("major-focus", "Major Focus", "District Leadership Actions"),
        ("element", "Element of a Comprehensive PL System and/or PL Standard", None),
        ("tools", "Tools and Materials Needed", None),
        ("challenges", "Challenges", "Benefits and Frustrations"),
    ]
    assert [(col.key, col.heading) for col in plan.columns] == [
        ("30-days", "30 Days"),
        ("60-days", "60 Days"),
        ("90-days", "90 Days"),
        ("120-days", "120 Days"),
    ]
    assert [(dot.key, dot.label) for dot in protocol.dot_colours] == [
        ("green", "Strength"),
        ("yellow", "Some work needed"),
        ("red", "Significant work needed"),
    ]
    assert [direction.number for direction in protocol.directions] == list(range(1, 8))
    assert protocol.directions[4].note is not None
    assert len(protocol.considerations) == 5
    assert protocol.quiet_write_prompt == (
        "Where do you want your district to be one year from today?"
    )


def test_question_keys_are_unique_and_resolvable(library: Library) -> None:
    questions = list(library.questions())
    keys = [question.key for question in questions]
    assert len(keys) == len(set(keys))
    assert len(keys) == (2 + 24) + (2 + 18) + (2 + 16) + 1
    for question in questions:
        assert library.question_text(question.key) == question.text
    assert library.question_text("equity:B:featured:1") == (
        "How does this PL system ensure all educators have equitable access to effective PL "
        "and support?"
    )
    prompt = library.question_text("readiness-planning:where-are-we-now")
    assert prompt is not None and prompt.startswith("Start with discussion about your district")
    assert library.question_text("equity:B:featured:9") is None
    assert library.question_text("readiness-planning:plan") is None
    assert library.question_text("nonsense") is None


def test_the_kits_agendas_follow_the_seeds(library: Library) -> None:
    # (Each kit's minutes add up to its phases': the loader refuses one that does not, see
    # test_minutes_must_add_up.)
    readiness = library.kits["readiness-planning"]
    assert readiness.minutes == 120
    assert [phase.kind for phase in readiness.phases] == [
        "intro",
        "prompt",
        "quiet_write",
        "posters",
        "poster_review",
        "plan",
    ]
    assert [phase.minutes for phase in readiness.phases if phase.key == "plan"] == [60]
    discussion = library.kits["discussion-equity"]
    assert [(p.kind, p.element) for p in discussion.phases] == [
        ("guide_warmup", None),
        ("guide_element", "A"),
        ("guide_element", "B"),
        ("guide_element", "C"),
        ("take_action", None),
    ]


def _texts(value: Any, path: str = "") -> list[tuple[str, str, Any]]:
    """Every text in a content model, with its field path and the model that holds it."""
    found: list[tuple[str, str, Any]] = []
    if isinstance(value, BaseModel):
        for name in type(value).model_fields:
            field = getattr(value, name)
            if isinstance(field, str):
                found.append((f"{path}{name}", field, value))
            else:
                found += _texts(field, f"{path}{name}.")
    elif isinstance(value, list):
        for n, item in enumerate(value):
            if isinstance(item, str):
                found.append((f"{path.rstrip('.')}[{n}]", item, None))
            else:
                found += _texts(item, f"{path.rstrip('.')}[{n}].")
    return found


def test_no_text_dangles_with_a_colon_and_nothing_after_it(library: Library) -> None:
    """A text ending "consider the following:" must be followed by what it announces: the
    direction's own items, or the standard's indicators after its lead-in."""
    items = [
        *library.kits.values(),
        *library.guides.values(),
        *library.standards.values(),
        *library.protocols.values(),
    ]
    dangling = []
    for item in items:
        for path, text, holder in _texts(item):
            if not text.rstrip().endswith(":"):
                continue
            if isinstance(holder, Direction) and path.endswith(".text") and holder.items:
                continue
            if isinstance(item, Standard) and path == "indicators_lead" and item.elements:
                continue
            dangling.append(f"{item.id}: {path}: {text}")
    assert dangling == []
    checklist = library.protocols["readiness-planning"].checklist
    assert checklist is not None and checklist.number == 7
    assert len(checklist.items) == 5


def test_a_direction_ending_in_a_colon_needs_its_items(content: Path) -> None:
    def drop_items(data: dict[str, Any]) -> None:
        del data["directions"][6]["items"]
        data["directions"][6]["checklist"] = False

    edit(content, "protocols/readiness-planning.yaml", drop_items)
    error = load_error(content)
    assert (error.file, error.field) == ("protocols/readiness-planning.yaml", "directions[6].items")
    assert error.expected == "ends with a colon but has no items after it; add them"


def test_models_are_frozen(library: Library) -> None:
    guide = library.guides["equity"]
    with pytest.raises(ValueError):
        guide.title = "Changed"


def test_main_lists_kits(capsys: pytest.CaptureFixture[str]) -> None:
    assert main([str(CONTENT_DIR)]) == 0
    out = capsys.readouterr().out.splitlines()
    assert "readiness-planning: Readiness protocol and action plan \u2014 6 phases, 120 min" in out
    assert len(out) == 5


def check_content_command(content: Path) -> subprocess.CompletedProcess[str]:
    """Run ``wsapp check-content`` as a facilitator would, with WSAPP_CONTENT_DIR set."""
    return subprocess.run(
        [sys.executable, "-c", "from wsapp.cli import main; main()", "check-content"],
        env={**os.environ, "WSAPP_CONTENT_DIR": str(content)},
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_check_content_command_lists_the_kits(content: Path) -> None:
    result = check_content_command(content)
    assert result.returncode == 0, result.stderr
    assert "readiness-planning: Readiness protocol and action plan" in result.stdout


def test_check_content_command_names_the_broken_file_without_a_traceback(content: Path) -> None:
    edit(content, "guides/equity.yaml", lambda d: d.pop("take_action"))
    result = check_content_command(content)
    assert result.returncode == 1
    assert result.stderr.startswith("guides/equity.yaml: take_action: ")
    assert "Traceback" not in result.stderr


# --- broken copies ------------------------------------------------------------------------


def test_missing_required_field(content: Path) -> None:
    edit(content, "guides/equity.yaml", lambda d: d.pop("take_action"))
    error = load_error(content)
    assert (error.file, error.field) == ("guides/equity.yaml", "take_action")
    assert "required" in error.expected


def test_missing_nested_field(content: Path) -> None:
    edit(content, "guides/equity.yaml", lambda d: d["elements"][1].pop("title"))
    error = load_error(content)
    assert (error.file, error.field) == ("guides/equity.yaml", "elements[1].title")


def test_wrong_type_in_a_question_list(content: Path) -> None:
    def change(data: dict[str, Any]) -> None:
        data["elements"][1]["featured"][2] = 42

    edit(content, "guides/alignment-coherence.yaml", change)
    error = load_error(content)
    assert (error.file, error.field) == (
        "guides/alignment-coherence.yaml",
        "elements[1].featured[2]",
    )
    assert error.expected == "should be text, got 42 (put it in quotes)"


def test_wrong_type_for_minutes(content: Path) -> None:
    edit(content, "kits/readiness-planning.yaml", lambda d: d["phases"][2].update(minutes="ten"))
    error = load_error(content)
    assert (error.file, error.field) == ("kits/readiness-planning.yaml", "phases[2].minutes")
    assert "whole number" in error.expected


def test_unknown_extra_field(content: Path) -> None:
    edit(content, "standards/alignment-coherence.yaml", lambda d: d.update(colour="blue"))
    error = load_error(content)
    assert (error.file, error.field) == ("standards/alignment-coherence.yaml", "colour")
    assert "not a known field" in error.expected


def test_unknown_nested_extra_field(content: Path) -> None:
    def change(data: dict[str, Any]) -> None:
        data["elements"][0]["indicators"][3]["txt"] = "typo"

    edit(content, "standards/alignment-coherence.yaml", change)
    error = load_error(content)
    assert error.field == "elements[0].indicators[3].txt"


def test_bad_enum_value(content: Path) -> None:
    edit(content, "kits/discussion-equity.yaml", lambda d: d["phases"][1].update(kind="video"))
    error = load_error(content)
    assert (error.file, error.field) == ("kits/discussion-equity.yaml", "phases[1].kind")
    assert "'guide_element'" in error.expected


def test_kit_references_unknown_guide(content: Path) -> None:
    edit(content, "kits/discussion-equity.yaml", lambda d: d["phases"][0].update(guide="equality"))
    error = load_error(content)
    assert (error.file, error.field) == ("kits/discussion-equity.yaml", "phases[0].guide")
    assert "'equality'" in error.expected and "equity" in error.expected


def test_kit_references_unknown_checkin_kit(content: Path) -> None:
    edit(content, "kits/readiness-planning.yaml", lambda d: d.update(checkin_kit="readiness-30"))
    error = load_error(content)
    assert (error.file, error.field) == ("kits/readiness-planning.yaml", "checkin_kit")
    assert "'readiness-30'" in error.expected and "readiness-checkin" in error.expected


def test_an_action_review_phase_takes_no_guide(content: Path) -> None:
    edit(content, "kits/readiness-checkin.yaml", lambda d: d["phases"][1].update(guide="equity"))
    error = load_error(content)
    assert (error.file, error.field) == ("kits/readiness-checkin.yaml", "phases[1].guide")
    assert "not used by a phase of kind 'action_review'" in error.expected


def test_kit_references_unknown_element(content: Path) -> None:
    edit(content, "guides/equity.yaml", lambda d: d["elements"].pop())
    error = load_error(content)
    assert (error.file, error.field) == ("kits/discussion-equity.yaml", "phases[3].element")
    assert "'C'" in error.expected


def test_kit_references_unknown_standard_and_protocol(content: Path) -> None:
    edit(content, "kits/readiness-planning.yaml", lambda d: d["phases"][4].update(standard="x"))
    error = load_error(content)
    assert (error.file, error.field) == ("kits/readiness-planning.yaml", "phases[4].standard")

    def fix_and_break(data: dict[str, Any]) -> None:
        data["phases"][4]["standard"] = "alignment-coherence"
        data["phases"][5]["protocol"] = "nope"

    edit(content, "kits/readiness-planning.yaml", fix_and_break)
    error = load_error(content)
    assert (error.file, error.field) == ("kits/readiness-planning.yaml", "phases[5].protocol")


def test_phase_kind_rules(content: Path) -> None:
    edit(content, "kits/discussion-equity.yaml", lambda d: d["phases"][2].pop("element"))
    error = load_error(content)
    assert (error.file, error.field) == ("kits/discussion-equity.yaml", "phases[2].element")
    assert "required" in error.expected


def test_prompt_phase_needs_a_prompt(content: Path) -> None:
    edit(content, "kits/readiness-planning.yaml", lambda d: d["phases"][1].pop("prompt"))
    error = load_error(content)
    assert (error.file, error.field) == ("kits/readiness-planning.yaml", "phases[1].prompt")


def test_field_not_used_by_kind(content: Path) -> None:
    edit(content, "kits/readiness-planning.yaml", lambda d: d["phases"][5].update(guide="equity"))
    error = load_error(content)
    assert (error.file, error.field) == ("kits/readiness-planning.yaml", "phases[5].guide")
    assert "not used" in error.expected


def test_duplicate_phase_keys(content: Path) -> None:
    edit(content, "kits/readiness-planning.yaml", lambda d: d["phases"][2].update(key="intro"))
    error = load_error(content)
    assert (error.file, error.field) == ("kits/readiness-planning.yaml", "phases[2].key")
    assert "phases[0]" in error.expected


def test_minutes_must_add_up(content: Path) -> None:
    edit(content, "kits/discussion-equity.yaml", lambda d: d.update(minutes=60))
    error = load_error(content)
    assert (error.file, error.field) == ("kits/discussion-equity.yaml", "minutes")
    assert "(65)" in error.expected


def test_malformed_yaml(content: Path) -> None:
    (content / "guides/equity.yaml").write_text("id: equity\ntitle: [Equity\nintro: x\n")
    error = load_error(content)
    assert (error.file, error.field) == ("guides/equity.yaml", "(file)")
    assert "not valid YAML" in error.expected and "line" in error.expected


def test_duplicate_yaml_key(content: Path) -> None:
    path = content / "guides/equity.yaml"
    path.write_text(path.read_text(encoding="utf-8") + "title: Again\n", encoding="utf-8")
    error = load_error(content)
    assert (error.file, error.field) == ("guides/equity.yaml", "(file)")
    assert "duplicate key 'title'" in error.expected


def test_empty_file(content: Path) -> None:
    (content / "protocols/readiness-planning.yaml").write_text("# nothing yet\n")
    error = load_error(content)
    assert (error.file, error.field) == ("protocols/readiness-planning.yaml", "(file)")
    assert "empty" in error.expected


def test_id_must_match_file_name(content: Path) -> None:
    shutil.copy(content / "guides/equity.yaml", content / "guides/equity-copy.yaml")
    error = load_error(content)
    assert (error.file, error.field) == ("guides/equity-copy.yaml", "id")
    assert "'equity-copy'" in error.expected


def test_missing_folder(content: Path) -> None:
    shutil.rmtree(content / "standards")
    error = load_error(content)
    assert (error.file, error.field) == ("standards/", "(folder)")


def test_missing_content_dir(tmp_path: Path) -> None:
    error = load_error(tmp_path / "nowhere")
    assert (error.file, error.field) == (".", "(folder)")


def test_guide_standard_must_exist(content: Path) -> None:
    edit(content, "guides/equity.yaml", lambda d: d.update(standard_id="equity"))
    error = load_error(content)
    assert (error.file, error.field) == ("guides/equity.yaml", "standard_id")


def test_dot_colours_stay_green_yellow_red(content: Path) -> None:
    edit(content, "protocols/readiness-planning.yaml", lambda d: d["dot_colours"].reverse())
    error = load_error(content)
    assert (error.file, error.field) == ("protocols/readiness-planning.yaml", "dot_colours")


def test_question_key_collision(content: Path) -> None:
    def rename(data: dict[str, Any]) -> None:
        data["id"] = "equity"
        data["phases"][1]["key"] = "warmup"

    edit(content, "kits/readiness-planning.yaml", rename)
    (content / "kits/readiness-planning.yaml").rename(content / "kits/equity.yaml")
    error = load_error(content)
    assert (error.file, error.field) == ("kits/equity.yaml", "phases[1].key")
    assert "guides/equity.yaml" in error.expected


def test_main_reports_broken_content(content: Path, capsys: pytest.CaptureFixture[str]) -> None:
    edit(content, "kits/discussion-equity.yaml", lambda d: d["phases"][0].update(guide="equality"))
    assert main([str(content)]) == 1
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err.startswith("kits/discussion-equity.yaml: phases[0].guide: should name")
