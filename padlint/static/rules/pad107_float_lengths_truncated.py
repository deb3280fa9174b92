"""PAD107 float-lengths-truncated: relative lengths times T converted with truncation."""

from __future__ import annotations

import libcst as cst

from padlint.static import values as V
from padlint.static.analysis import Context, is_time_dim
from padlint.static.names import code_of, dotted
from padlint.static.rule import Rule

_CASTS = {"long", "int", "int64", "int32"}
_RELATIVE_WORDS = ("rel", "ratio", "frac", "pct", "percent")


class FloatLengthsTruncated(Rule):
    code = "PAD107"
    name = "float-lengths-truncated"
    summary = "lengths computed from relative (float) lengths times T without rounding"
    fix_hint = "Round before converting: `(rel_lens * T).round().long()`."
    triggers = ("rel", "ratio", "frac", "pct", "percent", "wav_lens")
    also_requires = (("len",),)

    def may_apply(self, text: str) -> bool:
        # What `_is_relative_lengths` needs: one name holding both "len" and a word for a
        # fraction (`rel_lens`, `length_ratio`), or `wav_lens`.
        # (each "len" widened to its whole word: much faster than a regex over every word)
        lowered = text.lower()
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
        if not isinstance(product, cst.BinaryOperation) or not isinstance(product.operator, cst.Multiply):
            return
        sides = (product.left, product.right)
        relative = [s for s in sides if _is_relative_lengths(s, ctx)]
        scale = [s for s in sides if _is_time_length(s, ctx)]
        if relative and scale and relative[0] is not scale[0]:
            name = code_of(product)
            self.report(ctx, node, f"`{name}` is truncated towards zero: a relative length of 0.999 "
                                   "loses its last frame; round first")


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
    return "len" in lowered and any(word in lowered for word in (*_RELATIVE_WORDS, "wav_lens"))


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
