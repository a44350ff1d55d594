"""What people type, cleaned the same way by every door it comes in: an action's
arguments (htmx or socket), the forms that open a room and join one, an imported record.

PostgreSQL refuses a NUL byte in text, and no one means to type the other control
characters (or a lone surrogate half, which cannot be stored as UTF-8), so they are
dropped; every kind of line break becomes ``\\n``; tabs stay.
"""

from __future__ import annotations

import re
from typing import Annotated, Any

from pydantic import BaseModel, BeforeValidator, model_validator

_LINE_BREAK = re.compile(r"\r\n?|[\x85\u2028\u2029]")
_UNWANTED = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x84\x86-\x9f\ud800-\udfff]")
# Anything either of those would change.
_DIRTY = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u2028\u2029\ud800-\udfff]")


def typed(text: str) -> str:
    """Text as saved: without control characters, with one kind of line break."""
    return _UNWANTED.sub("", _LINE_BREAK.sub("\n", text))


def one_line(text: str) -> str:
    """A name, title or heading: typed text on one line, its runs of spaces made one."""
    return " ".join(typed(text).split())


def _one_line(value: Any) -> Any:
    return one_line(value) if isinstance(value, str) else value


# A field of one line (a name, a title, a heading), cleaned before its length is checked:
# ``name: Line = Field(max_length=40)``, or in a type with its own constraints,
# ``Annotated[str, Field(max_length=40), ONE_LINE]`` (a Field after ``Line`` would check
# the length of something other than a string, and say so less clearly).
ONE_LINE = BeforeValidator(_one_line)
Line = Annotated[str, ONE_LINE]


class Typed(BaseModel):
    """Base for a model read from what people send: every string in it is ``typed``
    before anything else looks at it (lengths are counted after cleaning)."""

    @model_validator(mode="before")
    @classmethod
    def _typed(cls, data: Any) -> Any:
        # One look per object, and a copy only of one that needs cleaning: an import
        # holds tens of thousands of objects, nearly all of them clean.
        if not isinstance(data, dict):
            return data
        dirty = [key for key, v in data.items() if isinstance(v, str) and _DIRTY.search(v)]
        return {**data, **{key: typed(data[key]) for key in dirty}} if dirty else data
