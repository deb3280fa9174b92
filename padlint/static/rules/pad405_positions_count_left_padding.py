"""PAD405 positions-count-left-padding: arange(T) position ids on a left-padded batch."""

from __future__ import annotations

import libcst as cst

from padlint.static import values as V
from padlint.static.analysis import EMBEDDING, Context, arg_value
from padlint.static.names import short_code
from padlint.static.rule import Rule
from padlint.static.traverse import nodes_of




class PositionsCountLeftPadding(Rule):
    code = "PAD405"
    name = "positions-count-left-padding"
    summary = "position ids arange(T) on a left-padded batch: each shorter sequence's positions start after its pads"
    fix_hint = "Count positions over the real tokens: `(attention_mask.cumsum(-1) - 1).clamp(min=0)`."
    triggers = ("arange",)
    # (the embeddings are made in __init__, the left padding in a collate function: the file
    # says so, not the method; the parts that pad on the left are kept in the analysis)
    file_gates = (("Embedding",), ("left", "- len(", "-len("))
    file_wide_words = ("padding_side", "- len(", "-len(")

    def on_call(self, node: cst.Call, ctx: Context) -> None:
        if not self._is_embedding(node, ctx):
            return
        positions = ctx.ev(arg_value(node, "input", 0))
        if positions is None or positions.kind != V.TENSOR or not positions.arange:
            return
        tokens = self._left_padded_tokens(node, ctx)
        if tokens is None:
            return
        self.report(ctx, node, f"`{short_code(node)}` embeds positions `arange(T)` of a left-padded batch "
                               f"(`{short_code(tokens)}`): every shorter sequence's first real token gets the "
                               "position after its pads, so its positions depend on the longest sequence in "
                               "the batch; count them over the real tokens (`attention_mask.cumsum(-1) - 1`)")

    @staticmethod
    def _is_embedding(node: cst.Call, ctx: Context) -> bool:
        callee = ctx.ev(node.func)
        return callee is not None and callee.kind == V.MODULE and callee.cls == EMBEDDING

    def _left_padded_tokens(self, position_call: cst.Call, ctx: Context) -> cst.BaseExpression | None:
        """The input of another embedding in the same function that is a left-padded batch."""
        function = ctx.scope.node if ctx.scope is not None else None
        if not isinstance(function, cst.FunctionDef):
            return None
        # (a batch that arrives as a parameter is read as left-padded when every batch this
        # file builds is: `ids[i, T - len(s):] = s` and no right-padded one)
        left_file = (ctx.file.memo.get("left-padded-batches") or V.LEFT_PADDING_SIDE.search(ctx.file.text)) \
            and not ctx.file.memo.get("right-padded-batches") and not V.RIGHT_PADDING_SIDE.search(ctx.file.text)
        for call in nodes_of(function.body, cst.Call):
            if call is position_call or not call.args or not self._is_embedding(call, ctx):
                continue
            data_node = arg_value(call, "input", 0)
            data = ctx.ev(data_node)
            if data_node is None or not V.is_padded(data):
                continue
            if (data.strong and data.left) or (left_file and (data.origin == "param" and not data.strong
                                                              or data.origin == "tokenizer")):
                return data_node
        return None
