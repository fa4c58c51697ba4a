"""What was delivered and what happened to it: the raw archive (``raw``: content-addressed bytes and the
deliveries manifest, immutable), the state store (``state``: each file's department, period, status and
findings), integrity checks of both when opened (``integrity``), mending damage (``repair``) and upgrading an
older archive (``migrate``). Knows nothing of how a file is read.
"""

MAY_IMPORT: tuple[str, ...] = ("common",)
