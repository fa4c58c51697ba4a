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
MAX_ROWS = 100_000  # rows of a sheet, from its <dimension> and from the cells it really has
MAX_COLS = 1_000  # columns (A … ALL)
MAX_CELLS = 2_000_000  # rows × columns of a sheet's extent (calamine allocates the whole rectangle)
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
