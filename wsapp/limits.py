"""How much a room may hold: one place for the bounds that the live actions and an
imported record both enforce.

Each is far above what a workshop uses and far below what a script could make the server
store or render; an import past any of them is refused before anything is saved.
"""

# People in a room: a workshop is a team, not a crowd; a leaked code cannot flood it.
PEOPLE_MAX = 200
# People waiting at the door at once: a leaked code cannot bury the facilitator in knocks.
KNOCKS_MAX = 30
# The wall of posters, and the items on each.
POSTERS_MAX = 26
ITEMS_PER_POSTER_MAX = 40
# Discussion notes in a room, and per person on one question.
NOTES_MAX = 2000
NOTES_PER_PERSON_MAX = 50
# The action plan's grid: every row has a cell in every column.
ROWS_MAX = 12
COLUMNS_MAX = 8
# Actions made from the plan's cells (an owner, a due date, a status each).
ACTIONS_MAX = 300
# Rooms in one event (a conference day, a network): every room is a column of its roll-up.
ROOMS_PER_EVENT_MAX = 200
# An uploaded spreadsheet (poster set or survey results): its size, rows, columns and the
# text of one cell. A full wall is 26 posters of 40 items.
UPLOAD_MAX_BYTES = 512 * 1024
TABLE_ROWS_MAX = POSTERS_MAX * ITEMS_PER_POSTER_MAX
TABLE_COLUMNS_MAX = 20
TABLE_CELL_MAX = 1000
# Poster sets a facilitator keeps for their later rooms.
POSTER_KITS_MAX = 50
