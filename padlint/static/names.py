"""Resolving names to what they are, without libcst's (slow) scope metadata.

A file's import statements give a table ``local name -> fully qualified name``; an
expression such as ``R.pack_padded_sequence`` or ``nn.utils.rnn.pad_sequence`` is then
resolved by looking up its leftmost name and appending the attributes.  Qualified names
are canonicalised (``torch.nn.modules.rnn.LSTM`` -> ``torch.nn.LSTM``) so rules compare
against one spelling only.
"""

from __future__ import annotations

import io
import re
import tokenize
from typing import Any, Iterable

import libcst as cst

# Where the same object is reachable under several module paths, the spelling rules use.
_CANONICAL_PREFIXES = (
    ("torch.nn.modules.rnn.", "torch.nn."),
    ("torch.nn.modules.loss.", "torch.nn."),
    ("torch.nn.modules.activation.", "torch.nn."),
    ("torch.nn.modules.transformer.", "torch.nn."),
    ("torch.nn.modules.sparse.", "torch.nn."),
    ("torch.nn.modules.", "torch.nn."),
    ("torch.nn.utils.rnn.", "torch.nn.utils.rnn."),
)

# Functions of torch.nn.utils.rnn that are also re-exported elsewhere.
_RNN_UTILS = {
    "pack_padded_sequence",
    "pad_packed_sequence",
    "pad_sequence",
    "pack_sequence",
    "unpad_sequence",
    "unpack_sequence",
    "PackedSequence",
}


def canonical(qualname: str) -> str:
    for prefix, replacement in _CANONICAL_PREFIXES:
        if qualname.startswith(prefix):
            qualname = replacement + qualname[len(prefix) :]
            break
    head, _, last = qualname.rpartition(".")
    if last in _RNN_UTILS and head in ("torch.nn.utils", "torch.nn.utils.rnn"):
        return "torch.nn.utils.rnn." + last
    if head == "torch.nn.functional" or qualname.startswith("torch.nn.functional."):
        return qualname
    return qualname


def dotted(node: cst.BaseExpression) -> str | None:
    """``a.b.c`` for a chain of names and attributes, else None."""
    # `type(...) is` rather than isinstance: libcst's node classes are ABCs, and this is hot.
    kind = type(node)
    if kind is cst.Name:
        return node.value  # type: ignore[attr-defined]
    parts: list[str] = []
    while kind is cst.Attribute:
        parts.append(node.attr.value)  # type: ignore[attr-defined]
        node = node.value  # type: ignore[attr-defined]
        kind = type(node)
    if kind is cst.Name:
        parts.append(node.value)  # type: ignore[attr-defined]
        return ".".join(reversed(parts))
    return None


def through_methods(node: Any, methods: Iterable[str]) -> Any:
    """The receiver under a chain of calls of ``methods`` (``x.cpu().float()`` -> ``x``), whatever
    their arguments; anything else is returned as it is."""
    while isinstance(node, cst.Call) and isinstance(node.func, cst.Attribute) and node.func.attr.value in methods:
        node = node.func.value
    return node


def code_of(node: cst.CSTNode) -> str:
    """The source text of a node."""
    return _EMPTY.code_for_node(node)


def short_code(node: cst.CSTNode, limit: int = 60) -> str:
    """The source text of a node, on one line and cut to ``limit`` characters for a message."""
    text = code_of(node)
    if "\n" in text:
        text = _one_line(text)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _one_line(text: str) -> str:
    """Source spread over several lines, without its comments, its whitespace runs collapsed."""
    lines = text.split("\n")
    try:
        comments = [t for t in tokenize.generate_tokens(io.StringIO(text).readline) if t.type == tokenize.COMMENT]
    except (tokenize.TokenError, SyntaxError, IndentationError):
        comments = []
    for comment in reversed(comments):
        row, col = comment.start
        lines[row - 1] = lines[row - 1][:col]
    joined = " ".join(" ".join(lines).split())
    return re.sub(r"([(\[{]) | (?=[)\]},])", r"\1", joined)


_EMPTY = cst.Module(body=[])


def _module_name(node: cst.BaseExpression) -> str:
    return dotted(node) or ""


class ImportTable:
    """Local names bound by import statements (module level and function level alike)."""

    def __init__(self) -> None:
        self.names: dict[str, str] = {}

    def add_import(self, node: cst.Import) -> None:
        for alias in node.names:
            full = _module_name(alias.name)
            if alias.asname is not None and isinstance(alias.asname.name, cst.Name):
                self.names[alias.asname.name.value] = full
            else:
                # `import torch.nn` binds `torch`; attributes resolve through it.
                top = full.split(".")[0]
                self.names[top] = top

    def add_import_from(self, node: cst.ImportFrom) -> None:
        if node.relative or node.module is None:
            return
        module = _module_name(node.module)
        if isinstance(node.names, cst.ImportStar):
            return
        for alias in node.names:
            name = _module_name(alias.name)
            local = name
            if alias.asname is not None and isinstance(alias.asname.name, cst.Name):
                local = alias.asname.name.value
            self.names[local] = f"{module}.{name}"

    def resolve(self, node: cst.BaseExpression) -> str | None:
        """The canonical qualified name of an expression, if it names an imported thing."""
        path = dotted(node)
        if path is None:
            return None
        head, _, rest = path.partition(".")
        base = self.names.get(head)
        if base is None:
            return None
        return canonical(f"{base}.{rest}" if rest else base)

    @property
    def imports_torch(self) -> bool:
        return any(q == "torch" or q.startswith("torch.") for q in self.names.values())
