"""PAD101 pack-lengths-missing: packing with lengths that are the padded length for every sample."""

from __future__ import annotations

import re

import libcst as cst

from padlint.static import values as V
from padlint.static.analysis import EMBEDDING, PACK, Context, assigned_values, constant_in, get_arg
from padlint.static.names import code_of, short_code
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
        else:
            self._counted_against_another_pad_id(node, arg.value, ctx)

    def _counted_against_another_pad_id(self, node: cst.Call, lengths: cst.BaseExpression, ctx: Context) -> None:
        """``lengths = (ids != 0).sum(1)`` packed with ``self.emb(ids)`` whose ``padding_idx`` is
        another constant (``PAD_ID = 1``, fairseq's): the pads are counted as real tokens."""
        counted = _counted_tokens(lengths, ctx)
        data = get_arg(node, "input", 0)
        if counted is None or data is None or not isinstance(data.value, cst.Call):
            return
        tokens, against = counted
        embed = data.value
        module = ctx.ev(embed.func)
        if module is None or module.kind != V.MODULE or module.cls != EMBEDDING or not embed.args \
                or code_of(embed.args[0].value) != code_of(tokens):
            return
        padding_idx = (module.kwargs or {}).get("padding_idx")
        pad, other = _constant(padding_idx, ctx), _constant(against, ctx)
        if pad is None or other is None or pad == other:
            return

        def shown(expr: cst.BaseExpression, value: int) -> str:
            return f"`{short_code(expr)}`" + ("" if code_of(expr).strip() == str(value) else f" ({value})")

        self.report(ctx, node, f"the lengths count the entries of `{short_code(tokens)}` that are not "
                               f"{shown(against, other)}, but the embedding pads with `padding_idx` "
                               f"{shown(padding_idx, pad)}: the pads are counted as real tokens and packed as "
                               f"data; count `{short_code(tokens)} != {short_code(padding_idx)}`")


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


def _constant(node: cst.BaseExpression | None, ctx: Context) -> object:
    """An int written or bound to a name (``PAD_ID = 1``; ``self.pad_id`` is not followed)."""
    if node is None:
        return None
    value = constant_in(ctx.scope, code_of(node))
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _counted_tokens(node: cst.BaseExpression, ctx: Context, depth: int = 2):
    """(tokens, pad id) of ``(tokens != pad).sum(...)`` / ``tokens.ne(pad).sum(...)`` (also
    through ``.long()``/``.cpu()`` and a name assigned it once), else None."""
    while isinstance(node, cst.Call) and isinstance(node.func, cst.Attribute) \
            and node.func.attr.value in ("cpu", "long", "int", "to", "tolist"):
        node = node.func.value
    if isinstance(node, cst.Name) and depth > 0:
        found = list(assigned_values(ctx.scope, node))
        return _counted_tokens(found[0], ctx, depth - 1) if len(found) == 1 else None
    if not (isinstance(node, cst.Call) and isinstance(node.func, cst.Attribute) and node.func.attr.value == "sum"):
        return None
    counted = node.func.value
    while isinstance(counted, cst.Call) and isinstance(counted.func, cst.Attribute) \
            and counted.func.attr.value in ("long", "int", "float"):
        counted = counted.func.value
    if isinstance(counted, cst.Comparison) and len(counted.comparisons) == 1 \
            and isinstance(counted.comparisons[0].operator, cst.NotEqual):
        return counted.left, counted.comparisons[0].comparator
    if isinstance(counted, cst.Call) and isinstance(counted.func, cst.Attribute) and counted.func.attr.value == "ne" \
            and len(counted.args) == 1:
        return counted.func.value, counted.args[0].value
    return None
