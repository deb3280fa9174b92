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
    out = []
    for name in names:
        value = getattr(node, name)
        cls = type(value)
        if cls is tuple or cls is list:
            for item in value:
                if _is_node(type(item)):
                    out.append(item)
        elif _is_node(cls):
            out.append(value)
    return out


def iter_nodes(node: cst.CSTNode) -> Iterator[cst.CSTNode]:
    """Every node under ``node`` (itself included), parents before children, in source order."""
    stack = [node]
    while stack:
        current = stack.pop()
        yield current
        stack.extend(reversed(children(current)))


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
