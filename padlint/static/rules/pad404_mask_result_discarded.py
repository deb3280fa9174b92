"""PAD404 mask-result-discarded: a masking call whose result is thrown away, so nothing is masked."""

from __future__ import annotations

import re

import libcst as cst

from padlint.static import values as V
from padlint.static.analysis import Context, arg_value
from padlint.static.fixes import Fix
from padlint.static.names import dotted, short_code
from padlint.static.rule import Rule

# Out-of-place: they return the masked tensor and leave their input as it was.
_OUT_OF_PLACE = {"masked_fill", "masked_scatter", "mul", "where"}
# In-place: they change the tensor they are called on -- useless on a fresh copy.
_IN_PLACE = {"masked_fill_", "masked_scatter_", "mul_"}
_COPIES = {"clone", "new_tensor"}
# Every call the rule looks at is an attribute call of one of these (torch.where included).
_METHOD_CALL = re.compile(r"\.(?:masked_fill|masked_scatter|mul|where)_?\s*\(")


class MaskResultDiscarded(Rule):
    code = "PAD404"
    name = "mask-result-discarded"
    summary = "x.masked_fill(mask, v) (or an in-place fill of a copy) as a statement: its result is thrown away"
    fix_hint = "Keep the result: `x = x.masked_fill(mask, v)`, or fill in place with `x.masked_fill_(mask, v)`."
    triggers = ("masked_fill", "masked_scatter", ".mul", ".where")
    also_requires = (("mask", "Mask", "pad", "keep", "valid"),)
    fix_applicability = "unsafe"

    def may_apply(self, text: str) -> bool:
        return _METHOD_CALL.search(text) is not None

    def on_expr(self, node: cst.Expr, ctx: Context) -> None:
        call = node.value
        if not isinstance(call, cst.Call) or not isinstance(call.func, cst.Attribute):
            return
        if any(a.keyword is not None and a.keyword.value == "out" for a in call.args):
            return  # torch.where(mask, a, b, out=b): written into `out`
        method = call.func.attr.value
        target = call.func.value
        qual = ctx.qualname(call.func)
        if method in _OUT_OF_PLACE and qual is None:
            mask = arg_value(call, "mask", 0) if method != "mul" else arg_value(call, "other", 0)
            if not _is_mask(mask, ctx):
                return
            fix = None
            if isinstance(target, (cst.Name, cst.Attribute)) and dotted(target) is not None:
                fix = Fix(f"Assign the result back to `{dotted(target)}`", "unsafe",
                          [(node, cst.Assign(targets=[cst.AssignTarget(target=target)], value=call))])
            self.report(ctx, call, f"`{short_code(call)}` returns a new tensor and the statement throws it away: "
                                   f"`{short_code(target)}` is not masked", fix)
        elif method in _IN_PLACE and isinstance(target, cst.Call) and isinstance(target.func, cst.Attribute) \
                and target.func.attr.value in _COPIES:
            mask = arg_value(call, "mask", 0) if method != "mul_" else arg_value(call, "other", 0)
            if not _is_mask(mask, ctx):
                return
            self.report(ctx, call, f"`{short_code(call)}` fills a copy made on the same line and keeps nothing: "
                                   f"`{short_code(target.func.value)}` is not masked")
        elif qual in ("torch.masked_fill", "torch.where"):
            mask = arg_value(call, "mask", 1) if qual == "torch.masked_fill" else arg_value(call, "condition", 0)
            if _is_mask(mask, ctx):
                self.report(ctx, call, f"`{short_code(call)}` returns a new tensor and the statement throws it away: "
                                       "nothing is masked")


def _view(node: cst.BaseExpression) -> bool:
    """``pad[:, None, None, :]``: new axes over the whole tensor."""
    return isinstance(node, cst.Subscript) and all(
        isinstance(el.slice, cst.Slice) and el.slice.lower is None and el.slice.upper is None and el.slice.step is None
        or isinstance(el.slice, cst.Index) and (isinstance(el.slice.value, cst.Ellipsis) or dotted(el.slice.value) == "None")
        for el in node.slice)


def _is_mask(node: cst.BaseExpression | None, ctx: Context) -> bool:
    """A padding mask: known as one, or named as one (``mask``, ``pad_mask``, ``~keep``...)."""
    if node is None:
        return False
    while isinstance(node, cst.UnaryOperation) or _view(node) or (
            isinstance(node, cst.Call) and isinstance(node.func, cst.Attribute)
            and node.func.attr.value in ("unsqueeze", "bool", "float", "logical_not", "to", "type_as", "expand_as")):
        # (~pad[:, None, None, :].bool(): a view of the mask is the mask)
        node = node.expression if isinstance(node, cst.UnaryOperation) else \
            node.value if isinstance(node, cst.Subscript) else node.func.value
    value = ctx.ev(node)
    if value is not None and value.kind == V.MASK:
        return True
    path = dotted(node)
    last = path.rsplit(".", 1)[-1].lower() if path else ""
    return "mask" in last or last in ("keep", "valid", "pad", "is_pad", "padding")
