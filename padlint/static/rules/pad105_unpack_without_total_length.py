"""PAD105 unpack-without-total-length (opt-in): unpacked output shorter than the padded input."""

from __future__ import annotations

import libcst as cst

from padlint.static import values as V
from padlint.static.analysis import UNPACK, Context, arg_value, get_arg
from padlint.static.fixes import Fix, add_keyword
from padlint.static.names import code_of
from padlint.static.rule import Rule


class UnpackWithoutTotalLength(Rule):
    code = "PAD105"
    name = "unpack-without-total-length"
    summary = "pad_packed_sequence without total_length, although the padded input's length is at hand"
    fix_hint = "Pass `total_length=<padded input>.size(<time dim>)` so the output lines up with inputs and targets."
    triggers = ("pad_packed_sequence",)
    opt_in = True
    fix_applicability = "unsafe"

    def on_call(self, node: cst.Call, ctx: Context) -> None:
        if ctx.qualname(node.func) != UNPACK or get_arg(node, "total_length", 3) is not None:
            return
        if any(a.star for a in node.args):
            return
        packed = ctx.ev(arg_value(node, "sequence", 0))
        if packed is None or packed.kind != V.PACKED or packed.node is None:
            return
        source = arg_value(packed.node, "input", 0)
        source_val = packed.input
        if source is None or not isinstance(source, (cst.Name, cst.Attribute)):
            return
        fix = None
        if packed.batch_first is not None and source_val is not None:
            dim = 1 if packed.batch_first else 0
            size = cst.Call(func=cst.Attribute(value=source, attr=cst.Name("size")),
                            args=[cst.Arg(cst.Integer(str(dim)))])
            fix = Fix("Pass `total_length` from the padded input", "unsafe", [(node, add_keyword(node, "total_length", size))])
        name = code_of(source)
        self.report(ctx, node, f"`pad_packed_sequence` without `total_length` returns max(lengths) steps, "
                               f"which can be fewer than `{name}` has (DataParallel, targets padded to the full length)", fix)
