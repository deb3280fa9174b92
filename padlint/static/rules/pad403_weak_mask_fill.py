"""PAD403 weak-mask-fill: attention scores masked with 0 or a tiny number before softmax."""

from __future__ import annotations

import libcst as cst

from padlint.static import values as V
from padlint.static.analysis import SOFTMAX_FUNCS, Context, arg_value, get_arg, literal
from padlint.static.fixes import Fix
from padlint.static.names import code_of
from padlint.static.rule import Rule
from padlint.static.traverse import iter_nodes


class WeakMaskFill(Rule):
    code = "PAD403"
    name = "weak-mask-fill"
    summary = "scores filled with 0 or a tiny number (or multiplied by a mask) before softmax, instead of -inf"
    fix_hint = "Fill masked scores with `float('-inf')` or `torch.finfo(scores.dtype).min` before the softmax."
    triggers = ("softmax", "Softmax")
    also_requires = (("mask", "Mask", "MASK", "where("),)
    fix_applicability = "safe"

    def on_call(self, node: cst.Call, ctx: Context) -> None:
        qual = ctx.qualname(node.func)
        callee = ctx.ev(node.func)
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
