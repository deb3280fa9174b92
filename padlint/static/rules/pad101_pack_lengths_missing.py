"""PAD101 pack-lengths-missing: packing with lengths that are the padded length for every sample."""

from __future__ import annotations

import re

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
                and not _converts_plain_input(node, ctx) and not _nothing_padded(node, ctx):
            self.report(ctx, node, f"`pack_padded_sequence` gets `{short_code(arg.value)}`, the padded length "
                                   "for every sample: padding is packed as data")



# What makes a padded batch, or says that one is here (beside packing itself).
_PADDING_SOURCE = re.compile(r"pad_sequence|pad_packed_sequence|padding_value|padding_idx|padding\s*=\s*(?:True|['\"])"
                             r"|\bpad\(|zip_longest|attention_mask|\bpad_?(?:id|idx|token)|\bPAD\b|collate|\bmask",
                             re.IGNORECASE)


# Fixed-length pieces of a longer signal, the same length each by construction.
_WINDOWS = re.compile(r"window|chunk", re.IGNORECASE)


def _nothing_padded(node: cst.Call, ctx: Context) -> bool:
    """The packed tensor is not known to be padded, nothing in the file pads a batch or speaks
    of padding, and the file cuts its sequences into windows or chunks: fixed-length windows
    packed with their one length (an unneeded but harmless packing), not a padded batch packed
    with the padded length."""
    data = ctx.ev(arg.value) if (arg := get_arg(node, "input", 0)) is not None else None
    if V.is_padded(data):
        return False
    text = (ctx.file.source or ctx.file.text).replace("pack_padded_sequence", "").replace("PackedSequence", "")
    return _PADDING_SOURCE.search(text) is None and _WINDOWS.search(text) is not None


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
