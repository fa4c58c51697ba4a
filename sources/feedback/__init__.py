"""The reply to a department: their own workbook back with a first sheet of findings and the wrong cells
marked and commented (``reply``). Written for ``xhs validate --feedback`` and for every run's deliveries.
"""

MAY_IMPORT: tuple[str, ...] = ("common", "intake")
