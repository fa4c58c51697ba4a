"""The limits every delivered file is held to before and while it is parsed, and the rules that refuse it.

Departmental reports are a few hundred rows; every limit is at least ~100× what a real report needs."""

from __future__ import annotations

MiB = 1 << 20

MAX_FILE_BYTES = 64 * MiB  # the file as delivered
MAX_ZIP_ENTRIES = 2_000  # entries in an .xlsx (a 50-sheet workbook has ~120)
MAX_ENTRY_BYTES = 128 * MiB  # inflated bytes of one zip entry, counted while inflating (declared sizes lie);
#                              a sheet of MAX_CELLS cells is ~64-100 MB of XML
MAX_TOTAL_BYTES = 256 * MiB  # inflated bytes of all entries together
MAX_RATIO = 200  # inflated / compressed, for entries that inflate past RATIO_FLOOR
RATIO_FLOOR = 1 * MiB
# A sheet is held to these by the cells that hold a value (sources/intake/extent.py), never by the extent it
# declares (<dimension>, row spans, an .xls DIMENSIONS record, a CSV's separators): calamine allocates the
# rectangle from A1 to the furthest value, and keeps every cell with a value in a list before that.
MAX_ROWS = 100_000  # the last row holding a value
MAX_COLS = 1_000  # the last column holding a value (A … ALL)
MAX_CELLS = 2_000_000  # rows × columns of that rectangle, and the number of cells with a value
MAX_SHARED_STRINGS = 2_000_000  # strings in an .xlsx shared strings table, held and declared (uniqueCount)
MAX_CELL_CHARS = 32_767  # Excel's own limit for the text of one cell
MAX_TEXT_RUN_BYTES = 4 * MAX_CELL_CHARS  # a run of XML text longer than this cannot be one valid cell

# The child process that parses (sources/intake/worker.py)
WORKER_MEMORY_BYTES = 1024 * MiB  # RLIMIT_AS: address space of the parsing process
WORKER_CPU_SECONDS = 20  # RLIMIT_CPU per file
WORKER_WALL_SECONDS = 25.0  # the parent kills the worker after this, and starts a new one
MAX_RESPONSE_BYTES = 512 * MiB  # the grid the worker sends back

# Error rules of a file refused at intake: its status is ``unreadable`` (exit 2 from ``xhs validate``).
REFUSAL_RULES = frozenset(
    {
        "file_too_large",
        "unsupported_format",
        "html_not_workbook",
        "zip_too_many_entries",
        "zip_bomb",
        "zip_entry_too_large",
        "zip_size_mismatch",
        "xml_entities",
        "sheet_too_large",
        "too_many_strings",
        "cell_too_long",
        "password_protected",
        "macro_enabled",
        "reader_crashed",
        "reader_timeout",
        "personal_data",
    }
)


def over_budget(rows: int, cols: int) -> str | None:
    if rows > MAX_ROWS:
        return f"{rows} rows > {MAX_ROWS}"
    if cols > MAX_COLS:
        return f"{cols} columns > {MAX_COLS}"
    if rows * cols > MAX_CELLS:
        return f"{rows} × {cols} = {rows * cols} cells > {MAX_CELLS}"
    return None
