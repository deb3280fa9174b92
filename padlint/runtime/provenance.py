"""Where the padding is: a weak, identity-keyed table tensor -> PadInfo.

A PadInfo keeps the padding mask in the tensor's *own* layout over its leading dimensions
(True = padding): for a batch-first ``(B, T, E)`` tensor the mask is ``(B, T)``, for a
time-major ``(T, B, E)`` tensor it is ``(T, B)``; ``bdim`` says which mask dimension is the
batch (None when unknown, e.g. a flattened ``(B*T,)`` mask).  Entries die with their tensor.
"""

from __future__ import annotations

import weakref
from typing import Any, Optional

import torch

# priority of sources when two disagree (higher wins)
PRIORITY = {
    "mark": 100,
    "packed": 90,
    "pad_packed_sequence": 90,
    "pad_sequence": 80,
    "padding_idx": 70,
    "ignore_index": 65,
    "key_padding_mask": 60,
    "pad_value": 50,
    "propagated": 40,
}


class PadInfo:
    __slots__ = ("mask", "bdim", "source", "kind", "meta", "__weakref__")

    def __init__(
        self, mask: torch.Tensor, bdim: Optional[int], source: str, kind: str = "seq", meta: Optional[dict] = None
    ):
        self.mask = mask  # bool, True = padding, shape == tensor.shape[:mask.ndim]
        self.bdim = bdim
        self.source = source
        self.kind = kind  # "seq" | "loss_elems" | "rnn_packed" (meta only, no mask)
        self.meta = meta if meta is not None else {}

    def derive(self, mask: torch.Tensor, bdim: Optional[int]) -> "PadInfo":
        return PadInfo(mask, bdim, self.source, self.kind, self.meta)  # meta shared along a chain


class Registry:
    """id(tensor) -> (weakref, PadInfo); lookups cost one dict access."""

    def __init__(self) -> None:
        self._d: dict[int, tuple[Any, PadInfo]] = {}

    def __len__(self) -> int:
        return len(self._d)

    def set(self, t: torch.Tensor, info: PadInfo) -> None:
        key = id(t)
        d = self._d

        def _gone(ref, key=key, d=d):
            e = d.get(key)
            if e is not None and e[0] is ref:
                del d[key]

        d[key] = (weakref.ref(t, _gone), info)

    def get(self, t: Any) -> Optional[PadInfo]:
        e = self._d.get(id(t))
        if e is None or e[0]() is not t:
            return None
        return e[1]

    def lookup(self, t: Any) -> Optional[PadInfo]:
        """PadInfo of ``t`` or, for a view, of the tensor it views (mask re-aligned)."""
        info = self.get(t)
        if info is not None or not isinstance(t, torch.Tensor):
            return info
        base = t._base
        if base is None:
            return None
        binfo = self.get(base)
        if binfo is None or binfo.kind != "seq":
            return None
        m = leading_mask(binfo.mask, tuple(t.shape))
        if m is None:
            return None
        bdim = binfo.bdim if m.shape == binfo.mask.shape else None
        return binfo.derive(m, bdim)

    def clear(self) -> None:
        self._d.clear()


REGISTRY = Registry()


# ---------------------------------------------------------------------------------------
# mask utilities

def lengths_to_mask(lengths: torch.Tensor, T: int, batch_first: bool) -> torch.Tensor:
    """Mask (True = padding) from lengths: (B, T) if batch_first else (T, B)."""
    ar = torch.arange(T, device=lengths.device)
    m = ar.unsqueeze(0) >= lengths.unsqueeze(1)
    return m if batch_first else m.t()


def leading_mask(mask: torch.Tensor, shape: tuple) -> Optional[torch.Tensor]:
    """Re-express ``mask`` as a mask over the leading dims of a tensor of ``shape``.

    Handles: same leading dims, flattened leading dims ``(B*T, ...)``.
    """
    k = mask.dim()
    if len(shape) >= k and tuple(shape[:k]) == tuple(mask.shape):
        return mask
    if len(shape) >= 1 and k >= 2 and shape[0] == mask.numel():
        return mask.reshape(-1)
    return None


def broadcast_mask(mask: torch.Tensor, shape: tuple) -> Optional[torch.Tensor]:
    """A bool tensor broadcastable to ``shape`` marking padded positions, or None.

    Handles the ``leading_mask`` cases, a transposed 2-D mask (time-major vs batch-first),
    and the class-dim-second loss layout ``(B, C, T)`` for a ``(B, T)`` mask.
    """
    nd = len(shape)
    m = leading_mask(mask, shape)
    if m is not None:
        return m.reshape(tuple(m.shape) + (1,) * (nd - m.dim()))
    if mask.dim() == 2:
        B, T = mask.shape
        if nd >= 2 and (shape[0], shape[1]) == (T, B) and B != T:
            mt = mask.t()
            return mt.reshape(tuple(mt.shape) + (1,) * (nd - 2))
        if nd >= 3 and shape[0] == B and shape[2] == T:
            return mask.reshape(B, 1, T, *((1,) * (nd - 3)))
    return None


def classify(mask_bt: torch.Tensor) -> tuple[str, torch.Tensor]:
    """('right' | 'left' | 'interior' | 'none', lengths) for a (B, T) padding mask."""
    real = ~mask_bt
    lengths = real.sum(1)
    T = mask_bt.shape[1]
    if bool(real.all()):
        return "none", lengths
    ar = torch.arange(T, device=mask_bt.device).unsqueeze(0)
    if bool((real == (ar < lengths.unsqueeze(1))).all()):
        return "right", lengths
    if bool((real == (ar >= (T - lengths).unsqueeze(1))).all()):
        return "left", lengths
    return "interior", lengths


def mask_from_kpm(kpm: torch.Tensor) -> Optional[torch.Tensor]:
    """key_padding_mask (bool True = pad, or additive float with -inf at pads) -> bool mask."""
    if kpm.dtype == torch.bool:
        return kpm
    if kpm.is_floating_point():
        return torch.isneginf(kpm) | (kpm < -1e8)
    return kpm != 0


__all__ = [
    "PadInfo",
    "Registry",
    "REGISTRY",
    "lengths_to_mask",
    "leading_mask",
    "broadcast_mask",
    "classify",
    "mask_from_kpm",
]
