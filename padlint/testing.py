"""Test helpers for padding bugs (imports torch).

``assert_batch_invariant`` is a one-line unit test: a sample's output must not depend on
which other samples it is batched with, nor on how much padding that adds.  It catches what
gradient checks cannot: ``batch_first`` mismatches, sorting without un-sorting, BatchNorm,
convolutions or pooling that run over padding, attention without a padding mask.
``assert_no_padding_leak`` runs a step under ``padlint.guard(every=1)`` and fails on any
finding: the gradient and oracle checks as a unit test.
"""

from __future__ import annotations

import random
from typing import Any, Callable, Optional, Sequence

import torch

from padlint.runtime.oracles import full_fp32

__all__ = ["assert_batch_invariant", "assert_no_padding_leak", "BatchInvarianceError"]


class BatchInvarianceError(AssertionError):
    """A sample's output changed when it was batched with other samples."""


def _default_length(sample: Any) -> int:
    if isinstance(sample, torch.Tensor):
        return int(sample.shape[0])
    if isinstance(sample, dict):
        for v in sample.values():
            if isinstance(v, torch.Tensor) and v.dim() >= 1:
                return int(v.shape[0])
    if isinstance(sample, (tuple, list)):
        for v in sample:
            if isinstance(v, torch.Tensor) and v.dim() >= 1:
                return int(v.shape[0])
    raise TypeError(
        "assert_batch_invariant: cannot tell the length of a sample of type "
        f"{type(sample).__name__}; pass length_fn=lambda sample: <its number of time steps>"
    )


def _outputs(out: Any) -> list[tuple[str, torch.Tensor]]:
    if isinstance(out, torch.Tensor):
        return [("output", out)]
    if isinstance(out, dict):
        return [(str(k), v) for k, v in out.items() if isinstance(v, torch.Tensor)]
    if isinstance(out, (tuple, list)):
        return [(f"output[{i}]", v) for i, v in enumerate(out) if isinstance(v, torch.Tensor)]
    raise TypeError(
        "assert_batch_invariant: model_fn must return a tensor, or a tuple/list/dict of tensors, "
        f"got {type(out).__name__}"
    )


def assert_batch_invariant(
    model_fn: Callable[[Any], Any],
    samples: Sequence[Any],
    collate_fn: Callable[[list], Any],
    *,
    length_fn: Optional[Callable[[Any], int]] = None,
    batch_sizes: Sequence[int] = (2, 3, 4),
    trials: int = 3,
    seed: int = 0,
    atol: float = 1e-5,
    rtol: float = 1e-4,
    no_grad: bool = True,
) -> dict:
    """Assert that every sample's output is the same alone and inside padded batches.

    model_fn:
        Called with a batch made by ``collate_fn``; returns a tensor (or a tuple/list/dict of
        tensors) whose **first dimension is the batch**.  Put the model in ``eval()`` first if
        it has dropout; it runs under ``torch.no_grad()`` unless ``no_grad=False``.
    samples:
        Individual samples, as ``collate_fn`` takes them (at least 2).
    collate_fn:
        Turns a list of samples into a padded batch (your DataLoader's collate function).
    length_fn:
        A sample's number of real time steps.  Default: ``shape[0]`` of the sample if it is a
        tensor, else of the first tensor found in the tuple/list/dict (e.g. ``input_ids``).

    How outputs are compared: each sample is run alone (a batch of one, padded to its own
    length) and then in shuffled batches (``trials`` rounds; batch sizes cycle through
    ``batch_sizes``; each round gives it different batch mates).  For every returned tensor:
    if its dimension 1 equals the batch's padded length in the batched run and the sample's
    length in the solo run, it is a *sequence output* and is compared at the sample's real
    positions ``[:length]`` only; otherwise the whole row is compared (pooled outputs,
    logits).  Values must match within ``atol + rtol * |solo|``.  On a machine with CUDA the
    model runs with TF32 switched off (restored after), so float32 rounding stays far below
    the tolerance.

    Raises :class:`BatchInvarianceError` (an AssertionError) naming the sample, its
    length, its batch mates and the largest difference.  Returns a small report dict
    (``max_diff``, ``comparisons``) when everything matches.
    """
    samples = list(samples)
    if len(samples) < 2:
        raise ValueError("assert_batch_invariant: give at least 2 samples")
    if not batch_sizes or min(batch_sizes) < 2:
        raise ValueError("assert_batch_invariant: batch_sizes must be integers >= 2")
    length_fn = length_fn or _default_length
    lengths = [int(length_fn(s)) for s in samples]
    ctx = torch.no_grad if no_grad else torch.enable_grad

    # On a GPU, float32 cuDNN RNNs run in TF32 by default and kernels picked per batch shape
    # round differently: compare in full float32 so that rounding is not taken for padding.
    with ctx(), full_fp32(torch.cuda.is_available()):
        solo = []
        for s in samples:
            solo.append([(n, t.detach()) for n, t in _outputs(model_fn(collate_fn([s])))])
        rng = random.Random(seed)
        max_diff = 0.0
        comparisons = 0
        for trial in range(trials):
            order = list(range(len(samples)))
            rng.shuffle(order)
            if trial % 2 == 1:
                order.reverse()
            pos = 0
            k = 0
            while pos < len(order):
                bs = batch_sizes[(trial + k) % len(batch_sizes)]
                idx = order[pos : pos + bs]
                pos += bs
                k += 1
                if len(idx) < 2:
                    idx = order[max(0, len(order) - 2):]  # never leave a sample alone
                batch_out = _outputs(model_fn(collate_fn([samples[i] for i in idx])))
                T = max(lengths[i] for i in idx)
                for name, bt in batch_out:
                    if bt.dim() == 0 or bt.shape[0] != len(idx):
                        raise BatchInvarianceError(
                            f"assert_batch_invariant: {name} has shape {tuple(bt.shape)} for a batch of "
                            f"{len(idx)}; model_fn must return outputs with the batch dimension first"
                        )
                for j, i in enumerate(idx):
                    L = lengths[i]
                    for (name, bt), (_, st) in zip(batch_out, solo[i]):
                        b_row = bt[j]
                        s_row = st[0]
                        is_seq = bt.dim() >= 2 and st.dim() >= 2 and bt.shape[1] == T and st.shape[1] == L
                        if is_seq and b_row.shape[1:] == s_row.shape[1:]:
                            b_row, s_row = b_row[:L], s_row[:L]
                        elif b_row.shape != s_row.shape:
                            raise BatchInvarianceError(
                                f"assert_batch_invariant: sample {i} (length {L}): {name} has shape "
                                f"{tuple(s_row.shape)} alone but {tuple(b_row.shape)} in a batch padded to {T}; "
                                "sequence outputs must have time as dimension 1"
                            )
                        b_row = b_row.to(s_row.device).float()
                        s_row = s_row.float()
                        diff = (b_row - s_row).abs()
                        bad = diff > atol + rtol * s_row.abs()
                        d = float(diff.max()) if diff.numel() else 0.0
                        nan_mismatch = bool((torch.isnan(b_row) != torch.isnan(s_row)).any())
                        comparisons += 1
                        if bool(bad.any()) or nan_mismatch:
                            where = bad.nonzero()[0].tolist() if bool(bad.any()) else "NaN"
                            raise BatchInvarianceError(
                                f"sample {i} (length {L}) gives a different {name} when batched with samples "
                                f"{[x for x in idx if x != i]} (batch of {len(idx)} padded to length {T}, trial "
                                f"{trial}): max |difference| {d:.3g} (first at index {where}); alone and batched "
                                "outputs must match. Typical causes: batch_first mismatch, sorting without "
                                "un-sorting, pooling/BatchNorm/convolution or attention over padding."
                            )
                        max_diff = max(max_diff, d if d == d else 0.0)
    return {"max_diff": max_diff, "comparisons": comparisons}


def assert_no_padding_leak(step_fn: Callable[[], Any], steps: int = 1, **guard_kwargs: Any) -> list:
    """Run ``step_fn()`` ``steps`` times under ``padlint.guard(mode="record", every=1)`` and
    assert that no padding leaked (internal PAD-R900 findings do not count).

    ``step_fn`` is one training (forward + backward [+ optimizer step]) or evaluation step;
    extra keyword arguments go to :func:`padlint.guard` (e.g. ``pad_value=0``).  Raises an
    AssertionError listing the findings; returns the (empty) list of findings otherwise.
    """
    from padlint.runtime import guard

    kw = {"mode": "record", "every": 1, "summary": False}
    kw.update(guard_kwargs)
    with guard(**kw) as g:
        for _ in range(steps):
            step_fn()
            g.step()
    leaks = [f for f in g.findings if f.code != "PAD-R900"]
    if leaks:
        raise AssertionError(
            "padding leaks into the result:\n" + "\n".join("  " + f.format() for f in leaks)
        )
    return leaks
