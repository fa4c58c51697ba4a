"""Administrative units: the unit lists (``units``: the built-in lists of the sample provinces in ``builtin/``,
or the national lists of ``XHS_REFERENCE``), area names in every spelling, and their look-up by level, parent
and vintage; ``paths`` resolves the names a hierarchy carries down within their parents. ``curate`` derives the
built-in lists from the national ones.

How a table's rows are resolved against these lists is a reading stage: ``sources/reading/resolve.py``.
"""

MAY_IMPORT: tuple[str, ...] = ("common",)
