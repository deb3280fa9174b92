"""Reference recomputations ("oracles") that tell what the padding changed.

Everything here runs under ``torch.no_grad()`` with the RNG state forked, calls
``module.forward`` directly (no user hooks fire), flips ``module.training`` only for the
duration of the call (and only when the RNN has inter-layer dropout), and never touches a
parameter, buffer or optimizer state.
"""

from __future__ import annotations

import contextlib
from typing import Any, Optional

import torch
from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence


@contextlib.contextmanager
def preserved_rng(*tensors: Any):
    """Save and restore the CPU generator and the CUDA generators of the given tensors."""
    devices = sorted(
        {t.device.index or 0 for t in tensors if isinstance(t, torch.Tensor) and t.device.type == "cuda"}
    )
    cpu_state = torch.get_rng_state()
    cuda_states = [torch.cuda.get_rng_state(d) for d in devices] if devices else []
    try:
        yield
    finally:
        # Restore only what moved.  Setting a CUDA generator's state, even to the same value,
        # makes cuDNN re-seed its RNN dropout state at the user's next training forward (from
        # that generator): the dropout masks and the RNG stream would then differ from an
        # unguarded run.
        if not torch.equal(torch.get_rng_state(), cpu_state):
            torch.set_rng_state(cpu_state)
        for d, s in zip(devices, cuda_states):
            if not torch.equal(torch.cuda.get_rng_state(d), s):
                torch.cuda.set_rng_state(s, d)


@contextlib.contextmanager
def training_flag(module: torch.nn.Module, training: bool):
    old = module.training
    module.training = training
    try:
        yield
    finally:
        module.training = old


def _tf32_knobs() -> list:
    """The objects whose ``fp32_precision`` (PyTorch >= 2.9) says whether CUDA float32 work may
    run in TF32: cuDNN convolutions, cuDNN RNNs and cuBLAS matmuls.  Empty on older versions."""
    cudnn, mm = torch.backends.cudnn, torch.backends.cuda.matmul
    knobs = [getattr(cudnn, "conv", None), getattr(cudnn, "rnn", None), mm]
    if all(k is not None and isinstance(getattr(k, "fp32_precision", None), str) for k in knobs):
        return knobs
    return []


def tf32_possible() -> bool:
    """May float32 RNN/matmul work on a CUDA device run in TF32 now (PyTorch's default for cuDNN)?"""
    knobs = _tf32_knobs()
    if knobs:
        return any(k.fp32_precision == "tf32" for k in knobs)
    return bool(torch.backends.cudnn.allow_tf32 or torch.backends.cuda.matmul.allow_tf32)


@contextlib.contextmanager
def full_fp32(active: bool = True):
    """Inside, float32 cuDNN/cuBLAS work runs in full float32 (no TF32); restored exactly after.

    Only the settings that allow TF32 are switched (to "ieee"), through ``fp32_precision``
    where PyTorch has it (mixing it with the legacy ``allow_tf32`` flags raises in recent
    versions), through the legacy flags otherwise.
    """
    if not active:
        yield
        return
    knobs = _tf32_knobs()
    if knobs:
        changed = [k for k in knobs if k.fp32_precision == "tf32"]
        try:
            for k in changed:
                k.fp32_precision = "ieee"
            yield
        finally:
            for k in changed:
                k.fp32_precision = "tf32"
        return
    cudnn, mm = torch.backends.cudnn, torch.backends.cuda.matmul
    old_flags = (cudnn.allow_tf32, mm.allow_tf32)
    try:
        if old_flags[0]:
            cudnn.allow_tf32 = False
        if old_flags[1]:
            mm.allow_tf32 = False
        yield
    finally:
        if old_flags[0]:
            cudnn.allow_tf32 = True
        if old_flags[1]:
            mm.allow_tf32 = True


def default_tol(
    dtype: torch.dtype, atol: Optional[float], rtol: Optional[float], autocast_aware: bool = True
) -> tuple[float, float]:
    """(atol, rtol) for comparing with a reference computed in ``dtype``.

    Under autocast the user's run and the reference may run in different dtypes (e.g. the
    padded LSTM in bf16, the packed one in fp32), so the tolerance is loosened unless
    ``autocast_aware`` is False (the loss oracle recomputes on the very same inputs).
    """
    loose = autocast_aware and (torch.is_autocast_enabled() or _cpu_autocast())
    if dtype in (torch.float16, torch.bfloat16) or loose:
        a, r = 3e-2, 3e-2
    elif dtype == torch.float64:
        a, r = 1e-8, 1e-6
    else:
        a, r = 1e-4, 1e-4
    return (a if atol is None else atol, r if rtol is None else rtol)


def _cpu_autocast() -> bool:
    try:
        return torch.is_autocast_enabled("cpu")
    except TypeError:  # older signature
        return torch.is_autocast_cpu_enabled()


def _split_state(state: Any) -> list[torch.Tensor]:
    if isinstance(state, tuple):
        return [s for s in state if isinstance(s, torch.Tensor)]
    return [state] if isinstance(state, torch.Tensor) else []


def rnn_packed_reference(
    mod: torch.nn.RNNBase,
    x: torch.Tensor,
    hx: Any,
    mask_bt: torch.Tensor,
    geometry: str,
    lengths: torch.Tensor,
    user_out: torch.Tensor,
    user_state: Any,
) -> dict:
    """Run ``mod`` on the packed version of the padded batch ``x`` and compare.

    ``mask_bt``: (B, T) padding mask; ``geometry``: "right" or "left"; ``lengths``: (B,)
    true lengths (all > 0).  Returns per-row max |difference| of outputs at real positions
    (``dout``, shape (B,)) and of the final states (``dstate``, list of (B,) tensors), all
    computed on the packed reference vs the user's padded run.
    """
    bf = mod.batch_first
    B, T = mask_bt.shape
    x_bt = x if bf else x.transpose(0, 1)
    dev = x.device
    ar = torch.arange(T, device=dev).unsqueeze(0)
    if geometry == "left":
        # move each row's real steps to the front: new position j reads old (j + T - L) mod T
        idx = (ar + (T - lengths.to(dev)).unsqueeze(1)) % T  # (B, T)
    else:
        idx = None

    def front(t_bt: torch.Tensor) -> torch.Tensor:
        if idx is None:
            return t_bt
        g = idx.reshape(B, T, *([1] * (t_bt.dim() - 2))).expand_as(t_bt)
        return t_bt.gather(1, g)

    lengths_cpu = lengths.detach().to("cpu", torch.int64)
    need_eval = bool(mod.training and getattr(mod, "dropout", 0.0) > 0 and mod.num_layers > 1)
    # On a GPU, cuDNN runs float32 RNNs in TF32 by default, and the packed and padded kernels
    # round differently (differences of 1e-4..1e-3 on correct code): both runs are then redone
    # here in full float32, so that the comparison sees the padding and not the rounding.
    strict = bool(dev.type == "cuda" and x.dtype == torch.float32 and tf32_possible())
    with preserved_rng(x), torch.no_grad(), training_flag(mod, False if need_eval else mod.training), \
            full_fp32(strict):
        packed = pack_padded_sequence(front(x_bt), lengths_cpu, batch_first=True, enforce_sorted=False)
        out_p, state_p = mod.forward(packed, hx)
        o_p, _ = pad_packed_sequence(out_p, batch_first=True, total_length=T)
        if need_eval or strict:
            out_u, state_u = mod.forward(x, hx)
        else:
            out_u, state_u = user_out, user_state
        out_u = out_u.detach()
        o_u = front(out_u if bf else out_u.transpose(0, 1))
        real_front = (ar < lengths.to(dev).unsqueeze(1)).unsqueeze(-1)
        diff = torch.where(real_front, (o_p.float() - o_u.float()).abs(), torch.zeros((), device=dev))
        dout = diff.amax(dim=(1, 2))
        dstate = []
        for sp, su in zip(_split_state(state_p), _split_state(state_u)):
            dstate.append((sp.float() - su.detach().float()).abs().amax(dim=(0, 2)))
        ref_scale = o_p.abs().amax()
    return {"dout": dout, "dstate": dstate, "scale": ref_scale, "dtype": o_u.dtype}


__all__ = ["preserved_rng", "training_flag", "default_tol", "rnn_packed_reference", "full_fp32", "tf32_possible"]
