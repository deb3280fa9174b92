"""PAD203 bidirectional-last-valid-step: out[lengths - 1] of a bidirectional RNN as its summary."""

from __future__ import annotations

import libcst as cst

from padlint.static import values as V
from padlint.static.analysis import Context, arg_value
from padlint.static.rule import Rule


class BidirectionalLastValidStep(Rule):
    code = "PAD203"
    name = "bidirectional-last-valid-step"
    summary = "the output at lengths - 1 of a bidirectional RNN is used as its summary"
    fix_hint = ("For a bidirectional RNN use `h_n` (`torch.cat([h_n[-2], h_n[-1]], dim=-1)`), or the forward half "
                "at `lengths - 1` and the backward half at step 0.")
    triggers = ("bidirectional",)
    also_requires = (("-1", "- 1"),)

    def _bidirectional_output(self, ctx: Context, node: cst.BaseExpression) -> V.Val | None:
        value = ctx.ev(node)
        if value is None or value.kind != V.TENSOR or not value.rnn:
            return None
        if value.rnn.get("bidirectional") is not True:
            return None
        return value

    def on_subscript(self, node: cst.Subscript, ctx: Context) -> None:
        value = self._bidirectional_output(ctx, node.value)
        if value is None:
            return
        elements = list(node.slice)
        if len(elements) >= 3 and any(_picks_features(el) for el in elements[2:]):
            return  # a slice of the feature axis picks one direction: fine (`:`, `...` keep both)
        if any(_is_last_index(ctx, el) for el in elements):
            self._flag(ctx, node, value)

    def on_call(self, node: cst.Call, ctx: Context) -> None:
        func = node.func
        if ctx.qualname(func) in ("torch.gather", "torch.index_select"):  # torch.gather(out, 1, idx)
            source, index = arg_value(node, "input", 0), arg_value(node, "index", 2)
        elif isinstance(func, cst.Attribute) and func.attr.value in ("gather", "index_select"):
            source, index = func.value, arg_value(node, "index", 1)  # out.gather(1, idx)
        else:
            return
        value = None if source is None else self._bidirectional_output(ctx, source)
        if value is None:
            return
        if index is not None and _mentions_last_index(ctx, index):
            self._flag(ctx, node, value)

    def _flag(self, ctx: Context, node: cst.CSTNode, value: V.Val) -> None:
        self.report(ctx, node, f"the output of bidirectional `{value.rnn.get('cls', 'RNN')}` at `lengths - 1` is "
                               "used as the summary: its backward half has seen only that one step")


def _picks_features(element: cst.SubscriptElement) -> bool:
    sl = element.slice
    if isinstance(sl, cst.Slice):
        return sl.lower is not None or sl.upper is not None or sl.step is not None
    return not (isinstance(sl, cst.Index) and isinstance(sl.value, cst.Ellipsis))


def _is_last_index(ctx: Context, element: cst.SubscriptElement) -> bool:
    sl = element.slice
    return isinstance(sl, cst.Index) and _mentions_last_index(ctx, sl.value)


def _mentions_last_index(ctx: Context, node: cst.BaseExpression) -> bool:
    value = ctx.ev(node)
    if value is not None and value.kind == V.LAST_INDEX:
        return True
    found = []

    class _Finder(cst.CSTVisitor):
        def visit_BinaryOperation(self, op: cst.BinaryOperation) -> bool:
            v = ctx.ev(op)
            if v is not None and v.kind == V.LAST_INDEX:
                found.append(op)
            return not found

        def visit_Name(self, name: cst.Name) -> bool:
            v = ctx.ev(name)
            if v is not None and v.kind == V.LAST_INDEX:
                found.append(name)
            return False

    node.visit(_Finder())
    return bool(found)
