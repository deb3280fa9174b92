"""PAD107 float-lengths-truncated: relative lengths times T converted with truncation."""

from __future__ import annotations

import re

import libcst as cst

from padlint.static import values as V
from padlint.static.analysis import PACK, Context, arg_value, assigned_values, is_time_dim
from padlint.static.names import code_of, dotted, through_methods
from padlint.static.rule import Rule

_CASTS = {"long", "int", "int64", "int32"}
_RELATIVE_WORDS = ("rel", "ratio", "frac", "pct", "percent")
# `lengths * x.size(1)`, `x.shape[1] * lens`: lengths of any name scaled by a padded length
_SCALED_BY_SIZE = re.compile(r"len\w*(?:\[[^\]]*\])?\)?\s*\*\s*\(?[\w.\[\]()]*?\.(?:size\(|shape\[)|(?:\.size\([^()]*\)|\.shape\[[^\]]*\])\s*\*\s*\(?[\w.]*len")


class FloatLengthsTruncated(Rule):
    code = "PAD107"
    name = "float-lengths-truncated"
    summary = "lengths computed from relative (float) lengths times T without rounding"
    fix_hint = "Round before converting: `(rel_lens * T).round().long()`."
    triggers = ("rel", "ratio", "frac", "pct", "percent", "wav_lens", "pack_padded_sequence", ".size(", ".shape[")
    also_requires = (("len", "percentages"),)

    def may_apply(self, text: str) -> bool:
        if "pack_padded_sequence" in text and "*" in text:
            return True  # `lengths = (lengths * x.size(1)).cpu(); pack_padded_sequence(x, lengths)`
        if "*" in text and "len" in text and _SCALED_BY_SIZE.search(text):
            return True
        # What `_is_relative_lengths` needs: one name holding both "len" and a word for a
        # fraction (`rel_lens`, `length_ratio`), or `wav_lens`.
        # (each "len" widened to its whole word: much faster than a regex over every word)
        lowered = text.lower()
        if "percentages" in lowered:
            return True
        end = len(lowered)
        found = lowered.find("len")
        while found != -1:
            start, stop = found, found + 3
            while start > 0 and (lowered[start - 1].isalnum() or lowered[start - 1] == "_"):
                start -= 1
            while stop < end and (lowered[stop].isalnum() or lowered[stop] == "_"):
                stop += 1
            if _relative_name(lowered[start:stop]):
                return True
            found = lowered.find("len", stop)
        return False

    def on_call(self, node: cst.Call, ctx: Context) -> None:
        func = node.func
        if ctx.qualname(func) == PACK:
            self._scaled_into_pack(node, ctx)
            return
        product = None
        if isinstance(func, cst.Attribute) and func.attr.value in _CASTS and not node.args:
            product = func.value
        elif isinstance(func, cst.Attribute) and func.attr.value in ("to", "type") and node.args:
            target = dotted(node.args[0].value) or ""
            if target.rsplit(".", 1)[-1] in ("long", "int", "int64", "int32"):
                product = func.value
        elif isinstance(func, cst.Name) and func.value == "int" and len(node.args) == 1:
            product = node.args[0].value
        if product is None:
            return
        while isinstance(product, cst.Call) and isinstance(product.func, cst.Attribute) \
                and product.func.attr.value == "item" and not product.args:
            product = product.func.value  # int((wav_lens[i] * T).item())
        if isinstance(product, cst.Call) and len(product.args) == 1 and not product.args[0].keyword \
                and ctx.qualname(product.func) in ("torch.floor", "torch.trunc", "math.floor", "numpy.floor"):
            product = product.args[0].value  # torch.floor(wav_lens * T).long(): rounded down all the same
        elif isinstance(product, cst.Call) and isinstance(product.func, cst.Attribute) \
                and product.func.attr.value in ("floor", "trunc") and not product.args:
            product = product.func.value  # (wav_lens * T).floor().long()
        if isinstance(product, cst.Call) and isinstance(product.func, cst.Attribute) \
                and product.func.attr.value in ("mul", "mul_") and len(product.args) == 1:
            sides = (product.func.value, _int_of(product.args[0].value))  # percentages.mul_(int(T)): DeepSpeech
        elif isinstance(product, cst.BinaryOperation) and isinstance(product.operator, cst.Multiply):
            sides = (product.left, product.right)
        else:
            return
        relative = [s for s in sides if _is_relative_lengths(s, ctx)]
        scale = [s for s in sides if _is_time_length(s, ctx)]
        if not relative:
            # `(lengths * x.size(1)).long()`: absolute lengths times the padded length mean
            # nothing, so lengths scaled by it are relative whatever their name
            relative = [a for a, b in (sides, sides[::-1]) if _lengths_name(a) and _is_padded_length(b, ctx)]
        if relative and scale and relative[0] is not scale[0]:
            name = code_of(product)
            self.report(ctx, node, f"`{name}` is truncated towards zero: a relative length of 0.999 "
                                   "loses its last frame; round first")

    def _scaled_into_pack(self, node: cst.Call, ctx: Context) -> None:
        """``lengths = (lengths * x.size(1)).cpu(); pack_padded_sequence(x, lengths)``: lengths
        multiplied by the padded length are relative lengths (a fraction of it), and the pack
        converts them to int64 by truncation -- the cast is implicit but the same."""
        lengths = _unwrapped(arg_value(node, "lengths", 1))
        if isinstance(lengths, cst.Name):
            lengths = _unwrapped(next(assigned_values(ctx.scope, lengths), None))
        if not isinstance(lengths, cst.BinaryOperation) or not isinstance(lengths.operator, cst.Multiply):
            return
        sides = (lengths.left, lengths.right)
        for relative, scale in (sides, sides[::-1]):
            path = dotted(_unwrapped(relative)) or ""
            last = path.rsplit(".", 1)[-1]
            if (_relative_name(last.lower()) and _is_time_length(scale, ctx)) or (
                    V.looks_like_lengths(last) and _is_padded_length(scale, ctx)):
                self.report(ctx, node, f"`{code_of(lengths)}` scales relative lengths to steps, and "
                                       "pack_padded_sequence truncates them to int64: a product like 6.9999 "
                                       "packs one step too few; round first")
                return


def _int_of(node: cst.BaseExpression) -> cst.BaseExpression:
    """``int(x.size(3))``: ``x.size(3)``."""
    if isinstance(node, cst.Call) and isinstance(node.func, cst.Name) and node.func.value == "int" and len(node.args) == 1:
        return node.args[0].value
    return node


def _lengths_name(node: cst.BaseExpression) -> bool:
    if isinstance(node, cst.Subscript) and len(node.slice) == 1:
        node = node.value  # lengths[i]
    path = dotted(node)
    return path is not None and V.looks_like_lengths(path.rsplit(".", 1)[-1])


def _is_padded_length(node: cst.BaseExpression, ctx: Context) -> bool:
    """``x.size(1)`` or ``x.shape[1]`` written out: the padded length (a name bound from one is
    not followed, which keeps the text prefilter's pattern exact)."""
    if isinstance(node, cst.Call) and isinstance(node.func, cst.Attribute) and node.func.attr.value == "size" \
            and node.args:
        return True
    return isinstance(node, cst.Subscript) and isinstance(node.value, cst.Attribute) and node.value.attr.value == "shape"


def _unwrapped(node: cst.BaseExpression | None) -> cst.BaseExpression | None:
    """``x.cpu()``, ``x.to("cpu")``, ``x.detach()``, ``x.float()``: ``x``."""
    return through_methods(node, ("cpu", "to", "detach", "float", "double", "contiguous"))


def _is_relative_lengths(node: cst.BaseExpression, ctx: Context) -> bool:
    if isinstance(node, cst.Subscript) and len(node.slice) == 1:
        node = node.value  # wav_lens[i]: one sample's relative length
    path = dotted(node)
    if path is None:
        return False
    last = path.rsplit(".", 1)[-1].lower()
    if _relative_name(last):
        return True
    value = ctx.ev(node)
    return value is not None and value.kind == V.LENGTHS and ("lens" in last or "length" in last) and _float_hint(last)


def _relative_name(lowered: str) -> bool:
    # `maxlenratio`/`minlenratio` (ESPnet's decoding bounds) are one scalar, not lengths per sample.
    if "max" in lowered or "min" in lowered:
        return False
    # `frac_lengths`: a random fraction of each length drawn to size an infill span (E2/F5-TTS,
    # Voicebox), not each utterance's relative length
    if lowered.startswith("frac"):
        return False
    # `mask_percentages` (a random share of each sequence to mask for pre-training): how many
    # positions to hide, not a length
    if "mask" in lowered:
        return False
    # `input_percentages` (deepspeech.pytorch): each utterance's share of the padded length
    return "percentages" in lowered or "len" in lowered and any(word in lowered for word in (*_RELATIVE_WORDS, "wav_lens"))


def _float_hint(name: str) -> bool:
    return name in ("wav_lens", "lens_rel", "rel_lens", "relative_lengths")


def _is_time_length(node: cst.BaseExpression, ctx: Context) -> bool:
    value = ctx.ev(node)
    if value is not None and value.kind == V.DIM:
        return True
    if is_time_dim(value):
        return True
    if isinstance(node, cst.Subscript):
        base = node.value
        if isinstance(base, cst.Attribute) and base.attr.value == "shape":
            return True
    if isinstance(node, cst.Call) and isinstance(node.func, cst.Attribute) and node.func.attr.value == "size":
        return True
    path = dotted(node)
    return path is not None and V.looks_like_max_len(path.rsplit(".", 1)[-1])
