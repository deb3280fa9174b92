"""PAD202 last-step-of-padded-output: out[:, -1] of a padded RNN output."""

from __future__ import annotations

import libcst as cst

from padlint.static import values as V
from padlint.static.analysis import Context, arg_value, literal, time_axis
from padlint.static.names import code_of
from padlint.static.rule import PADDING, Rule


def _is_minus_one(node: cst.BaseExpression | None) -> bool:
    """``-1``, or the last index spelled out: ``out.size(1) - 1``, ``x.shape[0] - 1``, ``T - 1``."""
    if literal(node) == -1:
        return True
    if isinstance(node, cst.BinaryOperation) and isinstance(node.operator, cst.Subtract) and literal(node.right) == 1:
        left = node.left
        if isinstance(left, cst.Call) and isinstance(left.func, cst.Attribute) and left.func.attr.value == "size":
            return True
        if isinstance(left, cst.Subscript) and isinstance(left.value, cst.Attribute) and left.value.attr.value == "shape":
            return True
    return False


def _is_full_slice(element: cst.SubscriptElement) -> bool:
    sl = element.slice
    return isinstance(sl, cst.Slice) and sl.lower is None and sl.upper is None and sl.step is None


class LastStepOfPaddedOutput(Rule):
    code = "PAD202"
    name = "last-step-of-padded-output"
    summary = "the last time step of a padded RNN output is used: padding for every shorter sequence"
    fix_hint = ("Gather each sequence's last real step: `out[torch.arange(B), lengths - 1]`, "
                "or pack the batch and use `h_n`.")
    triggers = ("LSTM", "GRU", "RNN", "pad_packed_sequence")
    also_requires = (("-1", "- 1"), (PADDING,))

    def _candidate(self, ctx: Context, node: cst.BaseExpression) -> V.Val | None:
        value = ctx.ev(node)
        if not V.is_padded(value) or value.left:  # (left-padded: the last step is real for every row)
            return None
        if value.origin == "rnn" or value.origin == "unpack":
            return value
        return None

    def on_subscript(self, node: cst.Subscript, ctx: Context) -> None:
        value = self._candidate(ctx, node.value)
        if value is None:
            return
        axis = time_axis(value)
        elements = list(node.slice)
        if axis is None:
            return
        if axis == 1:
            if len(elements) >= 2 and _is_full_slice(elements[0]) and isinstance(elements[1].slice, cst.Index) \
                    and _is_minus_one(elements[1].slice.value):
                self._flag(ctx, node, value, "out[:, -1]")
        elif axis == 0:
            if elements and isinstance(elements[0].slice, cst.Index) and _is_minus_one(elements[0].slice.value):
                self._flag(ctx, node, value, "out[-1]")

    def on_call(self, node: cst.Call, ctx: Context) -> None:
        func = node.func
        if not isinstance(func, cst.Attribute) or func.attr.value != "select":
            return
        value = self._candidate(ctx, func.value)
        if value is None:
            return
        dim = literal(arg_value(node, "dim", 0))
        index = arg_value(node, "index", 1)
        if dim == time_axis(value) and _is_minus_one(index):
            self._flag(ctx, node, value, f"select({dim}, -1)")

    def _flag(self, ctx: Context, node: cst.CSTNode, value: V.Val, what: str) -> None:
        if value.origin == "unpack":
            why = "`pad_packed_sequence` fills the steps past each length with padding"
        else:
            why = "the RNN ran over the padded batch"
        self.report(ctx, node, f"`{code_of(node)}` takes the last padded step for "
                               f"every sample: {why}, so shorter sequences get a pad step")
