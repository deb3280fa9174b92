"""PAD302 masked-mean-wrong-denominator: masked values averaged over all positions."""

from __future__ import annotations

import libcst as cst

from padlint.static import values as V
from padlint.static.analysis import (
    FUNCTIONAL_ELEMENTWISE_LOSSES, Context, arg_value, assigned_values, is_max_len_name, is_time_dim, last_name,
    literal, literal_dims, time_axis,
)
from padlint.static.names import code_of, short_code, through_methods
from padlint.static.rule import PADDING, ReachedByDotOrImport, Rule

# Where the rule can report: a `mean`, a `sum` divided by a count, or an elementwise loss
# (`F.mse_loss`, `nn.L1Loss`...).
_SITE = ReachedByDotOrImport(("mean", "sum"), also=r"Loss|_loss|binary_cross_entropy|einsum")


def _in_unmasked_branch(ctx: Context) -> bool:
    """Inside ``if mask is None:``: whatever masking the value got happened on another path."""
    return any(V.looks_like_mask(name.rsplit(".", 1)[-1]) for name in ctx.none_names)


def _is_masked(value: V.Val | None) -> bool:
    # (a fill of 0 masks the pads as a product does, even where it is also a weak fill of scores)
    # (a whole table read with np.asarray, times a missing-value mask: no padded batch)
    return (value is not None and value.kind == V.TENSOR and bool(value.masked)
            and (not value.weak_fill or value.zero_pads is True) and not value.name_only_mask
            and not value.table)


class MaskedMeanWrongDenominator(Rule):
    code = "PAD302"
    name = "masked-mean-wrong-denominator"
    summary = "masked values averaged over all positions: (x * mask).mean(), (x * mask).sum() / x.numel()"
    fix_hint = "Divide the masked sum by the number of real positions: `(x * mask).sum() / mask.sum()`."
    triggers = (PADDING, "ignore_index", "where")  # a mask by name, or one built from lengths
    also_requires = (("mean", "sum", "loss", "Loss", "binary_cross_entropy"),)

    def may_apply(self, text: str) -> bool:
        return _SITE.search(text)

    def on_call(self, node: cst.Call, ctx: Context) -> None:
        func = node.func
        qual = ctx.qualname(func)
        if qual == "torch.mean":
            self._check_mean(ctx, node, ctx.ev(arg_value(node, "input", 0)), arg_value(node, "dim", 1))
            return
        if qual in FUNCTIONAL_ELEMENTWISE_LOSSES:
            self._check_loss(ctx, node, arg_value(node, "reduction", None))
            return
        callee = ctx.ev(func)
        if callee is not None and callee.kind == V.MODULE and callee.cls is not None and callee.cls.endswith("Loss"):
            if callee.cls in ("torch.nn.CrossEntropyLoss", "torch.nn.NLLLoss", "torch.nn.CTCLoss"):
                return
            self._check_loss(ctx, node, (callee.kwargs or {}).get("reduction"))
            return
        if isinstance(func, cst.Attribute) and func.attr.value == "mean" and qual is None:
            self._check_mean(ctx, node, ctx.ev(func.value), arg_value(node, "dim", 0))

    def _check_mean(self, ctx: Context, node: cst.Call, data: V.Val | None, dim: cst.BaseExpression | None) -> None:
        """``(x * mask).mean()`` over everything, or ``.mean(dim=1)`` over the time axis."""
        if not _is_masked(data) or _in_unmasked_branch(ctx):
            return
        if dim is None:
            self._flag(ctx, node)
        elif _over_time(data, dim):
            self._flag_time(ctx, node)

    def _check_loss(self, ctx: Context, node: cst.Call, reduction: cst.BaseExpression | None) -> None:
        if reduction is not None and literal(reduction) != "mean":
            return
        weight = arg_value(node, "weight", None)
        if weight is not None:
            value = ctx.ev(weight)
            if value is not None and value.kind == V.MASK and value.polarity == "keep" and not value.hint_only \
                    and not _in_unmasked_branch(ctx):
                self.report(ctx, node, f"`weight={short_code(weight)}` zeroes the padded positions, but the default "
                                       "mean still divides by every position, padded ones included; use "
                                       "`reduction=\"sum\"` and divide by the mask's sum")
            return
        args = [a.value for a in node.args if a.keyword is None][:2]
        if len(args) == 2 and all(_is_masked(ctx.ev(a)) for a in args):
            self.report(ctx, node, "the loss multiplies predictions and targets by the mask and then averages "
                                   "over every position: padded zeros dilute the mean")

    def on_binop(self, node: cst.BinaryOperation, ctx: Context) -> None:
        if not isinstance(node.operator, cst.Divide):
            return
        left = node.left
        while isinstance(left, cst.UnaryOperation) and isinstance(left.operator, cst.Minus):
            left = left.expression  # -(logps * mask).sum() / (B * T)
        if isinstance(left, cst.Name):
            # summed = (h * m).sum(dim=1); summed / m.shape[-1] (or / m.sum()): the sum assigned once
            sums = list(assigned_values(ctx.scope, left))
            if len(sums) == 1 and isinstance(sums[0], cst.Call) and isinstance(sums[0].func, cst.Attribute) \
                    and sums[0].func.attr.value == "sum":
                left = sums[0]  # (also `total = (nll * mask).sum(); total / (T * B)`)
            elif len(sums) == 1 and isinstance(sums[0], cst.Call) and ctx.qualname(sums[0].func) == "torch.einsum":
                left = sums[0]
        if isinstance(left, cst.Call) and ctx.qualname(left.func) == "torch.einsum":
            summed = _einsum_masked_sum(left, ctx)
            if summed is not None and _width_of(node.right, summed, ctx) and not _in_unmasked_branch(ctx):
                self._flag_time(ctx, node)
            return
        if isinstance(left, cst.Call) and isinstance(left.func, cst.Attribute) and left.func.attr.value == "sum" \
                and left.args and ctx.qualname(left.func) is None:
            # (h * keep).sum(dim=1) / h.size(1): a masked pooling divided by the padded length
            data, dim = ctx.ev(left.func.value), arg_value(left, "dim", 0)
            if _is_masked(data) and dim is not None and _over_time(data, dim) and not _in_unmasked_branch(ctx):
                if is_padded_width(node.right, ctx):
                    self._flag_time(ctx, node)
                elif _whole_mask_count(node.right, left.func.value):
                    self.report(ctx, node, f"`{short_code(node)}` divides each sequence's masked sum by the number "
                                           "of real positions in the whole batch: sum the mask per sequence "
                                           "(over the same axis) instead")
            return
        if not (isinstance(left, cst.Call) and isinstance(left.func, cst.Attribute) and left.func.attr.value == "sum"
                and not left.args):
            if not (isinstance(left, cst.Call) and ctx.qualname(left.func) == "torch.sum" and len(left.args) == 1):
                return
            summed = left.args[0].value
        else:
            summed = left.func.value
        if not _is_masked(ctx.ev(summed)):
            return
        if _counts_all_positions(node.right, ctx):
            self._flag(ctx, node)

    def _flag_time(self, ctx: Context, node: cst.CSTNode) -> None:
        self.report(ctx, node, f"`{short_code(node)}` averages masked values over the time axis by the padded "
                               "length: the padded zeros count in the denominator, so shorter sequences are "
                               "shrunk; divide by the number of real steps (the mask summed over the same axis, or the lengths)")

    def _flag(self, ctx: Context, node: cst.CSTNode) -> None:
        self.report(ctx, node, f"`{short_code(node)}` averages masked values over every position: the padded zeros "
                               "count in the denominator")


def _einsum_masked_sum(call: cst.Call, ctx: Context) -> list[tuple[cst.BaseExpression, str, str]] | None:
    """``torch.einsum("bct,bt->bc", h, mask)``: a (length) mask among the operands, and an index
    of the mask that the output drops -- a masked sum over that axis.  Returns, for each other
    operand, (operand, its subscripts, the summed index); None if it is not such a sum."""
    if not call.args or call.args[0].keyword is not None:
        return None
    equation = literal(call.args[0].value)
    operands = [a.value for a in call.args[1:] if a.keyword is None and not a.star]
    if not isinstance(equation, str) or "->" not in equation or "." in equation:
        return None
    inputs, output = equation.replace(" ", "").split("->")
    subscripts = inputs.split(",")
    if len(subscripts) != len(operands) or len(operands) < 2:
        return None
    masks = [i for i, op in enumerate(operands) if _built_mask(ctx.ev(op))]
    if len(masks) != 1:
        return None
    mask_subs = subscripts[masks[0]]
    summed = [c for c in mask_subs if c not in output]
    if len(summed) != 1 or len(mask_subs) != 2:
        return None
    return [(op, subs, summed[0]) for i, (op, subs) in enumerate(zip(operands, subscripts))
            if i != masks[0] and summed[0] in subs]


def _built_mask(value: V.Val | None) -> bool:
    return value is not None and value.kind == V.MASK and not value.hint_only and not value.named


def _width_of(node: cst.BaseExpression, summed: list[tuple[cst.BaseExpression, str, str]], ctx: Context) -> bool:
    """``h.size(-1)`` (or ``h.shape[2]``, directly or through a name assigned once) of an operand
    of the einsum at its summed index: the padded length."""
    if isinstance(node, cst.Name):
        bound = list(assigned_values(ctx.scope, node))
        if len(bound) == 1:
            node = bound[0]
    base = index = None
    if isinstance(node, cst.Call) and isinstance(node.func, cst.Attribute) and node.func.attr.value == "size" \
            and len(node.args) == 1:
        base, index = node.func.value, literal(node.args[0].value)
    elif isinstance(node, cst.Subscript) and isinstance(node.value, cst.Attribute) and node.value.attr.value == "shape" \
            and len(node.slice) == 1 and isinstance(node.slice[0].slice, cst.Index):
        base, index = node.value.value, literal(node.slice[0].slice.value)
    if base is None or not isinstance(index, int):
        return is_padded_width(node, ctx)
    for operand, subs, letter in summed:
        if code_of(operand) == code_of(base) and -len(subs) <= index < len(subs) and subs[index] == letter:
            return True
    return False


def _over_time(data: V.Val | None, dim: cst.BaseExpression) -> bool:
    """The ``dim=`` of a reduction names the time axis of ``data`` (dim 1 when the layout is unknown).
    An unreduced loss zeroed by ``ignore_index`` is PAD301's (it reports that mean over time)."""
    dims = literal_dims(dim)
    if dims is None or data is None or data.permuted or (data.loss_none and (not data.masked or data.ignored)):
        return False
    axis = time_axis(data)
    if axis is not None:
        return axis in dims
    if data.loss_none and data.masked and not data.ignored and data.mask_axes is None and dims == {1}:
        return True  # (nll * mask).sum(1): a per-token loss (B, T), summed over its time axis
    if data.mask_axes is not None:
        # multiplied by a length mask of a plain shape: its time axis, counted from the right,
        # is the product's ((B, C, T) * mask[:, None, :] averages time over dim -1 or 2, not 1)
        rank, time = data.mask_axes
        return time in dims or rank + time in dims
    # layout unknown: dim 1 is time only for a known padded tensor whose mask was given a
    # trailing axis, (B, T, F) * mask[..., None]; conv code's (B, C, T) * x_mask is not that
    return 1 in dims and bool(data.mask_last) and data.origin is not None


def _counts_all_positions(node: cst.BaseExpression, ctx: Context) -> bool:
    """x.numel(), B * T, x.size(0) * x.size(1), x.shape[0] * x.shape[1], len(x) * T (also as float(B * T))."""
    while isinstance(node, cst.Call) and isinstance(node.func, cst.Name) and node.func.value in ("float", "int") \
            and len(node.args) == 1:
        node = node.args[0].value
    if isinstance(node, cst.Call) and isinstance(node.func, cst.Attribute) and node.func.attr.value == "numel":
        # x.numel(), and a mask's numel() too: every position of the mask, not its real ones
        # (a mask known only by its name may be a selection's count: not taken)
        value = ctx.ev(node.func.value)
        return value is None or value.kind != V.MASK or not value.hint_only
    if isinstance(node, cst.BinaryOperation) and isinstance(node.operator, cst.Multiply):
        dims = [ctx.ev(side) for side in (node.left, node.right)]
        return all(d is not None and d.kind == V.DIM for d in dims)
    return False


def _whole_mask_count(node: cst.BaseExpression, product: cst.BaseExpression) -> bool:
    """``m.sum()`` with no axis, ``m`` being a factor of the summed product ``(h * m)``."""
    node = through_methods(node, ("clamp", "clamp_min", "float", "to", "type_as"))
    if not (isinstance(node, cst.Call) and isinstance(node.func, cst.Attribute) and node.func.attr.value == "sum"
            and not node.args):
        return False
    product = through_methods(product, ("float", "to", "type_as"))
    if not (isinstance(product, cst.BinaryOperation) and isinstance(product.operator, cst.Multiply)):
        return False
    counted = code_of(node.func.value)
    return counted in (code_of(product.left), code_of(product.right))


def is_padded_width(node: cst.BaseExpression, ctx: Context) -> bool:
    """The padded length: ``x.size(1)`` of a padded tensor, ``T``/``max_len``, or the width of a
    (batch, time) mask: ``attention_mask.shape[-1]``, ``mask.size(1)``."""
    value = ctx.ev(node)
    if is_time_dim(value) or is_max_len_name(node):
        return True
    if isinstance(node, cst.Call) and isinstance(node.func, cst.Attribute) and node.func.attr.value == "max" \
            and not node.args and V.looks_like_lengths(last_name(node.func.value)):
        return True  # lengths.max(): the padded length
    return value is not None and value.kind == V.DIM and value.of is not None and value.of.kind == V.MASK \
        and value.dim in (1, -1)
