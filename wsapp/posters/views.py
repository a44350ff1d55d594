"""The facilitator's doors for files: a poster set (checked and previewed, then put up) and
survey results, and the template to start a poster file from.

Each upload is read under its own size limit (larger than every other request's), the
CSRF check done once that limit is set, and what it changes goes through ``perform``.
"""

from __future__ import annotations

from flask import Response, abort, render_template, request
from werkzeug.datastructures import FileStorage
from werkzeug.exceptions import RequestEntityTooLarge

from ..actions import ActionError, perform
from ..content import Scale, library
from ..limits import UPLOAD_MAX_BYTES
from ..live import Viewer
from ..models import Room
from ..rooms.codes import led_room_or_403
from ..security import csrf
from ..tabular import Table, TableError, read_table, refuse
from .domain import bp, room_scale, tally
from .survey import MeanRange, Order, read_survey, unmatched
from .upload import read_posters, template_csv, template_xlsx

FORM_ROOM = 64 * 1024  # the form's other fields, beside the file
TOO_LARGE = refuse(f"The file is too large (over {UPLOAD_MAX_BYTES // 1024} KB).")


def _scale_named(scale_id: str | None, room: Room) -> Scale:
    scales = library().all_scales
    if not scale_id:
        return room_scale(room)
    if scale_id not in scales:
        abort(404, "There is no such scale.")
    return scales[scale_id]


def _uploaded_table() -> Table:
    """The uploaded file's table; TableError for the file's problems."""
    request.max_content_length = UPLOAD_MAX_BYTES + FORM_ROOM
    csrf.protect()
    upload: FileStorage | None = request.files.get("file")
    if upload is None or not upload.filename:
        raise refuse("Choose a CSV or XLSX file to upload.")
    data = upload.stream.read(UPLOAD_MAX_BYTES + 1)
    return read_table(data, upload.filename)


def _render(template: str, room: Room, status: int = 200, **context: object) -> tuple[str, int]:
    return render_template(template, room=room, viewer=Viewer("facilitator"), **context), status


@bp.post("/r/<code>/lead/posters/file")
@csrf.exempt
def poster_file(code: str) -> tuple[str, int]:
    """Check a poster file and show what it holds; with ``apply``, put it up (the
    preview's button sends the same form again)."""
    room = led_room_or_403(code)
    scale: Scale | None = None
    try:
        table = _uploaded_table()
        scale = _scale_named(request.form.get("scale_id"), room)
        posters = read_posters(table, scale)
    except RequestEntityTooLarge:
        return _render("posters/_upload_preview.html", room, 413, problems=TOO_LARGE.problems)
    except TableError as error:
        return _render("posters/_upload_preview.html", room, 422, problems=error.problems)
    if request.form.get("apply") != "yes":
        return _render("posters/_upload_preview.html", room, posters=posters, scale=scale)
    try:
        perform(
            room.id,
            "posters.replace",
            {
                "scale_id": scale.id,
                "posters": [poster.model_dump() for poster in posters],
                "keep_as": request.form.get("keep_as", ""),
            },
            as_facilitator=True,
        )
    except ActionError as error:
        return _render("posters/_upload_preview.html", room, error.status, refused=error.message)
    return _render("posters/_upload_preview.html", room, done=posters)


@bp.post("/r/<code>/lead/survey/file")
@csrf.exempt
def survey_file(code: str) -> tuple[str, int]:
    """Read survey results and keep them with the room, beside the dots."""
    room = led_room_or_403(code)
    order: Order = "best-first" if request.form.get("order") == "best-first" else "lowest-first"
    try:
        table = _uploaded_table()
        means = MeanRange(
            float(request.form.get("mean_low") or 1), float(request.form.get("mean_high") or 5)
        )
        if means.high <= means.low:
            raise refuse("The highest mean should be above the lowest.")
        rows = read_survey(table, room_scale(room), order, means)
    except RequestEntityTooLarge:
        return _render("posters/_survey_result.html", room, 413, problems=TOO_LARGE.problems)
    except ValueError:
        wrong = refuse("The lowest and highest mean should be numbers.")
        return _render("posters/_survey_result.html", room, 422, problems=wrong.problems)
    except TableError as error:
        return _render("posters/_survey_result.html", room, 422, problems=error.problems)
    codes = {it.item.code for poster in tally(room) for it in poster.items if it.item.code}
    if not codes & {row.code for row in rows}:
        none = refuse(
            "No item code in the file names an item on this room's posters "
            f"({', '.join(sorted(codes)[:12]) or 'they have no codes: upload a poster file'})."
        )
        return _render("posters/_survey_result.html", room, 422, problems=none.problems)
    title = request.form.get("title", "").strip() or "Survey"
    try:
        perform(
            room.id,
            "survey.set",
            {"title": title, "items": [row.model_dump() for row in rows]},
            as_facilitator=True,
        )
    except ActionError as error:
        return _render("posters/_survey_result.html", room, error.status, refused=error.message)
    return _render(
        "posters/_survey_result.html", room, saved=len(rows), unmatched=unmatched(rows, codes)
    )


@bp.get("/posters/template.<kind>")
def poster_template(kind: str) -> Response:
    """A poster file to start from, for a scale (``?scale=ic-map``; the readiness colours
    by default)."""
    scales = library().all_scales
    scale = scales.get(request.args.get("scale", ""), next(iter(scales.values())))
    name = f"posters-{scale.id}.{kind}"
    disposition = {"Content-Disposition": f'attachment; filename="{name}"'}
    if kind == "csv":
        body = "\ufeff" + template_csv(scale)  # the mark tells Excel it is UTF-8
        return Response(body, mimetype="text/csv", headers=disposition)
    if kind == "xlsx":
        return Response(
            template_xlsx(scale),
            mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            headers=disposition,
        )
    abort(404)
