"""Leave out of the parse the top-level functions and classes that cannot matter.

The text prefilter decides per file; in library code almost every file passes it, because
words like "mask", "pad" or "mean" are everywhere.  This module decides per group of
top-level definitions, with Python's own (fast) parser:

1. Every top-level statement of the file is a node.  Functions and classes (``def``,
   ``async def``, ``class``, with their decorators) may be left out; every other
   statement (imports, assignments, ``if __name__ == "__main__":``...) always stays.
2. Two nodes are linked when one names what the other defines.  "Names" is read from the
   text (every identifier-like word, strings and comments included), so it errs towards
   more links.  A kept statement that defines a name (``model = Model()``) links only when
   it names something defined by a function or class (directly or through another such
   statement): a name like ``logger`` that every function uses carries no facts from one
   function to another, so it does not glue the whole file into one group.
3. The analysis carries facts only along such names (a call passes values to a local
   function, a class is instantiated, a module-level value is read), so a group of linked
   definitions is analysed the same whether or not the other groups are there.  A group
   is kept when the text of its members, together with the module-level statements that
   define names its members use, passes the prefilter for some rule (the same test the
   whole file passed), or holds a word that a selected rule reads file-wide (PAD103: a
   sort or a shuffle anywhere).
4. The left-out definitions are replaced by empty lines, so every line and column of the
   text libcst parses is the line and column of the file.

Nothing here may change the findings: a test runs every file of the fixtures, the rule
documents and PyTorch's own sources both ways and compares, and
``benchmarks/static_speed.py --compare`` does the same over the real-code corpus.
"""

from __future__ import annotations

import ast
import re
import warnings
from typing import Callable

_WORD = re.compile(r"[^\W\d]\w*")
_LINE = re.compile(r"[^\r\n]*(?:\r\n|\r|\n)|[^\r\n]+\Z")
_DEFINITION = (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)


def parse(text: str) -> ast.Module | None:
    """Python's parse of the text, or None if Python rejects it."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            return ast.parse(text)
        except (SyntaxError, ValueError, RecursionError, MemoryError, OverflowError):
            return None


def _defined_by(statement: ast.stmt) -> set[str]:
    """The names a module-level statement (not a def/class) binds."""
    names: set[str] = set()
    for node in ast.walk(statement):
        if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
            names.add(node.id)
        elif isinstance(node, _DEFINITION):
            names.add(node.name)
        elif isinstance(node, ast.alias):
            names.add((node.asname or node.name).split(".")[0])
        elif isinstance(node, (ast.Global, ast.Nonlocal)):
            names.update(node.names)
    return names


def reduce(text: str, tree: ast.Module, relevant: Callable[[str], bool],
           file_wide: tuple[str, ...] = ()) -> str | None:
    """The text with the definitions that cannot hold a finding blanked out.

    ``relevant(text)`` says whether a piece of the file passes the prefilter.  Returns None
    when nothing can be left out."""
    body = tree.body
    count = len(body)
    if count < 2:
        return None
    lines = _LINE.findall(text)
    spans: list[tuple[int, int]] = []
    pieces: list[str] = []
    words: list[set[str]] = []
    for statement in body:
        first = min([statement.lineno, *(d.lineno for d in getattr(statement, "decorator_list", ()))])
        last = statement.end_lineno or statement.lineno
        spans.append((first, last))
        piece = "".join(lines[first - 1:last])
        pieces.append(piece)
        words.append(set(_WORD.findall(piece)))
    droppable = [isinstance(statement, _DEFINITION) for statement in body]
    if not any(droppable):
        return None

    # Who defines what.
    by_definition: dict[str, list[int]] = {}
    bound: dict[int, set[str]] = {}
    for index, statement in enumerate(body):
        if droppable[index]:
            by_definition.setdefault(statement.name, []).append(index)  # type: ignore[attr-defined]
        else:
            bound[index] = _defined_by(statement)
    # Module-level statements that hold something a definition made (`model = Model()`),
    # directly or through another such statement: these carry facts between groups.
    local = set(by_definition)
    carriers: set[int] = set()
    grew = True
    while grew:
        grew = False
        for index, names in bound.items():
            if index not in carriers and not isinstance(body[index], (ast.Import, ast.ImportFrom)) \
                    and words[index] & local:
                carriers.add(index)
                local |= names
                grew = True
    by_carrier: dict[str, list[int]] = {}
    for index in carriers:
        for name in bound[index]:
            by_carrier.setdefault(name, []).append(index)
    by_statement: dict[str, list[int]] = {}
    for index, names in bound.items():
        for name in names:
            by_statement.setdefault(name, []).append(index)

    parent = list(range(count))

    def find(item: int) -> int:
        while parent[item] != item:
            parent[item] = parent[parent[item]]
            item = parent[item]
        return item

    for index in range(count):
        if not droppable[index] and index not in carriers:
            continue
        for word in words[index]:
            for other in (*by_definition.get(word, ()), *by_carrier.get(word, ())):
                if other != index:
                    parent[find(index)] = find(other)

    groups: dict[int, list[int]] = {}
    for index in range(count):
        if droppable[index] or index in carriers:
            groups.setdefault(find(index), []).append(index)

    keep = [not flag for flag in droppable]
    for members in groups.values():
        if not any(droppable[i] for i in members):
            continue
        # The group's own text, and the module-level statements (imports included) that
        # bind the names it uses, followed through the names those use in turn.
        seen_words = set().union(*(words[i] for i in members))
        context: list[int] = []
        todo = list(seen_words)
        taken = set(members)
        while todo:
            for other in by_statement.get(todo.pop(), ()):
                if other not in taken:
                    taken.add(other)
                    context.append(other)
                    fresh = words[other] - seen_words
                    seen_words |= fresh
                    todo.extend(fresh)
        group_text = "".join(pieces[i] for i in sorted(members)) + "".join(pieces[i] for i in sorted(context))
        if relevant(group_text) or (file_wide and any(word in group_text.lower() for word in file_wide)):
            for index in members:
                keep[index] = True
    if all(keep):
        return None
    out = list(lines)
    for index, (first, last) in enumerate(spans):
        if keep[index]:
            continue
        for row in range(first - 1, last):
            line = out[row]
            out[row] = line[len(line.rstrip("\r\n")):]
    return "".join(out)
