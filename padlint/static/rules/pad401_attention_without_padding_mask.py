"""PAD401 attention-without-padding-mask: attention over a padded batch with no mask at all."""

from __future__ import annotations

import libcst as cst

import re

from padlint.static import values as V
from padlint.static.analysis import (_CAUSAL_MASK, ATTENTION_CLASSES, SDPA, SOFTMAX_FUNCS, Context, _method, arg_value,
                                     assigned_values, iter_nodes, last_name, literal, time_axis)
from padlint.static.names import code_of, short_code, through_methods
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
    summary = ("nn.MultiheadAttention / nn.Transformer* (or a hand-written attention softmax) over a padded batch "
               "without any padding mask")
    fix_hint = ("Pass `key_padding_mask` (MultiheadAttention) or `src_key_padding_mask` (Transformer*), "
                "True at padded positions, e.g. `tokens == pad_idx`.")
    triggers = ("MultiheadAttention", "Transformer", "scaled_dot_product_attention", "softmax", "Softmax")
    also_requires = ((PADDING,),)

    def on_call(self, node: cst.Call, ctx: Context) -> None:
        if any(a.star for a in node.args):
            return
        qual = ctx.qualname(node.func)
        if qual in SOFTMAX_FUNCS or (qual is None and isinstance(node.func, cst.Attribute)
                                     and node.func.attr.value in ("softmax", "log_softmax")):
            self._masked_after(node, ctx)
            if self._padding_mask_unused(node, ctx):
                return
            if qual is not None:
                self._check_softmax(node, arg_value(node, "input", 0), arg_value(node, "dim", 1), ctx)
            else:
                self._check_softmax(node, node.func.value, arg_value(node, "dim", 0), ctx)
            return
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
            unused = _unused_padding_masks(ctx)
            if unused:
                self.report(ctx, node, f"`{unused[0]}` is taken but never used: `scaled_dot_product_attention` "
                                       "without an `attn_mask` gives the padded keys weight; pass "
                                       f"`attn_mask` built from `{unused[0]}` (True = may attend)")
            return
        callee = ctx.ev(node.func)
        if callee is not None and callee.kind == V.INSTANCE and isinstance(callee.cls, cst.ClassDef):
            self._mask_left_out(node, callee.cls, ctx)
            return
        if callee is not None and callee.kind == V.MODULE and callee.cls in ("torch.nn.Softmax", "torch.nn.LogSoftmax"):
            # self.softmax = nn.Softmax(dim=1); self.softmax(scores) -- or nn.Softmax(dim=1)(scores)
            made = callee.node
            dim = arg_value(made, "dim", 0) if isinstance(made, cst.Call) else None
            self._check_softmax(node, arg_value(node, "input", 0), dim, ctx)
            return
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
        if callee.cls == "torch.nn.Transformer" and "src_key_padding_mask" in keywords \
                and not keywords & {"memory_key_padding_mask", "memory_mask"} \
                and code_of(arg_value(node, "src_key_padding_mask")).strip() != "None":
            # the source is padded (its mask is right there), and the decoder reads the encoder's
            # output at those positions unless it gets the same mask as memory_key_padding_mask
            self.report(ctx, node, "`Transformer` gets `src_key_padding_mask` but no `memory_key_padding_mask`: "
                                   "the decoder's cross-attention attends to the padded source positions "
                                   "(pass the same mask as `memory_key_padding_mask`)")
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
        if data is not None and not data.strong and _evidence_never_given(data, ctx):
            return
        cls = callee.cls.rsplit(".", 1)[1]
        wanted = {"MultiheadAttention": "key_padding_mask",
                  "TransformerDecoder": "tgt_key_padding_mask`/`memory_key_padding_mask",
                  "TransformerDecoderLayer": "tgt_key_padding_mask`/`memory_key_padding_mask",
                  "Transformer": "src_key_padding_mask`/`tgt_key_padding_mask"}.get(cls, "src_key_padding_mask")
        self.report(ctx, node, f"`{cls}` runs on a padded batch without `{wanted}` (or any mask): "
                               "real tokens attend to padding")

    def _check_softmax(self, node: cst.Call, data_node: cst.BaseExpression | None,
                       dim: cst.BaseExpression | None, ctx: Context) -> None:
        """A hand-written attention: a softmax over the time axis of scores computed from a
        padded sequence (``softmax(self.score(h).squeeze(-1), dim=-1)``, ``softmax(q @ k.transpose(1, 2),
        dim=-1)``) in a function that masks nothing."""
        axis = literal(dim)
        if data_node is None or not isinstance(axis, int) or isinstance(axis, bool):
            return
        data = ctx.ev(data_node)
        if data is None or data.kind != V.TENSOR or not V.is_padded(data) or data.masked \
                or data.filled or data.weak_fill is not None or data.masked_max:
            return
        if not data.strong and data.origin != "rnn":
            return  # (an RNN's outputs over a batch known to be padded: as strong as PAD301's mean)
        if data.skeys:
            over = axis == -1
        elif data.tlast:
            over = axis == -1 or axis == time_axis(data)
        elif data.feat1:
            over = axis == time_axis(data)
        else:
            return
        if not over or _masks_somewhere(ctx):
            return
        what = "padded keys" if data.skeys else "the padded time axis"
        self.report(ctx, node, f"`{short_code(node)}` normalises attention scores over {what} with no padding "
                               "mask: padded positions take part of the weight; fill them with `-inf` first "
                               "(`scores.masked_fill(pad_mask, float('-inf'))`)")

    def _padding_mask_unused(self, node: cst.Call, ctx: Context) -> bool:
        """``def attend(q, k, v, key_padding_mask)`` (or an HF-style ``attention_mask``) whose
        softmax over ``q @ k.transpose(-1, -2)`` (or einsum) scores never reads the padding mask
        it is required to take: real queries attend to the padded keys. (An optional
        ``mask=None`` is often a copied signature: not reported.)"""
        function = ctx.function_scope.node if ctx.function_scope is not None else None
        if not isinstance(function, cst.FunctionDef) or (isinstance(node.func, cst.Attribute)
                                                          and node.func.attr.value == "log_softmax"):
            return False
        params = [p for p in [*function.params.posonly_params, *function.params.params, *function.params.kwonly_params]
                  if p.default is None and re.search(r"pad(ding)?_mask|^attention_mask$", p.name.value.lower())
                  and not _optional_annotation(p)]
        if not params:
            return False
        used = {n.value for n in iter_nodes(function.body) if isinstance(n, cst.Name)}
        unused = [p.name.value for p in params if p.name.value not in used]
        if not unused:
            return False
        qual = ctx.qualname(node.func)
        data_node = arg_value(node, "input", 0) if qual is not None else node.func.value
        dim = literal(arg_value(node, "dim", 1 if qual is not None else 0))
        if dim != -1 or data_node is None:
            return False
        sources = [data_node, *assigned_values(ctx.scope, data_node)]
        if not any(isinstance(n, cst.BinaryOperation) and isinstance(n.operator, cst.MatrixMultiply)
                   or isinstance(n, cst.Call) and (code_of(n.func).endswith(("matmul", "bmm", "einsum")))
                   for src in sources for n in iter_nodes(src)):
            return False  # not attention scores of queries against keys
        self.report(ctx, node, f"`{unused[0]}` is taken but never used: the softmax over the keys gives the "
                               "padded keys weight; fill the scores with `-inf` where it is True first")
        return True

    def _masked_after(self, node: cst.Call, ctx: Context) -> None:
        """``w = softmax(scores, -1); w = w.masked_fill(~mask, 0)`` with no masking before the
        softmax and no renormalisation after: the padded positions' share of the softmax is
        dropped, so the real weights sum to less than one, by an amount that depends on the
        padding (DIN's attention over a padded behaviour history)."""
        function = ctx.function_scope.node if ctx.function_scope is not None else None
        if not isinstance(function, cst.FunctionDef) or (isinstance(node.func, cst.Attribute)
                                                          and node.func.attr.value == "log_softmax"):
            return
        body = list(function.body.body)
        at = next((i for i, st in enumerate(body) if any(n is node for n in iter_nodes(st))), None)
        if at is None or not isinstance(body[at], cst.SimpleStatementLine):
            return
        statement = body[at].body[0]
        if not (isinstance(statement, cst.Assign) and statement.value is node and len(statement.targets) == 1
                and isinstance(statement.targets[0].target, cst.Name)):
            return
        weights = statement.targets[0].target.value
        before = "\n".join(code_of(st) for st in body[:at]) + code_of(node)
        if _MASKING_WORDS.search(before):
            return  # the scores were masked (or filled) before the softmax
        masking = None
        after = body[at + 1:]
        for index, st in enumerate(after):
            for n in iter_nodes(st):
                if masking is None and _zeroes_with_mask(n, weights, ctx):
                    masking = (index, n)
                    break
            if masking is not None:
                break
        if masking is None:
            return
        rest = "\n".join(code_of(st) for st in after[masking[0]:])
        if re.search(rf"/|\bdiv\b|normalize|renorm|\.sum\(.*\)\s*\+|{re.escape(weights)}\.sum\(", rest):
            return  # renormalised (w / w.sum(-1, keepdim=True)), as AllenNLP's masked_softmax does
        self.report(ctx, masking[1], f"`{weights}` is masked after the softmax and not renormalised: the padded "
                                     "positions' share of the softmax is dropped, so the real weights sum to less "
                                     "than one, by an amount that depends on the padding; fill the scores with "
                                     "`-inf` at the padding before the softmax")

    def _mask_left_out(self, node: cst.Call, cls: cst.ClassDef, ctx: Context) -> None:
        """``self.layer(src)`` of a module of this file whose ``forward(self, src,
        src_key_padding_mask=None)`` hands that parameter to an attention's key padding mask:
        called on a padded batch without it, the attention inside runs unmasked (FastPitch's
        decoder calling its transformer blocks without ``x_mask``)."""
        forward = _method(cls, "forward")
        if forward is None:
            return
        params = [*forward.params.posonly_params, *forward.params.params][1:]
        optional = {p.name.value for p in [*params, *forward.params.kwonly_params]
                    if p.default is not None and code_of(p.default).strip() == "None"}
        flows = _key_padding_mask_params(forward, optional)
        n_pos = len([a for a in node.args if a.keyword is None])
        given = {a.keyword.value for a in node.args if a.keyword is not None}
        given |= {p.name.value for p in params[:n_pos]}
        if not flows:
            self._own_mask_not_handed_on(node, cls, forward, optional - given, n_pos, ctx)
            return
        missing = [name for name in flows if name not in given]
        if not missing or not n_pos:
            return
        data_node = node.args[0].value
        data = ctx.ev(data_node)
        if data is None or data.kind != V.TENSOR or not V.is_padded(data) or data.masked:
            return
        if not data.strong and (not data.evidence or _evidence_never_given(data, ctx)):
            return
        self.report(ctx, node, f"`{short_code(node)}` leaves out `{missing[0]}`, which `{cls.name.value}.forward` "
                               "hands to its attention as the key padding mask: on this padded batch the "
                               "attention runs unmasked and real positions attend to padding; pass the mask "
                               "(True at padding)")

    def _own_mask_not_handed_on(self, node: cst.Call, cls: cst.ClassDef, forward: cst.FunctionDef,
                                left_out: set[str], n_pos: int, ctx: Context) -> None:
        """``forward(self, x, att_mask)`` that never reads its (required) padding mask and calls
        a module of this file whose ``forward(self, h, att_mask=None)`` masks a softmax with it,
        leaving the mask out: the attention pooling inside weighs the padded frames (s3prl's
        emotion heads)."""
        unused = _unused_padding_masks(ctx)
        read = {n.value for n in iter_nodes(forward.body) if isinstance(n, cst.Name)}
        wanted = sorted(name for name in left_out
                        if V.looks_like_mask(name) and not _CAUSAL_MASK.match(name) and name in read)
        if not unused or not wanted or not n_pos:
            return
        if not any(isinstance(n, cst.Call) and (ctx.qualname(n.func) in SOFTMAX_FUNCS or isinstance(n.func, cst.Attribute)
                                                and n.func.attr.value in ("softmax", "log_softmax"))
                   for n in iter_nodes(forward.body)):
            return
        self.report(ctx, node, f"`{unused[0]}` is taken but never used, and `{short_code(node)}` is called without "
                               f"`{wanted[0]}`, which `{cls.name.value}.forward` uses to mask its softmax: the "
                               f"padded positions take part of the attention weight; pass `{wanted[0]}`")

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


def _evidence_never_given(data: V.Val, ctx: Context) -> bool:
    """``def forward(self, src, src_mask=None, src_key_padding_mask=None)`` that ignores its
    mask, in a file where no call hands one in: a signature copied from
    ``nn.TransformerEncoderLayer`` (TranAD's layers over fixed windows), not a sign that the
    input is padded."""
    evidence = data.evidence or ()
    scope = ctx.function_scope
    if not evidence or scope is None or any(name not in scope.params for name in evidence):
        return False
    params = scope.node.params
    optional = {p.name.value for p in [*params.posonly_params, *params.params, *params.kwonly_params]
                if p.default is not None and code_of(p.default) == "None"}
    if not set(evidence) <= optional:
        return False  # `forward(self, tokens, lengths)` that drops its lengths: they are always given
    body = code_of(scope.node.body)
    # (given: `model(x, attention_mask=m)`, or a batch built with that key for `model(**batch)`,
    # as a data collator does: `{"input_ids": ..., "attention_mask": ...}`)
    return all(re.search(rf"\b{re.escape(name)}\b", body) is None
               and re.search(rf"\b{re.escape(name)}\s*=(?!=)\s*(?!None\b)", ctx.file.source or ctx.file.text) is None
               and re.search(rf"[\"']{re.escape(name)}[\"']\s*(?::|\]\s*=(?!=))", ctx.file.source or ctx.file.text) is None
               for name in evidence)


# Any of these in the function: some masking happens (an additive mask, a fill, a mask applied
# to the weights after the softmax and renormalised): the softmax is not reported.
_MASKING_WORDS = re.compile(r"mask|inf\b|finfo|1e\+?\d|where\(|fill", re.IGNORECASE)


def _masks_somewhere(ctx: Context) -> bool:
    scope = ctx.function_scope
    if scope is None:
        return True
    key = ("pad401-masks", id(scope.node))
    memo = ctx.file.memo
    if key not in memo:
        memo[key] = _MASKING_WORDS.search(code_of(scope.node.body)) is not None
    return memo[key]


def _key_padding_mask_params(forward: cst.FunctionDef, optional: set[str]) -> list[str]:
    """The parameters of ``forward`` (among ``optional``) passed on unchanged as a
    ``*key_padding_mask=`` keyword and never replaced by a mask made here (``if mask is None:
    mask = src.eq(pad)`` makes leaving them out fine; ``mask = ~mask.bool()`` does not)."""
    passed: list[str] = []
    assigned: set[str] = set()
    for item in iter_nodes(forward.body):
        if isinstance(item, cst.Call):
            for a in item.args:
                if a.keyword is not None and "key_padding_mask" in a.keyword.value and isinstance(a.value, cst.Name) \
                        and a.value.value in optional and a.value.value not in passed:
                    passed.append(a.value.value)
        elif isinstance(item, (cst.Assign, cst.AnnAssign)) and item.value is not None:
            # mask = ~mask.bool() keeps the caller's mask; mask = src.eq(pad) makes one
            reads = set() if isinstance(item.value, (cst.IfExp, cst.BooleanOperation)) else {
                n.value for n in iter_nodes(item.value) if isinstance(n, cst.Name)}  # (mask or made) / made if None
            targets = [t.target for t in item.targets] if isinstance(item, cst.Assign) else [item.target]
            for t in targets:
                for n in iter_nodes(t):
                    if isinstance(n, cst.Name) and n.value not in reads:
                        assigned.add(n.value)
    return [name for name in passed if name not in assigned]


def _zeroes_with_mask(node: cst.CSTNode, weights: str, ctx: Context) -> bool:
    """``weights.masked_fill(~mask, 0)`` / ``weights * mask`` / ``mask * weights``, with a
    padding mask known before the softmax (a parameter or a comparison with the lengths)."""
    def padding_mask(side: cst.BaseExpression) -> bool:
        text = code_of(side)
        if "mask" not in text.lower() or _TRAILING_AXIS.search(text):
            return False
        value = ctx.ev(side)
        if value is not None and value.kind == V.MASK:
            return True
        base = side
        while True:  # ~mask, mask.float(), mask.bool()
            if isinstance(base, cst.UnaryOperation) and isinstance(base.operator, cst.BitInvert):
                base = base.expression
            elif isinstance(base, cst.Call) and isinstance(base.func, cst.Attribute) \
                    and base.func.attr.value in ("float", "bool", "long", "int", "to", "type_as", "detach"):
                base = base.func.value
            else:
                break
        if not isinstance(base, cst.Name) or ctx.function_scope is None:
            return False
        made = list(assigned_values(ctx.function_scope, base))
        if not made:
            return base.value in ctx.function_scope.params and V.looks_like_mask(base.value)
        return all(_comparison(v) for v in made)  # mask = (ids != 0).float(), not ones_like(...)

    if isinstance(node, cst.Call) and isinstance(node.func, cst.Attribute) \
            and node.func.attr.value in ("masked_fill", "masked_fill_") and code_of(node.func.value) == weights:
        value = arg_value(node, "value", 1)
        return value is not None and literal(value) == 0 and bool(node.args) and padding_mask(node.args[0].value)
    if isinstance(node, cst.BinaryOperation) and isinstance(node.operator, cst.Multiply):
        for side, other in ((node.left, node.right), (node.right, node.left)):
            if code_of(side).strip() == weights and padding_mask(other):
                return True
    if isinstance(node, cst.Call) and ctx.qualname(node.func) == "torch.where" and len(node.args) == 3 \
            and all(a.keyword is None and not a.star for a in node.args):
        # torch.where(mask.eq(0), torch.zeros_like(w), w) / torch.where(keep, w, 0.0)
        cond, first, second = (a.value for a in node.args)
        for kept, other in ((first, second), (second, first)):
            if code_of(kept).strip() == weights and _zero_value(other, ctx):
                tested = through_methods(cond, ("float", "bool", "long", "int", "to"))
                if isinstance(tested, cst.UnaryOperation) and isinstance(tested.operator, cst.BitInvert):
                    tested = tested.expression
                operands = [tested]
                if isinstance(tested, cst.Call) and last_name(tested.func) in ("eq", "ne"):
                    operands = [a.value for a in tested.args] + (
                        [tested.func.value] if isinstance(tested.func, cst.Attribute)
                        and ctx.qualname(tested.func) is None else [])
                elif isinstance(tested, cst.Comparison):
                    operands = [tested.left]
                return any(padding_mask(o) for o in operands)
    return False


def _zero_value(node: cst.BaseExpression, ctx: Context) -> bool:
    """``0``, ``0.0``, ``torch.zeros_like(w)``, or a name bound only to such a thing here."""
    if literal(node) == 0:
        return True
    if isinstance(node, cst.Name) and ctx.function_scope is not None:
        made = list(assigned_values(ctx.function_scope, node))
        return bool(made) and all(_zero_value(v, ctx) for v in made)
    return isinstance(node, cst.Call) and last_name(node.func) in ("zeros_like", "new_zeros", "zeros")


# probs * mask.unsqueeze(-1): whole rows of per-position distributions zeroed (tagging), not
# attention weights over the masked axis
_TRAILING_AXIS = re.compile(r"unsqueeze\((?:dim=)?(?:-1|2)\)|\[\s*(?:\.\.\.|:\s*,\s*:)\s*,\s*None\s*\]|view\(.*,\s*1\)")


def _comparison(node: cst.BaseExpression) -> bool:
    """``ids != 0`` / ``(ids != pad).float()`` / ``ids.ne(pad)`` / ``arange(T) < lengths[:, None]``."""
    node = through_methods(node, ("float", "bool", "long", "int", "to", "type_as", "detach", "unsqueeze"))
    if isinstance(node, cst.Comparison):
        return True
    return isinstance(node, cst.Call) and isinstance(node.func, cst.Attribute) \
        and node.func.attr.value in ("eq", "ne", "lt", "le", "gt", "ge")


def _unused_padding_masks(ctx: Context) -> list[str]:
    """The required parameters of the current function named as padding masks (not causal or
    attention-shape masks) that its body never reads: ``forward(self, x, key_mask)`` that
    attends with no mask. (An optional ``mask=None`` is often a copied signature: not counted.)"""
    function = ctx.function_scope.node if ctx.function_scope is not None else None
    if not isinstance(function, cst.FunctionDef):
        return []
    params = [p.name.value for p in [*function.params.posonly_params, *function.params.params,
                                     *function.params.kwonly_params]
              if p.default is None and V.looks_like_mask(p.name.value) and not _CAUSAL_MASK.match(p.name.value)]
    if not params:
        return []
    used = {n.value for n in iter_nodes(function.body) if isinstance(n, cst.Name)}
    return [name for name in params if name not in used]


def _optional_annotation(param: cst.Param) -> bool:
    """``attention_mask: torch.Tensor | None`` (or ``Optional[...]``): a shared interface's
    optional mask, which a model without padding (vision) may ignore."""
    if param.annotation is None:
        return False
    text = code_of(param.annotation.annotation)
    return "None" in text or "Optional" in text
