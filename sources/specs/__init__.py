"""The departments' specs: one YAML file per department (``telecom.yaml``, …), the shared vocabulary
(``_common.yaml``), sample layouts (``samples/``), and the model that validates them (``model``: pydantic,
unknown keys are errors). A department is added here as data; no Python.
"""

MAY_IMPORT: tuple[str, ...] = ("common",)
