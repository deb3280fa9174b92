"""PAD102 pack-lengths-on-device: lengths moved to the GPU before pack_padded_sequence."""

from __future__ import annotations

import libcst as cst

from padlint.static import values as V
from padlint.static.analysis import PACK, Context, _moves_to_device, get_arg
from padlint.static.fixes import Fix
from padlint.static.names import code_of
from padlint.static.rule import Rule


class PackLengthsOnDevice(Rule):
    code = "PAD102"
    name = "pack-lengths-on-device"
    summary = "lengths moved to an accelerator before pack_padded_sequence (an error since torch 1.7)"
    fix_hint = "Pass `lengths.cpu()`: pack_padded_sequence wants a 1-D CPU int64 tensor or a list."
    triggers = ("pack_padded_sequence",)
    fix_applicability = "safe"

    def on_call(self, node: cst.Call, ctx: Context) -> None:
        if ctx.qualname(node.func) != PACK:
            return
        arg = get_arg(node, "lengths", 1)
        if arg is None:
            return
        value = arg.value
        lengths = ctx.ev(value)
        direct = isinstance(value, cst.Call) and _moves_to_device(value)
        if not direct and not (lengths is not None and lengths.kind == V.LENGTHS and lengths.on_device):
            return
        name = code_of(value)
        if direct and isinstance(value.func, cst.Attribute):
            base = value.func.value
            new_value: cst.BaseExpression = cst.Call(func=cst.Attribute(value=base, attr=cst.Name("cpu")))
        else:
            new_value = cst.Call(func=cst.Attribute(value=_parenthesize(value), attr=cst.Name("cpu")))
        fix = Fix("Move the lengths to the CPU with `.cpu()`", "safe", [(value, new_value)])
        self.report(ctx, node, f"`{name}` is on an accelerator when passed to `pack_padded_sequence`, "
                               "which needs CPU lengths (RuntimeError since torch 1.7)", fix)


def _parenthesize(node: cst.BaseExpression) -> cst.BaseExpression:
    if isinstance(node, (cst.Name, cst.Attribute, cst.Call, cst.Subscript)):
        return node
    return node.with_changes(lpar=[cst.LeftParen()], rpar=[cst.RightParen()])
