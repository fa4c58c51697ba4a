"""Archived files to staging tables: each file read once per (bytes, department spec, reader code) into a
cached read, its outcome recorded in the state store, then one ``stg_<source>`` table per department
(``stager``). ``digests`` says what a cached read depends on, cheaply enough for the nothing-new check.
"""

MAY_IMPORT: tuple[str, ...] = ("common", "specs", "areas", "intake", "reading", "archive")
