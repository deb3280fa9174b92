"""Findings move with the code and never change in kind (issue 6, static side).

The programs come from the rule documents: the first ```python block under "## Example" of
``rules/PADnnn-name.md`` (bad) and under "## Use instead" (good).  Hypothesis transforms
them with libcst in ways that do not change what the code does:

* rename local names consistently (never imported names such as torch/nn/F, attribute
  names, keyword-argument names, names bound in class bodies, builtins or dunders; and
  only to a name that padlint's name heuristics read exactly as the old one, e.g.
  ``lengths`` -> ``my_lengths``, ``out`` -> ``zork3``, since the name itself is evidence);
* reformat: blank lines, comment lines, the other quote style, calls wrapped one
  argument per line;
* wrap all the statements in a function, in a method of a class, or under ``if True:``.

The transformed program must give the same multiset of finding codes as the original, and
where a finding has a fix, ``--fix --unsafe-fixes`` must give code that parses and re-checks
without that finding.
"""

from __future__ import annotations

import ast
import builtins
import json
import re
import subprocess
import sys
from collections import Counter
from pathlib import Path

import libcst as cst
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from padlint.static import values as V
from padlint.static.engine import Settings, check_text
from padlint.static.registry import resolve_selection

RULES = Path(__file__).resolve().parents[2] / "rules"
SETTINGS = Settings(frozenset(resolve_selection(["ALL"], preview=True)))


def _block(doc: str, heading: str) -> str | None:
    section = re.search(r"^## " + re.escape(heading) + r"[ \t]*\n(.*?)(?=^## |\Z)", doc, re.S | re.M)
    if section is None:
        return None
    code = re.search(r"```python\n(.*?)```", section.group(1), re.S)
    return code.group(1) if code else None


def _examples() -> list[tuple[str, str, str]]:
    """(code, "bad"/"good", source) for every rule document with examples that libcst parses."""
    out = []
    for path in sorted(RULES.glob("PAD[0-9][0-9][0-9]-*.md")):
        doc = path.read_text(encoding="utf-8")
        for kind, heading in (("bad", "Example"), ("good", "Use instead")):
            source = _block(doc, heading)
            if source is None:
                continue
            try:
                cst.parse_module(source)
                ast.parse(source)
            except (cst.ParserSyntaxError, SyntaxError):
                continue  # PAD000's example is a syntax error: nothing to transform
            out.append((path.name[:6], kind, source))
    return out


EXAMPLES = _examples()


def codes(text: str) -> Counter:
    report = check_text(text, "example.py", SETTINGS)
    assert not report.errors, [e.message for e in report.errors]
    return Counter(f.code for f in report.findings)


# ----------------------------------------------------------------------------- renaming
_BUILTINS = set(dir(builtins)) | {"self", "cls", "super", "__class__"}
# Words some rule reads inside a name (substring tests); a new name must keep them all.
_WORDS = ("len", "mask", "pad", "sort", "target", "label", "tgt", "transcript", "text", "token", "rel", "ratio",
          "frac", "pct", "percent", "batch", "max", "seq", "src", "lens", "length", "hidden", "state", "loss",
          "logit", "prob", "score", "attn", "attention", "weight", "lstm", "gru", "rnn", "out", "emb", "idx",
          "index", "step", "time", "valid", "key", "query")


def _name_signature(name: str) -> tuple:
    """How padlint's name heuristics read ``name`` (must not change under renaming)."""
    checks = []
    for fn in ("looks_like_lengths", "looks_like_max_len", "looks_like_mask", "mask_polarity_of_name",
               "looks_like_target", "looks_like_pad_value", "looks_like_data"):
        f = getattr(V, fn, None)
        checks.append(f(name) if f is not None else None)
    lowered = name.lower()
    checks.append(tuple(word for word in _WORDS if word in lowered))
    checks.append(name[:1].isupper())
    return tuple(checks)


class _Bindings(cst.CSTVisitor):
    """Which names a renaming may touch: bound here, not imported, not class attributes."""

    def __init__(self) -> None:
        self.bound: set[str] = set()
        self.frozen: set[str] = set()  # never renamed
        self.seen: set[str] = set()  # every identifier in the file (new names avoid them)
        self._class_depth: list[bool] = []  # True: directly in a class body

    def _targets(self, node: cst.CSTNode) -> None:
        if isinstance(node, cst.Name):
            (self.frozen if self._class_depth and self._class_depth[-1] else self.bound).add(node.value)
        elif isinstance(node, (cst.Tuple, cst.List)):
            for element in node.elements:
                self._targets(element.value)
        elif isinstance(node, cst.StarredElement):
            self._targets(node.value)

    def visit_Name(self, node: cst.Name) -> None:
        self.seen.add(node.value)

    def visit_Import(self, node: cst.Import) -> None:
        for alias in node.names:
            target = alias.asname.name if alias.asname else alias.name
            while isinstance(target, cst.Attribute):
                target = target.value
            if isinstance(target, cst.Name):
                self.frozen.add(target.value)

    def visit_ImportFrom(self, node: cst.ImportFrom) -> None:
        if isinstance(node.names, cst.ImportStar):
            return
        for alias in node.names:
            target = alias.asname.name if alias.asname else alias.name
            if isinstance(target, cst.Name):
                self.frozen.add(target.value)

    def visit_Attribute(self, node: cst.Attribute) -> None:
        self.frozen.add(node.attr.value)

    def visit_Arg(self, node: cst.Arg) -> None:
        if node.keyword is not None:
            self.frozen.add(node.keyword.value)

    def visit_ClassDef(self, node: cst.ClassDef) -> None:
        self._targets(node.name)
        self._class_depth.append(True)

    def leave_ClassDef(self, node: cst.ClassDef) -> None:
        self._class_depth.pop()

    def visit_FunctionDef(self, node: cst.FunctionDef) -> None:
        self._targets(node.name)
        self._class_depth.append(False)

    def leave_FunctionDef(self, node: cst.FunctionDef) -> None:
        self._class_depth.pop()

    def visit_Lambda(self, node: cst.Lambda) -> None:
        self._class_depth.append(False)

    def leave_Lambda(self, node: cst.Lambda) -> None:
        self._class_depth.pop()

    def visit_Param(self, node: cst.Param) -> None:
        self.bound.add(node.name.value)

    def visit_AssignTarget(self, node: cst.AssignTarget) -> None:
        self._targets(node.target)

    def visit_AnnAssign(self, node: cst.AnnAssign) -> None:
        self._targets(node.target)

    def visit_AugAssign(self, node: cst.AugAssign) -> None:
        self._targets(node.target)

    def visit_For(self, node: cst.For) -> None:
        self._targets(node.target)

    def visit_CompFor(self, node: cst.CompFor) -> None:
        self._targets(node.target)

    def visit_AsName(self, node: cst.AsName) -> None:
        self._targets(node.name)

    def visit_NamedExpr(self, node: cst.NamedExpr) -> None:
        self._targets(node.target)


def renamable(module: cst.Module) -> tuple[list[str], set[str]]:
    info = _Bindings()
    module.visit(info)
    names = sorted(n for n in info.bound - info.frozen - _BUILTINS if not (n.startswith("__") and n.endswith("__")))
    return names, info.seen | info.frozen | _BUILTINS


class _Rename(cst.CSTTransformer):
    def __init__(self, mapping: dict[str, str]) -> None:
        self.mapping = mapping

    def visit_Attribute(self, node: cst.Attribute) -> bool:
        return False  # `.attr` is never renamed; the object part is done in leave_Attribute

    def leave_Attribute(self, original: cst.Attribute, updated: cst.Attribute) -> cst.Attribute:
        return updated.with_changes(value=updated.value.visit(self))

    def leave_Name(self, original: cst.Name, updated: cst.Name) -> cst.Name:
        new = self.mapping.get(original.value)
        return updated.with_changes(value=new) if new else updated


_NEUTRAL = ("zork", "quux", "blip", "frob", "wibble", "plugh")


@st.composite
def renamings(draw, module: cst.Module) -> dict[str, str]:
    names, taken = renamable(module)
    mapping: dict[str, str] = {}
    used = set(taken)
    for name in names:
        if not draw(st.booleans()):
            continue
        candidates = [f"my_{name}", f"the_{name}"] + [f"{word}{i}" for i, word in enumerate(_NEUTRAL)]
        if name[:1].isupper():
            candidates += [f"My{name}", f"Zork{name}"]
        candidates = [c for c in candidates if c not in used and c.isidentifier()
                      and _name_signature(c) == _name_signature(name)]
        if not candidates:
            continue
        new = draw(st.sampled_from(candidates))
        mapping[name] = new
        used.add(new)
    return mapping


# ----------------------------------------------------------------------------- reformatting
class _Reformat(cst.CSTTransformer):
    def __init__(self, rnd, blank: bool, comments: bool, quotes: bool, wrap: bool) -> None:
        self.rnd = rnd
        self.blank, self.comments, self.quotes, self.wrap = blank, comments, quotes, wrap

    def _lines(self, node):
        extra = []
        if self.blank and self.rnd.random() < 0.5:
            extra.append(cst.EmptyLine())
        if self.comments and self.rnd.random() < 0.5:
            extra.append(cst.EmptyLine(comment=cst.Comment("# a comment the transformation added")))
        return node.with_changes(leading_lines=[*extra, *node.leading_lines]) if extra else node

    def leave_SimpleStatementLine(self, original, updated):
        return self._lines(updated)

    def leave_If(self, original, updated):
        return self._lines(updated)

    def leave_For(self, original, updated):
        return self._lines(updated)

    def leave_While(self, original, updated):
        return self._lines(updated)

    def leave_With(self, original, updated):
        return self._lines(updated)

    def leave_Try(self, original, updated):
        return self._lines(updated)

    def leave_FunctionDef(self, original, updated):
        if updated.decorators:
            return updated
        return self._lines(updated)

    def leave_ClassDef(self, original, updated):
        if updated.decorators:
            return updated
        return self._lines(updated)

    def leave_SimpleString(self, original, updated):
        if not self.quotes or self.rnd.random() < 0.3:
            return updated
        value = updated.value
        prefix = value[: len(value) - len(value.lstrip("rbuRBUfF"))]
        body = value[len(prefix):]
        if body.startswith(("'''", '"""')) or "\\" in body:
            return updated
        quote = body[0]
        inner = body[1:-1]
        other = '"' if quote == "'" else "'"
        if "'" in inner or '"' in inner:
            return updated
        return updated.with_changes(value=f"{prefix}{other}{inner}{other}")

    def leave_Call(self, original, updated):
        if not self.wrap or not updated.args or self.rnd.random() < 0.4:
            return updated
        def broken(spaces: str = "    ") -> cst.ParenthesizedWhitespace:
            return cst.ParenthesizedWhitespace(first_line=cst.TrailingWhitespace(), empty_lines=[],
                                               indent=True, last_line=cst.SimpleWhitespace(spaces))
        args = list(updated.args)
        for i, arg in enumerate(args[:-1]):
            comma = arg.comma if isinstance(arg.comma, cst.Comma) else cst.Comma()
            args[i] = arg.with_changes(comma=comma.with_changes(whitespace_after=broken()))
        last = args[-1]
        if isinstance(last.comma, cst.Comma):
            args[-1] = last.with_changes(comma=last.comma.with_changes(whitespace_after=broken("")))
        else:
            args[-1] = last.with_changes(comma=cst.Comma(whitespace_after=broken("")))  # a trailing comma
        return updated.with_changes(whitespace_before_args=broken(), args=args)


# ----------------------------------------------------------------------------- wrapping
def wrap(module: cst.Module, how: str) -> cst.Module:
    body = list(module.body)
    if how == "none":
        return module
    if how == "function":
        stmt = cst.FunctionDef(name=cst.Name("_wrapped_by_the_test"), params=cst.Parameters(),
                               body=cst.IndentedBlock(body=body))
    elif how == "method":
        method = cst.FunctionDef(name=cst.Name("wrapped_method"),
                                 params=cst.Parameters(params=[cst.Param(cst.Name("self"))]),
                                 body=cst.IndentedBlock(body=body))
        stmt = cst.ClassDef(name=cst.Name("WrappedByTheTest"), body=cst.IndentedBlock(body=[method]))
    elif how == "if_true":
        stmt = cst.If(test=cst.Name("True"), body=cst.IndentedBlock(body=body))
    else:  # pragma: no cover
        raise ValueError(how)
    return module.with_changes(body=[stmt])


@st.composite
def transformed(draw, source: str) -> tuple[str, dict]:
    module = cst.parse_module(source)
    mapping = draw(renamings(module))
    if mapping:
        module = module.visit(_Rename(mapping))
    options = dict(blank=draw(st.booleans()), comments=draw(st.booleans()), quotes=draw(st.booleans()),
                   wrap=draw(st.booleans()))
    rnd = draw(st.randoms(use_true_random=False))
    if any(options.values()):
        module = module.visit(_Reformat(rnd, **options))
    how = draw(st.sampled_from(["none", "function", "method", "if_true"]))
    module = wrap(module, how)
    return module.code, {"rename": mapping, **options, "wrap": how}


# ----------------------------------------------------------------------------- the properties
def test_every_rule_with_a_document_has_examples():
    assert EXAMPLES, "no rule documents with examples were found"
    bad = {code for code, kind, _ in EXAMPLES if kind == "bad"}
    for code in bad:
        source = next(s for c, k, s in EXAMPLES if c == code and k == "bad")
        assert codes(source)[code] >= 1, f"{code}'s bad example does not report {code}"


@pytest.mark.parametrize("code,kind,source", EXAMPLES, ids=[f"{c}-{k}" for c, k, _ in EXAMPLES])
@settings(max_examples=12, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(data=st.data())
def test_findings_move_with_the_code(code, kind, source, data):
    expected = codes(source)
    text, how = data.draw(transformed(source), label="transformed")
    ast.parse(text)  # the transformation itself must give valid Python
    got = codes(text)
    assert got == expected, f"{how}\n--- transformed:\n{text}"

    report = check_text(text, "example.py", SETTINGS)
    fixable = {f.code for f in report.findings if f.edits}
    if not fixable:
        return
    fixed = check_text(text, "example.py", SETTINGS, fix="unsafe")
    assert not fixed.errors, [e.message for e in fixed.errors]
    assert fixed.fixed_text is not None
    ast.parse(fixed.fixed_text)
    cst.parse_module(fixed.fixed_text)
    again = Counter(f.code for f in check_text(fixed.fixed_text, "example.py", SETTINGS).findings)
    assert not fixable & set(again), f"{how}\n--- after the fix:\n{fixed.fixed_text}"


def test_fixes_of_the_bad_examples_through_the_command_line(tmp_path):
    """`padlint check --fix --unsafe-fixes` on every bad example: parses, the fixed finding is gone."""
    before: dict[str, set[str]] = {}
    for code, kind, source in EXAMPLES:
        if kind != "bad":
            continue
        report = check_text(source, "example.py", SETTINGS)
        fixable = {f.code for f in report.findings if f.edits}
        if fixable:
            (tmp_path / f"{code.lower()}.py").write_text(source, encoding="utf-8")
            before[f"{code.lower()}.py"] = fixable
    if not before:
        pytest.skip("no rule example has a fix")
    cmd = [sys.executable, "-m", "padlint.cli", "check", "--no-cache", "--select", "ALL", "--preview"]
    proc = subprocess.run([*cmd, "--fix", "--unsafe-fixes", str(tmp_path)], capture_output=True, text=True,
                          timeout=120)
    assert "Traceback" not in proc.stderr and proc.returncode in (0, 1), proc.stderr
    for name in before:
        ast.parse((tmp_path / name).read_text(encoding="utf-8"))
    proc = subprocess.run([*cmd, "--output-format", "json", str(tmp_path)], capture_output=True, text=True,
                          timeout=120)
    assert proc.returncode in (0, 1), proc.stderr
    left = {(Path(f["filename"]).name, f["code"]) for f in json.loads(proc.stdout)}
    for name, fixable in before.items():
        assert not {(name, code) for code in fixable} & left, (name, (tmp_path / name).read_text())
