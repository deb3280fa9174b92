"""A fast read-only walk over a libcst tree.

``node.visit(visitor)`` rebuilds every node it passes (libcst shares that path with its
transformers), which costs more than parsing.  padlint only reads the tree, so it walks
the dataclass fields that hold code, skipping whitespace, parentheses and commas.
"""

from __future__ import annotations

import dataclasses
from typing import Callable, Iterator

import libcst as cst

_SKIPPED = ("whitespace", "lpar", "rpar", "comma", "semicolon", "leading_lines", "lines_after_decorators",
            "header", "footer", "colon", "equal", "newline", "indent", "asynchronous", "default_",
            "lbracket", "rbracket", "lbrace", "rbrace", "lsqb", "rsqb")
_FIELDS: dict[type, tuple[str, ...]] = {}


_PLAIN = (str, bool, int, "str", "bool", "int")  # field types that never hold nodes


def _fields(cls: type) -> tuple[str, ...]:
    names = _FIELDS.get(cls)
    if names is None:
        names = tuple(f.name for f in dataclasses.fields(cls)
                      if not f.name.startswith(_SKIPPED) and f.name not in ("dot", "star") and f.type not in _PLAIN)
        _FIELDS[cls] = names
    return names


_IS_NODE: dict[type, bool] = {}


def _is_node(cls: type) -> bool:
    known = _IS_NODE.get(cls)
    if known is None:
        known = _IS_NODE[cls] = issubclass(cls, cst.CSTNode)
    return known


def children(node: cst.CSTNode) -> list[cst.CSTNode]:
    names = _FIELDS.get(type(node))
    if names is None:
        names = _fields(type(node))
    if not names:
        return []  # a leaf: Name, Integer, SimpleString, an operator...
    out: list[cst.CSTNode] = []
    for name in names:
        value = getattr(node, name)
        if value is None:
            continue
        cls = type(value)
        if cls is tuple or cls is list:
            out.extend(value)  # libcst's sequence fields hold nodes only
            continue
        known = _IS_NODE.get(cls)
        if known is None:
            known = _is_node(cls)
        if known:  # (not MaybeSentinel, nor a string typed as a Literal)
            out.append(value)
    return out


def iter_nodes(node: cst.CSTNode) -> Iterator[cst.CSTNode]:
    """Every node under ``node`` (itself included), parents before children, in source order."""
    stack = [node]
    while stack:
        current = stack.pop()
        yield current
        stack.extend(reversed(children(current)))


# The nodes under a function body or class body, listed once per file: several analyses scan the
# same bodies.  Keyed by id(); each entry keeps its node alive, and `forget_nodes` empties it
# when the file is done.
_UNDER: dict[int, tuple[cst.CSTNode, list[cst.CSTNode]]] = {}


def nodes_under(node: cst.CSTNode) -> list[cst.CSTNode]:
    """``list(iter_nodes(node))``, computed once per node while the file is being checked."""
    entry = _UNDER.get(id(node))
    if entry is None or entry[0] is not node:
        entry = _UNDER[id(node)] = (node, list(iter_nodes(node)))
    return entry[1]


_BY_TYPE: dict[int, tuple[cst.CSTNode, dict[type, list[cst.CSTNode]]]] = {}


def nodes_of(node: cst.CSTNode, *types: type) -> list[cst.CSTNode]:
    """The nodes under ``node`` whose class is exactly one of ``types`` (libcst's node classes
    are final; an ``isinstance`` test against them goes through ``ABCMeta`` and is slow): in
    source order for one type, grouped by type for several.  Computed once per node and file."""
    entry = _BY_TYPE.get(id(node))
    if entry is None or entry[0] is not node:
        index: dict[type, list[cst.CSTNode]] = {}
        for item in nodes_under(node):
            cls = type(item)
            found = index.get(cls)
            if found is None:
                index[cls] = [item]
            else:
                found.append(item)
        entry = _BY_TYPE[id(node)] = (node, index)
    if len(types) == 1:
        return entry[1].get(types[0], [])
    return [item for cls in types for item in entry[1].get(cls, ())]


def forget_nodes() -> None:
    _UNDER.clear()
    _BY_TYPE.clear()


class FastVisitor:
    """Like ``cst.CSTVisitor`` (``visit_X`` may return False to skip children; ``leave_X``), read-only."""

    def __init__(self, child_cache: dict[int, list[cst.CSTNode]] | None = None) -> None:
        # The children of each node, by id: walks of the same tree (the analysis passes)
        # may share one dict while the tree is alive.
        self._children = child_cache if child_cache is not None else {}
        self._pre: dict[type, Callable] = {}
        self._post: dict[type, Callable] = {}
        for attr in dir(type(self)):
            if attr.startswith("visit_") or attr.startswith("leave_"):
                node_type = getattr(cst, attr[6:], None)
                if isinstance(node_type, type):
                    (self._pre if attr.startswith("visit_") else self._post)[node_type] = getattr(self, attr)

    def walk(self, node: cst.CSTNode) -> None:
        node_type = type(node)
        pre = self._pre.get(node_type)
        if pre is None or pre(node) is not False:
            kids = self._children.get(id(node))
            if kids is None:
                kids = self._children[id(node)] = children(node)
            for child in kids:
                self.walk(child)
        post = self._post.get(node_type)
        if post is not None:
            post(node)
