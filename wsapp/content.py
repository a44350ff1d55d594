"""Workshop content: the YAML files under ``content/``, their models and their loader.

The content folder holds four sub-folders, one YAML file per item, named after its id:

* ``guides/``     discussion guides (:class:`Guide`)
* ``standards/``  Quality Professional Learning Standards (:class:`Standard`)
* ``protocols/``  session protocols with their planning grid (:class:`Protocol`)
* ``kits/``       ready-to-run workshop sessions built from the above (:class:`Kit`)
* ``scales/``     rating scales beyond a protocol's own dot colours (:class:`Scale`); optional

:func:`load_library` reads and validates everything and either returns a complete
:class:`Library` or raises one :class:`ContentError` naming the file, the field and what was
expected. Run ``python -m wsapp.content [DIR]`` to check a content folder.

This module imports nothing from the rest of ``wsapp``.
"""

import argparse
import re
import sys
from collections.abc import Hashable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Annotated, Any, Literal, TypeVar

import yaml
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    ValidationError,
    ValidationInfo,
    field_validator,
)
from pydantic_core import ErrorDetails

__all__ = [
    "DEFAULT_CONTENT_DIR",
    "ContentError",
    "Direction",
    "DotColour",
    "Guide",
    "GuideElement",
    "Indicator",
    "Kit",
    "Level",
    "Library",
    "Phase",
    "PhaseKind",
    "PlanGrid",
    "PlanHeading",
    "Protocol",
    "Question",
    "QuestionSide",
    "Scale",
    "Standard",
    "StandardElement",
    "Warmup",
    "load_library",
    "main",
]

DEFAULT_CONTENT_DIR = Path(__file__).resolve().parent.parent / "content"
"""The repository's ``content/`` folder (used by :func:`main` when no folder is given)."""

SLUG_PATTERN = r"^[a-z0-9]+(?:-[a-z0-9]+)*$"
URL_PATTERN = r"^https?://\S+$"

Slug = Annotated[str, StringConstraints(pattern=SLUG_PATTERN)]
Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)]
Url = Annotated[str, StringConstraints(pattern=URL_PATTERN)]
PositiveInt = Annotated[int, Field(gt=0)]
ElementKey = Literal["A", "B", "C"]
PhaseKind = Literal[
    "intro",
    "prompt",
    "guide_warmup",
    "guide_element",
    "take_action",
    "quiet_write",
    "posters",
    "poster_review",
    "plan",
    "action_review",
]
QuestionSide = Literal["warmup", "featured", "yours", "take-action", "prompt"]

_ItemT = TypeVar("_ItemT", bound="_Item")


class ContentError(Exception):
    """A content file is missing, unreadable or invalid.

    ``file`` is relative to the content folder, ``field`` is a dotted path such as
    ``elements[1].featured[2]`` (or ``(file)`` / ``(folder)``), ``expected`` is a sentence.
    """

    def __init__(self, file: str, field: str, expected: str) -> None:
        super().__init__(f"{file}: {field}: {expected}")
        self.file = file
        self.field = field
        self.expected = expected

    def __reduce__(self) -> tuple[Any, ...]:
        return (type(self), (self.file, self.field, self.expected))


@dataclass(frozen=True)
class Question:
    """One discussion question a team can take notes on, identified by a stable ``key``."""

    key: str
    text: str
    element_key: str | None
    side: QuestionSide
    number: int | None = None


class _Model(BaseModel):
    """Base for all content models: strict, no unknown fields, immutable."""

    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)


class _Item(_Model):
    """Base for the top-level models, one per file; ``id`` equals the file stem."""

    id: Slug


def _check_numbering(numbers: list[int], what: str) -> None:
    """Raise ValueError unless ``numbers`` is 1, 2, 3, ... in order."""
    if numbers != list(range(1, len(numbers) + 1)):
        got = ", ".join(str(n) for n in numbers)
        raise ValueError(f"{what} numbers should run 1, 2, 3, ... in order, got {got}")


def _check_element_keys(keys: list[str]) -> None:
    """Raise ValueError unless element keys are A, B, C, ... in order."""
    wanted = ["A", "B", "C"][: len(keys)]
    if keys != wanted:
        raise ValueError(
            f"element keys should be {', '.join(wanted)} in order, got {', '.join(keys)}"
        )


# --- guides -------------------------------------------------------------------------------


class Warmup(_Model):
    """The warmup: review the standard, then say what stands out."""

    text: Text
    standard_url: Url
    stories_url: Url
    stories_text: Text

    @field_validator("standard_url")
    @classmethod
    def _standard_url_in_text(cls, value: str, info: ValidationInfo) -> str:
        text = info.data.get("text")
        if text is not None and value not in text:
            raise ValueError("should be the URL quoted in the warmup text")
        return value

    @field_validator("stories_text")
    @classmethod
    def _stories_url_in_text(cls, value: str, info: ValidationInfo) -> str:
        url = info.data.get("stories_url")
        if url is not None and url not in value:
            raise ValueError(f"should quote the stories_url {url}")
        return value


class GuideElement(_Model):
    """One element of a guide: a framing question, then paired question lists."""

    key: ElementKey
    title: Text
    framing: Text
    featured: list[Text] = Field(min_length=1)
    yours: list[Text] = Field(min_length=1)


class Guide(_Item):
    """A PL Stories discussion guide. Question keys are derived, see :meth:`questions`."""

    title: Text
    intro: Text
    standard_id: Slug | None = None
    warmup: Warmup
    yours_heading: Text
    elements: list[GuideElement] = Field(min_length=1)
    take_action: Text

    @field_validator("elements")
    @classmethod
    def _element_keys_in_order(cls, value: list[GuideElement]) -> list[GuideElement]:
        _check_element_keys([element.key for element in value])
        return value

    def element(self, key: str) -> GuideElement | None:
        """The element with this key (``"A"``...), or None."""
        return next((element for element in self.elements if element.key == key), None)

    def questions(self) -> list[Question]:
        """All questions in display order: warmup, each element's featured then yours, action."""
        found = [Question(f"{self.id}:warmup", self.warmup.text, None, "warmup")]
        for element in self.elements:
            sides: tuple[tuple[QuestionSide, list[str]], ...] = (
                ("featured", element.featured),
                ("yours", element.yours),
            )
            for side, texts in sides:
                found.extend(
                    Question(f"{self.id}:{element.key}:{side}:{n}", text, element.key, side, n)
                    for n, text in enumerate(texts, start=1)
                )
        found.append(Question(f"{self.id}:take-action", self.take_action, None, "take-action"))
        return found

    def question(self, key: str) -> Question | None:
        """The question with this key, or None."""
        return next((q for q in self.questions() if q.key == key), None)


# --- standards ----------------------------------------------------------------------------


class Indicator(_Model):
    """An indicator; its text completes "Quality professional learning: ..."."""

    number: PositiveInt
    text: Text


class StandardElement(_Model):
    """One element of a standard with its one-sentence statement and indicators."""

    key: ElementKey
    title: Text
    statement: Text
    indicators: list[Indicator] = Field(min_length=1)

    @field_validator("indicators")
    @classmethod
    def _numbered(cls, value: list[Indicator]) -> list[Indicator]:
        _check_numbering([indicator.number for indicator in value], "indicator")
        return value


class Standard(_Item):
    """A Quality Professional Learning Standard."""

    title: Text
    summary: list[Text] = Field(min_length=1)
    source: Text
    url: Url
    indicators_lead: Text
    elements: list[StandardElement] = Field(min_length=1)

    @field_validator("indicators_lead")
    @classmethod
    def _leads_into_indicators(cls, value: str) -> str:
        _lead_in_has_list(value, ["indicators"], "indicators")
        return value

    @field_validator("elements")
    @classmethod
    def _element_keys_in_order(cls, value: list[StandardElement]) -> list[StandardElement]:
        _check_element_keys([element.key for element in value])
        return value

    def element(self, key: str) -> StandardElement | None:
        """The element with this key, or None."""
        return next((element for element in self.elements if element.key == key), None)


# --- protocols ----------------------------------------------------------------------------


def _lead_in_has_list(lead: str, items: list[str], what: str) -> None:
    """A text ending in a colon ("consider the following:") introduces a list: without one it
    dangles, and a list needs a text that introduces it."""
    if lead.endswith(":") and not items:
        raise ValueError(f"ends with a colon but has no {what} after it; add them")
    if items and not lead.endswith(":"):
        raise ValueError(f"has {what}, so it should end with a colon that introduces them")


class Direction(_Model):
    """A numbered step of a protocol, with an optional note and lettered sub-items.

    ``checklist``: the plan phase turns the items into the team's checklist.
    """

    number: PositiveInt
    text: Text
    note: Text | None = None
    items: list[Text] = Field(default=[], validate_default=True)
    checklist: bool = False

    @field_validator("items")
    @classmethod
    def _introduced(cls, value: list[str], info: ValidationInfo) -> list[str]:
        text = info.data.get("text")
        if text is not None:
            _lead_in_has_list(text, value, "items")
        return value

    @field_validator("checklist")
    @classmethod
    def _checklist_has_items(cls, value: bool, info: ValidationInfo) -> bool:
        if value and not info.data.get("items"):
            raise ValueError("a checklist direction needs items")
        return value


# Colour-blind-safe fills (the Okabe-Ito palette); static/css/app.css has a class for each.
Tone = Literal["green", "yellow", "red", "sky", "orange", "purple", "grey"]
LEVELS_MIN = 2
LEVELS_MAX = 7


class Level(_Model):
    """One level of a rating scale: what a dot of it means, and how it looks. Its shape
    tells it apart from the other levels wherever its colour cannot."""

    key: Annotated[str, StringConstraints(pattern=SLUG_PATTERN, max_length=16)]
    label: Text
    meaning: Text
    shape: Annotated[str, StringConstraints(min_length=1, max_length=2)]
    tone: Tone

    @property
    def short(self) -> str:
        """The level's name in a column heading or a phrase: its key in words ("Green",
        "Level 1", "Always")."""
        return self.key.replace("-", " ").capitalize()


# The protocol's sticky-dot colours are the readiness scale's levels.
DotColour = Level


def _check_levels(levels: list[Level]) -> list[Level]:
    """A scale's levels must differ in key, label, shape and colour."""
    for what in ("key", "label", "shape", "tone"):
        values = [getattr(level, what) for level in levels]
        twice = sorted({value for value in values if values.count(value) > 1})
        if twice:
            raise ValueError(f"each level needs its own {what}; {', '.join(twice)} is repeated")
    return levels


class Scale(_Item):
    """A rating scale, its levels in order from the best (the ideal, a strength) down.

    Dots score by their level's place in that order (see :attr:`scores`), so tallies, the
    summary and movement work the same for three colours, four IC-map levels or five
    points of frequency.
    """

    title: Text
    levels: list[Level] = Field(min_length=LEVELS_MIN, max_length=LEVELS_MAX)

    @field_validator("levels")
    @classmethod
    def _distinct(cls, value: list[Level]) -> list[Level]:
        return _check_levels(value)

    @property
    def keys(self) -> list[str]:
        return [level.key for level in self.levels]

    @property
    def scores(self) -> dict[str, float]:
        """Each level's score, evenly spaced from +1 (the first, best) to -1 (the last)."""
        last = len(self.levels) - 1
        return {level.key: 1 - 2 * index / last for index, level in enumerate(self.levels)}

    @property
    def score_labels(self) -> dict[str, str]:
        """Each level's score as people read it: "+1", "+0.33", "0", and "-1" with a minus sign."""
        return {
            key: "0" if not score else f"{score:+.2g}".replace("-", "\N{MINUS SIGN}")
            for key, score in self.scores.items()
        }

    def level(self, key: str) -> Level | None:
        return next((level for level in self.levels if level.key == key), None)

    @property
    def letters(self) -> dict[str, str]:
        """A letter per level for a chart's bars: the key's first (G, Y, R) where those
        differ, else the level's number from 1."""
        firsts = [level.key[0].upper() for level in self.levels]
        if len(set(firsts)) == len(firsts):
            return dict(zip(self.keys, firsts, strict=True))
        return {level.key: str(n) for n, level in enumerate(self.levels, start=1)}


class PlanHeading(_Model):
    """A row or column heading of the planning grid."""

    key: Slug
    heading: Text
    detail: Text | None = None


def _unique_heading_keys(headings: list[PlanHeading]) -> list[PlanHeading]:
    keys = [heading.key for heading in headings]
    duplicates = sorted({key for key in keys if keys.count(key) > 1})
    if duplicates:
        raise ValueError(f"keys should be unique, got {', '.join(duplicates)} more than once")
    return headings


class PlanGrid(_Model):
    """The planning chart: scenario elements (rows) by 30-day increments (columns)."""

    title: Text
    corner: Text
    rows: list[PlanHeading] = Field(min_length=1)
    columns: list[PlanHeading] = Field(min_length=1)

    @field_validator("rows", "columns")
    @classmethod
    def _unique(cls, value: list[PlanHeading]) -> list[PlanHeading]:
        return _unique_heading_keys(value)


class Protocol(_Item):
    """A session protocol: supplies, directions, dot colours and the planning grid."""

    title: Text
    source: Text
    comments_to_facilitator: Text
    time: Text
    supplies: list[Text] = Field(min_length=1)
    preparation: Text
    directions: list[Direction] = Field(min_length=1)
    quiet_write_prompt: Text
    dot_colours: list[DotColour]
    plan: PlanGrid

    @field_validator("directions")
    @classmethod
    def _numbered(cls, value: list[Direction]) -> list[Direction]:
        _check_numbering([direction.number for direction in value], "direction")
        if sum(direction.checklist for direction in value) > 1:
            raise ValueError("only one direction can be the plan's checklist")
        return value

    @property
    def checklist(self) -> Direction | None:
        """The direction whose items the team ticks while planning, if any."""
        return next((direction for direction in self.directions if direction.checklist), None)

    @property
    def considerations(self) -> list[str]:
        """The checklist's items: what to consider throughout the planning."""
        return list(self.checklist.items) if self.checklist else []

    @field_validator("dot_colours")
    @classmethod
    def _traffic_light(cls, value: list[DotColour]) -> list[DotColour]:
        keys = [colour.key for colour in value]
        if keys != ["green", "yellow", "red"]:
            raise ValueError(f"should be green, yellow, red in that order, got {', '.join(keys)}")
        return _check_levels(value)

    @property
    def scale(self) -> Scale:
        """The three-colour readiness scale of the protocol's dots: every room's default."""
        return Scale(id=self.id, title="Readiness: three colours", levels=self.dot_colours)


# --- kits ---------------------------------------------------------------------------------

_REFERENCE_FIELDS = ("prompt", "guide", "element", "protocol", "standard", "scale")

# kind -> (fields that must be set, fields that may be set)
_KIND_RULES: dict[str, tuple[frozenset[str], frozenset[str]]] = {
    "intro": (frozenset(), frozenset({"protocol", "guide"})),
    "prompt": (frozenset({"prompt"}), frozenset({"prompt", "guide", "protocol", "standard"})),
    "guide_warmup": (frozenset({"guide"}), frozenset({"guide"})),
    "guide_element": (frozenset({"guide", "element"}), frozenset({"guide", "element"})),
    "take_action": (frozenset({"guide"}), frozenset({"guide"})),
    "quiet_write": (frozenset({"protocol"}), frozenset({"protocol"})),
    "posters": (frozenset({"standard", "protocol"}), frozenset({"standard", "protocol", "scale"})),
    "poster_review": (frozenset({"standard"}), frozenset({"standard", "protocol"})),
    "plan": (frozenset({"protocol"}), frozenset({"protocol"})),
    # A check-in's look at each action of the plan it carried over: status, owner, evidence.
    "action_review": (frozenset(), frozenset({"protocol"})),
}


class Phase(_Model):
    """One timed step of a kit. Which reference fields apply depends on ``kind``."""

    key: Slug
    title: Text
    kind: PhaseKind
    minutes: PositiveInt
    instructions: Text
    # Who the instructions are for: setting up the room ("have sticky dots ready") is the
    # facilitator's business, and stays off the team's phones.
    instructions_for: Literal["everyone", "facilitator"] = "everyone"
    prompt: Text | None = Field(default=None, validate_default=True)
    guide: Slug | None = Field(default=None, validate_default=True)
    element: ElementKey | None = Field(default=None, validate_default=True)
    protocol: Slug | None = Field(default=None, validate_default=True)
    standard: Slug | None = Field(default=None, validate_default=True)
    # The posters' scale (a scale in scales/); without one, the protocol's three colours.
    scale: Slug | None = Field(default=None, validate_default=True)

    @field_validator(*_REFERENCE_FIELDS)
    @classmethod
    def _fits_kind(cls, value: str | None, info: ValidationInfo) -> str | None:
        kind = info.data.get("kind")
        if kind is None:  # the kind itself was invalid and is reported on its own
            return value
        required, allowed = _KIND_RULES[kind]
        name = info.field_name
        if value is None:
            if name in required:
                raise ValueError(f"is required for a phase of kind {kind!r}")
            if kind == "intro" and name == "protocol" and info.data.get("guide") is None:
                raise ValueError("an 'intro' phase needs a protocol or a guide")
        elif name not in allowed:
            raise ValueError(f"is not used by a phase of kind {kind!r}; remove it")
        return value


class Kit(_Item):
    """A ready-to-run workshop session: an ordered list of timed phases."""

    title: Text
    summary: Text
    minutes: PositiveInt
    audience: Text
    phases: list[Phase] = Field(min_length=1)
    # The kit a "Plan a check-in" opens next in the room's series (None: the kit has none).
    checkin_kit: Slug | None = None

    def phase_at(self, index: int) -> Phase:
        """The agenda's phase at ``index``; past its end (a kit edited shorter), the last."""
        return self.phases[min(index, len(self.phases) - 1)]

    def questions(self) -> list[Question]:
        """The kit's own questions: one per ``prompt`` phase, keyed ``{kit.id}:{phase.key}``."""
        return [
            Question(f"{self.id}:{phase.key}", phase.prompt, None, "prompt")
            for phase in self.phases
            if phase.kind == "prompt" and phase.prompt is not None
        ]


# --- library ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Library:
    """All content, validated and cross-checked. Dicts are keyed by id, sorted by id."""

    kits: dict[str, Kit]
    guides: dict[str, Guide]
    standards: dict[str, Standard]
    protocols: dict[str, Protocol]
    # Scales from ``scales/``; each protocol's own three-colour scale is in ``all_scales``.
    scales: dict[str, Scale]

    @cached_property
    def all_scales(self) -> dict[str, Scale]:
        """Every scale a room can use, keyed by id: the protocols' own, then ``scales/``."""
        own = {protocol.id: protocol.scale for protocol in self.protocols.values()}
        return {**own, **self.scales}

    def opening_kits(self) -> list[Kit]:
        """The kits a room opens from on the start page: every kit but the check-ins,
        which open only from an earlier session's room (another kit's ``checkin_kit``)."""
        checkins = {k.checkin_kit for k in self.kits.values() if k.checkin_kit != k.id}
        return [kit for kit in self.kits.values() if kit.id not in checkins]

    def questions(self) -> Iterator[Question]:
        """Every question (guide questions, then kit prompts), in display order."""
        for guide in self.guides.values():
            yield from guide.questions()
        for kit in self.kits.values():
            yield from kit.questions()

    @cached_property
    def _question_index(self) -> dict[str, Question]:
        return {question.key: question for question in self.questions()}

    def question(self, key: str) -> Question | None:
        """The question with this key, or None."""
        return self._question_index.get(key)

    def question_text(self, key: str) -> str | None:
        """The text of the question with this key, or None if no such question exists."""
        question = self.question(key)
        return None if question is None else question.text


class _UniqueKeyLoader(yaml.SafeLoader):
    """A safe YAML loader that rejects duplicate mapping keys instead of keeping the last."""

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
        seen: set[Any] = set()
        for key_node, _ in node.value:
            key = self.construct_object(key_node, deep=deep)
            if not isinstance(key, Hashable):
                continue  # SafeLoader reports unhashable keys itself
            if key in seen:
                raise yaml.constructor.ConstructorError(
                    "while constructing a mapping",
                    node.start_mark,
                    f"found duplicate key {key!r}",
                    key_node.start_mark,
                )
            seen.add(key)
        mapping: dict[Any, Any] = super().construct_mapping(node, deep=deep)
        return mapping


def _yaml_type(value: Any) -> str:
    """Describe a YAML value's type in words."""
    if value is None:
        return "nothing (null)"
    if isinstance(value, bool):
        return f"true/false ({str(value).lower()})"
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    shown = repr(value)
    return shown if len(shown) <= 60 else shown[:57] + "..."


def _field_path(loc: Sequence[int | str]) -> str:
    """Turn a pydantic location such as ``('elements', 1, 'featured', 2)`` into a path."""
    path = ""
    for part in loc:
        if isinstance(part, int):
            path += f"[{part}]"
        else:
            path += f".{part}" if path else str(part)
    return path or "(file)"


def _describe(error: ErrorDetails) -> str:
    """Turn one pydantic error into a sentence saying what was expected."""
    kind = error["type"]
    value = error.get("input")
    ctx = error.get("ctx") or {}
    got = _yaml_type(value)
    if kind == "missing":
        return "is required but missing"
    if kind == "extra_forbidden":
        return "is not a known field (check the spelling, or remove it)"
    if kind == "string_type":
        hint = " (put it in quotes)" if isinstance(value, int | float | bool) else ""
        return f"should be text, got {got}{hint}"
    if kind in {"int_type", "int_parsing", "int_from_float"}:
        return f"should be a whole number, got {got}"
    if kind == "list_type":
        return f"should be a list, got {got}"
    if kind in {"model_type", "dict_type", "model_attributes_type"}:
        return f"should be a mapping of fields, got {got}"
    if kind == "string_too_short":
        return "should not be empty"
    if kind == "too_short":
        return f"should have at least {ctx.get('min_length', 1)} item(s)"
    if kind == "greater_than":
        return f"should be greater than {ctx.get('gt')}, got {got}"
    if kind == "string_pattern_mismatch":
        if ctx.get("pattern") == SLUG_PATTERN:
            return (
                "should be a slug of lowercase letters, digits and single hyphens "
                f"(like 'my-kit'), got {got}"
            )
        if ctx.get("pattern") == URL_PATTERN:
            return f"should be an http(s) URL, got {got}"
    if kind == "literal_error":
        return f"should be {ctx.get('expected', 'one of the allowed values')}, got {got}"
    if kind == "value_error":
        return str(error["msg"]).removeprefix("Value error, ")
    message = re.sub(r"^Input should be ", "should be ", str(error["msg"]))
    return f"{message}, got {got}"


def _read_yaml(path: Path, rel: str) -> dict[str, Any]:
    """Read one YAML file holding a mapping, or raise ContentError."""
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise ContentError(rel, "(file)", "should be UTF-8 text") from None
    except OSError as exc:
        raise ContentError(rel, "(file)", f"could not be read ({exc.strerror})") from None
    try:
        data = yaml.load(text, Loader=_UniqueKeyLoader)  # a SafeLoader subclass
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        problem = exc.problem or exc.context or "syntax error"
        raise ContentError(rel, "(file)", f"is not valid YAML: {problem}{where}") from None
    except yaml.YAMLError as exc:
        raise ContentError(rel, "(file)", f"is not valid YAML: {exc}") from None
    if data is None:
        raise ContentError(rel, "(file)", "is empty; it should hold a YAML mapping of fields")
    if not isinstance(data, dict):
        raise ContentError(
            rel, "(file)", f"should hold a YAML mapping of fields, got {_yaml_type(data)}"
        )
    return data


def _load_folder(content_dir: Path, folder: str, model: type[_ItemT]) -> dict[str, _ItemT]:
    """Load and validate every ``*.yaml`` file in one sub-folder, keyed by id."""
    directory = content_dir / folder
    if not directory.is_dir():
        raise ContentError(f"{folder}/", "(folder)", "is missing; create it (it may be empty)")
    stray = sorted(p.name for p in directory.glob("*.yml") if not p.name.startswith("."))
    if stray:
        raise ContentError(f"{folder}/{stray[0]}", "(file)", "should use the .yaml extension")
    items: dict[str, _ItemT] = {}
    for path in sorted(directory.glob("*.yaml")):
        if path.name.startswith(".") or not path.is_file():
            continue
        rel = f"{folder}/{path.name}"
        data = _read_yaml(path, rel)
        try:
            item = model.model_validate(data)
        except ValidationError as exc:
            first = exc.errors(include_url=False)[0]
            raise ContentError(rel, _field_path(first["loc"]), _describe(first)) from None
        item_id = item.id
        if item_id != path.stem:
            raise ContentError(
                rel, "id", f"should match the file name {path.stem!r}, got {item_id!r}"
            )
        items[item_id] = item
    return items


def _known(ids: Iterable[str]) -> str:
    names = ", ".join(sorted(ids))
    return f"one of: {names}" if names else "none exist"


def _check_guides(guides: dict[str, Guide], standards: dict[str, Standard]) -> None:
    """A guide's standard must exist and its elements must match the standard's."""
    for guide in guides.values():
        rel = f"guides/{guide.id}.yaml"
        if guide.standard_id is None:
            continue
        standard = standards.get(guide.standard_id)
        if standard is None:
            raise ContentError(
                rel,
                "standard_id",
                f"should name a standard in standards/ ({_known(standards)}), "
                f"got {guide.standard_id!r}",
            )
        for index, element in enumerate(guide.elements):
            match = standard.element(element.key)
            if match is None:
                raise ContentError(
                    rel,
                    f"elements[{index}].key",
                    f"should be an element of standard {standard.id!r}, got {element.key!r}",
                )
            if match.title != element.title:
                raise ContentError(
                    rel,
                    f"elements[{index}].title",
                    f"should match standard {standard.id!r} element {match.key} title "
                    f"{match.title!r}, got {element.title!r}",
                )


def _check_kits(
    kits: dict[str, Kit],
    guides: dict[str, Guide],
    standards: dict[str, Standard],
    protocols: dict[str, Protocol],
    scales: dict[str, Scale],
) -> None:
    """Unique phase keys, existing references, and minutes that add up."""
    for kit in kits.values():
        rel = f"kits/{kit.id}.yaml"
        first_use: dict[str, int] = {}
        for index, phase in enumerate(kit.phases):
            at = f"phases[{index}]"
            if phase.key in first_use:
                raise ContentError(
                    rel,
                    f"{at}.key",
                    f"should be unique within the kit; {phase.key!r} is already used by "
                    f"phases[{first_use[phase.key]}]",
                )
            first_use[phase.key] = index
            if phase.guide is not None and phase.guide not in guides:
                raise ContentError(
                    rel,
                    f"{at}.guide",
                    f"should name a guide in guides/ ({_known(guides)}), got {phase.guide!r}",
                )
            if phase.element is not None and phase.guide is not None:
                guide = guides[phase.guide]
                if guide.element(phase.element) is None:
                    keys = ", ".join(element.key for element in guide.elements)
                    raise ContentError(
                        rel,
                        f"{at}.element",
                        f"should be an element of guide {guide.id!r} (one of: {keys}), "
                        f"got {phase.element!r}",
                    )
            if phase.standard is not None and phase.standard not in standards:
                raise ContentError(
                    rel,
                    f"{at}.standard",
                    f"should name a standard in standards/ ({_known(standards)}), "
                    f"got {phase.standard!r}",
                )
            if phase.scale is not None and phase.scale not in scales:
                raise ContentError(
                    rel,
                    f"{at}.scale",
                    f"should name a scale in scales/ ({_known(scales)}), got {phase.scale!r}",
                )
            if phase.protocol is not None and phase.protocol not in protocols:
                raise ContentError(
                    rel,
                    f"{at}.protocol",
                    f"should name a protocol in protocols/ ({_known(protocols)}), "
                    f"got {phase.protocol!r}",
                )
        if kit.checkin_kit is not None and kit.checkin_kit not in kits:
            raise ContentError(
                rel,
                "checkin_kit",
                f"should name a kit in kits/ ({_known(kits)}), got {kit.checkin_kit!r}",
            )
        total = sum(phase.minutes for phase in kit.phases)
        if total != kit.minutes:
            raise ContentError(
                rel,
                "minutes",
                f"should equal the sum of the phase minutes ({total}), got {kit.minutes}",
            )


def _check_question_keys(guides: dict[str, Guide], kits: dict[str, Kit]) -> None:
    """Question keys (guide questions and kit prompts) must be unique across the library."""
    owner: dict[str, str] = {}
    for guide in guides.values():
        for question in guide.questions():
            owner[question.key] = f"guides/{guide.id}.yaml"
    for kit in kits.values():
        rel = f"kits/{kit.id}.yaml"
        for index, phase in enumerate(kit.phases):
            if phase.kind != "prompt":
                continue
            key = f"{kit.id}:{phase.key}"
            if key in owner:
                raise ContentError(
                    rel,
                    f"phases[{index}].key",
                    f"gives the question key {key!r}, already used by {owner[key]}; rename it",
                )
            owner[key] = rel


def load_library(content_dir: Path) -> Library:
    """Load, validate and cross-check all content under ``content_dir``.

    Raises :class:`ContentError` for the first problem found; never returns partial content.
    """
    content_dir = Path(content_dir)
    if not content_dir.is_dir():
        raise ContentError(".", "(folder)", f"should be a content folder; {content_dir} is not")
    guides = _load_folder(content_dir, "guides", Guide)
    standards = _load_folder(content_dir, "standards", Standard)
    protocols = _load_folder(content_dir, "protocols", Protocol)
    kits = _load_folder(content_dir, "kits", Kit)
    scales = _load_folder(content_dir, "scales", Scale) if (content_dir / "scales").is_dir() else {}
    _check_guides(guides, standards)
    _check_kits(kits, guides, standards, protocols, scales)
    _check_question_keys(guides, kits)
    for scale_id in scales:
        if scale_id in protocols:
            raise ContentError(
                f"scales/{scale_id}.yaml", "id", f"is already the scale of protocol {scale_id!r}"
            )
    return Library(
        kits=kits, guides=guides, standards=standards, protocols=protocols, scales=scales
    )


def main(argv: Sequence[str] | None = None) -> int:
    """Check a content folder; print one line per kit. Returns the process exit status."""
    parser = argparse.ArgumentParser(
        prog="python -m wsapp.content", description="Validate a wsapp content folder."
    )
    parser.add_argument(
        "content_dir",
        nargs="?",
        type=Path,
        default=DEFAULT_CONTENT_DIR,
        help=f"folder to check (default: {DEFAULT_CONTENT_DIR})",
    )
    args = parser.parse_args(argv)
    try:
        library = load_library(args.content_dir)
    except ContentError as exc:
        print(exc, file=sys.stderr)
        return 1
    for kit in library.kits.values():
        print(f"{kit.id}: {kit.title} \N{EM DASH} {len(kit.phases)} phases, {kit.minutes} min")
    return 0


if __name__ == "__main__":
    sys.exit(main())


def library() -> Library:
    """The library the running app loaded at start-up."""
    from flask import current_app

    loaded: Library = current_app.extensions["wsapp_content"]
    return loaded
