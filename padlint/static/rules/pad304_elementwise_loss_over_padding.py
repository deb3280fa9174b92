"""PAD304 elementwise-loss-over-padding: MSE/L1/BCE averaged over padded positions."""

from __future__ import annotations

import libcst as cst

from padlint.static import values as V
from padlint.static.analysis import (
    ELEMENTWISE_LOSSES,
    FUNCTIONAL_ELEMENTWISE_LOSSES,
    Context,
    arg_value,
    literal,
    unused_local_mask,
    unused_mask_parameter,
)
from padlint.static.rule import PADDING, Rule

# Where padding on a prediction is certain: made by these, not merely passed through a model.
_POSITIONAL_ORIGINS = {"pad_sequence", "unpack", "rnn", "embedding", "canvas", "F.pad", "tokenizer", "dense_batch"}


class ElementwiseLossOverPadding(Rule):
    code = "PAD304"
    name = "elementwise-loss-over-padding"
    summary = "an elementwise loss (MSE, L1, BCE...) with reduction='mean' over padded predictions or targets"
    fix_hint = ("Use `reduction='none'` and average over real positions: `(loss * mask).sum() / mask.sum()`, "
                "or select them first: `loss_fn(pred[mask], target[mask])`.")
    triggers = tuple(name.rsplit(".", 1)[1] for name in ELEMENTWISE_LOSSES) + tuple(
        name.rsplit(".", 1)[1] for name in FUNCTIONAL_ELEMENTWISE_LOSSES)
    file_gates = (("full", PADDING),)  # something in the file is padded

    def on_call(self, node: cst.Call, ctx: Context) -> None:
        qual = ctx.qualname(node.func)
        if qual in FUNCTIONAL_ELEMENTWISE_LOSSES:
            reduction = arg_value(node, "reduction", None)
            # (`weight=` may carry the mask; `pos_weight=` is one weight per class, never a mask)
            weighted = any(a.keyword is not None and a.keyword.value == "weight" and literal(a.value) is not None
                           for a in node.args)
            name = qual.rsplit(".", 1)[1]
        else:
            callee = ctx.ev(node.func)
            if callee is None or callee.kind != V.MODULE or callee.cls not in ELEMENTWISE_LOSSES:
                return
            kwargs = callee.kwargs or {}
            reduction = kwargs.get("reduction")
            weighted = "weight" in kwargs
            name = callee.cls.rsplit(".", 1)[1]
        if any(a.star for a in node.args) or weighted:
            return
        # (kl_div's "batchmean": the sum over every position, padded ones too, over the rows)
        if reduction is not None and literal(reduction) not in ("mean", "batchmean"):
            return
        args = [a.value for a in node.args if a.keyword is None][:2]
        vals = [ctx.ev(a) for a in args]
        if any(v is not None and v.kind == V.TENSOR and v.masked for v in vals):
            return  # a masked product: PAD302's business
        prediction = vals[0] if vals else None
        target = vals[1] if len(vals) > 1 else None
        if reduction is not None and literal(reduction) == "batchmean" and (target is None or target.zero_pads is not False):
            return  # kl_div sums target * log(target / q): targets that are 0 at the pads add nothing
        certain = V.is_strongly_padded(target) or (
            V.is_strongly_padded(prediction) and prediction.origin in _POSITIONAL_ORIGINS)
        if not certain:
            unused = unused_mask_parameter(ctx)
            built = unused_local_mask(ctx) if unused is None else None
            if unused is None and built is None \
                    or not (V.is_padded(prediction) and (target is None or V.is_padded(target))):
                return
            if built is not None:
                self.report(ctx, node, f"`{name}` averages over every position, padding included: `{built}` is "
                                       "built in this function but never applied")
                return
            self.report(ctx, node, f"`{name}` averages over every position although `{unused}` says which are "
                                   "padding: the mask is never applied")
            return
        self.report(ctx, node, f"`{name}` averages over every position of padded "
                               f"{'targets' if V.is_strongly_padded(target) else 'predictions'}, padding included")


def _is_mask(value: V.Val | None) -> bool:
    return value is not None and value.kind == V.MASK
