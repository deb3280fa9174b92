"""Catalogue of the codes used by runtime findings.

The runtime guard reuses the static rule code wherever the same bug is meant (``PADnnn``);
findings only the runtime can make use ``PAD-Rnnn``.  Each entry: code -> (kebab-case name,
one-line description).  Keep this table in sync with the static catalogue in ``rules/``.
"""

from __future__ import annotations

CODES: dict[str, tuple[str, str]] = {
    # --- shared with the static rules -------------------------------------------------------
    "PAD101": (
        "pack-lengths-missing",
        "pack_padded_sequence gets lengths that count padded steps (the padded length, or lengths "
        "past the real steps): padding is packed as data",
    ),
    "PAD201": (
        "rnn-state-over-padding",
        "h_n / c_n of an RNN run on a padded (not packed) tensor reaches the loss; for the "
        "shorter sequences that state was computed over padding steps",
    ),
    "PAD202": (
        "last-step-of-padded-output",
        "the last time step of a padded sequence tensor (output[-1] / output[:, -1]) is used; "
        "for shorter sequences that step is padding",
    ),
    "PAD203": (
        "bidirectional-last-valid-step",
        "a bidirectional RNN output is read only at lengths-1; its backward half there has "
        "seen a single token (take the backward summary at t=0 or from h_n)",
    ),
    "PAD301": (
        "unmasked-reduction",
        "a mean/sum over a padded dimension (mean pooling, reduction='none' loss .mean()) "
        "includes padded positions",
    ),
    "PAD302": (
        "masked-mean-wrong-denominator",
        "a masked sum is divided by the number of all positions (padding included) instead "
        "of the number of real positions: the loss is diluted",
    ),
    "PAD303": (
        "loss-counts-padded-targets",
        "a classification loss (cross_entropy / nll_loss) averages over padded targets; "
        "set ignore_index to the padding label",
    ),
    "PAD304": (
        "elementwise-loss-over-padding",
        "an elementwise loss (mse, l1, smooth_l1, bce...) with reduction='mean' averages over "
        "padded positions",
    ),
    "PAD305": (
        "ctc-lengths-from-shape",
        "ctc_loss got input_lengths / target_lengths equal to the padded size instead of the "
        "true lengths",
    ),
    "PAD401": (
        "attention-without-padding-mask",
        "attention over a padded batch without key_padding_mask / src_key_padding_mask: real "
        "positions attend to padding",
    ),
    "PAD402": (
        "padding-mask-polarity",
        "a key padding mask is True at the real tokens and False at the padding: PyTorch wants "
        "True = padding (a keep-mask such as HF's attention_mask must be inverted; also with a "
        "[CLS] column prepended as False)",
    ),
    "PAD403": (
        "weak-mask-fill",
        "the attention scores hold a written finite value at the pads (multiplied by the mask, "
        "filled with 0 or -100, an additive mask of 1/0) instead of -inf, so the softmax still "
        "gives them weight",
    ),
    "PAD405": (
        "positions-count-left-padding",
        "position ids arange(T) embedded for a left-padded batch: each shorter sequence's real "
        "tokens get positions shifted by its pad count, so they depend on the batch-mates",
    ),
    # --- runtime only -------------------------------------------------------------------
    "PAD-R001": (
        "gradient-reaches-padding",
        "a non-zero gradient reached padded positions of a tensor known to be padded, so "
        "padding changes the loss; the cause could not be narrowed further",
    ),
    "PAD-R002": (
        "rnn-over-padding-contaminates-outputs",
        "a bidirectional or left-padded RNN ran on a padded (not packed) tensor: its outputs "
        "at real positions differ from the packed reference, and they are used",
    ),
    "PAD-R003": (
        "empty-sequence",
        "an empty batch or a sequence of length 0: packing raises on it and masked means "
        "divide by zero",
    ),
    "PAD-R900": (
        "internal-guard-error",
        "padlint's own code failed while checking this step; the step itself ran unchanged",
    ),
}


def code_name(code: str) -> str:
    """Kebab-case name of a code (``"PAD201"`` -> ``"rnn-state-over-padding"``)."""
    return CODES.get(code, ("unknown", ""))[0]


__all__ = ["CODES", "code_name"]
