"""Leave out of the parse the functions, classes and methods that cannot matter.

The text prefilter decides per file; in library code almost every file passes it, because
words like "mask", "pad" or "mean" are everywhere.  This module decides per group of
definitions, with Python's own (fast) parser.

**Units.**  A top-level ``def`` is a unit.  A top-level ``class`` is split in two kinds of
unit: its *shell* (the header, the class-level statements, and the methods called from
outside without naming them: dunder methods such as ``__init__`` and ``forward``) and one
unit per other method.  Every other top-level statement (imports, assignments, ``if
__name__ == "__main__":``...) always stays.

**Links.**  The analysis carries facts only along names: a call passes values into a
function or method of the file and gets its result back, an instance is built from a
class and called, ``self.x`` is set in one method and read in another, a module-level
value is read.  So two units are linked when one *names* what the other defines: a
function, a class, a method, an attribute it assigns (``self.x = ...``).  Names are read
from the text (every identifier-like word outside docstrings, strings and comments
included), which errs towards more links.  A method that reads an attribute its class's
shell sets (``self.encoder = Encoder()``) is linked to the definitions that value names
(``Encoder``), since calling it runs them.  A module-level statement that defines a name
(``model = Model()``) links only when it holds something defined in the file (directly or
through another such statement): ``logger`` does not glue every function into one group.

**Groups.**  A group of linked units is kept when its text, with the module-level
statements that bind the names it uses (and, for methods, their class's shell), passes the
prefilter for some selected rule (the same test the whole file passed), or holds a word
that a selected rule reads file-wide (PAD103: a sort or a shuffle anywhere).  A kept method
keeps its class's shell, and the shell's group with it, so that everything the method
reads from the class is what the whole file gives it.

**Left out** units become empty lines (a left-out method leaves a ``pass`` on its first
line, so a class body is never empty): every line and column libcst sees is the line and
column of the file.

Nothing here may change the findings: a test runs the fixtures, the rule documents, files
merged from several fixtures and PyTorch's own sources both ways and compares, and
``benchmarks/prefilter_equivalence.py`` does the same over a real-code corpus.
"""

from __future__ import annotations

import ast
import re
import warnings
from dataclasses import dataclass, field
from typing import Callable

from padlint.static.values import BATCH_PARAM, LOADER_NAME, MODEL_CLASSES_AT_MOST, MODEL_PARAM, module_class_bases

_WORD = re.compile(r"[^\W\d]\w*")
_LINE = re.compile(r"[^\r\n]*(?:\r\n|\r|\n)|[^\r\n]+\Z")
_FUNCTIONS = (ast.FunctionDef, ast.AsyncFunctionDef)
_DEFINITIONS = (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)


def parse(text: str) -> ast.Module | None:
    """Python's parse of the text, or None if Python rejects it."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            return ast.parse(text)
        except (SyntaxError, ValueError, RecursionError, MemoryError, OverflowError):
            return None


@dataclass
class _Unit:
    kind: str  # "def", "shell", "method", "fixed", "import"
    rows: list[int]  # 1-based lines that belong to the unit alone
    text: str = ""
    words: set[str] = field(default_factory=set)
    defines: set[str] = field(default_factory=set)
    shell: int | None = None  # a method's class shell
    attrs: dict[str, str] = field(default_factory=dict)  # a shell's `self.x = value` statements, by x
    outline: str = ""  # a shell's header, class-level statements and method signatures
    sets: set[str] = field(default_factory=set)  # a method's `self.x = ...`: the x
    module: bool = False  # a shell of a class derived from (nn.)Module / LightningModule
    returns: set[str] = field(default_factory=set)  # a def's `return a, b, c`: the names


def first_row(node: ast.stmt) -> int:
    """A statement's first line, its decorators included."""
    return min([node.lineno, *(d.lineno for d in getattr(node, "decorator_list", ()))])


def _docstring_rows(node: ast.AST) -> range:
    body = getattr(node, "body", None)
    if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant) \
            and isinstance(body[0].value.value, str):
        return range(body[0].lineno, (body[0].end_lineno or body[0].lineno) + 1)
    return range(0)


def _text_of(rows: list[int], node: ast.AST, lines: list[str]) -> str:
    """The unit's lines, less the docstring of ``node`` (a docstring carries no facts)."""
    skip = _docstring_rows(node)
    return "".join(lines[r - 1] for r in rows if r not in skip)


def _bound_by(statement: ast.stmt) -> set[str]:
    """The names a module-level statement (not a def/class) binds."""
    names: set[str] = set()
    for node in ast.walk(statement):
        if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
            names.add(node.id)
        elif isinstance(node, _DEFINITIONS):
            names.add(node.name)
        elif isinstance(node, ast.alias):
            names.add((node.asname or node.name).split(".")[0])
        elif isinstance(node, (ast.Global, ast.Nonlocal)):
            names.update(node.names)
    return names


def _self_assignments(function: ast.AST, lines: list[str]) -> dict[str, str]:
    """``self.x = value`` statements in a method (statements only): x -> their text."""
    found: dict[str, str] = {}
    stack = list(getattr(function, "body", ()))
    while stack:
        node = stack.pop()
        if isinstance(node, _DEFINITIONS):
            continue
        targets: list[ast.expr] = []
        if isinstance(node, ast.Assign):
            targets = list(node.targets)
        elif isinstance(node, (ast.AnnAssign, ast.AugAssign)):
            targets = [node.target]
        if targets:
            flat: list[ast.expr] = []
            while targets:
                target = targets.pop()
                if isinstance(target, (ast.Tuple, ast.List)):
                    targets.extend(target.elts)
                elif isinstance(target, ast.Starred):
                    targets.append(target.value)
                else:
                    flat.append(target)
            for target in flat:
                if isinstance(target, ast.Attribute) and isinstance(target.value, ast.Name) and target.value.id == "self":
                    found[target.attr] = found.get(target.attr, "") + "".join(
                        lines[node.lineno - 1:node.end_lineno or node.lineno])
            continue
        for name in ("body", "orelse", "finalbody", "handlers", "cases"):
            stack.extend(getattr(node, name, ()) or ())
    return found


def _returned_names(function: ast.AST) -> set[str]:
    """Every plain name in a ``return a, b, c`` of the function (a superset of what the
    analysis links a parameter by: it asks that every return be the same tuple)."""
    names: set[str] = set()
    stack = list(ast.iter_child_nodes(function))
    while stack:
        node = stack.pop()
        if isinstance(node, (*_DEFINITIONS, ast.Lambda)):
            continue
        if isinstance(node, ast.Return) and isinstance(node.value, ast.Tuple):
            names.update(e.id for e in node.value.elts if isinstance(e, ast.Name))
        stack.extend(ast.iter_child_nodes(node))
    return names


def _units(tree: ast.Module, lines: list[str]) -> list[_Unit]:
    units: list[_Unit] = []
    for statement in tree.body:
        first, last = first_row(statement), statement.end_lineno or statement.lineno
        if isinstance(statement, _FUNCTIONS):
            unit = _Unit("def", list(range(first, last + 1)), defines={statement.name})
            unit.text = _text_of(unit.rows, statement, lines)
            unit.returns = _returned_names(statement)
            units.append(unit)
        elif isinstance(statement, ast.ClassDef):
            shell_index = len(units)
            shell = _Unit("shell", [], defines={statement.name},
                          module=module_class_bases([ast.unparse(b) for b in statement.bases]))
            units.append(shell)
            taken: set[int] = set()
            outline: set[int] = set(range(first, statement.body[0].lineno))
            for member in statement.body:
                if not isinstance(member, _FUNCTIONS):
                    outline.update(range(first_row(member), (member.end_lineno or member.lineno) + 1))
                    continue
                name = member.name
                if (name.startswith("__") and name.endswith("__")) or name == "forward":
                    shell.defines.add(name)
                    outline.update(range(first_row(member), member.body[0].lineno))
                    for attr, source in _self_assignments(member, lines).items():
                        shell.attrs[attr] = shell.attrs.get(attr, "") + source
                    continue
                m_first, m_last = first_row(member), member.end_lineno or member.lineno
                if m_first <= statement.lineno:
                    continue  # on the class's own line: stays with the shell
                method = _Unit("method", list(range(m_first, m_last + 1)), defines={name}, shell=shell_index)
                method.text = _text_of(method.rows, member, lines)
                method.sets = set(_self_assignments(member, lines))
                taken.update(method.rows)
                units.append(method)
            shell.rows = [r for r in range(first, last + 1) if r not in taken]
            shell.text = _text_of(shell.rows, statement, lines)
            shell.outline = _text_of(sorted(outline), statement, lines)
        else:
            unit = _Unit("fixed", list(range(first, last + 1)))
            unit.text = "".join(lines[first - 1:last])
            unit.defines = _bound_by(statement)
            if isinstance(statement, (ast.Import, ast.ImportFrom)):
                unit.kind = "import"
            units.append(unit)
    for unit in units:
        unit.words = set(_WORD.findall(unit.text))
    return units


def reduce(text: str, tree: ast.Module, relevant: Callable[[str], bool],
           file_wide: tuple[str, ...] = ()) -> str | None:
    """The text with the definitions that cannot hold a finding blanked out.

    ``relevant(text)`` says whether a piece of the file passes the prefilter.  Returns None
    when nothing can be left out."""
    if len(tree.body) < 2 and not any(isinstance(s, ast.ClassDef) for s in tree.body):
        return None
    lines = _LINE.findall(text)
    units = _units(tree, lines)
    droppable = [u.kind in ("def", "shell", "method") for u in units]
    if not any(droppable):
        return None
    count = len(units)

    by_name: dict[str, list[int]] = {}
    for index, unit in enumerate(units):
        if droppable[index]:
            for name in unit.defines:
                by_name.setdefault(name, []).append(index)
    # Module-level statements holding something a definition made (`model = Model()`),
    # directly or through another such statement, carry facts between groups.
    local = set(by_name)
    carriers: set[int] = set()
    grew = True
    while grew:
        grew = False
        for index, unit in enumerate(units):
            if unit.kind == "fixed" and index not in carriers and unit.words & local:
                carriers.add(index)
                local |= unit.defines
                grew = True
    for index in carriers:
        for name in units[index].defines:
            by_name.setdefault(name, []).append(index)
    by_statement: dict[str, list[int]] = {}
    for index, unit in enumerate(units):
        if unit.kind in ("fixed", "import"):
            for name in unit.defines:
                by_statement.setdefault(name, []).append(index)

    parent = list(range(count))

    def find(item: int) -> int:
        while parent[item] != item:
            parent[item] = parent[parent[item]]
            item = parent[item]
        return item

    def link(a: int, b: int) -> None:
        parent[find(a)] = find(b)

    # Attributes are read through `self` only: a method that sets `self.x` is linked to the
    # units of its own class that name x.
    setters: dict[tuple[int, str], list[int]] = {}
    for index, unit in enumerate(units):
        for attr in unit.sets:
            setters.setdefault((unit.shell, attr), []).append(index)  # type: ignore[arg-type]

    for index, unit in enumerate(units):
        if not droppable[index] and index not in carriers:
            continue
        for word in unit.words:
            for other in by_name.get(word, ()):
                if other != index:
                    link(index, other)
        owner = index if unit.kind == "shell" else unit.shell
        if owner is not None and setters:
            for word in unit.words:
                for other in setters.get((owner, word), ()):
                    if other != index:
                        link(index, other)
        if unit.kind == "method" and unit.shell is not None:
            shell = units[unit.shell]
            if "self(" in unit.text or "__class__" in unit.words:
                link(index, unit.shell)  # runs the class's own forward/__call__/__init__
            # `self.encoder(x)` runs what the shell put there (`self.encoder = Encoder()`).
            for attr in unit.words & shell.attrs.keys():
                for word in set(_WORD.findall(shell.attrs[attr])) - {"self"}:
                    for other in by_name.get(word, ()):
                        if other != index:
                            link(index, other)

    def link_naming(word: Callable[[str], object], targets: list[int]) -> None:
        """Link every unit that holds a word ``word`` accepts to each of ``targets``."""
        for index, unit in enumerate(units):
            if (droppable[index] or index in carriers) and any(word(w) for w in unit.words):
                for other in targets:
                    if other != index:
                        link(index, other)

    # `for inputs, targets in loader:` over a loader handed in: the analysis gives it what the
    # file's collate function returns, so a unit that names a loader goes with that function.
    collates = [i for i, u in enumerate(units) if droppable[i] and any("collate" in n.lower() for n in u.defines)]
    if collates:
        link_naming(lambda word: LOADER_NAME.search(word) or BATCH_PARAM.match(word), collates)
        # `def forward(self, words, slots)` beside `def collate(...): return words, slots, intents`:
        # a parameter named as what the file's one collate function returns gets that value
        returned = set().union(*(units[i].returns for i in collates)) - {"self"}
        if returned:
            link_naming(returned.__contains__, collates)
    # `def train(model, loader): model(x, lengths)`: the analysis runs the forward of the file's
    # module class (when it has at most MODEL_CLASSES_AT_MOST), so such a unit goes with them all.
    modules = [i for i, u in enumerate(units) if u.kind == "shell" and u.module]
    if 0 < len(modules) <= MODEL_CLASSES_AT_MOST:
        link_naming(MODEL_PARAM.match, modules)

    groups: dict[int, list[int]] = {}
    for index in range(count):
        if droppable[index] or index in carriers:
            groups.setdefault(find(index), []).append(index)

    keep = [not flag for flag in droppable]
    kept_groups: set[int] = set()
    for root, members in groups.items():
        if not any(droppable[i] for i in members):
            kept_groups.add(root)
            continue
        member_set = set(members)
        context_units: set[int] = set()
        # What a method reads from its class's shell: the header, class-level statements,
        # method signatures, and the `self.x = ...` statements of the attributes it names.
        from_shells = []
        for i in members:
            shell_index = units[i].shell
            if shell_index is not None and shell_index not in member_set:
                shell = units[shell_index]
                from_shells.append(shell.outline)
                from_shells.extend(shell.attrs[attr] for attr in sorted(units[i].words & shell.attrs.keys()))
        seen_words = set().union(*(units[i].words for i in member_set), *(_WORD.findall(t) for t in from_shells))
        todo = list(seen_words)
        while todo:
            for other in by_statement.get(todo.pop(), ()):
                if other not in member_set and other not in context_units:
                    context_units.add(other)
                    fresh = units[other].words - seen_words
                    seen_words |= fresh
                    todo.extend(fresh)
        group_text = "".join(units[i].text for i in sorted(member_set | context_units)) + "".join(from_shells)
        if relevant(group_text) or (file_wide and any(word in group_text.lower() for word in file_wide)):
            kept_groups.add(root)
    # A kept method keeps its class's shell, and with it the shell's whole group.
    grew = True
    while grew:
        grew = False
        for root in list(kept_groups):
            for i in groups[root]:
                shell = units[i].shell
                if shell is not None and find(shell) not in kept_groups:
                    kept_groups.add(find(shell))
                    grew = True
    for root in kept_groups:
        for i in groups[root]:
            keep[i] = True
    # A module-level statement that only carries facts between the definitions of a group
    # left out (`threshold = _threshold`) goes with them, unless it shares a line with another.
    shared_rows: set[int] = set()
    owner_of: dict[int, int] = {}
    for index, unit in enumerate(units):
        for row in unit.rows:
            if owner_of.setdefault(row, index) != index:
                shared_rows.add(row)
    for root, members in groups.items():
        if root in kept_groups:
            continue
        for i in members:
            if i in carriers and not shared_rows.intersection(units[i].rows):
                keep[i] = False
    if all(keep):
        return None
    out = list(lines)
    for index, unit in enumerate(units):
        if keep[index] or not unit.rows:
            continue
        for row in unit.rows:
            line = out[row - 1]
            out[row - 1] = line[len(line.rstrip("\r\n")):]
        if unit.kind == "method" and keep[unit.shell]:  # type: ignore[index]
            source = lines[unit.rows[0] - 1]
            indent = source[:len(source) - len(source.lstrip(" \t\f"))]
            out[unit.rows[0] - 1] = indent + "pass" + out[unit.rows[0] - 1]
    return "".join(out)
