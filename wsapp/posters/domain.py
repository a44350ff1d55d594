"""The posters' rules: seeding from a kit, placing dots, the facilitator's controls, tallies.

A room's posters come from the standard its kit's ``posters`` phase names (each element is
a poster, each indicator an item), or from a file the facilitator uploads
(:mod:`wsapp.posters.upload`). Participants put dots on items, each dot a level of the
room's scale (:func:`room_scale`: by default the protocol's green, yellow and red); by
default one dot per item each (a new level replaces theirs), or, with a budget, a number
of dots to spread (several on one item allowed). Until the facilitator reveals the posters
a participant sees only their own dots; the facilitator always sees the tally. Survey
results for the room's items (:mod:`wsapp.posters.survey`) show beside the team's dots.
"""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from string import ascii_uppercase
from typing import Annotated, Any, Literal

from pydantic import Field, field_validator, model_validator
from sqlalchemy import Select, bindparam, delete, func, insert, select
from sqlalchemy.orm import joinedload

from ..actions import ActionError, Args, SetLocked, part_of
from ..content import Kit, Level, Phase, Scale, library
from ..extensions import db, plain
from ..feature import Feature
from ..identity import Actor
from ..limits import ITEMS_PER_POSTER_MAX, POSTERS_MAX
from ..live import Publish, per_change
from ..models import Dot, PaperTally, Participant, Poster, PosterItem, Room, SurveyItem, utcnow
from ..text import ONE_LINE

# A level's key, as a dot or a paper count names it (checked against the room's scale).
LevelKey = Annotated[str, Field(min_length=1, max_length=16, pattern=r"^[a-z0-9-]+$")]

ITEM_TEXT_MAX = 300
POSTER_TITLE_MAX = 120
BUDGET_MAX = 50

# Summary thresholds; see ``ItemTally.readings``.
CLEAR_MEAN = 0.5
CLEAR_SPREAD_MAX = 0.75
DISAGREEMENT_SPREAD_MIN = 0.5
# Team and survey differ on an item when their places from 0 (worst) to 1 (best) are at
# least this far apart: a quarter of the scale, e.g. a whole level of five.
SURVEY_GAP_MIN = 0.25
# What the team's dots can say about an item, and how the summary, the plan and the record
# head each list of them.
Reading = Literal["strength", "gap", "disagreement", "survey"]
READING_HEADINGS: dict[Reading, str] = {
    "strength": "Clear strengths",
    "gap": "Clear gaps",
    "disagreement": "Most disagreement",
    "survey": "Team and survey differ most",
}
READING_MARKS: dict[Reading, str] = {
    "strength": "●",
    "gap": "■",
    "disagreement": "↔",
    "survey": "≠",
}

LOCKED_MESSAGE = "The facilitator has locked the posters."

bp = Feature("posters", __name__)
# A participant's wall differs from the next one's only in their own dot buttons.
bp.phase("posters", "phases/_posters.html", own_parts=("posters/_mine.html",))
bp.phase("poster_review", "phases/_poster_review.html")
bp.template_globals(reading_marks=READING_MARKS)


# --- Seeding ------------------------------------------------------------------------------


def posters_phase(kit: Kit) -> Phase | None:
    """The kit's phase where the team dots the posters, if it has one."""
    return next((phase for phase in kit.phases if phase.kind == "posters"), None)


def seed_posters(room: Room, kit: Kit) -> None:
    """Put the standard's elements on the new room's wall, one poster each."""
    phase = posters_phase(kit)
    if phase is None or phase.standard is None:
        return
    standard = library().standards[phase.standard]
    for position, element in enumerate(standard.elements):
        poster = Poster(
            room_id=room.id,
            position=position,
            key=element.key,
            title=element.title,
            statement=element.statement,
        )
        poster.items = [
            PosterItem(position=index, label=str(indicator.number), text=indicator.text)
            for index, indicator in enumerate(element.indicators)
        ]
        db.session.add(poster)


# --- The room's scale ----------------------------------------------------------------------


@bp.template_global
def room_scale(room: Room) -> Scale:
    """The scale of the room's dots, its levels in order from the best down: the one place
    that says it (tallies, summary, movement and exports all read their levels here)."""
    return scale_for(room.kit_id, room.scale_id)


def scale_for(kit_id: str, scale_id: str | None) -> Scale:
    """The scale ``scale_id`` names; without one (or one this site lost), the scale the
    kit's posters phase names, else the three colours of its protocol (or of the first
    protocol, for a kit without posters)."""
    scales = library().all_scales
    if scale_id is not None and scale_id in scales:
        return scales[scale_id]
    phase = posters_phase(library().kits[kit_id])
    if phase is not None and (phase.scale or phase.protocol):
        return scales[phase.scale or phase.protocol or ""]
    return default_scale()


def default_scale() -> Scale:
    """The three-colour readiness scale: the first protocol's dot colours."""
    return next(iter(library().protocols.values())).scale


# --- Queries ------------------------------------------------------------------------------


@dataclass(frozen=True)
class ItemTally:
    """The team's dots on one poster item.

    ``names`` lists, per colour, who placed each dot (alphabetical, once per dot); it is
    filled only when the room's dots are named, so an anonymous room never gives names away.
    """

    item: PosterItem
    scale: Scale
    counts: dict[str, int]  # per level, in scale order: placed on screens and from paper
    names: dict[str, list[str]]
    # Of ``counts``, the dots typed in from a paper poster (empty when there are none).
    paper: dict[str, int] = field(default_factory=dict)
    # The survey's results for the item, if the room has a survey naming its code.
    survey: SurveyItem | None = None
    total: int = field(init=False)
    ref: str = field(init=False)  # PosterItem.ref, e.g. A2

    def __post_init__(self) -> None:
        object.__setattr__(self, "total", sum(self.counts.values()))
        object.__setattr__(self, "ref", self.item.ref)

    @property
    def paper_total(self) -> int:
        return sum(self.paper.values())

    @property
    def mean(self) -> float | None:
        """Average score (the scale's best level +1 down to its last -1, evenly spaced:
        green +1, yellow 0, red -1), or None with no dots."""
        if not self.total:
            return None
        scores = self.scale.scores
        return sum(scores[level] * n for level, n in self.counts.items()) / self.total

    @property
    def spread(self) -> float:
        """Standard deviation of the scores: 0 when all agree, 1 for an even split between
        the scale's two ends.

        On three colours it only exceeds 0.5 when the item has both green and red dots:
        people next to each other on the scale never count as much disagreement as people
        at its two ends (on four or five levels, neighbours are closer still).
        """
        mean = self.mean
        if mean is None:
            return 0.0
        scores = self.scale.scores
        square = sum(scores[level] ** 2 * n for level, n in self.counts.items()) / self.total
        return math.sqrt(max(0.0, square - mean * mean))

    @property
    def place(self) -> float | None:
        """Where the team's dots sit from 0 (all on the last level) to 1 (all on the best)."""
        mean = self.mean
        return None if mean is None else (mean + 1) / 2

    @property
    def survey_gap(self) -> float | None:
        """How far the team's place is from the survey's (0 to 1; positive: the team rates
        the item higher than the survey did), when there are both."""
        place = self.place
        if place is None or self.survey is None:
            return None
        return place - self.survey.score

    @property
    def readings(self) -> tuple[Reading, ...]:
        """What the dots say about the item: the one definition of a strength, a gap and a
        disagreement that the summary, the plan's gaps and every export share.

        * a clear strength: mean >= 0.5 and spread <= 0.75;
        * a clear gap: mean <= -0.5 and spread <= 0.75;
        * a disagreement: spread > 0.5, which needs both green and red dots on the item. An
          even green/red split scores 1; so does a majority that is not clear: 3 green and
          1 red has mean 0.5 but spread 0.87, so it is a disagreement, not a clear strength.
        """
        mean = self.mean
        if mean is None:
            return ()
        clear = self.spread <= CLEAR_SPREAD_MAX
        found: list[Reading] = []
        if clear and mean >= CLEAR_MEAN:
            found.append("strength")
        if clear and mean <= -CLEAR_MEAN:
            found.append("gap")
        if self.spread > DISAGREEMENT_SPREAD_MIN:
            found.append("disagreement")
        gap = self.survey_gap
        if gap is not None and abs(gap) >= SURVEY_GAP_MIN:
            found.append("survey")
        return tuple(found)

    def name_labels(self, colour: str) -> list[str]:
        """Names for display: each person once, with a count if they put several dots."""
        return [
            f"{name} \N{MULTIPLICATION SIGN}{n}" if n > 1 else name
            for name, n in Counter(self.names[colour]).items()
        ]


@dataclass(frozen=True)
class PosterTally:
    """One poster with the tally of each of its (not removed) items, in order."""

    poster: Poster
    items: list[ItemTally]

    @property
    def total(self) -> int:
        return sum(entry.total for entry in self.items)


@dataclass(frozen=True)
class PosterSummary:
    """What the team's dots say, ranked for the strengths-and-gaps discussion."""

    strengths: list[ItemTally]
    gaps: list[ItemTally]
    disagreements: list[ItemTally]
    undotted: list[ItemTally]
    # Items where the team and the survey differ most, largest difference first; None
    # when the room has no survey.
    survey_differs: list[ItemTally] | None = None

    def lists(self) -> list[tuple[Reading, str, list[ItemTally]]]:
        """Each ranked list with its reading and heading, in the order they are shown (the
        survey's only with a survey)."""
        ranked: dict[Reading, list[ItemTally] | None] = {
            "strength": self.strengths,
            "gap": self.gaps,
            "disagreement": self.disagreements,
            "survey": self.survey_differs,
        }
        return [
            (key, heading, found)
            for key, heading in READING_HEADINGS.items()
            if (found := ranked[key]) is not None
        ]


@dataclass(frozen=True)
class DotProgress:
    """How far the team has got: dots placed, by how many of the room's people, and how
    many of them hold more dots than the budget (after the facilitator lowered it)."""

    dots: int
    people: int
    members: int
    over_budget: int = 0
    paper_dots: int = 0  # typed in from paper posters, not counted in ``dots``


@dataclass(frozen=True)
class DotBudget:
    """A participant's dots against the room's budget. ``placed`` can pass ``budget`` when
    the facilitator lowers it: dots already placed stay until their owner takes some back."""

    budget: int
    placed: int

    @property
    def left(self) -> int:
        return max(0, self.budget - self.placed)

    @property
    def over(self) -> int:
        return max(0, self.placed - self.budget)


def _live_items(poster: Poster) -> list[PosterItem]:
    return [item for item in poster.items if item.removed_at is None]


def room_posters(room: Room) -> list[Poster]:
    query = select(Poster).where(Poster.room_id == room.id)
    # Items joined in, not selected after: one round trip for the whole wall.
    return list(
        db.session.scalars(
            query.order_by(Poster.position, Poster.id).options(joinedload(Poster.items))
        ).unique()
    )


def _room_dots(*columns: Any) -> Select[Any]:
    """``columns`` of the dots that count in the room ``room_id`` (bound when executed):
    on items that were not removed, placed by people who are still in the room (a removed
    duplicate's dots drop out)."""
    return (
        select(*columns)
        .select_from(Dot)
        .join(PosterItem, PosterItem.id == Dot.item_id)
        .join(Poster, Poster.id == PosterItem.poster_id)
        .join(Participant, Participant.id == Dot.participant_id)
        .where(
            Poster.room_id == bindparam("room_id"),
            PosterItem.removed_at.is_(None),
            Participant.removed_at.is_(None),
        )
    )


@dataclass(frozen=True)
class CountedDot:
    """A dot that counts in the room, with who placed it."""

    item_id: int
    colour: str
    participant_id: int
    name: str
    without_device: bool = False

    @property
    def shown_name(self) -> str:
        """The dotter's name as tallies and exports show it: marked when someone without a
        phone had their dots placed for them."""
        return f"{self.name} ({NO_PHONE})" if self.without_device else self.name


# How a person without a device is marked wherever their name is shown with their dots.
NO_PHONE = "no phone"

# A dot runs these; built once (see live._BUMP).
_ROOM_DOTS = _room_dots(
    Dot.item_id, Dot.colour, Dot.participant_id, Participant.name, Participant.without_device
).order_by(func.lower(Participant.name), Dot.id)
_POSTER_DOTS = _ROOM_DOTS.where(Poster.id == bindparam("poster_id"))
# Each of the room's people with the dots they have placed that count (0 for none): the
# progress in one round trip, however many dots the wall holds.
_PLACED = (
    _room_dots(Dot.participant_id, func.count(Dot.id).label("placed"))
    .group_by(Dot.participant_id)
    .subquery()
)
_PLACED_BY_MEMBER = (
    select(func.coalesce(_PLACED.c.placed, 0))
    .select_from(Participant)
    .outerjoin(_PLACED, _PLACED.c.participant_id == Participant.id)
    .where(Participant.room_id == bindparam("room_id"), Participant.removed_at.is_(None))
)
_PAPER = (
    select(PaperTally.item_id, PaperTally.counts)
    .join(PosterItem, PosterItem.id == PaperTally.item_id)
    .join(Poster, Poster.id == PosterItem.poster_id)
    .where(Poster.room_id == bindparam("room_id"), PosterItem.removed_at.is_(None))
)
_ITEM_WITH_POSTER = (
    select(PosterItem)
    .where(PosterItem.id == bindparam("item_id"))
    .options(joinedload(PosterItem.poster).joinedload(Poster.items))
)
_PLACE = insert(Dot).values(
    item_id=bindparam("item_id"),
    participant_id=bindparam("participant_id"),
    colour=bindparam("colour"),
)
_TAKE_OFF = (
    delete(Dot)
    .where(Dot.item_id == bindparam("item_id"), Dot.participant_id == bindparam("participant_id"))
    .returning(Dot.colour)
)


@per_change
def counted_dots(room: Room, poster_id: int | None = None) -> list[CountedDot]:
    """Every dot that counts in the room (or on one of its posters), ordered by dotter
    (case-insensitive name), then oldest first: one read gives a change its tallies and the
    dotter's own buttons. A dot's push reads its poster's alone: the wall may hold
    hundreds. Callers pass ``poster_id`` by position, None or not, so that one change's
    reads share one ``per_change`` answer."""
    if poster_id is None:
        rows = plain(_ROOM_DOTS, {"room_id": room.id})
    else:
        rows = plain(_POSTER_DOTS, {"room_id": room.id, "poster_id": poster_id})
    return [
        CountedDot(item_id, colour, participant_id, name, without_device)
        for item_id, colour, participant_id, name, without_device in rows
    ]


@per_change
def paper_counts(room: Room) -> dict[int, dict[str, int]]:
    """The dots typed in from paper posters: item id -> count per level. Plain rows (most
    rooms have none, and every dot reads them): as loaded objects it cost as much as
    reading the poster's dots."""
    rows = plain(_PAPER, {"room_id": room.id})
    return {item_id: dict(counts) for item_id, counts in rows}


@per_change
def survey_items(room: Room) -> dict[str, SurveyItem]:
    """The room's survey results by item code (empty without a survey). A room has results
    only with their title (set and cleared together, and an import needs both), so most
    rooms' dots read nothing here."""
    if room.survey_title is None:
        return {}
    rows = db.session.scalars(select(SurveyItem).where(SurveyItem.room_id == room.id))
    return {row.code: row for row in rows}


@bp.template_global
@per_change
def tally(room: Room, poster: Poster | None = None) -> list[PosterTally]:
    """Every poster of the room (or just ``poster``, loaded with its items) with each
    item's dots counted per level of the room's scale, those from paper posters included,
    and the survey's results for it."""
    scale = room_scale(room)
    levels = scale.keys
    posters = room_posters(room) if poster is None else [poster]
    counts: dict[int, dict[str, int]] = defaultdict(lambda: dict.fromkeys(levels, 0))
    names: dict[int, dict[str, list[str]]] = defaultdict(lambda: {k: [] for k in levels})
    for dot in counted_dots(room, poster.id if poster else None):
        if dot.colour not in levels:
            continue  # placed under another scale: never, as the scale is fixed before dots
        counts[dot.item_id][dot.colour] += 1
        if room.dots_named:
            names[dot.item_id][dot.colour].append(dot.shown_name)
    paper = paper_counts(room)
    for item_id, typed in paper.items():
        for level, n in typed.items():
            if level in levels:
                counts[item_id][level] += n
    survey = survey_items(room)
    return [
        PosterTally(
            poster,
            [
                ItemTally(
                    item,
                    scale,
                    dict(counts[item.id]),
                    dict(names[item.id]),
                    paper.get(item.id, {}),
                    survey.get(item.code) if item.code else None,
                )
                for item in _live_items(poster)
            ],
        )
        for poster in posters
    ]


def summary(room: Room) -> PosterSummary:
    """Rank the room's items for discussion, each list by ``ItemTally.readings``.

    Each dot scores by its level, the scale's best +1 down to its last -1 (green +1,
    yellow 0, red -1). For an item with dots, ``mean`` is the average score and ``spread``
    the standard deviation of the scores (0 to 1). Clear strengths come highest mean first,
    clear gaps lowest mean first, disagreements largest spread first, team-and-survey
    differences largest first; ties go to the item with more dots, then to poster and item
    order.
    """
    entries = [entry for poster in tally(room) for entry in poster.items]
    return rank(entries, surveyed=bool(survey_items(room)))


def rank(entries: list[ItemTally], *, surveyed: bool = False) -> PosterSummary:
    """``entries`` ranked into the summary's lists (see ``summary``): a room's items, or an
    event's items with every sharing room's dots pooled."""

    def having(reading: Reading) -> list[ItemTally]:
        return [entry for entry in entries if reading in entry.readings]

    return PosterSummary(
        strengths=sorted(having("strength"), key=lambda e: (-(e.mean or 0), -e.total)),
        gaps=sorted(having("gap"), key=lambda e: (e.mean or 0, -e.total)),
        disagreements=sorted(having("disagreement"), key=lambda e: (-e.spread, -e.total)),
        undotted=[entry for entry in entries if not entry.total],
        survey_differs=sorted(having("survey"), key=lambda e: (-abs(e.survey_gap or 0), -e.total))
        if surveyed
        else None,
    )


bp.template_globals(poster_summary=summary)


@bp.template_global
def own_dots(
    room: Room, participant: Participant, poster: Poster | None = None
) -> dict[int, list[str]]:
    """A participant's dots on the room's items (or on one poster's): item id -> levels,
    oldest first."""
    placed: dict[int, list[str]] = defaultdict(list)
    for dot in counted_dots(room, poster.id if poster else None):
        if dot.participant_id == participant.id:
            placed[dot.item_id].append(dot.colour)
    return dict(placed)


def dots_placed(room: Room, participant: Participant) -> int:
    placed = db.session.scalar(
        _room_dots(func.count(Dot.id)).where(Dot.participant_id == participant.id),
        {"room_id": room.id},
    )
    return placed or 0


@bp.template_global
def dot_budget(room: Room, participant: Participant) -> DotBudget | None:
    """The participant's dots against the budget, or None with one dot per item."""
    if room.dot_budget is None:
        return None
    return DotBudget(room.dot_budget, dots_placed(room, participant))


@bp.template_global
@per_change
def dot_progress(room: Room) -> DotProgress:
    placed = plain(_PLACED_BY_MEMBER, {"room_id": room.id}).scalars().all()
    budget = room.dot_budget
    over = sum(1 for n in placed if budget is not None and n > budget)
    paper = sum(sum(typed.values()) for typed in paper_counts(room).values())
    return DotProgress(
        dots=sum(placed),
        people=sum(1 for n in placed if n),
        members=len(placed),
        over_budget=over,
        paper_dots=paper,
    )


@bp.template_global
def dot_colours(room: Room) -> list[Level]:
    """The levels a dot can have in the room, best first, with their labels, meanings,
    shapes and colours."""
    return list(room_scale(room).levels)


# --- Participants' dots -------------------------------------------------------------------

# What a dot changes for everyone: the tallies (for those allowed to see them).
TALLIES = ("posters/_tallies.html",)
bp.live_regions(people=TALLIES)  # names on named dots, a removed person's dots, the count


def _whole_phase() -> Publish:
    """What a facilitator's change can alter on every screen, each participant's included."""
    return Publish(regions=("rooms/_phase.html",), personal=("rooms/_phase.html",))


def _colour_label(room: Room, colour: str) -> str:
    level = room_scale(room).level(colour)
    return colour if level is None else level.label


def _level_of(room: Room, key: str, field: str) -> str:
    """``key`` if it is a level of the room's scale; else a refusal naming ``field`` and
    the levels, as a wrong value of any other argument is refused."""
    keys = room_scale(room).keys
    if key not in keys:
        listed = ", ".join(f"'{k}'" for k in keys[:-1]) + f" or '{keys[-1]}'"
        raise ActionError(f"{field}: Input should be {listed}", 422)
    return key


def _item_in(room: Room, item_id: int) -> PosterItem:
    """The room's item, loaded with its poster and the poster's items: all that the
    change's push of the item's tally shows."""
    item = db.session.scalars(_ITEM_WITH_POSTER, {"item_id": item_id}).unique().one_or_none()
    if item is None or item.poster.room_id != room.id or item.removed_at is not None:
        raise ActionError(
            "That item is not on this room's posters (it may have been removed).", 404
        )
    return item


def _poster_in(room: Room, poster_id: int) -> Poster:
    return part_of(room, Poster, poster_id, "That poster is not in this room.")


def _my_dots_on(item: PosterItem, participant: Participant) -> list[Dot]:
    return list(
        db.session.scalars(
            select(Dot)
            .where(Dot.item_id == item.id, Dot.participant_id == participant.id)
            .order_by(Dot.id)
        )
    )


def _dot_changed(item: PosterItem) -> Publish:
    """The tallies, and the dotter's own buttons. Other participants' buttons do not change
    when someone dots (before the reveal they see only their own dots; after it, the shared
    tallies carry the change). Only the item's tally and buttons are sent, with what counts
    dots across items (the progress, the item's poster's total), from its poster alone."""
    return Publish(
        regions=TALLIES,
        own=("posters/_mine.html",),
        context={"only_item": item.id, "only_poster": item.poster},
    )


class PlaceDot(Args):
    item_id: int = Field(ge=1)
    colour: LevelKey  # a level of the room's scale


class TakeBack(Args):
    item_id: int = Field(ge=1)
    colour: LevelKey | None = None


@bp.action("dot.place", PlaceDot, who="participant", for_others=True)
def place_dot(room: Room, actor: Actor, args: PlaceDot) -> Publish:
    """One dot per item replaces the participant's dot there; a budget adds one more."""
    assert actor.participant is not None
    item = _item_in(room, args.item_id)
    _level_of(room, args.colour, "colour")
    if room.posters_locked:
        raise ActionError(LOCKED_MESSAGE, 409)
    if room.dot_budget is None:
        # Take theirs off in the same statement that says what it was; refusing below
        # rolls the change back, so a refused dot leaves theirs where it was.
        # No Dot is loaded on this path (counted_dots reads rows), so none goes stale.
        replaced = (
            plain(_TAKE_OFF, {"item_id": item.id, "participant_id": actor.participant.id})
            .scalars()
            .all()
        )
        if replaced == [args.colour]:
            label = _colour_label(room, args.colour)
            raise ActionError(f"Your dot on {item.ref} is already “{label}”.", 409)
    else:
        mine = DotBudget(room.dot_budget, dots_placed(room, actor.participant))
        if mine.over:
            raise ActionError(
                f"The facilitator lowered the budget to {mine.budget} dots each and you have "
                f"{mine.placed} placed: take {mine.over + 1} back to place another.",
                409,
            )
        if not mine.left:
            raise ActionError(
                f"You have placed all {mine.budget} of your dots. "
                "Take one back to put it somewhere else.",
                409,
            )
    plain(
        _PLACE, {"item_id": item.id, "participant_id": actor.participant.id, "colour": args.colour}
    )
    return _dot_changed(item)


@bp.action("dot.take_back", TakeBack, who="participant", for_others=True)
def take_back_dot(room: Room, actor: Actor, args: TakeBack) -> Publish:
    """Remove the participant's latest dot on the item (of the colour, if one is named)."""
    assert actor.participant is not None
    item = _item_in(room, args.item_id)
    if room.posters_locked:
        raise ActionError(LOCKED_MESSAGE, 409)
    mine = [
        dot
        for dot in _my_dots_on(item, actor.participant)
        if args.colour is None or dot.colour == args.colour
    ]
    if not mine:
        which = f"“{_colour_label(room, args.colour)}” " if args.colour else ""
        raise ActionError(f"You have no {which}dot on {item.ref} to take back.", 409)
    db.session.delete(mine[-1])
    return _dot_changed(item)


# --- Facilitator: the dots of a paper poster ----------------------------------------------

# Far above the dots a table puts on one item of a paper poster, far below an overflow.
PAPER_COUNT_MAX = 500
PaperCount = Annotated[int, Field(ge=0, le=PAPER_COUNT_MAX)]


class PaperDots(Args):
    """An item and, by level key, the dots of that level on its paper poster: sent flat,
    ``{"item_id": 3, "green": 2, "red": ""}`` (a blank is none)."""

    item_id: int = Field(ge=1)
    counts: dict[LevelKey, PaperCount] = Field(default={}, max_length=10)

    @model_validator(mode="before")
    @classmethod
    def _levels_are_the_other_fields(cls, data: Any) -> Any:
        if not isinstance(data, dict) or "counts" in data:
            return data
        counts = {k: 0 if v == "" else v for k, v in data.items() if k != "item_id"}
        return {"item_id": data.get("item_id"), "counts": counts}


@bp.action("paper.set", PaperDots, who="facilitator")
def set_paper_dots(room: Room, actor: Actor, args: PaperDots) -> Publish:
    """Type in (or correct) the dots of each level a paper poster has on one item: they
    add to the item's tally, marked as from the paper poster. All zero takes them out."""
    item = _item_in(room, args.item_id)
    counts = {_level_of(room, level, level): n for level, n in args.counts.items()}
    typed = {level: n for level, n in counts.items() if n}
    row = db.session.get(PaperTally, item.id)
    if not typed:
        if row is not None:
            db.session.delete(row)
    else:
        if row is None:
            row = PaperTally(item_id=item.id)
            db.session.add(row)
        row.counts = typed
        row.updated_at = utcnow()
    return Publish(regions=TALLIES, context={"only_item": item.id, "only_poster": item.poster})


# --- Facilitator: how dotting works -------------------------------------------------------


class SetRevealed(Args):
    revealed: bool


class SetNamed(Args):
    named: bool


class SetBudget(Args):
    budget: int | None = Field(default=None, ge=1, le=BUDGET_MAX)

    @field_validator("budget", mode="before")
    @classmethod
    def _blank_means_one_per_item(cls, value: object) -> object:
        return None if value == "" else value


def _room_has_dots(room: Room) -> bool:
    return db.session.scalar(_room_dots(Dot.id).limit(1), {"room_id": room.id}) is not None


@bp.template_global
def has_dots(room: Room) -> bool:
    """Has dotting started: a dot placed, or a paper poster's dots typed in?"""
    on_paper = db.session.scalar(
        _PAPER.with_only_columns(PaperTally.item_id).limit(1), {"room_id": room.id}
    )
    return _room_has_dots(room) or on_paper is not None


@bp.action("posters.lock", SetLocked, who="facilitator")
def lock_posters(room: Room, actor: Actor, args: SetLocked) -> Publish:
    room.posters_locked = args.locked
    return _whole_phase()


@bp.action("posters.reveal", SetRevealed, who="facilitator")
def reveal_posters(room: Room, actor: Actor, args: SetRevealed) -> Publish:
    room.posters_revealed = args.revealed
    return _whole_phase()


@bp.action("posters.named", SetNamed, who="facilitator")
def name_dots(room: Room, actor: Actor, args: SetNamed) -> Publish:
    """Names can be switched off at any time, but on only before anyone dots: people who
    placed their dots anonymously are never named after the fact."""
    if args.named and not room.dots_named and _room_has_dots(room):
        raise ActionError(
            "Dots were already placed anonymously; they stay anonymous. "
            "Show names before anyone dots (or clear the posters first).",
            409,
        )
    room.dots_named = args.named
    return _whole_phase()


@bp.action("posters.budget", SetBudget, who="facilitator")
def set_budget(room: Room, actor: Actor, args: SetBudget) -> Publish:
    """A budget of dots each (several on one item allowed), or None: one dot per item.

    Dots already placed stay; someone over a smaller new budget is asked, on their phone,
    to take the extra back, and the facilitator sees how many people are over.
    """
    room.dot_budget = args.budget
    return _whole_phase()


class PosterRef(Args):
    poster_id: int = Field(ge=1)


@bp.action("posters.clear", PosterRef, who="facilitator")
def clear_poster(room: Room, actor: Actor, args: PosterRef) -> Publish:
    """Take every dot off one poster (the page asks the facilitator to confirm)."""
    poster = _poster_in(room, args.poster_id)
    item_ids = [item.id for item in poster.items]
    for dot in db.session.scalars(select(Dot).where(Dot.item_id.in_(item_ids))):
        db.session.delete(dot)
    db.session.execute(delete(PaperTally).where(PaperTally.item_id.in_(item_ids)))
    return _whole_phase()


# --- Facilitator: the posters' wording, before dots start ---------------------------------

ItemText = Annotated[str, Field(min_length=1, max_length=ITEM_TEXT_MAX)]
PosterTitle = Annotated[str, Field(min_length=1, max_length=POSTER_TITLE_MAX), ONE_LINE]


class AddItem(Args):
    poster_id: int = Field(ge=1)
    text: ItemText


class ItemRef(Args):
    item_id: int = Field(ge=1)


class RenameItem(Args):
    item_id: int = Field(ge=1)
    text: ItemText


class AddPoster(Args):
    title: PosterTitle
    statement: str = Field(default="", max_length=ITEM_TEXT_MAX)


class RenamePoster(Args):
    poster_id: int = Field(ge=1)
    title: PosterTitle
    statement: str = Field(default="", max_length=ITEM_TEXT_MAX)


def _before_dots(room: Room, poster: Poster) -> None:
    dotted = _room_dots(Dot.id).where(Poster.id == poster.id).limit(1)
    on_paper = select(PaperTally.item_id).where(
        PaperTally.item_id.in_([item.id for item in poster.items])
    )
    if (
        db.session.scalar(dotted, {"room_id": room.id}) is not None
        or db.session.scalar(on_paper.limit(1)) is not None
    ):
        raise ActionError(
            f"Poster {poster.key} already has dots, so its items stay as they are. "
            "Clear its dots first to change them.",
            409,
        )


def _renumber(poster: Poster) -> None:
    for number, item in enumerate(_live_items(poster), start=1):
        item.label = str(number)


@bp.action("poster.item.add", AddItem, who="facilitator")
def add_item(room: Room, actor: Actor, args: AddItem) -> Publish:
    poster = _poster_in(room, args.poster_id)
    _before_dots(room, poster)
    if len(_live_items(poster)) >= ITEMS_PER_POSTER_MAX:
        raise ActionError(f"A poster can have at most {ITEMS_PER_POSTER_MAX} items.", 409)
    position = max((item.position for item in poster.items), default=-1) + 1
    poster.items.append(PosterItem(position=position, label="", text=args.text))
    _renumber(poster)
    return _whole_phase()


@bp.action("poster.item.rename", RenameItem, who="facilitator")
def rename_item(room: Room, actor: Actor, args: RenameItem) -> Publish:
    item = _item_in(room, args.item_id)
    _before_dots(room, item.poster)
    item.text = args.text
    return _whole_phase()


@bp.action("poster.item.remove", ItemRef, who="facilitator")
def remove_item(room: Room, actor: Actor, args: ItemRef) -> Publish:
    """Take an item off its poster; it is kept, marked removed, for the record."""
    item = _item_in(room, args.item_id)
    _before_dots(room, item.poster)
    item.removed_at = utcnow()
    _renumber(item.poster)
    return _whole_phase()


def _next_key(room: Room) -> str:
    used = set(db.session.scalars(select(Poster.key).where(Poster.room_id == room.id)))
    return next((letter for letter in ascii_uppercase if letter not in used), str(len(used) + 1))


@bp.action("poster.add", AddPoster, who="facilitator")
def add_poster(room: Room, actor: Actor, args: AddPoster) -> Publish:
    posters = db.session.scalar(select(func.count(Poster.id)).where(Poster.room_id == room.id))
    if (posters or 0) >= POSTERS_MAX:
        raise ActionError(f"A room can have at most {POSTERS_MAX} posters.", 409)
    last = db.session.scalar(select(func.max(Poster.position)).where(Poster.room_id == room.id))
    db.session.add(
        Poster(
            room_id=room.id,
            position=0 if last is None else last + 1,
            key=_next_key(room),
            title=args.title,
            statement=args.statement or None,
        )
    )
    return _whole_phase()


@bp.action("poster.rename", RenamePoster, who="facilitator")
def rename_poster(room: Room, actor: Actor, args: RenamePoster) -> Publish:
    poster = _poster_in(room, args.poster_id)
    poster.title = args.title
    poster.statement = args.statement or None
    return _whole_phase()


@bp.action("poster.remove", PosterRef, who="facilitator")
def remove_poster(room: Room, actor: Actor, args: PosterRef) -> Publish:
    """Take a poster off the wall; only before it has dots, so no one's dots are lost."""
    poster = _poster_in(room, args.poster_id)
    _before_dots(room, poster)
    db.session.delete(poster)
    return _whole_phase()
