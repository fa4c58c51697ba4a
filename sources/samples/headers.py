"""Header wordings of the sample workbooks: several variants per source, as departments word them (``headers`` in
``sources/specs/samples/<source>.yaml``).

A header is a tree: a ``Node`` with a ``field`` is a data column (its label is one of the spec's aliases or a
group label above it); a node with ``children`` is a merged group header over them. Depth 1–3 rows.
"""

from __future__ import annotations

from dataclasses import dataclass
from dataclasses import field as dc_field
from typing import Any

from sources.samples.departments import samples_of


@dataclass(frozen=True)
class Node:
    label: str
    field: str | None = None
    children: tuple[Node, ...] = dc_field(default=())

    def depth(self) -> int:
        return 1 + max((c.depth() for c in self.children), default=0)

    def leaves(self) -> list[Node]:
        return [self] if not self.children else [x for c in self.children for x in c.leaves()]


def leaf(label: str, fname: str) -> Node:
    return Node(label, fname)


def group(label: str, *children: Node) -> Node:
    return Node(label, None, tuple(children))


def _node(raw: dict[str, Any]) -> Node:
    """A header node of a sample file: ``{label: field}`` (a column) or ``{label: [nodes]}`` (a merged group)."""
    ((label, value),) = raw.items()
    return group(label, *(_node(n) for n in value)) if isinstance(value, list) else leaf(label, value)


def header_variants(source: str) -> list[tuple[Node, ...]]:
    """The header wordings of a department's sample files (``headers`` of its sample file)."""
    return [tuple(_node(n) for n in variant) for variant in samples_of(source).headers]


def extra_column(source: str) -> tuple[str, str]:
    """A column no spec has (the reader warns and skips it): (label, what it holds)."""
    extra = samples_of(source).extra_column
    return extra.label, extra.holds


AREA_HEADERS_PRE = [
    "Đơn vị hành chính",
    "Huyện/Thành phố",
    "Tên đơn vị",
    "Địa bàn",
    "Huyện, thành phố",
    "Đơn vị",
    "Huyện/thị xã/thành phố",
    "Địa phương",
]
AREA_HEADERS_POST = ["Xã/Phường", "Xã, phường", "Tên xã, phường", "Đơn vị hành chính cấp xã", "Đơn vị"]
CODE_HEADERS = ["Mã ĐVHC", "Mã đơn vị", "Mã", "Mã đơn vị hành chính"]


def prune(nodes: tuple[Node, ...], keep: set[str]) -> tuple[Node, ...]:
    """The header without the data columns whose field is not in ``keep`` (empty groups disappear)."""
    out = []
    for n in nodes:
        if n.children:
            kids = prune(n.children, keep)
            if kids:
                out.append(Node(n.label, None, kids))
        elif n.field in keep:
            out.append(n)
    return tuple(out)


def covered(nodes: tuple[Node, ...]) -> set[str]:
    return {x.field for n in nodes for x in n.leaves() if x.field}
