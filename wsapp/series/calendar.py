"""The series' check-in dates as an iCalendar file (RFC 5545), written by hand: one all-day
VEVENT per planned check-in, text escaped (section 3.3.11) and lines folded at 75 octets
with CRLF (section 3.1), never inside a UTF-8 character."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import timedelta

from ..models import Room, utcnow
from .domain import session_label

LINE_OCTETS = 75


def escape_text(text: str) -> str:
    """A TEXT value: backslashes, semicolons and commas escaped, line breaks as \\n."""
    text = text.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,")
    return text.replace("\r\n", "\n").replace("\r", "\n").replace("\n", "\\n")


def fold(line: str) -> str:
    """The content line folded so no line is longer than 75 octets: each continuation line
    starts with one space (which counts towards its 75)."""
    parts: list[str] = []
    current, size, limit = "", 0, LINE_OCTETS
    for char in line:
        width = len(char.encode())
        if size + width > limit:
            parts.append(current)
            current, size, limit = "", 0, LINE_OCTETS - 1
        current += char
        size += width
    parts.append(current)
    return "\r\n ".join(parts)


def series_calendar(
    title: str, sessions: Iterable[Room], join_url: Callable[[Room], str], host: str
) -> str:
    """The calendar: one event per check-in that has a date, on that day."""
    stamp = f"{utcnow():%Y%m%dT%H%M%SZ}"
    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        "PRODID:-//wsapp//Workshop series//EN",
        "CALSCALE:GREGORIAN",
        "METHOD:PUBLISH",
        f"X-WR-CALNAME:{escape_text(f'{title}: check-ins')}",
    ]
    for room in sessions:
        if not room.series_days or room.meets_on is None:
            continue
        label = session_label(room)
        link = join_url(room)
        lines += [
            "BEGIN:VEVENT",
            f"UID:wsapp-{room.code}-{room.series_days}@{host}",
            f"DTSTAMP:{stamp}",
            f"DTSTART;VALUE=DATE:{room.meets_on:%Y%m%d}",
            f"DTEND;VALUE=DATE:{room.meets_on + timedelta(days=1):%Y%m%d}",
            f"SUMMARY:{escape_text(f'{label}: {room.title}')}",
            "DESCRIPTION:"
            + escape_text(
                f"{label} of “{title}”. The team joins with the code {room.code} or the link {link}"
            ),
            f"URL:{link}",
            "END:VEVENT",
        ]
    lines.append("END:VCALENDAR")
    return "".join(fold(line) + "\r\n" for line in lines)
