"""PAD401 attention-without-padding-mask: attention over a padded batch with no mask at all."""

from __future__ import annotations

import libcst as cst

from padlint.static import values as V
from padlint.static.analysis import ATTENTION_CLASSES, SDPA, Context, arg_value
from padlint.static.rule import PADDING, Rule

# How many positional arguments are data (the rest are masks) for each module.
_DATA_ARGS = {
    "torch.nn.MultiheadAttention": 3,
    "torch.nn.TransformerEncoder": 1,
    "torch.nn.TransformerEncoderLayer": 1,
    "torch.nn.TransformerDecoder": 2,
    "torch.nn.TransformerDecoderLayer": 2,
    "torch.nn.Transformer": 2,
}


class AttentionWithoutPaddingMask(Rule):
    code = "PAD401"
    name = "attention-without-padding-mask"
    summary = "nn.MultiheadAttention / nn.Transformer* called on a padded batch without any padding mask"
    fix_hint = ("Pass `key_padding_mask` (MultiheadAttention) or `src_key_padding_mask` (Transformer*), "
                "True at padded positions, e.g. `tokens == pad_idx`.")
    triggers = ("MultiheadAttention", "Transformer", "scaled_dot_product_attention")
    also_requires = ((PADDING,),)

    def on_call(self, node: cst.Call, ctx: Context) -> None:
        if any(a.star for a in node.args):
            return
        qual = ctx.qualname(node.func)
        if qual == SDPA:
            if any(a.keyword is not None and a.keyword.value in ("attn_mask", "is_causal") for a in node.args):
                return
            if len([a for a in node.args if a.keyword is None]) > 3:
                return
            key = ctx.ev(arg_value(node, "key", 1))
            if V.is_strongly_padded(key):
                self.report(ctx, node, "`scaled_dot_product_attention` attends over padded keys without an "
                                       "`attn_mask`: real tokens attend to padding")
            return
        callee = ctx.ev(node.func)
        if callee is None or callee.kind != V.MODULE or callee.cls not in ATTENTION_CLASSES:
            return
        positional = [a for a in node.args if a.keyword is None]
        if len(positional) > _DATA_ARGS[callee.cls]:
            return
        keywords = {a.keyword.value for a in node.args if a.keyword is not None}
        if callee.cls in _DECODERS and not keywords & {"memory_key_padding_mask", "memory_mask"}:
            # masks for the targets only: the cross-attention still reads the padded memory
            if any("mask" in k for k in keywords) and self._padded_memory(node, ctx):
                self.report(ctx, node, f"`{callee.cls.rsplit('.', 1)[1]}` gets masks for its targets but no "
                                       "`memory_key_padding_mask`: its cross-attention attends to the padded "
                                       "positions of the encoder output")
                return
        if any("mask" in k for k in keywords):
            return
        if callee.cls == "torch.nn.MultiheadAttention":
            data_node = arg_value(node, "key", 1)
        else:
            data_node = arg_value(node, "src", 0) or arg_value(node, "tgt", 0)
        data = ctx.ev(data_node)
        if not V.is_padded(data) and not _state_beside_lengths(data_node, ctx):
            return
        if callee.cls == "torch.nn.MultiheadAttention" and data is not None and not data.strong \
                and _evidence_of_others(data_node, data, ctx):
            return
        cls = callee.cls.rsplit(".", 1)[1]
        wanted = {"MultiheadAttention": "key_padding_mask",
                  "TransformerDecoder": "tgt_key_padding_mask`/`memory_key_padding_mask",
                  "TransformerDecoderLayer": "tgt_key_padding_mask`/`memory_key_padding_mask",
                  "Transformer": "src_key_padding_mask`/`tgt_key_padding_mask"}.get(cls, "src_key_padding_mask")
        self.report(ctx, node, f"`{cls}` runs on a padded batch without `{wanted}` (or any mask): "
                               "real tokens attend to padding")

    def _padded_memory(self, node: cst.Call, ctx: Context) -> bool:
        memory_node = arg_value(node, "memory", 1)
        memory = ctx.ev(memory_node)
        if not V.is_padded(memory) or memory.kind != V.TENSOR:
            return False
        return bool(memory.strong) or not _evidence_of_others(memory_node, memory, ctx)


_DECODERS = ("torch.nn.TransformerDecoder", "torch.nn.TransformerDecoderLayer")


def _state_beside_lengths(data: cst.BaseExpression | None, ctx: Context) -> bool:
    """`hidden` / `states` are not read as padded data in general (they are often an RNN's
    initial state), but one handed to attention, in a function that also takes the batch's
    lengths, is the padded sequence of hidden vectors."""
    if not isinstance(data, cst.Name) or data.value.lower() not in ("hidden", "states"):
        return False
    scope = ctx.scope
    if scope is None or data.value not in scope.params:
        return False
    return any(V.looks_like_lengths(p) for p in scope.params) and ctx.ev(data) is None


def _evidence_of_others(data_node: cst.BaseExpression | None, data: V.Val, ctx: Context) -> bool:
    """``forward(self, tgt, memory, tgt_key_padding_mask)``: the mask that makes the parameter
    ``memory`` look padded is named for ``tgt``; a decoder that takes no mask for ``memory``
    says its memory has none (a fixed set of image features)."""
    if not isinstance(data_node, cst.Name) or ctx.scope is None or data_node.value not in ctx.scope.params:
        return False
    params = ctx.scope.params
    evidence = data.evidence or ()
    return bool(evidence) and all(
        any(owner != data_node.value and name.startswith(owner + "_") for owner in params) for name in evidence)
