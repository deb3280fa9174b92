"""The rule catalogue as plain data: code, name, summary, opt-in, and where the rule lives.

Reading the catalogue (for `--select`, the configuration, `padlint rule --all`, a warm cached
run) must not import libcst or the rules; the rule modules are imported only when a file is
checked.  A test keeps this table and the rule classes in step.
"""

from __future__ import annotations

# code, name, summary, opt_in, module in padlint.static.rules, class
RULES: tuple[tuple[str, str, str, bool, str, str], ...] = (
    ('PAD101', 'pack-lengths-missing', 'pack_padded_sequence gets no lengths, or the padded length for every sample', False, 'pad101_pack_lengths_missing', 'PackLengthsMissing'),
    ('PAD102', 'pack-lengths-on-device', 'lengths moved to an accelerator before pack_padded_sequence (an error since torch 1.7)', False, 'pad102_pack_lengths_on_device', 'PackLengthsOnDevice'),
    ('PAD103', 'pack-unsorted-lengths', 'enforce_sorted left True while nothing in the file sorts the batch by length', False, 'pad103_pack_unsorted_lengths', 'PackUnsortedLengths'),
    ('PAD104', 'batch-first-mismatch', 'batch_first of a pack/unpack call disagrees with the tensor, its paired call, or the RNN it feeds', False, 'pad104_batch_first_mismatch', 'BatchFirstMismatch'),
    ('PAD105', 'unpack-without-total-length', "pad_packed_sequence without total_length, although the padded input's length is at hand", True, 'pad105_unpack_without_total_length', 'UnpackWithoutTotalLength'),
    ('PAD106', 'sorted-without-unsort', 'the batch is sorted by length for packing and the outputs are never put back in order', False, 'pad106_sorted_without_unsort', 'SortedWithoutUnsort'),
    ('PAD107', 'float-lengths-truncated', 'lengths computed from relative (float) lengths times T without rounding', False, 'pad107_float_lengths_truncated', 'FloatLengthsTruncated'),
    ('PAD201', 'rnn-state-over-padding', 'the final state h_n/c_n of an RNN run on a padded (not packed) tensor is used', False, 'pad201_rnn_state_over_padding', 'RnnStateOverPadding'),
    ('PAD202', 'last-step-of-padded-output', 'the last time step of a padded RNN output is used: padding for every shorter sequence', False, 'pad202_last_step_of_padded_output', 'LastStepOfPaddedOutput'),
    ('PAD203', 'bidirectional-last-valid-step', 'the output at lengths - 1 of a bidirectional RNN is used as its summary', False, 'pad203_bidirectional_last_valid_step', 'BidirectionalLastValidStep'),
    ('PAD204', 'bidirectional-over-padding', 'the outputs of a bidirectional RNN run on a right-padded batch without packing are used', False, 'pad204_bidirectional_over_padding', 'BidirectionalOverPadding'),
    ('PAD301', 'unmasked-reduction', 'mean/sum/max over the time axis (or everything) of a padded tensor with no mask applied', False, 'pad301_unmasked_reduction', 'UnmaskedReduction'),
    ('PAD302', 'masked-mean-wrong-denominator', 'masked values averaged over all positions: (x * mask).mean(), (x * mask).sum() / x.numel()', False, 'pad302_masked_mean_wrong_denominator', 'MaskedMeanWrongDenominator'),
    ('PAD303', 'loss-counts-padded-targets', 'CrossEntropyLoss/NLLLoss on padded targets without an ignore_index equal to the padding value', False, 'pad303_loss_counts_padded_targets', 'LossCountsPaddedTargets'),
    ('PAD304', 'elementwise-loss-over-padding', "an elementwise loss (MSE, L1, BCE...) with reduction='mean' over padded predictions or targets", False, 'pad304_elementwise_loss_over_padding', 'ElementwiseLossOverPadding'),
    ('PAD305', 'ctc-lengths-from-shape', 'CTC input_lengths set to the padded time dimension for every sample, while real lengths exist', False, 'pad305_ctc_lengths_from_shape', 'CtcLengthsFromShape'),
    ('PAD306', 'loss-mask-not-shifted', 'a next-token loss on targets x[:, 1:] weighted by a mask sliced [:, :-1] like the inputs', False, 'pad306_loss_mask_not_shifted', 'LossMaskNotShifted'),
    ('PAD307', 'crf-without-mask', "a CRF's likelihood or Viterbi decoding over a padded batch without the mask (the pads join the paths)", False, 'pad307_crf_without_mask', 'CrfWithoutMask'),
    ('PAD401', 'attention-without-padding-mask', 'nn.MultiheadAttention / nn.Transformer* (or a hand-written attention softmax) over a padded batch without any padding mask', False, 'pad401_attention_without_padding_mask', 'AttentionWithoutPaddingMask'),
    ('PAD402', 'padding-mask-polarity', 'a keep-mask (True = real token) passed where PyTorch expects True = padding', False, 'pad402_padding_mask_polarity', 'PaddingMaskPolarity'),
    ('PAD403', 'weak-mask-fill', 'scores filled with 0 or a tiny number (or multiplied by a mask) before softmax, instead of -inf', False, 'pad403_weak_mask_fill', 'WeakMaskFill'),
    ('PAD404', 'mask-result-discarded', 'x.masked_fill(mask, v) (or an in-place fill of a copy) as a statement: its result is thrown away', False, 'pad404_mask_result_discarded', 'MaskResultDiscarded'),
    ('PAD405', 'positions-count-left-padding', "position ids arange(T) on a left-padded batch: each shorter sequence's positions start after its pads", False, 'pad405_positions_count_left_padding', 'PositionsCountLeftPadding'),
    ('PAD501', 'mask-built-in-loop', 'a padding mask built by a Python loop over lengths instead of one vectorised comparison', False, 'pad501_mask_built_in_loop', 'MaskBuiltInLoop'),
)
