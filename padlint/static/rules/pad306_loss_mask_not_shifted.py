"""PAD306 loss-mask-not-shifted: a next-token loss weighted by the inputs' mask, not the targets'."""

from __future__ import annotations

import re

import libcst as cst

from padlint.static import values as V
from padlint.static.analysis import Context, arg_value, assigned_values, literal
from padlint.static.names import dotted, short_code
from padlint.static.rule import Rule

# Calls that keep a tensor's positions where they were (a cast, a view, a copy, a new axis).
_SAME_POSITIONS = {"contiguous", "view", "reshape", "flatten", "float", "long", "int", "bool", "to", "type",
                   "type_as", "half", "double", "clone", "detach", "unsqueeze", "squeeze", "cuda", "logical_not",
                   "view_as", "reshape_as", "neg"}
_DEPTH = 4  # how many assignments a name is followed back through
_DROPPED_LATER_AXIS = re.compile(r"\[\s*(?:(?::|\.\.\.)\s*,\s*)+:\s*-\s*1\s*[\],]")
_NEXT_LATER_AXIS = re.compile(r"\[\s*(?:(?::|\.\.\.)\s*,\s*)+1\s*:\s*[\],]")


class LossMaskNotShifted(Rule):
    code = "PAD306"
    name = "loss-mask-not-shifted"
    summary = "a next-token loss on targets x[:, 1:] weighted by a mask sliced [:, :-1] like the inputs"
    fix_hint = "Slice the mask like the targets: `attention_mask[:, 1:]` for targets `input_ids[:, 1:]`."
    triggers = (":-1", ": -1")
    also_requires = (("1:", "1 :"),)
    file_wide_words = ("padding_side",)

    def may_apply(self, text: str) -> bool:
        # both slices on a later axis: `[:, :-1]` / `[..., :-1]` and `[:, 1:]` (a bare `[:-1]`
        # is everywhere in Python, and the time-major form is not checked)
        return _DROPPED_LATER_AXIS.search(text) is not None and _NEXT_LATER_AXIS.search(text) is not None

    def on_binop(self, node: cst.BinaryOperation, ctx: Context) -> None:
        if isinstance(node.operator, cst.Multiply):
            # (the product of a per-token loss, not of the token ids themselves)
            self._meet(node, node.left, node.right, ctx, True) or self._meet(node, node.right, node.left, ctx, True)

    def on_subscript(self, node: cst.Subscript, ctx: Context) -> None:
        # nll[loss_mask] / targets[:, 1:][mask[:, :-1]]: the positions a boolean mask selects
        if len(node.slice) == 1 and isinstance(node.slice[0].slice, cst.Index):
            self._meet(node, node.slice[0].slice.value, node.value, ctx)

    def on_call(self, node: cst.Call, ctx: Context) -> None:
        if not isinstance(node.func, cst.Attribute):
            return
        method = node.func.attr.value
        if method == "masked_select" and ctx.qualname(node.func) == "torch.masked_select":
            values, mask = arg_value(node, "input", 0), arg_value(node, "mask", 1)
        elif method == "masked_select":
            values, mask = node.func.value, arg_value(node, "mask", 0)
        elif method == "where" and ctx.qualname(node.func) == "torch.where":
            values, mask = arg_value(node, "input", 1), arg_value(node, "condition", 0)
        else:
            return
        if values is not None and mask is not None:
            self._meet(node, mask, values, ctx)

    def _meet(self, node: cst.CSTNode, mask: cst.BaseExpression, values: cst.BaseExpression, ctx: Context,
              computed: bool = False) -> bool:
        """Report when ``mask`` keeps the inputs' positions and ``values`` the targets'."""
        function = ctx.scope.node if ctx.scope is not None else None
        if not isinstance(function, cst.FunctionDef):
            return False
        dropped = _input_aligned_mask(mask, ctx, _DEPTH)
        if dropped is None:
            return False
        targets = _target_aligned(values, ctx, _DEPTH)
        if targets is None or targets[1] != dropped[1] or computed and not targets[2]:
            return False
        if ctx.file.memo.get("left-padded-batches") or V.LEFT_PADDING_SIDE.search(ctx.file.text):
            return False  # left padding: the input before a real target is real or the last pad
        sliced, _ = dropped
        self.report(ctx, node, f"`{short_code(sliced)}` keeps the positions of the inputs, but the loss is on "
                               f"the next tokens `{short_code(targets[0])}`: at each sequence's last real "
                               "token the target is padding, and it is trained on; slice the mask like the "
                               "targets")
        return True


def _strip(node: cst.BaseExpression) -> cst.BaseExpression:
    """The tensor under casts, views and `~` (same positions)."""
    while True:
        if isinstance(node, cst.Call) and isinstance(node.func, cst.Attribute) \
                and node.func.attr.value in _SAME_POSITIONS:
            node = node.func.value
        elif isinstance(node, cst.UnaryOperation) and isinstance(node.operator, (cst.BitInvert, cst.Minus)):
            node = node.expression  # (~mask; -log_probs.gather(...), a negated log-likelihood)
        else:
            return node


def _shift(node: cst.BaseExpression) -> tuple[str, str] | None:
    """("next", axis) for ``x[:, 1:]``, ("dropped", axis) for ``x[:, :-1]`` (the axis: how many
    whole axes come first, or "..." for ``x[..., 1:]``); None for any other subscript."""
    if not isinstance(node, cst.Subscript):
        return None
    axis = 0
    ellipsis = False
    found: str | None = None
    for element in node.slice:
        part = element.slice
        if isinstance(part, cst.Index) and isinstance(part.value, cst.Ellipsis) and found is None and not ellipsis:
            ellipsis = True
            continue
        if isinstance(part, cst.Index) and found is not None and dotted(part.value) == "None":
            continue  # targets[:, 1:, None]: a new axis after the time axis
        if not isinstance(part, cst.Slice) or part.step is not None:
            return None
        if part.lower is None and part.upper is None:
            if found is None:
                axis += 1
            continue
        if found is not None:
            return None
        if literal(part.lower) == 1 and part.upper is None:
            found = "next"
        elif part.lower is None and literal(part.upper) == -1:
            found = "dropped"
        else:
            return None
    if found is None or axis == 0 and not ellipsis:
        return None  # (time-major `tgt[1:]` / `mask[:-1]`: not checked, see may_apply)
    # (`x[..., 1:]` and `x[:, 1:]` are the same axis of a (batch, time) tensor)
    return found, "time" if ellipsis or axis == 1 else str(axis)


def _is_mask(node: cst.BaseExpression, ctx: Context) -> bool:
    if isinstance(node, cst.Comparison):
        return len(node.comparisons) == 1 and isinstance(node.comparisons[0].operator, (cst.NotEqual, cst.Equal))
    if isinstance(node, cst.Call) and isinstance(node.func, cst.Attribute) and node.func.attr.value in ("ne", "eq"):
        return True
    path = dotted(node)
    if path is not None and "mask" in path.rsplit(".", 1)[-1].lower():
        return True
    value = ctx.ev(node)
    return value is not None and value.kind == V.MASK


def _input_aligned_mask(node: cst.BaseExpression, ctx: Context, depth: int) -> tuple[cst.BaseExpression, str] | None:
    """A mask sliced ``[:, :-1]`` (directly or through the names it was assigned to)."""
    node = _strip(node)
    shift = _shift(node)
    if shift is not None:
        if shift[0] == "dropped" and _is_mask(_strip(node.value), ctx):  # type: ignore[attr-defined]
            return node, shift[1]
        return None
    if isinstance(node, cst.Name) and depth > 0:
        found = [_input_aligned_mask(value, ctx, depth - 1) for value in assigned_values(ctx.scope, node)]
        if found and all(f is not None for f in found):
            return found[0]
    return None


def _target_aligned(node: cst.BaseExpression, ctx: Context, depth: int,
                    computed: bool = False) -> tuple[cst.BaseExpression, str, bool] | None:
    """Targets sliced ``[:, 1:]``, or what a call makes of them (a per-token loss, a gather):
    the slice, its axis, and whether a call made something of them."""
    node = _strip(node)
    shift = _shift(node)
    if shift is not None:
        if shift[0] != "next" or _is_mask(_strip(node.value), ctx):  # type: ignore[attr-defined]
            return None  # (mask[:, :-1] * mask[:, 1:]: a pair of neighbours, both real)
        return node, shift[1], computed
    if isinstance(node, cst.Call) and depth > 0:
        # (F.cross_entropy(logits, targets, reduction="none"), log_probs.gather(-1, targets[..., None]))
        for arg in node.args:
            found = _target_aligned(arg.value, ctx, depth - 1, True)
            if found is not None:
                return found
        return None
    if isinstance(node, cst.Name) and depth > 0:
        # (`per_token = per_token.view_as(shift_labels)`: the same values, reshaped in place)
        values = [value for value in assigned_values(ctx.scope, node)
                  if not (isinstance(_strip(value), cst.Name) and _strip(value).value == node.value)]
        found = [_target_aligned(value, ctx, depth - 1, computed) for value in values]
        if found and all(f is not None for f in found):
            return found[0]
    return None
