"""PAD101 pack-lengths-missing: packing with lengths that are the padded length for every sample."""

from __future__ import annotations

import libcst as cst

from padlint.static import values as V
from padlint.static.analysis import PACK, Context, get_arg
from padlint.static.names import short_code
from padlint.static.rule import Rule
from padlint.static.traverse import iter_nodes

PACKED_SEQUENCE = "torch.nn.utils.rnn.PackedSequence"


class PackLengthsMissing(Rule):
    code = "PAD101"
    name = "pack-lengths-missing"
    summary = "pack_padded_sequence gets no lengths, or the padded length for every sample"
    fix_hint = "Pass each sequence's real length (e.g. the lengths returned by your collate function)."
    triggers = ("pack_padded_sequence",)

    def on_call(self, node: cst.Call, ctx: Context) -> None:
        if ctx.qualname(node.func) != PACK:
            return
        arg = get_arg(node, "lengths", 1)
        if arg is None:
            if any(a.star for a in node.args):
                return
            self.report(ctx, node, "`pack_padded_sequence` is called without `lengths`")
            return
        lengths = ctx.ev(arg.value)
        if arg.value is not None and isinstance(arg.value, cst.Name) and arg.value.value == "None":
            self.report(ctx, node, "`pack_padded_sequence` is called with `lengths=None`")
        elif lengths is not None and lengths.kind == V.LENGTHS and lengths.from_shape \
                and not _converts_plain_input(node, ctx):
            self.report(ctx, node, f"`pack_padded_sequence` gets `{short_code(arg.value)}`, the padded length "
                                   "for every sample: padding is packed as data")



def _converts_plain_input(node: cst.Call, ctx: Context) -> bool:
    """The function tests ``isinstance(x, PackedSequence)``: it takes packed input, and packs a
    plain tensor with its full length only to convert it to that format (fastNLP's VarRNN).
    Padded callers hand it a PackedSequence."""
    scope = ctx.function_scope
    if scope is None:
        return False
    for call in iter_nodes(scope.node):
        if isinstance(call, cst.Call) and isinstance(call.func, cst.Name) and call.func.value == "isinstance" \
                and len(call.args) == 2 and ctx.qualname(call.args[1].value) == PACKED_SEQUENCE:
            return True
    return False
