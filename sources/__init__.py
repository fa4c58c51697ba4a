"""Everything between a delivered spreadsheet and a staging table, in rooms named for the stages.

    common/    the words every room speaks: text normalisation, findings (and masking), period codes
    specs/     the departments' specs (YAML, one per department) and the model that validates them
    areas/     administrative units: the unit lists (built-in and ``XHS_REFERENCE``), names as written, look-ups
    intake/    untrusted bytes to grids of cells, at arm's length: sniffing, zip/OLE bounds, the parsing sandbox,
               legacy encodings, personal data
    reading/   a grid to a long table of values: header, columns, units, title and period, area rows and
               their resolution, values, the table's own checks, the choice of spec
    archive/   the raw archive (bytes and deliveries), the state store, integrity checks, repair, migration
    staging/   archived files read once per (bytes, spec, reader code) into cached reads, then ``stg_<source>``
    feedback/  the reply workbook a department gets back, with its wrong cells marked
    samples/   the deterministic sample workbooks of ``make run``

Each room's ``__init__`` says what it owns and, in ``MAY_IMPORT``, which rooms it may import; the top-level
``runtime`` package (progress, stop signals, disk errors, atomic files) is shared by every package.
``tests/test_imports.py`` holds every module to its room's ``MAY_IMPORT``.
"""
