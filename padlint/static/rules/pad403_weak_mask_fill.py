"""PAD403 weak-mask-fill: attention scores masked with 0 or a tiny number before softmax."""

from __future__ import annotations

import libcst as cst

from padlint.static import values as V
from padlint.static.analysis import ATTENTION_CLASSES, SDPA, SOFTMAX_FUNCS, Context, arg_value, assigned_values, \
    get_arg, literal
from padlint.static.fixes import Fix
from padlint.static.names import code_of, dotted
from padlint.static.rule import Rule
from padlint.static.traverse import iter_nodes


class WeakMaskFill(Rule):
    code = "PAD403"
    name = "weak-mask-fill"
    summary = "scores filled with 0 or a tiny number (or multiplied by a mask) before softmax, instead of -inf"
    fix_hint = "Fill masked scores with `float('-inf')` or `torch.finfo(scores.dtype).min` before the softmax."
    triggers = ("softmax", "Softmax", "scaled_dot_product_attention", "key_padding_mask")
    also_requires = (("mask", "Mask", "MASK", "where("),)
    fix_applicability = "safe"

    def on_call(self, node: cst.Call, ctx: Context) -> None:
        qual = ctx.qualname(node.func)
        callee = ctx.ev(node.func)
        if qual == SDPA or callee is not None and callee.kind == V.MODULE and callee.cls in ATTENTION_CLASSES:
            self._float_mask_argument(node, qual == SDPA, ctx)
            return
        data = None
        if qual in SOFTMAX_FUNCS:
            data = ctx.ev(arg_value(node, "input", 0))
        elif callee is not None and callee.kind == V.MODULE and callee.cls in ("torch.nn.Softmax", "torch.nn.LogSoftmax"):
            data = ctx.ev(arg_value(node, "input", 0))
        elif isinstance(node.func, cst.Attribute) and node.func.attr.value in ("softmax", "log_softmax") and qual is None:
            data = ctx.ev(node.func.value)
        if data is not None and data.kind == V.TENSOR and data.mask_add is not None and data.weak_fill is None \
                and data.mask_mult is None:
            self.report(ctx, data.mask_add, "a boolean mask is added to the scores before the softmax: it shifts "
                                            "them by 0 or 1, so padded positions keep their weight; fill them "
                                            "with `-inf` instead (`scores.masked_fill(pad_mask, float('-inf'))`)")
            return
        if data is None or data.kind != V.TENSOR or (data.weak_fill is None and data.mask_mult is None):
            return
        if data.mask_mult is not None and data.weak_fill is None and data.mask_last \
                and _over_last_axis(node, callee, data):
            return  # (x * mask[..., None]).softmax(-1): the mask is constant along the softmax's axis
        fill = data.weak_fill or data.mask_mult
        if isinstance(fill, cst.Call) and isinstance(fill.func, cst.Attribute) \
                and fill.func.attr.value in ("masked_fill", "masked_fill_"):
            value = get_arg(fill, "value", 1)
            fix = None
            if value is not None:
                fix = Fix("Fill with the dtype's minimum", "safe", [(value.value, _min_of(fill.func.value, ctx))])
            shown = code_of(value.value) if value is not None else "?"
            self.report(ctx, fill, f"masked scores are filled with `{shown}` before the softmax: padded "
                                   "positions still get weight", fix)
        elif isinstance(fill, cst.Call) and (ctx.qualname(fill.func) or "") == "torch.where":
            self.report(ctx, fill, "`torch.where` puts a weak value (0, or one close to it) at the padded "
                                   "scores before the softmax: padded positions still get weight; use "
                                   "`float('-inf')` or the dtype's minimum there")
        elif not _masked_again(node, fill, ctx):
            self.report(ctx, fill, "scores are multiplied by the mask before the softmax: padded positions get "
                                   "score 0, i.e. weight exp(0), not 0")

    def _float_mask_argument(self, node: cst.Call, sdpa: bool, ctx: Context) -> None:
        """A 0/1 padding mask cast to float and handed to attention, which adds a float mask to
        the scores: the padded keys are shifted by 0 or 1, not hidden."""
        if sdpa:
            arg = get_arg(node, "attn_mask", 3)
            args = [arg] if arg is not None else []
        else:
            args = [a for a in node.args if a.keyword is not None and a.keyword.value in _ADDED_WHEN_FLOAT]
        for arg in args:
            cast = _cast_mask(arg.value, ctx)
            if cast is not None:
                self.report(ctx, arg.value, f"`{code_of(cast)}` is a mask of 0s and 1s made floating point: "
                                            "attention adds a float mask to the scores, so padded keys are "
                                            "shifted by 0 or 1 and keep their weight; pass a boolean mask, or "
                                            "put `-inf` (the dtype's minimum) at the pads")


def _masked_again(softmax: cst.Call, product: cst.CSTNode, ctx: Context) -> bool:
    """``p = softmax(x * mask); p = p * mask`` (then renormalised, as AllenNLP's and fastNLP's
    ``masked_softmax`` do): the padded positions end with weight 0 after all."""
    if not isinstance(product, cst.BinaryOperation):
        return False
    masks = {code_of(side) for side in (product.left, product.right) if _is_mask(ctx.ev(side))}
    function = ctx.scope.node
    if not masks or not isinstance(function, cst.FunctionDef):
        return False
    names: set[str] = set()
    products: list[cst.BinaryOperation] = []
    for item in iter_nodes(function.body):
        if isinstance(item, cst.Assign) and any(n is softmax for n in iter_nodes(item.value)):
            names.update(code_of(t.target) for t in item.targets)
        elif isinstance(item, cst.BinaryOperation) and isinstance(item.operator, cst.Multiply):
            products.append(item)
    return any({code_of(p.left), code_of(p.right)} & names and {code_of(p.left), code_of(p.right)} & masks
               for p in products)


def _is_mask(value: V.Val | None) -> bool:
    return value is not None and value.kind == V.MASK


def _min_of(scores: cst.BaseExpression, ctx: Context) -> cst.BaseExpression:
    torch_name = next((local for local, full in ctx.imports.names.items() if full == "torch"), None)
    if torch_name is None:
        return cst.parse_expression('float("-inf")')
    if not isinstance(scores, (cst.Name, cst.Attribute)):
        return cst.parse_expression(f'{torch_name}.finfo({torch_name}.float32).min')
    text = code_of(scores)
    return cst.parse_expression(f"{torch_name}.finfo({text}.dtype).min")


def _over_last_axis(node: cst.Call, callee: V.Val | None, data: V.Val) -> bool:
    """The softmax runs over the last axis: ``dim=-1``, or ``dim=2`` of a (batch, time, x)
    tensor that is not attention scores."""
    if callee is not None and callee.kind == V.MODULE:
        dim_node = (callee.kwargs or {}).get("dim")
    elif isinstance(node.func, cst.Attribute) and node.func.attr.value in ("softmax", "log_softmax"):
        dim_node = arg_value(node, "dim", 0)
    else:
        dim_node = arg_value(node, "dim", 1)
    dim = literal(dim_node) if dim_node is not None else None
    return dim == -1 or (dim == 2 and data.batch_first is True and not data.scores)


# The mask arguments that PyTorch adds to the scores when they are floating point.
_ADDED_WHEN_FLOAT = ("key_padding_mask", "src_key_padding_mask", "tgt_key_padding_mask", "memory_key_padding_mask")
_FLOAT_CASTS = {"float", "half", "double", "bfloat16", "type_as"}
_FLOAT_DTYPES = {"float", "float16", "float32", "float64", "half", "double", "bfloat16"}


def _float_cast(call: cst.BaseExpression) -> bool:
    """``m.float()``, ``m.to(q.dtype)``, ``m.to(torch.float32)``, ``m.type_as(scores)``."""
    if not isinstance(call, cst.Call) or not isinstance(call.func, cst.Attribute):
        return False
    method = call.func.attr.value
    if method in _FLOAT_CASTS:
        return True
    if method != "to":
        return False
    for arg in call.args:
        if arg.keyword is not None and arg.keyword.value == "dtype":
            return True
        if isinstance(arg.value, cst.Attribute) and (arg.value.attr.value == "dtype"
                                                      or arg.value.attr.value in _FLOAT_DTYPES):
            return True
    return False


def _cast_mask(node: cst.BaseExpression | None, ctx: Context, depth: int = 3) -> cst.BaseExpression | None:
    """A padding mask of 0s and 1s cast to floating point, and nothing else done to it
    (new axes aside): the expression, or None."""
    if node is None:
        return None
    if isinstance(node, cst.Name) and depth > 0:
        found = [_cast_mask(value, ctx, depth - 1) for value in assigned_values(ctx.scope, node)]
        return found[0] if found and all(f is not None for f in found) else None
    if not _float_cast(node):
        return None
    inner = node.func.value  # type: ignore[attr-defined]
    expanded = False  # new axes: a (batch, time) mask made (batch, 1, 1, time), not a ready 4-D bias
    while isinstance(inner, cst.Subscript) or isinstance(inner, cst.Call) and isinstance(inner.func, cst.Attribute) \
            and inner.func.attr.value in ("unsqueeze", "bool", "contiguous", "to", "expand"):
        if isinstance(inner, cst.Call) and inner.func.attr.value == "to" and _float_cast(inner):
            break
        if isinstance(inner, cst.Subscript):
            expanded = expanded or any(isinstance(e.slice, cst.Index) and dotted(e.slice.value) == "None"
                                       for e in inner.slice)
            inner = inner.value
        else:
            expanded = expanded or inner.func.attr.value == "unsqueeze"  # type: ignore[attr-defined]
            inner = inner.func.value  # type: ignore[attr-defined]
    mask = ctx.ev(inner)
    if mask is None or mask.kind != V.MASK:
        return None
    if (mask.named or mask.hint_only or mask.guessed) and not expanded:
        return None  # (a mask known by its name may already be an additive bias: HF's 4-D masks)
    return node
