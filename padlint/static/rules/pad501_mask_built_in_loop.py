"""PAD501 mask-built-in-loop: a padding mask filled one sequence at a time in Python."""

from __future__ import annotations

import re

import libcst as cst

from padlint.static import values as V
from padlint.static.analysis import Context, literal
from padlint.static.names import dotted
from padlint.static.rule import PADDING, Rule


# A `for` statement, and an item assignment (`mask[i, :n] = 1`).
_LOOP = re.compile(r"\bfor\b")
_ITEM_ASSIGN = re.compile(r"\]\s*=(?!=)")


class MaskBuiltInLoop(Rule):
    code = "PAD501"
    name = "mask-built-in-loop"
    summary = "a padding mask built by a Python loop over lengths instead of one vectorised comparison"
    fix_hint = "Build it in one step: `mask = torch.arange(T, device=lengths.device)[None, :] < lengths[:, None]`."
    triggers = ("mask", "Mask", "MASK")  # the filled name holds "mask" in any case
    also_requires = (("for",), (PADDING,))
    severity = "warning"

    def may_apply(self, text: str) -> bool:
        return _LOOP.search(text) is not None and _ITEM_ASSIGN.search(text) is not None

    def on_for(self, node: cst.For, ctx: Context) -> None:
        if not _iterates_lengths(node, ctx):
            return
        finder = _MaskSliceAssign()
        node.body.visit(finder)
        # A mask handed in and edited (`mask[i, :pad_end] = False` on a parameter) is not one being
        # built from the lengths: there is no comparison to build instead.
        # A loop that copies each sample's data into the batch as well (a collate function,
        # `batch[i, :n] = seq`) is needed anyway: filling the mask there costs nothing extra.
        if finder.found is not None and not finder.copies \
                and finder.found not in (ctx.scope.params if ctx.scope is not None else ()):
            self.report(ctx, node, f"the mask `{finder.found}` is filled one sequence at a time in a Python loop "
                                   "(one kernel launch per sample); a single comparison with `lengths` does it at once")


def _iterates_lengths(node: cst.For, ctx: Context) -> bool:
    it = node.iter
    candidates = [it]
    if isinstance(it, cst.Call) and isinstance(it.func, cst.Name) and it.func.value in ("enumerate", "zip", "range", "len"):
        candidates = [a.value for a in it.args]
        for inner in list(candidates):  # enumerate(zip(seqs, lengths))
            if isinstance(inner, cst.Call) and isinstance(inner.func, cst.Name) and inner.func.value in ("zip", "enumerate"):
                candidates += [a.value for a in inner.args]
        if it.func.value == "range" and len(it.args) == 1 and isinstance(it.args[0].value, cst.Call):
            inner = it.args[0].value
            if isinstance(inner.func, cst.Name) and inner.func.value == "len":
                candidates = [a.value for a in inner.args]
    ranged = isinstance(it, cst.Call) and isinstance(it.func, cst.Name) and it.func.value == "range"
    for candidate in candidates:
        counted = False
        if isinstance(candidate, cst.Call) and isinstance(candidate.func, cst.Attribute) \
                and candidate.func.attr.value in ("size", "numel", "__len__"):
            candidate = candidate.func.value  # range(lengths.size(0))
            counted = True
        if ranged and not counted and candidates is not None and it.args and candidate is it.args[0].value:
            continue  # range(seq_len): the positions of one sequence, not one step per sample
        value = ctx.ev(candidate)
        if value is not None and value.kind == V.LENGTHS:
            return True
        if isinstance(candidate, cst.Call) and isinstance(candidate.func, cst.Attribute) and candidate.func.attr.value == "tolist":
            inner = ctx.ev(candidate.func.value)
            if inner is not None and inner.kind == V.LENGTHS:
                return True
    return False


class _MaskSliceAssign(cst.CSTVisitor):
    def __init__(self) -> None:
        super().__init__()
        self.found: str | None = None
        self.copies = False  # some other tensor gets a sample's data, row by row

    def visit_Call(self, node: cst.Call) -> bool:
        # padded[i, :n].copy_(seq)
        if isinstance(node.func, cst.Attribute) and node.func.attr.value == "copy_" \
                and isinstance(node.func.value, cst.Subscript) and "mask" not in _base_name(node.func.value).lower():
            self.copies = True
        return True

    def visit_Assign(self, node: cst.Assign) -> bool:
        for target in node.targets:
            sub = target.target
            if not isinstance(sub, cst.Subscript):
                continue
            name = _base_name(sub)
            if "mask" not in name.lower():
                if literal(node.value) is None and not _is_constant(node.value):
                    self.copies = True  # batch[i, :n] = seq
                continue
            # A padding mask is (batch, time): `mask[i, :n]` or `mask[i][:n]`; a 1-D `mask[s:s + n]`
            # over concatenated sequences is something else.
            if len(sub.slice) < 2 and not isinstance(sub.value, cst.Subscript):
                continue
            # ... and its row is one sample: `mask[s:s + n, s:s + n]` (a block-diagonal mask over
            # sequences packed into one row) is not a padding mask either
            first = sub
            while isinstance(first.value, cst.Subscript):
                first = first.value
            if isinstance(first.slice[0].slice, cst.Slice):
                continue
            # a padding row is filled from its start or up to its end (`[:n]`, `[n:]`); a span
            # `[s:s + n]` in the middle is span masking (MLM corruption), not padding
            has_slice = any(isinstance(el.slice, cst.Slice) and (el.slice.lower is None or el.slice.upper is None
                                                                 or literal(el.slice.lower) == 0)
                            for el in sub.slice)
            value = literal(node.value)
            if has_slice and (value in (0, 1) or isinstance(value, bool) or isinstance(value, float)):
                self.found = name
        return False


def _base_name(sub: cst.Subscript) -> str:
    base: cst.BaseExpression = sub
    while isinstance(base, cst.Subscript):  # mask[i][:n] = 1
        base = base.value
    return dotted(base) or ""


def _is_constant(node: cst.BaseExpression) -> bool:
    """``True`` / ``-1`` / ``float("-inf")`` / ``PAD``: a fill value, not a sample's data."""
    if isinstance(node, cst.Name) and node.value.isupper():
        return True
    return isinstance(node, cst.Call) and isinstance(node.func, cst.Name) and node.func.value == "float"
