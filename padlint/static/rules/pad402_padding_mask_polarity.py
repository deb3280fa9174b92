"""PAD402 padding-mask-polarity: a keep-mask where PyTorch wants True = padding (or the reverse)."""

from __future__ import annotations

import re

import libcst as cst

from padlint.static import values as V
from padlint.static.analysis import (
    ATTENTION_CLASSES, SDPA, Context, assigned_values, get_arg, literal, none_default_params,
)
from padlint.static.fixes import Fix
from padlint.static.names import dotted, short_code, through_methods
from padlint.static.rule import Rule
from padlint.static.traverse import iter_nodes

# keyword -> position, per callee, for the arguments that want True = padding.
_PAD_TRUE = {
    "torch.nn.MultiheadAttention": {"key_padding_mask": 3},
    "torch.nn.TransformerEncoder": {"src_key_padding_mask": 2},
    "torch.nn.TransformerEncoderLayer": {"src_key_padding_mask": 2},
    "torch.nn.TransformerDecoder": {"tgt_key_padding_mask": 4, "memory_key_padding_mask": 5},
    "torch.nn.TransformerDecoderLayer": {"tgt_key_padding_mask": 4, "memory_key_padding_mask": 5},
    "torch.nn.Transformer": {"src_key_padding_mask": 5, "tgt_key_padding_mask": 6, "memory_key_padding_mask": 7},
}


class PaddingMaskPolarity(Rule):
    code = "PAD402"
    name = "padding-mask-polarity"
    summary = "a keep-mask (True = real token) passed where PyTorch expects True = padding"
    fix_hint = "Invert the mask: PyTorch's *_key_padding_mask is True at padded positions (`attention_mask == 0`)."
    triggers = ("mask",)
    also_requires = (("masked_fill", "key_padding_mask", "scaled_dot_product_attention", "Transformer", "MultiheadAttention"),)
    fix_applicability = "unsafe"
    # where these are, the file makes additive masks (see _additive_masks_here): never left out
    file_wide_words = ("extended_attention_mask", "_prepare_4d", "invert_attention_mask", "(1.0 -", "(1 -",
                       "torch.where(")

    def on_call(self, node: cst.Call, ctx: Context) -> None:
        qual = ctx.qualname(node.func)
        if qual == SDPA:
            arg = get_arg(node, "attn_mask", 3)
            if arg is not None:
                mask = ctx.ev(arg.value)
                if mask is not None and mask.kind == V.MASK and mask.polarity == "pad" and _explicit(arg.value, ctx) \
                        and not (mask.named and _inverted_in_place(arg.value, ctx)):
                    self.report(ctx, arg.value, "`scaled_dot_product_attention` reads a boolean `attn_mask` as "
                                                "True = may attend, but this mask is True at padding",
                                _invert(arg.value))
            return
        if isinstance(node.func, cst.Attribute) and node.func.attr.value in ("masked_fill", "masked_fill_"):
            arg = get_arg(node, "mask", 0)
            fill = get_arg(node, "value", 1)
            if fill is not None and _zero(fill.value) and not _scores(node.func.value, ctx):
                # a.masked_fill(~m, 0) + b.masked_fill(m, 0): choosing between two tensors, not
                # hiding padding from an attention (zeroing real features is not a polarity sign)
                return
            root = _root_name(arg.value) if arg is not None else None
            if root is not None and root == _root_name(node.func.value):
                # m.float().masked_fill(m == 0, -inf).masked_fill(m == 1, 0.0), remove.type_as(q)
                # .masked_fill(remove, min): a mask turned into an additive bias, no data overwritten
                return
            if arg is not None:
                mask = ctx.ev(arg.value)
                if _converted_elsewhere(arg.value, mask, ctx):
                    return
                if mask is not None and mask.kind == V.MASK and mask.polarity == "keep" and not mask.guessed \
                        and not mask.inverted and not (mask.named and _additive_masks_here(ctx)) \
                        and not (mask.named and _inverted_in_place(arg.value, ctx)):
                    # (`masked_fill(~key_padding_mask, min)`: a name-only mask inverted on purpose
                    # is the author's word about its polarity -- llm-foundry's is True at tokens)
                    self.report(ctx, arg.value, f"`{short_code(arg.value, 50)}` is True at real tokens, so `masked_fill` "
                                                "overwrites the real positions and keeps the padding", _invert(arg.value))
            return
        callee = ctx.ev(node.func)
        if callee is None or callee.kind != V.MODULE or callee.cls not in ATTENTION_CLASSES:
            return
        for keyword, position in _PAD_TRUE[callee.cls].items():
            arg = get_arg(node, keyword, position)
            if arg is None:
                continue
            mask = ctx.ev(arg.value)
            if _converted_elsewhere(arg.value, mask, ctx):
                continue
            # (`src_key_padding_mask=~padding_masks`: as for masked_fill, a mask known by its name
            # alone and inverted on purpose is the author's word -- deepod's is 1 = keep)
            if mask is not None and mask.kind == V.MASK and mask.polarity == "keep" and not mask.guessed \
                    and not mask.inverted and not (mask.named and _additive_masks_here(ctx)) \
                    or mask is None and _nonzero_test(arg.value, ctx):
                self.report(ctx, arg.value, f"`{short_code(arg.value, 50)}` is True at real tokens, but `{keyword}` must be "
                                            "True at padding: the model attends only to padding", _invert(arg.value))


def _nonzero_test(node: cst.BaseExpression, ctx: Context) -> bool:
    """``ids != 0`` / ``ids.ne(0)`` (here or where the name was assigned) handed as a key padding
    mask: True at every non-zero id, i.e. at the real tokens when 0 pads -- whatever ``ids`` is
    called, a padding mask of that form is the wrong way round."""
    values = [node]
    if isinstance(node, cst.Name):
        values = list(assigned_values(ctx.scope, node))
        if len(values) != 1:
            return False
    value = values[0]
    if isinstance(value, cst.Comparison) and len(value.comparisons) == 1 \
            and isinstance(value.comparisons[0].operator, cst.NotEqual):
        return isinstance(value.left, cst.Name) and _pad_id_or_zero(value.comparisons[0].comparator)
    return isinstance(value, cst.Call) and isinstance(value.func, cst.Attribute) and value.func.attr.value == "ne" \
        and isinstance(value.func.value, cst.Name) and len(value.args) == 1 and _pad_id_or_zero(value.args[0].value)


def _pad_id_or_zero(node: cst.BaseExpression) -> bool:
    """0, or a name for the padding id (``PAD_ITEM``, ``self.pad_idx``)."""
    if isinstance(node, cst.Integer):
        return literal(node) == 0
    path = dotted(node)
    name = path.rsplit(".", 1)[-1] if path is not None else ""
    return V.looks_like_pad_value(name) or (re.search(r"(?:^|_)pad(?:_|$)", name, re.I) is not None
                                            and "mask" not in name.lower())


# (1.0 - mask) * min, get_extended_attention_mask, torch.where(mask, 0.0, min): a file that makes
# additive masks, whose `attention_mask` may be the keep-mask or the additive one by function
_ADDITIVE = re.compile(r"\(\s*1(?:\.0?)?\s*-\s*[\w.]*mask[^\n]{0,40}?\)\s*\*|extended_attention_mask|_prepare_4d"
                       r"|invert_attention_mask|torch\.where\(\s*[\w.]*mask\b[^\n]{0,60}?\b0\.0")


def _converted_elsewhere(node: cst.BaseExpression, mask: V.Val | None, ctx: Context) -> bool:
    """HF's ``attention_mask`` is 0/1 integers, which ``masked_fill`` and the attention modules
    refuse: one handed over as it is, known by its name alone, that arrives as an *optional*
    argument (``attention_mask=None``) or out of ``**kwargs`` was made boolean by some caller,
    with a polarity its name does not tell (MPT's layers get True = masked; ablang builds it
    True at padding in another file).  A required ``attention_mask`` keeps its HF reading."""
    node = through_methods(node, ("unsqueeze", "bool", "to", "view", "reshape", "expand", "expand_as"))
    if mask is None or not mask.named or not isinstance(node, cst.Name) or not node.value.endswith("attention_mask"):
        return False
    function = ctx.scope.node if ctx.scope is not None else None
    if not isinstance(function, cst.FunctionDef):
        return False
    params = {p.name.value for p in [*function.params.params, *function.params.kwonly_params]}
    if node.value in params:
        # beside a padding-mask parameter of its own (Emformer's `attention_mask, padding_mask`),
        # `attention_mask` is the (query, key) mask, not the HF keep-mask of the padding
        siblings = any(name != node.value and re.search(r"pad(ding)?_mask", name) for name in params)
        return siblings or node.value in none_default_params(function)
    return any(isinstance(value, cst.Call) and isinstance(value.func, cst.Attribute)
               and value.func.attr.value in ("get", "pop") for value in assigned_values(ctx.scope, node))


def _additive_masks_here(ctx: Context) -> bool:
    """Whether this file turns masks into additive biases: there a mask known by its name alone
    (`attention_mask`) is no word about its polarity (HF layers receive the additive one)."""
    known = ctx.file.memo.get("pad402-additive")
    if known is None:
        known = ctx.file.memo["pad402-additive"] = bool(_ADDITIVE.search(ctx.file.text))
    return known


def _zero(node: cst.BaseExpression) -> bool:
    """0, 0.0, False, or float(0) / int(0) written out (Deformable DETR's `float(0)`)."""
    if isinstance(node, cst.Call) and isinstance(node.func, cst.Name) and node.func.value in ("float", "int") \
            and len(node.args) == 1:
        node = node.args[0].value
    return literal(node) in (0, 0.0, False)


def _root_name(node: cst.BaseExpression) -> str | None:
    """The variable an expression is made from by casts, method calls, indexing, negation and
    comparison: ``attention_mask`` of ``attention_mask.float().masked_fill(...)`` and of
    ``~attention_mask[:, None] == 1``."""
    while True:
        if isinstance(node, cst.Call) and isinstance(node.func, cst.Attribute):
            node = node.func.value
        elif isinstance(node, cst.Subscript):
            node = node.value
        elif isinstance(node, cst.UnaryOperation):
            node = node.expression
        elif isinstance(node, cst.Comparison):
            node = node.left
        elif isinstance(node, cst.Name):
            return node.value
        else:
            return None


def _scores(node: cst.BaseExpression, ctx: Context) -> bool:
    value = ctx.ev(node)
    return value is not None and value.kind == V.TENSOR and bool(value.scores)


def _inverted_in_place(node: cst.BaseExpression, ctx: Context) -> bool:
    """``attention_mask = ~attention_mask`` (or ``= ~something``) somewhere in this function:
    the author turns the mask round on purpose, so its name says nothing of its polarity
    (ChatGLM's masks are True where attention is *not* allowed)."""
    while isinstance(node, (cst.Subscript, cst.UnaryOperation)) or (
            isinstance(node, cst.Call) and isinstance(node.func, cst.Attribute)):
        node = node.value if isinstance(node, cst.Subscript) else (
            node.expression if isinstance(node, cst.UnaryOperation) else node.func.value)
    function = ctx.function_scope.node if ctx.function_scope is not None else None
    if not isinstance(node, cst.Name) or not isinstance(function, cst.FunctionDef):
        return False
    return any(isinstance(item, cst.Assign) and isinstance(item.value, cst.UnaryOperation)
               and isinstance(item.value.operator, cst.BitInvert)
               and any(isinstance(t.target, cst.Name) and t.target.value == node.value for t in item.targets)
               for item in iter_nodes(function.body))


def _explicit(node: cst.BaseExpression, ctx: Context) -> bool:
    """Only a mask built in view (a comparison), not one known by its name alone."""
    while isinstance(node, cst.Subscript):  # is_pad[:, None, None, :]
        node = node.value
    return isinstance(node, (cst.Comparison, cst.Call, cst.UnaryOperation)) or isinstance(node, cst.Name)


def _invert(node: cst.BaseExpression) -> Fix:
    if isinstance(node, cst.Comparison) and len(node.comparisons) == 1:
        op = node.comparisons[0].operator
        swap = {cst.NotEqual: cst.Equal, cst.Equal: cst.NotEqual}
        for old, new in swap.items():
            if isinstance(op, old):
                new_op = new(whitespace_before=op.whitespace_before, whitespace_after=op.whitespace_after)
                replaced = node.with_changes(comparisons=[node.comparisons[0].with_changes(operator=new_op)])
                return Fix("Invert the comparison", "unsafe", [(node, replaced)])
    wrapped = node if isinstance(node, (cst.Name, cst.Attribute, cst.Call, cst.Subscript)) else node.with_changes(
        lpar=[cst.LeftParen()], rpar=[cst.RightParen()])
    new = cst.Comparison(left=wrapped, comparisons=[cst.ComparisonTarget(
        operator=cst.Equal(whitespace_before=cst.SimpleWhitespace(" "), whitespace_after=cst.SimpleWhitespace(" ")),
        comparator=cst.Integer("0"))])
    return Fix("Invert the mask with `== 0`", "unsafe", [(node, new)])
