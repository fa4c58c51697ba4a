"""A grid of cells to a long table of values and findings: the generic, spec-driven reader.

In reading order: ``tables`` (which sheet, header block and spec), ``header`` (the header block, merged cells,
labels), ``columns`` and ``measure`` (what each column holds, in which unit and scale), ``title`` (the period),
``area_rows`` (areas, totals, national and regional rows), ``resolve`` (rows to units of the list in force),
``values`` and ``numbers`` (cells to numbers), ``checks`` (totals and typed percentages), and ``reader``, which
runs them on one file.
"""

MAY_IMPORT: tuple[str, ...] = ("common", "specs", "areas", "intake")
