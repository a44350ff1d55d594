"""Survey results beside the team's dots: read from a file, kept with the room.

A survey file (an SAI2 export, or any CSV or XLSX) has a column of item codes and either
a column per response with the percentage who gave it, or a ``mean`` column, or both.
Each item's results get a place from 0 (everyone gave the worst response) to 1 (the best),
so the summary can compare them with the team's dots on any scale
(``ItemTally.survey_gap``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import delete

from ..actions import ActionError, Args
from ..content import Scale
from ..extensions import db
from ..identity import Actor
from ..live import Publish
from ..models import Room, SurveyItem
from ..tabular import Problem, Table, header_name, refuse
from ..text import ONE_LINE
from .domain import bp

SHARES_MAX = 10
SURVEY_TITLE_MAX = 120
CODE_MAX = 20
CODE_HEADERS = ("item", "item code", "code", "item id")
MEAN_HEADERS = ("mean", "average", "avg")
# Percentages of one item may add up to a little more or less than 100 (rounding).
PERCENT_SLACK = 2.0
UPLOAD_REGION = "posters/_upload.html"
bp.live_regions(page=(UPLOAD_REGION,), views=("facilitator",))

Order = Literal["lowest-first", "best-first"]


class SurveyShare(BaseModel):
    """One response and the percentage of people who gave it."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    label: Annotated[str, Field(min_length=1, max_length=80), ONE_LINE]
    percent: float = Field(ge=0, le=100)


class SurveyRow(BaseModel):
    """One item's results as kept: the shares from the best response down."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    code: Annotated[str, Field(min_length=1, max_length=CODE_MAX), ONE_LINE]
    shares: list[SurveyShare] = Field(default=[], max_length=SHARES_MAX)
    mean: float | None = None
    score: float = Field(ge=0, le=1)


@dataclass(frozen=True)
class MeanRange:
    """What a survey's means run between: the worst response's value and the best's."""

    low: float = 1.0
    high: float = 5.0


def _number(text: str) -> float | None:
    """A percentage or mean as people write it: "45", "45%", "45,5", " 3.8 "."""
    cleaned = text.strip().removesuffix("%").strip().replace(",", ".")
    if not re.fullmatch(r"-?\d+(\.\d+)?", cleaned):
        return None
    return float(cleaned)


def _score_of_shares(percents: list[float]) -> float:
    """Where shares (best response first) sit from 0 to 1."""
    last = len(percents) - 1
    total = sum(percents)
    if total <= 0:
        return 0.0
    return sum(p * (1 - index / last) for index, p in enumerate(percents)) / total


def read_survey(
    table: Table, scale: Scale, order: Order = "lowest-first", means: MeanRange | None = None
) -> list[SurveyRow]:
    """The survey's items from a table, or TableError naming each problem by row and column.

    Response columns named like the room's levels (by label or key) are put in the scale's
    order; others are taken in the file's order, ``lowest-first`` (as SAI2 exports them:
    Never ... Always) unless ``order`` says the first is the best.
    """
    means = means or MeanRange()
    code_header = next((name for name in CODE_HEADERS if name in table.header), None)
    if code_header is None:
        raise refuse(
            "The first row needs a column of item codes headed “item” (or “item code”).", 1
        )
    mean_header = next((name for name in MEAN_HEADERS if name in table.header), None)
    responses = [name for name in table.header if name not in (code_header, mean_header)]
    if len(responses) == 1 or len(responses) > SHARES_MAX:
        raise refuse(
            f"needs 2 to {SHARES_MAX} response columns (percentages) or a “mean” column; "
            f"it has {len(responses)} besides the item codes.",
            1,
        )
    if not responses and mean_header is None:
        raise refuse("has only item codes: add a column per response, or a “mean” column.", 1)
    by_level = {header_name(level.label): level.key for level in scale.levels} | {
        header_name(level.key): level.key for level in scale.levels
    }
    if responses and all(name in by_level for name in responses):
        responses.sort(key=lambda name: scale.keys.index(by_level[name]))
    elif order == "lowest-first":
        responses.reverse()
    problems: list[Problem] = []
    found: list[SurveyRow] = []
    seen: set[str] = set()
    for row in table.rows:
        code = row.get(code_header)
        if not code:
            problems.append(Problem("has no item code.", row.number, table.column(code_header)))
            continue
        if len(code) > CODE_MAX or code.lower() in seen:
            why = "is repeated" if code.lower() in seen else f"is over {CODE_MAX} characters"
            problems.append(Problem(f"item code {why}.", row.number, table.column(code_header)))
            continue
        seen.add(code.lower())
        percents: list[float] = []
        for name in responses:
            value = _number(row.get(name) or "0")
            if value is None or not 0 <= value <= 100:
                problems.append(
                    Problem(
                        f"should be a percentage from 0 to 100, got “{row.get(name)[:40]}”.",
                        row.number,
                        table.column(name),
                    )
                )
            else:
                percents.append(value)
        mean = None
        if mean_header is not None and row.get(mean_header):
            mean = _number(row.get(mean_header))
            if mean is None or not means.low <= mean <= means.high:
                problems.append(
                    Problem(
                        f"should be a mean from {means.low:g} to {means.high:g}, "
                        f"got “{row.get(mean_header)[:40]}”.",
                        row.number,
                        table.column(mean_header),
                    )
                )
                continue
        if len(percents) != len(responses):
            continue
        if responses and abs(sum(percents) - 100) > PERCENT_SLACK:
            problems.append(
                Problem(
                    f"the percentages add up to {sum(percents):g}, not 100.",
                    row.number,
                )
            )
            continue
        if responses:
            score = _score_of_shares(percents)
        elif mean is not None:
            score = (mean - means.low) / (means.high - means.low)
        else:
            problems.append(Problem("has no mean.", row.number, table.column(str(mean_header))))
            continue
        shares = [
            SurveyShare(label=_shown(name, scale, by_level), percent=p)
            for name, p in zip(responses, percents, strict=True)
        ]
        found.append(SurveyRow(code=code, shares=shares, mean=mean, score=round(score, 4)))
    table.refuse_if(problems)
    if not found:
        raise refuse("The file has no items under its header.")
    return found


def _shown(name: str, scale: Scale, by_level: dict[str, str]) -> str:
    """A response's label as shown: the level's own label, or the header as typed."""
    level = scale.level(by_level[name]) if name in by_level else None
    return level.label if level is not None else name.capitalize()


# --- Keeping the survey with the room --------------------------------------------------------


class SetSurvey(Args):
    """A survey's title and its items, as :func:`read_survey` made them."""

    title: Annotated[str, Field(min_length=1, max_length=SURVEY_TITLE_MAX), ONE_LINE]
    items: list[SurveyRow] = Field(min_length=1, max_length=2000)


def wall_changed() -> Publish:
    """The wall, its scale or the survey changed: the phase on every screen, and the
    facilitator's upload card."""
    return Publish(regions=("rooms/_phase.html", UPLOAD_REGION), personal=("rooms/_phase.html",))


@bp.action("survey.set", SetSurvey, who="facilitator")
def set_survey(room: Room, actor: Actor, args: SetSurvey) -> Publish:
    """Keep the survey's results with the room, replacing any before; they show beside
    the dots of the items with the same codes."""
    db.session.execute(delete(SurveyItem).where(SurveyItem.room_id == room.id))
    room.survey_title = args.title
    db.session.add_all(SurveyItem(room_id=room.id, **row.model_dump()) for row in args.items)
    return wall_changed()


class NoSurvey(Args):
    pass


@bp.action("survey.clear", NoSurvey, who="facilitator")
def clear_survey(room: Room, actor: Actor, args: NoSurvey) -> Publish:
    if room.survey_title is None:
        raise ActionError("This room has no survey results to remove.", 409)
    db.session.execute(delete(SurveyItem).where(SurveyItem.room_id == room.id))
    room.survey_title = None
    return wall_changed()


def unmatched(rows: list[SurveyItem] | list[SurveyRow], codes: set[str]) -> list[str]:
    """The survey's codes that name no item on the room's posters."""
    return [row.code for row in rows if row.code not in codes]
