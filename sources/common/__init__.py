"""The words every room speaks: how Vietnamese text is normalised and compared (``text``), a finding and its
address (``findings``), how personal numbers are recognised and masked (``masking``), and reporting periods
(``periods``: codes, and the period forms written in titles and file names). Imports no other room.
"""

MAY_IMPORT: tuple[str, ...] = ()
