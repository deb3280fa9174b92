"""``padlint.guard()``: check on the real batch that padded positions change nothing.

How it works (see ``/work/shared/research/runtime-guard-notes.md`` for the measurements):

* **Where the padding is** -- a weak identity-keyed table (``provenance.REGISTRY``) filled by a
  narrowly filtered ``TorchFunctionMode`` (``pad_sequence``, ``pad_packed_sequence``,
  ``F.embedding(padding_idx=...)``, the losses, and position-keeping ops that carry a mask
  along: ``.to()``, ``view``/``reshape``, ``+``/``*``, ``F.linear``, ``F.dropout``, ...) and by
  global module forward hooks (RNNs, attention modules with ``*key_padding_mask``), plus
  ``padlint.mark()`` and ``guard(pad_value=...)``.
* **Verdict** -- gradient probes (``Tensor.register_hook``) on the few tensors known to be
  padded: they only *record* ``max |grad|`` at padded positions; the verdict is computed
  after backward, at the step boundary.  A correctly masked loss gives exactly 0 there.
* **Explanation** -- oracles on sampled steps: the packed recomputation of an RNN run on a
  padded tensor, the masked reference of a loss, the normaliser of a ``reduction='none'``
  loss read from its gradient.  They run under ``no_grad`` with the RNG state restored,
  call ``module.forward`` directly, and never touch parameters, buffers or optimizer state.
* **Step boundary** -- the global optimizer step post-hook, ``guard.step()``,
  ``guard.check()`` and the exit of the ``with`` block.  ``PaddingLeakError`` is raised
  only there, never from inside an autograd hook (that would break DDP).  The
  TorchFunctionMode is suspended while ``optimizer.step()`` runs (it has nothing to check
  there and the optimizer makes hundreds of small torch calls).

Distributed: each rank checks its own batches (sampling is a function of the step index, so
all ranks check the same steps); ``guard.check(all_reduce=True)`` (a collective) and, by
default, the guard's exit gather all ranks' findings into ``guard.all_findings`` (each with its
``rank``); in raise mode every rank then raises together.

Known gaps: collate functions running in DataLoader worker processes are invisible (the
embedding's ``padding_idx``, the losses' targets, ``padlint.mark`` or ``pad_value`` still give
the padding); forward passes in other threads (``nn.DataParallel`` replicas) are not seen;
TorchScript modules are opaque; inside ``torch.compile``'d graphs only ``nn.Embedding`` and
RNN modules are seen (one warning says so); whether ``h_n`` is used is judged by its gradient,
so under ``no_grad`` PAD201 is not reported; a zero-padding *sum* pooling that is harmless
for the value is still reported (the gradient definition is stricter than "changes the loss").
"""

from __future__ import annotations

import atexit
import functools
import inspect
import math
import re
import sys
import threading
import warnings
import weakref
from typing import Any, Callable, Optional

import torch
import torch.nn.functional as F
from torch.nn.modules import module as _module_mod
from torch.nn.utils.rnn import PackedSequence
from torch.overrides import TorchFunctionMode

from padlint.runtime.findings import (
    Finding,
    PaddingLeakError,
    PaddingLeakWarning,
    PadlintInternalWarning,
    format_table,
    user_location,
)
from padlint.runtime.oracles import default_tol, preserved_rng, rnn_packed_reference
from padlint.runtime.provenance import (
    REGISTRY,
    PadInfo,
    broadcast_mask,
    classify,
    leading_mask,
    lengths_to_mask,
    mask_from_kpm,
)

_MODES = ("raise", "warn", "record")
_NO_TORCH_FUNCTION = torch._C.DisableTorchFunction
_GUARDS: list["Guard"] = []  # active guards, innermost last; only the innermost handles events


def _is_compiling() -> bool:
    try:
        return torch.compiler.is_compiling()
    except Exception:  # pragma: no cover
        return False


_DESCR: "weakref.WeakKeyDictionary" = weakref.WeakKeyDictionary()


def _describe_module(mod: torch.nn.Module) -> str:
    s = _DESCR.get(mod)
    if s is None:
        s = _DESCR[mod] = _describe_module_uncached(mod)
    return s


def _describe_module_uncached(mod: torch.nn.Module) -> str:
    try:
        extra = mod.extra_repr()
    except Exception:  # pragma: no cover
        extra = ""
    s = f"{type(mod).__name__}({extra})"
    return s if len(s) <= 80 else s[:77] + "..."


# ---------------------------------------------------------------------------------------
# per-step bookkeeping


class _Probe:
    """What a gradient hook records. Holds a mask (small) and 0-dim statistics, never the
    probed tensor itself; it is dropped at the step boundary."""

    __slots__ = ("seq", "kind", "where", "loc", "pm", "m", "bdim", "meta", "info", "stats", "detailed", "tid",
                 "generic", "zero_sums", "fn")

    def __init__(self, seq, kind, where, loc, pm, m=None, bdim=None, meta=None, info=None, detailed=False):
        self.seq = seq
        self.kind = kind
        self.where = where
        self.loc = loc
        self.pm = pm  # bool mask broadcastable to the gradient: positions that must get 0
        self.m = m  # positions mask over leading dims (for the detailed pattern)
        self.bdim = bdim
        self.meta = meta or {}
        self.info = info
        self.stats: list = []
        self.detailed = detailed
        self.tid = None  # weak reference to the probed tensor
        self.generic = False  # probed as "an op on the padded batch": a later, named use may rename it
        self.zero_sums: list = []  # sums over time of this very tensor that add its exact-zero pads
        self.fn = None  # the probed tensor's autograd node (the tensor itself may be freed before a later use)


class _Seen:
    """Tensors already probed this step, by identity. ``id()`` alone is not enough: a tensor freed
    during the forward pass hands its id to the next one allocated, which would then pass as
    already probed (and, depending on the allocator, a real leak would go unprobed)."""

    __slots__ = ("_d",)

    def __init__(self) -> None:
        self._d: dict = {}

    def add(self, t: Any, code: Optional[str] = None) -> None:
        self._d[(id(t), code)] = weakref.ref(t)

    def has(self, t: Any, code: Optional[str] = None) -> bool:
        r = self._d.get((id(t), code))
        return r is not None and r() is t


class _Step:
    __slots__ = ("index", "sampled", "probes", "probed", "attn", "n", "emitted_specific", "touched", "sources",
                 "conv_reach", "softmax", "empty_rows", "misaligned")

    def __init__(self, index: int, sampled: bool):
        self.index = index
        self.sampled = sampled
        self.probes: list[_Probe] = []
        self.probed = _Seen()
        self.attn: list[tuple] = []  # (seq, where, loc)
        self.n = 0  # event counter (orders probes and attention candidates)
        self.emitted_specific = False
        self.touched = False
        self.sources: list[PadInfo] = []  # batch-first (B, T) masks from padding sources this step
        # id(mask) -> (mask, steps): exact-zero padded frames went through a 'same' zero-padded
        # convolution whose windows reach that many steps past each sequence's end (see _on_conv)
        self.conv_reach: dict[int, tuple] = {}
        self.softmax: list[tuple] = []  # (seq, loc, weight at the pads): softmax over a padded time axis
        # id(packed data) -> (data, rows): sequences packed from rows that were all padding (an
        # empty sentence of a document, lengths clamped to 1), in the packed (sorted) order
        self.empty_rows: dict[int, tuple] = {}
        self.misaligned = False  # a key padding mask that does not line up with the keys' padding


# ---------------------------------------------------------------------------------------
# loss signatures

_LOSS_FUNCS: dict[Callable, str] = {
    F.cross_entropy: "class",
    F.nll_loss: "class",
    F.binary_cross_entropy: "elem",
    F.binary_cross_entropy_with_logits: "elem",
    F.mse_loss: "elem",
    F.l1_loss: "elem",
    F.smooth_l1_loss: "elem",
    F.huber_loss: "elem",
    F.kl_div: "elem",  # token-level distillation: KL(teacher || student) at every position
    F.ctc_loss: "ctc",
}
_SIGS: dict[Callable, tuple[list, dict]] = {}


def _bind(func: Callable, args: tuple, kwargs: dict) -> dict:
    """Arguments by name, defaults filled (a cheap ``Signature.bind``)."""
    sig = _SIGS.get(func)
    if sig is None:
        params = inspect.signature(func).parameters
        names = [n for n, p in params.items() if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
        defaults = {n: p.default for n, p in params.items() if p.default is not p.empty}
        sig = _SIGS[func] = (names, defaults)
    names, defaults = sig
    d = dict(defaults)
    d.update(zip(names, args))
    d.update(kwargs)
    return d


def _reduction(bound: dict) -> str:
    sa, rd = bound.get("size_average"), bound.get("reduce")
    if sa is not None or rd is not None:
        from torch.nn import _reduction as _R

        return _R.legacy_get_string(sa, rd, emit_warning=False)
    return bound.get("reduction", "mean")


# ---------------------------------------------------------------------------------------
# the TorchFunctionMode


class _Mode(TorchFunctionMode):
    def __init__(self, guard: "Guard"):
        super().__init__()
        self.guard = guard

    def __torch_function__(self, func, types, args=(), kwargs=None):
        if kwargs is None:
            kwargs = {}
        h = _WATCH.get(func)
        g = self.guard
        if h is None or _is_compiling() or g._busy or not g._is_current():
            return func(*args, **kwargs)
        if h == "loss":
            return g._on_loss(func, args, kwargs)
        out = func(*args, **kwargs)
        g._busy = True
        try:
            getattr(g, h)(func, args, kwargs, out)
        except Exception as e:  # never break the user's step
            g._internal(e, f"handler for {getattr(func, '__name__', func)}")
        finally:
            g._busy = False
        return out


_PROPAGATE = [
    torch.Tensor.to, torch.Tensor.cpu, torch.Tensor.cuda, torch.Tensor.float, torch.Tensor.half,
    torch.Tensor.bfloat16, torch.Tensor.double, torch.Tensor.type_as, torch.Tensor.contiguous,
    torch.Tensor.clone, torch.Tensor.detach, torch.Tensor.view, torch.Tensor.reshape,
    torch.Tensor.view_as, torch.Tensor.reshape_as, torch.Tensor.flatten,
    torch.Tensor.add, torch.Tensor.__radd__, torch.Tensor.sub, torch.Tensor.mul,
    torch.Tensor.__rmul__, torch.Tensor.div, torch.Tensor.__truediv__,
    torch.Tensor.log_softmax, torch.Tensor.softmax, torch.log_softmax, torch.softmax,
    torch.add, torch.mul, torch.tanh, torch.sigmoid, torch.relu, torch.Tensor.tanh, torch.Tensor.relu,
    F.linear, F.dropout, F.layer_norm, F.relu, F.gelu, F.silu, F.log_softmax, F.softmax, F.elu,
    F.leaky_relu, torch.Tensor.squeeze, torch.squeeze,
    # bmm(keys, q.unsqueeze(2)): one score per (batch, time) row of the padded keys
    torch.einsum, torch.bmm, torch.matmul, torch.Tensor.bmm, torch.Tensor.matmul, torch.Tensor.__matmul__,
]
_WATCH: dict[Any, str] = {f: "_on_propagate" for f in _PROPAGATE}
_RESHAPES = frozenset({torch.Tensor.view, torch.Tensor.reshape, torch.Tensor.view_as, torch.Tensor.reshape_as,
                       torch.Tensor.flatten})
# A padded batch of data (float frames from pad_sequence, which autograd does not track) first
# meets the parameters here: the output of these is probed (their pads are not zeros any more)
_FIRST_TRACKED = frozenset({F.linear, F.layer_norm})
# A reduction='none' loss's elements, followed to where they are averaged (PAD302 is decided
# there, in the forward pass: a later `loss / accumulation_steps` or a GradScaler does not
# change what the average divided by).
_WATCH.update({f: "_on_loss_reduce" for f in (torch.Tensor.mean, torch.mean, torch.Tensor.sum, torch.sum)})
_WATCH.update({f: "_on_propagate" for f in (torch.Tensor.masked_fill, torch.where)})
_WATCH.update({f: "loss" for f in _LOSS_FUNCS})
_WATCH.update(
    {
        torch._C._nn.pad_sequence: "_on_pad_sequence",
        torch._VF._pad_packed_sequence: "_on_pad_packed",
        torch._VF._pack_padded_sequence: "_on_pack",
        torch.Tensor.index_select: "_on_index_select",
        torch.Tensor.transpose: "_on_transpose",
        torch.Tensor.permute: "_on_permute",
        torch.Tensor.__getitem__: "_on_getitem",
        F.embedding: "_on_embedding",
        F.scaled_dot_product_attention: "_on_sdpa",
    }
)
# torch.stack([vals, obs], dim=-1) / torch.cat([x, feats], dim=-1) of padded tensors: new
# channels after the padded (batch, time) axes keep the padding of their inputs
_WATCH.update({f: "_on_join" for f in (torch.stack, torch.cat, getattr(torch, "concat", torch.cat))})
_WATCH.update({f: "_on_unsqueeze" for f in (torch.Tensor.unsqueeze, torch.unsqueeze)})
try:
    _WATCH[torch.Tensor.t] = "_on_transpose"
except Exception:  # pragma: no cover
    pass
# ids.clamp(min=0) of ids padded with -1: the same positions
_WATCH.update({f: "_on_propagate" for f in (torch.Tensor.clamp, torch.clamp, torch.Tensor.clamp_min, torch.clamp_min)})
# Channels-first frames, (batch, channels, time) after x.transpose(1, 2): the padding is tagged
# as kind "chan" (a (batch, time) mask over dims 0 and 2), followed through F.pad and 1-D
# convolutions, and probed where a convolution first meets the parameters.
_WATCH.update({f: "_on_conv" for f in (F.conv1d, torch.conv1d)})
_WATCH[F.pad] = "_on_fpad"
# normalisations whose statistics run over time: BatchNorm1d (training) over (batch, time),
# GroupNorm / InstanceNorm1d over each sequence's time
_WATCH.update({f: "_on_norm_stats" for f in (F.batch_norm, F.group_norm, F.instance_norm)})
# a softmax over the time axis of per-position scores (additive attention pooling)
_WATCH.update({f: "_on_softmax" for f in (F.softmax, torch.softmax, torch.Tensor.softmax)})
# max over time (h.max(dim=1), amax, a global F.max_pool1d of channels-first frames) and global
# average pooling of channels-first frames
_WATCH.update({f: "_on_time_pool" for f in (
    torch.Tensor.max, torch.max, torch.Tensor.amax, torch.amax, F.max_pool1d, F.adaptive_max_pool1d,
    F.avg_pool1d, F.adaptive_avg_pool1d)})

_RNN_TYPES = (torch.nn.RNNBase,)
# inside torch.compile'd code these modules' hooks leave the graph (one graph break each; RNNs
# break the graph anyway) and run eagerly, so the guard still sees padding sources and RNNs
_COMPILED_EAGER_TYPES = (torch.nn.Embedding, torch.nn.RNNBase)


def _eager_post_hook_impl(guard, module, args, kwargs, output):
    guard._compiled_post(module, args, kwargs, output)


try:
    _eager_post_hook = torch.compiler.disable(_eager_post_hook_impl, recursive=True)
except Exception:  # pragma: no cover
    _eager_post_hook = _eager_post_hook_impl
_ATTN_TYPES = (torch.nn.TransformerEncoder, torch.nn.TransformerEncoderLayer, torch.nn.MultiheadAttention)


# ---------------------------------------------------------------------------------------
# the guard


class Guard:
    """Context manager / decorator returned by :func:`guard`; see its docstring."""

    def __init__(
        self,
        mode: str = "raise",
        *,
        every: int = 100,
        first: int = 3,
        atol: Optional[float] = None,
        rtol: Optional[float] = None,
        pad_value: Optional[float] = None,
        probes: bool = True,
        max_probes: int = 16,
        summary: bool = True,
        dist_sync: bool = True,
        log_dir: Optional[str] = None,
        writer: Any = None,
        profile_dir: Optional[str] = None,
    ):
        if mode not in _MODES:
            raise ValueError(f"padlint.guard: mode must be one of {_MODES}, got {mode!r}")
        if not isinstance(every, int) or every < 0:
            raise ValueError(f"padlint.guard: every must be an int >= 0 (0 = only the first steps), got {every!r}")
        if not isinstance(first, int) or first < 0:
            raise ValueError(f"padlint.guard: first must be an int >= 0, got {first!r}")
        self.mode = mode
        self.every = every
        self.first = first
        self.atol = atol
        self.rtol = rtol
        self.pad_value = pad_value
        self.probes = probes
        self.max_probes = max_probes
        self.summary = summary
        self.dist_sync = dist_sync
        self._findings: dict[tuple, Finding] = {}
        self._unreported: list[Finding] = []  # new since the last delivery (warn mode: once each)
        self._fired: list[Finding] = []  # seen since the last delivery, new or again (raise mode)
        self._leader: Optional[weakref.ref] = None  # the optimizer whose step ends a training step
        self._printed = 0
        self._explained: set[tuple] = set()
        self._conv_benign: set[tuple] = set()  # probe sites whose padded gradient is conv windows only
        self._handles: list = []
        self._mode_obj: Optional[_Mode] = None
        self._busy = False
        self._mode_suspended: Optional[str] = None  # "optimizer" | "attention" while popped
        self._tid: Optional[int] = None
        self._step_index = 0
        self._st = _Step(0, self._sampled(0))
        self._active = False
        self._loss_stack: list[str] = []
        self._attn_depth = 0  # > 0 while inside an attention module (inner layers are not probed)
        self._compile_warned = False
        self._compile_graphs0 = 0
        self.steps_checked = 0
        self.saw_padding = False  # did any padded tensor come by (else the summary says so)
        self.oracle_runs = 0
        self.all_findings: Optional[list[Finding]] = None
        self._as_decorator = False
        # step_callbacks: cb(step, findings, pad_fraction, leaked_grad_mass) after each step's verdict
        self.step_callbacks: list[Callable] = []
        self._counts: dict = {}
        self._tb_cfg = (log_dir, writer, profile_dir)
        self._integration = None

    # ----- public ------------------------------------------------------------------------
    @property
    def findings(self) -> list[Finding]:
        """Findings of this rank, deduplicated by (code, where, file, line)."""
        return list(self._findings.values())

    @property
    def step_index(self) -> int:
        return self._step_index

    def step(self) -> list[Finding]:
        """Close the current step: evaluate its probes, report (raise in raise mode)."""
        new = self._end_step()
        self._deliver(new, at_exit=False)
        return new

    def check(self, all_reduce: bool = False) -> list[Finding]:
        """Close the current step and return this rank's findings.

        With ``all_reduce=True`` under ``torch.distributed`` every rank must call it at the
        same point: findings of all ranks are gathered (``all_gather_object``) into
        ``guard.all_findings`` and, in raise mode, *every* rank raises if *any* rank leaked,
        so no rank is left waiting in a collective.
        """
        new = self._end_step()
        if all_reduce:
            self._gather()
            if self.mode == "raise":
                bad = [f for f in (self.all_findings or []) if f.code != "PAD-R900"]
                if bad:
                    self._mark_reported()
                    raise PaddingLeakError(_error_message(bad), bad)
            return self.findings
        self._deliver(new, at_exit=False)
        return self.findings

    def _summary_at_program_end(self) -> None:
        if self.summary and self.mode in ("warn", "record") and self._step_index > 0 and not self.findings:
            try:
                sys.stderr.write(format_table(self.findings, self._step_index, self.saw_padding))
            except Exception:  # pragma: no cover - stderr closed at shutdown
                pass

    def summary_table(self) -> str:
        return format_table(self.findings, self._step_index, self.saw_padding)

    def __call__(self, fn: Callable) -> Callable:
        """Use as a decorator: each call of ``fn`` runs inside this guard (one step per call).
        A table is printed when a call finds something new; a run that found nothing says so
        once, when the program ends (not after every call)."""
        self._as_decorator = True
        ref = weakref.ref(self)
        atexit.register(lambda: ref() is not None and ref()._summary_at_program_end())

        @functools.wraps(fn)
        def wrapper(*args, **kwargs):
            with self:
                return fn(*args, **kwargs)

        wrapper.guard = self  # type: ignore[attr-defined]
        return wrapper

    # ----- install / uninstall --------------------------------------------------------------
    def __enter__(self) -> "Guard":
        if self._active:
            raise RuntimeError("padlint.guard: this guard is already active (create a new one to nest)")
        if any(x is not None for x in self._tb_cfg):  # TensorBoard / profiler (padlint.runtime.tensorboard)
            from padlint.runtime.tensorboard import attach

            self._integration = attach(self, *self._tb_cfg)
        self._tid = threading.get_ident()
        self._handles = []
        try:
            self._handles.append(_module_mod.register_module_forward_pre_hook(self._pre_hook))
            self._handles.append(
                _module_mod.register_module_forward_hook(self._post_hook, with_kwargs=True, always_call=True)
            )
            from torch.optim.optimizer import register_optimizer_step_post_hook, register_optimizer_step_pre_hook

            self._handles.append(register_optimizer_step_pre_hook(self._opt_pre_hook))
            self._handles.append(register_optimizer_step_post_hook(self._opt_hook))
            self._mode_obj = _Mode(self)
            self._mode_obj.__enter__()
            _redirect_warnings(True)
            self._redirecting = True
        except Exception:
            self._uninstall()
            raise
        self._compile_graphs0 = _compiled_graphs()
        _GUARDS.append(self)
        self._active = True
        return self

    def _uninstall(self) -> None:
        for h in self._handles:
            try:
                h.remove()
                # torch 2.x leaves the with_kwargs flag of a removed global hook behind
                for d in (_module_mod._global_forward_hooks_with_kwargs,
                          _module_mod._global_forward_hooks_always_called):
                    d.pop(h.id, None)
            except Exception:  # pragma: no cover
                pass
        self._handles = []
        if getattr(self, "_redirecting", False):
            self._redirecting = False
            _redirect_warnings(False)
        if self._mode_obj is not None:
            try:
                if not self._mode_suspended:
                    self._mode_obj.__exit__(None, None, None)
            except Exception:  # pragma: no cover
                pass
            self._mode_obj = None
            self._mode_suspended = None
        if self in _GUARDS:
            _GUARDS.remove(self)
        self._active = False

    def __exit__(self, exc_type, exc, tb) -> bool:
        self._uninstall()
        new = self._end_step(count=False)
        if self._integration is not None:
            integration, self._integration = self._integration, None
            try:
                integration.close()
            except Exception as e:
                self._internal(e, "closing the TensorBoard writer / profiler")
        if (
            exc_type is None
            and self.dist_sync
            and _dist_world() > 1
        ):
            try:
                self._gather()
            except Exception as e:
                self._internal(e, "distributed gather at guard exit")
        if _GUARDS:  # nested: hand our findings to the enclosing guard as well
            outer = _GUARDS[-1]
            for f in self.findings:
                if f.key not in outer._findings:
                    outer._findings[f.key] = Finding(**{k: getattr(f, k) for k in f.__dataclass_fields__})
        self._deliver(new, at_exit=True, exc_in_flight=exc_type is not None)
        return False

    # ----- helpers -------------------------------------------------------------------------
    def _is_current(self) -> bool:
        return bool(_GUARDS) and _GUARDS[-1] is self and threading.get_ident() == self._tid

    def _sampled(self, i: int) -> bool:
        return i < self.first or (self.every > 0 and i % self.every == 0)

    def _tol(self, dtype: torch.dtype) -> tuple[float, float]:
        return default_tol(dtype, self.atol, self.rtol)

    def _internal(self, e: BaseException, context: str) -> None:
        try:
            loc = user_location(2)
        except Exception:  # pragma: no cover
            loc = ("<unknown>", 0)
        msg = f"padlint internal error in {context}: {type(e).__name__}: {e}"
        key = ("PAD-R900", context, loc[0], loc[1])
        if key not in self._findings:
            warnings.warn(msg + " (the step ran unchanged; please report this)", PadlintInternalWarning, stacklevel=2)
        self._emit("PAD-R900", context, msg, loc, 0.0)

    def _emit(self, code, where, what, loc, magnitude, value=None, reference=None) -> Optional[Finding]:
        key = (code, where, loc[0], loc[1])
        f = self._findings.get(key)
        mag = float(magnitude) if magnitude == magnitude else float("nan")
        if f is not None:
            f.count += 1
            if mag > f.magnitude or mag != mag:
                # the worst check so far: its text, loss and reference go with its magnitude
                f.magnitude = mag
                f.what = what
                if value is not None or reference is not None:
                    f.value = None if value is None else float(value)
                    f.reference = None if reference is None else float(reference)
            if not any(x is f for x in self._fired):
                self._fired.append(f)
            return None
        f = Finding(
            code=code, where=where, what=what, file=loc[0], line=int(loc[1]), magnitude=mag,
            value=None if value is None else float(value),
            reference=None if reference is None else float(reference),
            step=self._step_index, rank=_dist_rank(),
        )
        self._findings[key] = f
        self._unreported.append(f)
        self._fired.append(f)
        return f

    def _tag(self, t: torch.Tensor, info: PadInfo) -> None:
        REGISTRY.set(t, info)
        st = self._st
        st.touched = True
        self.saw_padding = True
        if info.source != "propagated" and info.bdim == 0 and info.mask.dim() == 2 and len(st.sources) < 8:
            if not any(x.mask is info.mask for x in st.sources):
                st.sources.append(info)

    def _probe(self, t: Any, info: PadInfo, kind: str, where: str, loc, pm=None, meta=None,
               generic: bool = False) -> None:
        st = self._st
        if not self.probes or not isinstance(t, torch.Tensor) or not t.requires_grad:
            return
        if st.probed.has(t):
            for p in st.probes:  # first probed as a generic op output: name it by its known use
                if p.generic and not generic and p.tid is not None and p.tid() is t:
                    p.where, p.loc, p.generic = where, loc, False
            return
        if not torch.is_grad_enabled() or len(st.probes) >= self.max_probes:
            return
        if t.numel() == 0:
            return
        m = info.mask if info is not None else None
        if pm is None:
            if m is None:
                return
            if m.device != t.device:  # e.g. a mask built on the CPU for a batch on the GPU
                m = m.to(t.device)
            pm = m.reshape(tuple(m.shape) + (1,) * (t.dim() - m.dim()))
        st.n += 1
        p = _Probe(st.n, kind, where, loc, pm, m=m, bdim=info.bdim if info is not None else None,
                   meta=meta if meta is not None else (info.meta if info is not None else None),
                   info=info, detailed=st.sampled)
        p.tid, p.generic, p.fn = weakref.ref(t), generic, t.grad_fn
        st.probes.append(p)
        st.probed.add(t)
        t.register_hook(self._make_hook(p))

    def _make_hook(self, p: _Probe):
        guard = self

        def _padlint_probe(grad):
            if grad is None:  # an output nobody used (cuDNN's RNN hands hooks None): no gradient
                return None
            try:
                guard._record(p, grad)
            except Exception as e:  # record, never raise inside autograd
                guard._internal(e, f"gradient probe on {p.where}")
            return None

        return _padlint_probe

    def _record(self, p: _Probe, grad: torch.Tensor) -> None:
        with torch.no_grad(), _NO_TORCH_FUNCTION():
            g = grad.detach()
            zero = torch.zeros((), dtype=g.dtype, device=g.device)
            m = p.m
            if p.zero_sums and m is not None:
                g = _without_zero_sums(g, m, p.zero_sums)
            pos = None
            if m is not None and p.kind == "seq" and tuple(g.shape[: m.dim()]) == tuple(m.shape):
                # one pass over the gradient: max |g| per position, then the padded ones
                k = m.dim()
                if g.dim() > k:  # max |g| per position without allocating |g|
                    dims = tuple(range(k, g.dim()))
                    pos = torch.maximum(g.amax(dim=dims), g.amin(dim=dims).neg())
                else:
                    pos = g.abs()
                pad = torch.where(m, pos, torch.zeros((), dtype=pos.dtype, device=pos.device)).amax()
            else:
                pad = torch.where(p.pm, g.abs(), zero).amax()
            if p.kind == "loss_elems" and p.pm.shape == g.shape:
                # and the most at the real positions: none at all means the mask was inverted
                p.stats.append((pad, None, torch.where(p.pm, zero, g.abs()).amax(), None))
                return
            if not p.detailed or pos is None:
                p.stats.append((pad,))
                return
            nz = pos.ne(0) | pos.isnan()
            const = None
            if k == 2 and p.bdim is not None and g.shape[1 - p.bdim] > 1:
                tdim = 1 - p.bdim
                const = (g - g.narrow(tdim, 0, 1)).abs().amax()
            bwd = None
            H = p.meta.get("bidir_H") if p.meta else None
            if H and g.dim() == k + 1 and g.shape[-1] == 2 * H:
                bwd = g[..., H:].ne(0).any(-1)
            p.stats.append((pad, nz, const, bwd))

    # ----- module hooks ----------------------------------------------------------------------
    def _pre_hook(self, module, args):
        if _is_compiling() or self._busy or not self._is_current():
            return None
        if self._mode_suspended == "optimizer":  # optimizer.step() raised before our post-hook
            self._resume_mode()
        if isinstance(module, torch.nn.modules.loss._Loss):
            self._loss_stack.append(type(module).__name__)
        elif isinstance(module, _ATTN_TYPES):
            if self._attn_depth == 0:
                # The module hooks see the attention masks; nothing inside needs the mode, and any
                # active TorchFunctionMode would switch off PyTorch's inference fast path.
                self._suspend_mode("attention")
            self._attn_depth += 1
        return None

    def _post_hook(self, module, args, *rest):
        # (module, args, kwargs, output); when forward raised, torch calls always_call hooks
        # with (module, args, result) only: then just keep our bookkeeping balanced
        if len(rest) == 2:
            kwargs, output = rest
            failed = False
        else:
            kwargs, output, failed = {}, None, True
        if _is_compiling():
            if isinstance(module, _COMPILED_EAGER_TYPES):
                _eager_post_hook(self, module, args, kwargs, output)  # graph break: runs eagerly
            return None
        if self._busy or not self._is_current():
            return None
        if isinstance(module, torch.nn.modules.loss._Loss):
            if self._loss_stack:
                self._loss_stack.pop()
            return None
        if isinstance(module, _RNN_TYPES):
            kind = "_on_rnn"
        elif isinstance(module, _ATTN_TYPES):
            kind = "_on_attention"
            self._attn_depth = max(0, self._attn_depth - 1)
        else:
            return None
        if failed:
            if self._attn_depth == 0 and self._mode_suspended == "attention":
                self._resume_mode()
            return None
        self._busy = True
        try:
            with _NO_TORCH_FUNCTION():  # our own torch calls skip every TorchFunctionMode
                getattr(self, kind)(module, args, kwargs, output)
        except Exception as e:
            self._internal(e, f"forward hook of {type(module).__name__}")
        finally:
            self._busy = False
            if self._attn_depth == 0 and self._mode_suspended == "attention":
                try:
                    self._resume_mode()
                except Exception as e:  # pragma: no cover
                    self._internal(e, "resuming the TorchFunctionMode")
        return None

    def _compiled_post(self, module, args, kwargs, output):
        """Inside a torch.compile'd region: tag what an Embedding produced (runs eagerly)."""
        if self._busy or not self._is_current():
            return
        self._busy = True
        try:
            if isinstance(module, torch.nn.Embedding):
                ids = args[0] if args else kwargs.get("input")
                self._on_embedding(
                    F.embedding, (ids, module.weight), {"padding_idx": module.padding_idx}, output
                )
            elif isinstance(module, _RNN_TYPES):
                self._on_rnn(module, args, kwargs, output)
        except Exception as e:
            self._internal(e, f"forward hook of {type(module).__name__} (compiled region)")
        finally:
            self._busy = False

    def _suspend_mode(self, reason: str) -> None:
        """Pop our TorchFunctionMode if it is on top of the stack (resumed by _resume_mode)."""
        if self._mode_suspended or self._mode_obj is None:
            return
        try:
            n = torch._C._len_torch_function_stack()
            if n and torch._C._get_function_stack_at(n - 1) is self._mode_obj:
                torch._C._pop_torch_function_stack()
                self._mode_suspended = reason
        except Exception as e:  # pragma: no cover
            self._internal(e, f"suspending the TorchFunctionMode ({reason})")

    def _resume_mode(self) -> None:
        if self._mode_suspended and self._mode_obj is not None:
            torch._C._push_on_torch_function_stack(self._mode_obj)
        self._mode_suspended = None

    def _opt_pre_hook(self, optimizer, args, kwargs):
        """Suspend the TorchFunctionMode during optimizer.step(): the optimizer makes many small
        torch calls per parameter (hundreds a step) and none of them concerns padding."""
        if self._is_current():
            self._suspend_mode("optimizer")
        return None

    def _opt_hook(self, optimizer, args, kwargs):
        if not self._is_current():
            return
        try:
            self._resume_mode()
        except Exception as e:  # pragma: no cover
            self._internal(e, "optimizer post-hook")
        # With several optimizers (a GAN, an encoder/decoder split) the first one to step closes
        # each training step; another one closes it only when something padded happened since.
        if self._leader is None:
            self._leader = weakref.ref(optimizer)
        new = self._end_step(count=self._leader() is optimizer)
        self._deliver(new, at_exit=False)

    # ----- sources -------------------------------------------------------------------------------
    def _check_empty(self, mask_bt: Optional[torch.Tensor], B: int, where: str, loc) -> None:
        if B == 0:
            self._emit("PAD-R003", where, "empty batch (batch size 0)", loc, 0.0)
            return
        if mask_bt is not None and self._st.sampled and mask_bt.dim() == 2 and mask_bt.shape[1] > 0:
            empty = mask_bt.all(1)
            n = int(empty.sum())
            if n:
                rows = empty.nonzero().flatten().tolist()[:8]
                self._emit(
                    "PAD-R003", where,
                    f"{n} sequence(s) of length 0 in the batch (rows {rows}); packing raises on them and "
                    "a masked mean divides by zero", loc, float(n),
                )

    def _on_pad_sequence(self, func, args, kwargs, out):
        seqs = args[0] if args else kwargs.get("sequences")
        bf = args[1] if len(args) > 1 else kwargs.get("batch_first", False)
        pv = args[2] if len(args) > 2 else kwargs.get("padding_value", 0.0)
        side = args[3] if len(args) > 3 else kwargs.get("padding_side", "right")
        loc = user_location(2)
        seqs = list(seqs)
        if not isinstance(out, torch.Tensor):
            return
        if len(seqs) == 0:
            self._emit("PAD-R003", "pad_sequence", "empty batch (no sequences)", loc, 0.0)
            return
        lens = [int(s.shape[0]) for s in seqs]
        lengths = torch.tensor(lens, device=out.device)
        T = out.shape[1] if bf else out.shape[0]
        m = lengths_to_mask(lengths, T, True)
        if side == "left":
            m = m.flip(1)
        if not bf:
            m = m.t()
        info = PadInfo(m, 0 if bf else 1, "pad_sequence", meta={"pad_value": pv, "loc": loc})
        self._tag(out, info)
        n_empty = lens.count(0)  # host-side: no device sync
        if n_empty:
            self._emit("PAD-R003", "pad_sequence", f"{n_empty} sequence(s) of length 0 in the batch",
                       loc, float(n_empty))
        self._probe(out, info, "seq", "pad_sequence output", loc)

    def _on_pad_packed(self, func, args, kwargs, out):
        data, bf = args[0], args[2]
        padded, lengths = out
        T = padded.shape[1] if bf else padded.shape[0]
        m = lengths_to_mask(lengths.to(padded.device), T, True)  # sorted order
        if not bf:
            m = m.t()
        loc = user_location(2)
        meta = {"loc": loc}
        dinfo = REGISTRY.get(data)
        if dinfo is not None and dinfo.kind == "rnn_packed":
            meta.update(dinfo.meta)
        info = PadInfo(m, 0 if bf else 1, "pad_packed_sequence", meta=meta)
        self._tag(padded, info)
        # Probe the tensor in sorted order: the un-sorting index_select that follows only
        # permutes rows, and the mask here is in the same (sorted) order.
        self._probe(padded, info, "seq", "pad_packed_sequence output", loc)

    def _on_pack(self, func, args, kwargs, out):
        """``pack_padded_sequence`` of a padded batch some of whose rows are padding through and
        through (the empty sentences of a shorter document, flattened to (docs * sentences,
        words) and packed with their lengths clamped to 1): those rows are noted, so that the
        final states the RNN gives them are known to be padding at the next level up."""
        if not self._st.sampled or not isinstance(out, tuple) or not out:
            return
        t = args[0] if args else kwargs.get("input")
        batch_first = args[2] if len(args) > 2 else kwargs.get("batch_first", False)
        info = REGISTRY.lookup(t) if isinstance(t, torch.Tensor) else None
        if info is None or info.kind != "seq" or info.mask.dim() != 2 or info.bdim not in (0, 1):
            return
        m_bt = info.mask if info.bdim == 0 else info.mask.t()
        if bool(batch_first) != (info.bdim == 0) or m_bt.shape[1] < 1:
            return
        self._check_pack_lengths(m_bt, args[1] if len(args) > 1 else kwargs.get("lengths"))
        rows = m_bt.all(1)
        if bool(rows.any()) and isinstance(out[0], torch.Tensor):
            self._st.empty_rows[id(out[0])] = (out[0], rows)

    def _check_pack_lengths(self, m_bt: torch.Tensor, lengths: Any) -> None:
        """Lengths handed to ``pack_padded_sequence`` that run past the real steps the guard
        knows (a subsampling front end's lengths worked out with the wrong formula, ``lens // 4``
        where two stride-2 convolutions give fewer frames): the packed batch holds padded steps
        as data (PAD101, at the packing line)."""
        if lengths is None:
            return
        geometry, real = classify(m_bt.cpu())
        if geometry not in ("right", "left"):
            return
        try:
            given = torch.as_tensor(lengths).to("cpu", torch.long).reshape(-1)
        except (TypeError, ValueError, RuntimeError):
            return
        if given.shape != real.shape:
            return
        if geometry == "left":
            # packing takes each row's first `length` steps: of a left-padded row, its pads
            rows = ((given > 0) & (real < m_bt.shape[1])).nonzero().flatten().tolist()
            if rows:
                self._emit(
                    "PAD101", "pack_padded_sequence",
                    f"the batch is left-padded (the pads come first), but pack_padded_sequence packs the first "
                    f"`length` steps of each row: for {len(rows)} sequence(s) (rows {rows[:8]}) it packs padded "
                    "steps as data and drops their last real steps; move the real steps to the front before "
                    "packing (pad on the right: pad_sequence(..., padding_side=\"right\"))",
                    user_location(3), float(len(rows)),
                )
                self._st.emitted_specific = True
            return
        over = (given - real) * (real > 0)  # (an empty row clamped to length 1: followed elsewhere)
        if not bool((over > 0).any()):
            return
        rows = (over > 0).nonzero().flatten().tolist()
        if torch.equal(given.sort().values, real.sort().values):
            # the right lengths in another order: sorted, while the rows were not reordered with them
            advice = ("they are the batch's real lengths in another order: sort the rows with the same "
                      "permutation as the lengths (or pass the unsorted lengths with enforce_sorted=False); "
                      "the rows given a shorter length than their own are cut")
        elif given.numel() > 1 and bool((given == given[0]).all()):
            # one length for every row: counted against another pad id, or taken from the shape
            advice = (f"every row is given the same length, {int(given[0])}: count each row's real steps (against "
                      "the pad id the batch was padded with, `(ids != pad_id).sum(1)`), or pass the lengths the "
                      "batch was made from")
        else:
            advice = ("compute the lengths the layers before really give (a count against another pad id than the "
                      "batch's; for a convolution: (L + 2p - d(k - 1) - 1) // s + 1 per layer)")
        self._emit(
            "PAD101", "pack_padded_sequence",
            f"the lengths packed for {len(rows)} sequence(s) (rows {rows[:8]}) run past their real steps by up to "
            f"{int(over.max())} (given {given[rows[:4]].tolist()}, real {real[rows[:4]].tolist()}): padded steps "
            f"are packed as data; {advice}",
            user_location(3), float(int(over.clamp(min=0).sum())),
        )
        self._st.emitted_specific = True

    def _on_index_select(self, func, args, kwargs, out):
        t = args[0]
        info = REGISTRY.lookup(t)
        if info is None or info.kind != "seq":
            return
        dim = args[1] if len(args) > 1 else kwargs.get("dim")
        index = args[2] if len(args) > 2 else kwargs.get("index")
        if dim < 0:
            dim += t.dim()
        if dim >= info.mask.dim():
            self._tag(out, info)
            return
        m = info.mask.index_select(dim, index.to(info.mask.device))
        self._tag(out, info.derive(m, info.bdim))

    def _on_transpose(self, func, args, kwargs, out):
        t = args[0]
        info = REGISTRY.get(t)
        if info is None or info.kind not in ("seq", "chan") or info.mask.dim() != 2:
            return
        if func is torch.Tensor.t:
            d0, d1 = 0, 1
        else:
            d0 = args[1] if len(args) > 1 else kwargs.get("dim0")
            d1 = args[2] if len(args) > 2 else kwargs.get("dim1")
            d0, d1 = d0 % t.dim(), d1 % t.dim()
        if {d0, d1} == {1, 2}:
            self._channels_swap(info, out)
        elif info.kind != "seq":
            return
        elif {d0, d1} == {0, 1}:
            self._tag(out, info.derive(info.mask.t(), None if info.bdim is None else 1 - info.bdim))
        elif d0 >= 2 and d1 >= 2:
            self._tag(out, info)

    def _channels_swap(self, info: PadInfo, out: Any) -> None:
        """(B, T, C) <-> (B, C, T): a batch-first padded tensor and its channels-first form."""
        if info.bdim != 0:
            return
        if info.kind == "seq" and _fits_channels(out, info.mask):
            self._tag(out, _channels(info, info.mask))
        elif info.kind == "chan" and isinstance(out, torch.Tensor) and out.dim() == 3 and _fits(out, info):
            self._tag(out, PadInfo(info.mask, 0, "propagated", meta=info.meta))

    def _on_fpad(self, func, args, kwargs, out):
        """``F.pad(x, (left, right))`` of channels-first frames (a causal convolution's left
        padding): the added steps are the same for every sequence, so not padding."""
        t = args[0] if args else kwargs.get("input")
        amounts = args[1] if len(args) > 1 else kwargs.get("pad")
        info = REGISTRY.get(t) if isinstance(t, torch.Tensor) else None
        if info is None or info.kind != "chan":
            return
        if not isinstance(amounts, (tuple, list)) or len(amounts) != 2 or not all(isinstance(a, int) for a in amounts):
            return
        left, right = amounts
        if left < 0 or right < 0:
            return
        m = info.mask
        mask = torch.cat([m.new_zeros(m.shape[0], left), m, m.new_zeros(m.shape[0], right)], dim=1)
        if _fits_channels(out, mask):
            self._tag(out, _channels(info, mask))

    def _on_norm_stats(self, func, args, kwargs, out):
        """``F.batch_norm`` in training mode, ``F.group_norm`` or ``F.instance_norm`` of padded
        channels-first frames: their mean and variance run over the time axis, padded steps
        included, so the pads shift every real frame's normalisation (PAD301, at this line).
        The output keeps the input's padding."""
        x = args[0] if args else kwargs.get("input")
        info = REGISTRY.get(x) if isinstance(x, torch.Tensor) else None
        if info is None or info.kind != "chan" or not _fits_channels(x, info.mask) or not isinstance(out, torch.Tensor):
            return
        if out.shape == x.shape:
            self._tag(out, _channels(info, info.mask))
        name = getattr(func, "__name__", "")
        if name == "batch_norm":
            training = args[5] if len(args) > 5 else kwargs.get("training", False)
            if not training:
                return  # running statistics: nothing of this batch
        if not self._st.sampled or not torch.is_grad_enabled() or not out.requires_grad:
            return
        m = info.mask
        n_pad = int(m.sum())
        if n_pad == 0:
            return
        what = {"batch_norm": "BatchNorm1d's batch statistics (training mode) run over batch and time",
                "group_norm": "GroupNorm's statistics run over each sequence's channels and time",
                "instance_norm": "InstanceNorm1d's statistics run over each sequence's time"}.get(name, name)
        self._emit(
            "PAD301", name,
            f"{what}, the {n_pad} padded frame(s) included: the padding shifts the mean and variance that "
            "normalise every real frame (zeroing the pads first does not help: zeros still count); normalise "
            "over the real frames only (a masked normalisation, or LayerNorm over the features)",
            user_location(2), float(n_pad) / float(m.numel()),
        )
        self._st.emitted_specific = True

    def _on_conv(self, func, args, kwargs, out):
        """A 1-D convolution over channels-first padded frames: its output is padded at the same
        steps ('same' padding) or, for a shorter output after a causal left padding, at the steps
        its right-aligned windows end on; the first one that autograd tracks is probed."""
        x = args[0] if args else kwargs.get("input")
        info = REGISTRY.get(x) if isinstance(x, torch.Tensor) else None
        if info is None or info.kind != "chan" or not isinstance(out, torch.Tensor) or out.dim() != 3:
            return
        stride = args[3] if len(args) > 3 else kwargs.get("stride", 1)
        if not _fits_channels(x, info.mask) or out.shape[0] != x.shape[0]:
            return
        m = info.mask
        T_in, T_out = x.shape[2], out.shape[2]
        strided = None
        if stride not in (1, (1,), [1]):
            strided = _strided_conv_padding(args, kwargs, m, T_out)
            if strided is None:
                return
            mask = strided[0]
        elif T_out == T_in:
            mask = m
        elif T_out < T_in and not bool(m[:, : T_in - T_out].any()):
            mask = m[:, T_in - T_out:]
        else:
            return
        self._tag(out, _channels(info, mask))
        reach = None
        if x.requires_grad and (mask is m or strided is not None) and bool(m.any()):
            reach = _conv_right_reach(args, kwargs) if strided is None else strided[1]
            if reach is not None and _zero_at_pads(x, m[:, None, :]):
                # The frames are exactly 0 at the padded steps, as the convolution's own zero
                # padding is past a sequence's end: windows of real steps that reach into the
                # padding read what they would read without it. Their gradient there is not a
                # leak (judged in _evaluate); the output is probed for what comes after.
                prev = self._st.conv_reach.get(id(m))
                self._st.conv_reach[id(m)] = (m, max(reach, prev[1] if prev else 0))
            else:
                reach = None
        if out.requires_grad and (reach is not None or not x.requires_grad) and bool(mask.any()):
            loc = user_location(2)
            self._probe(out, None, "seq", "output of conv1d on the padded batch", loc,
                        pm=mask[:, None, :].to(out.device), generic=True)

    def _on_permute(self, func, args, kwargs, out):
        t = args[0]
        info = REGISTRY.get(t)
        if info is None or info.kind not in ("seq", "chan"):
            return
        dims = args[1:] if len(args) > 1 else kwargs.get("dims")
        if len(dims) == 1 and isinstance(dims[0], (tuple, list)):
            dims = dims[0]
        dims = [d % t.dim() for d in dims]
        k = info.mask.dim()
        if dims == [0, 2, 1]:
            self._channels_swap(info, out)
            return
        if info.kind == "chan" and len(dims) == 3 and {dims.index(0), dims.index(2)} == {0, 1} \
                and isinstance(out, torch.Tensor) and out.dim() == 3:
            # h.permute(2, 0, 1) of (batch, channels, time) frames: (time, batch, channels)
            bdim = dims.index(0)
            mask = info.mask if bdim == 0 else info.mask.t()
            if tuple(out.shape[:2]) == tuple(mask.shape):
                self._tag(out, PadInfo(mask, bdim, "propagated", meta=info.meta))
            return
        if info.kind != "seq":
            return
        if sorted(dims[:k]) == list(range(k)):
            bdim = dims.index(info.bdim) if info.bdim is not None else None
            self._tag(out, info.derive(info.mask.permute(*dims[:k]), bdim))

    def _on_propagate(self, func, args, kwargs, out):
        if not isinstance(out, torch.Tensor):
            return
        for a in args[:3]:
            if isinstance(a, torch.Tensor):
                info = REGISTRY.get(a)
                if info is None:
                    continue
                if info.kind == "loss_elems":  # (el * mask), el.masked_fill(pad, 0), torch.where(...)
                    if out.shape == a.shape and func not in (torch.Tensor.softmax, torch.softmax):
                        self._tag(out, info)
                    elif func in _RESHAPES and a is args[0] and out.numel() == a.numel():
                        # cross_entropy(logits.view(-1, V), y.view(-1), reduction="none").view(B, T)
                        try:
                            m = info.mask.to(a.device).expand_as(a).reshape(out.shape)
                        except RuntimeError:
                            return
                        self._tag(out, PadInfo(m, None, "propagated", kind="loss_elems", meta=info.meta))
                    return
                if info.kind == "masked_sum":
                    if func in (torch.Tensor.div, torch.Tensor.__truediv__) and a is args[0] and len(args) > 1:
                        self._check_masked_sum_division(info, args[1])
                    return
                if info.kind == "seq":
                    break
                if info.kind == "chan":  # relu / dropout / + of channels-first frames
                    if _fits_channels(out, info.mask):
                        self._tag(out, info)
                    return
                if info.kind == "rows":
                    self._rows_reshaped(info, out)
                    return
        else:
            return
        m = info.mask
        if tuple(out.shape[: m.dim()]) == tuple(m.shape):
            if info.mask.device != out.device:
                info = info.derive(m.to(out.device), info.bdim)
            tagged = _propagated(info)
            self._tag(out, tagged)
            if out.requires_grad and not a.requires_grad and a is args[0] and func in _FIRST_TRACKED:
                # padded features that are data, not parameters (pad_sequence of float frames):
                # the first tensor of the chain that autograd tracks is where the padding is probed
                loc = user_location(2)
                self._probe(out, tagged, "seq", f"output of {getattr(func, '__name__', 'an op')} on the padded batch",
                            loc, generic=True)
            return
        lm = leading_mask(m, tuple(out.shape))
        if lm is not None:
            meta = dict(info.meta)
            if m.dim() == 2 and lm.dim() == 1 and info.bdim in (0, 1):
                meta["unflat"] = (tuple(m.shape), info.bdim)  # (B, T) flattened to B * T rows
            self._tag(out, PadInfo(lm.to(out.device), None, "propagated", meta=meta))

    def _rows_reshaped(self, info: PadInfo, out: torch.Tensor) -> None:
        """Sentence vectors (docs * sentences, H) viewed as (docs, sentences, H): the rows that
        were all padding become the padded steps of a (batch, time) batch at the next level; a
        position-wise op (linear, tanh, dropout) keeps the rows."""
        rows = info.mask
        if info.meta.get("rows_dim") != 0 or out.dim() < 2:
            return
        if out.shape[0] == rows.shape[0]:
            self._tag(out, info)
        elif out.dim() >= 3 and out.shape[0] * out.shape[1] == rows.shape[0]:
            m = rows.reshape(out.shape[0], out.shape[1])
            if bool(m.any()):
                self._tag(out, PadInfo(m, 0, "empty rows", meta={}))

    def _on_unsqueeze(self, func, args, kwargs, out):
        """``vals.unsqueeze(-1)``: a new axis after the padded (batch, time) axes keeps the padding."""
        t = args[0] if args else kwargs.get("input")
        dim = args[1] if len(args) > 1 else kwargs.get("dim")
        info = REGISTRY.get(t) if isinstance(t, torch.Tensor) else None
        if info is None or info.kind != "seq" or not isinstance(dim, int) or not isinstance(out, torch.Tensor):
            return
        if dim % out.dim() >= info.mask.dim() and _fits(out, info):
            self._tag(out, _propagated(info))

    def _on_join(self, func, args, kwargs, out):
        """``torch.stack``/``torch.cat`` along an axis after the padded (batch, time) axes: the
        result is padded wherever one of its tagged inputs is (the masks must agree in shape)."""
        if not isinstance(out, torch.Tensor):
            return
        tensors = args[0] if args else kwargs.get("tensors")
        if not isinstance(tensors, (list, tuple)) or not tensors:
            return
        dim = args[1] if len(args) > 1 else kwargs.get("dim", 0)
        if not isinstance(dim, int):
            return
        infos = [REGISTRY.get(x) for x in tensors if isinstance(x, torch.Tensor)]
        rows = [i for i in infos if i is not None and i.kind == "rows" and i.meta.get("rows_dim") == 0]
        if rows and dim % out.dim() != 0 and all(torch.equal(r.mask, rows[0].mask) for r in rows[1:]) \
                and out.shape[0] == rows[0].mask.shape[0]:
            self._tag(out, rows[0])  # torch.cat([h_n[-2], h_n[-1]], dim=-1): the same rows
            return
        infos = [i for i in infos if i is not None and i.kind == "seq"]
        if not infos:
            return
        first = infos[0]
        if func is not torch.stack and len(infos) == 1 and first.mask.dim() == 2 and first.bdim in (0, 1) \
                and dim % out.dim() == 1 - first.bdim:
            self._time_joined(tensors, first, 1 - first.bdim, out)
            return
        if any(i.mask.shape != first.mask.shape or i.bdim != first.bdim for i in infos):
            return
        d = dim % out.dim()
        if d < first.mask.dim() or not _fits(out, first):
            return  # joined along the batch or time axis: where the padding is is not followed
        mask = first.mask
        for i in infos[1:]:
            if i.mask is not mask:
                mask = mask | i.mask.to(mask.device)
        self._tag(out, PadInfo(mask.to(out.device), first.bdim, "propagated", meta=first.meta))

    def _time_joined(self, tensors, info: PadInfo, tdim: int, out: torch.Tensor) -> None:
        """``torch.cat([cls.expand(B, -1, -1), emb(ids)], dim=1)``: one padded sequence joined
        along time with a few steps that hold no padding (a [CLS] vector, a learned prompt, an
        [EOS]): the padding moves with the sequence. Longer untagged parts may be padded
        outside the guard's view: not followed."""
        parts = []
        for t in tensors:
            if not isinstance(t, torch.Tensor) or t.dim() < 2:
                return
            i = REGISTRY.get(t)
            if i is info:
                parts.append(info.mask)
            elif i is None and t.shape[tdim] <= 4 and t.shape[1 - tdim] == info.mask.shape[1 - tdim]:
                shape = list(info.mask.shape)
                shape[tdim] = t.shape[tdim]
                parts.append(info.mask.new_zeros(shape))
            else:
                return
        mask = torch.cat(parts, dim=tdim)
        if tuple(out.shape[:2]) == tuple(mask.shape):
            self._tag(out, PadInfo(mask, info.bdim, "propagated", meta=info.meta))

    def _on_loss_reduce(self, func, args, kwargs, out):
        """mean/sum of a reduction='none' loss's elements: a *masked* loss (zero at every padded
        position) averaged over all positions is diluted (PAD302); a full sum of it is followed
        to a division by the number of all positions."""
        t = args[0] if args else kwargs.get("input")
        info = REGISTRY.get(t) if isinstance(t, torch.Tensor) else None
        if info is not None and info.kind == "seq" and isinstance(out, torch.Tensor):
            # (on every step, sampled or not: the probes run on every step, and a sum of exact
            # zeros must excuse what it sends to the pads on each of them)
            dim = args[1] if len(args) > 1 else kwargs.get("dim")
            self._note_pooling(func, t, info, dim, out)
            dims = _reduced_dims(dim, t.dim()) if dim is not None else set()
            if self._st.sampled and dims and all(d >= info.mask.dim() for d in dims):
                # (h * item_emb).sum(-1): one score per position, still padded where h was
                self._on_propagate(func, args, kwargs, out)
            if dim is None and getattr(func, "__name__", "") in ("sum", "mean") and self._st.sampled and out.dim() == 0:
                self._note_masked_total(t, info, out, getattr(func, "__name__", ""))
            return
        if info is not None and info.kind == "chan" and self._st.sampled and isinstance(out, torch.Tensor):
            self._channels_pooling(func, t, info, args[1] if len(args) > 1 else kwargs.get("dim"), out)
            return
        if info is None or info.kind != "loss_elems" or not self._st.sampled or not isinstance(out, torch.Tensor):
            return
        dim = args[1] if len(args) > 1 else kwargs.get("dim")
        name = getattr(func, "__name__", "")
        with torch.no_grad():
            pad = _pads_of(t, info)
            if pad is None:
                return
            if dim is not None and name in ("sum", "mean"):
                dims = [d % t.dim() for d in (dim if isinstance(dim, (tuple, list)) else (dim,))]
                keep = bool(args[2] if len(args) > 2 else kwargs.get("keepdim", False))
                if bool((pad.any(dim=dims) == pad.all(dim=dims)).all()):
                    # kl.sum(-1): over the classes, each position all padding or all real: the
                    # per-position loss keeps its padding, to be judged where it is averaged
                    reduced = pad.any(dim=dims, keepdim=keep)
                    if tuple(reduced.shape) == tuple(out.shape):
                        self._tag(out, PadInfo(reduced, None, "propagated", kind="loss_elems", meta=info.meta))
                    return
            counts = _zero_pad_counts(t, pad)
            if counts is None:
                return  # not masked: padding reaches the loss (PAD301, seen by the gradient probe)
            n_all, n_real, n_kept = counts
            td = t.detach()
        if name == "sum":
            if dim is None:
                self._tag(out, PadInfo(torch.zeros((), dtype=torch.bool), None, "propagated", kind="masked_sum",
                                       meta={"n_all": n_all, "n_real": n_real, "n_kept": n_kept,
                                             "msum": float(out.detach().float()),
                                             "where": info.meta.get("where", "loss")}))
            return
        if dim is None:
            value = float(out.detach().float())
            ref = float(td.float().sum()) / n_kept if n_kept else float("nan")
            self._emit_dilution(info.meta.get("where", "loss"), n_all, n_real, value, ref, user_location(2), n_kept)
            return
        dims = [d % td.dim() for d in (dim if isinstance(dim, (tuple, list)) else (dim,))]
        if bool(pad.any(dim=dims).any()):  # some averaged row holds padding: that row is diluted
            per = math.prod(td.shape[d] for d in dims)
            self._emit_dilution(info.meta.get("where", "loss"), per, None, None, None, user_location(2))

    def _on_softmax(self, func, args, kwargs, out):
        """``softmax(scores, dim=1)`` of per-position scores (batch, time) over the time axis that
        leaves weight on the padded positions: hand-written attention without a padding mask.
        Reported (PAD401, at this line) when a leak upstream of it is seen in the step, as for
        the attention modules; a softmax masked with -inf gives the pads exactly 0 and is not noted."""
        self._on_propagate(func, args, kwargs, out)
        st = self._st
        if not st.sampled or not isinstance(out, torch.Tensor) or not out.requires_grad or len(st.softmax) >= 16:
            return
        t = args[0] if args else kwargs.get("input")
        info = REGISTRY.get(t) if isinstance(t, torch.Tensor) else None
        dim = args[1] if len(args) > 1 else kwargs.get("dim")
        if isinstance(t, torch.Tensor) and t.dim() >= 3 and isinstance(dim, int) and dim % t.dim() == t.dim() - 1:
            self._attention_scores_softmax(t, out)
            return
        if info is None or info.kind != "seq" or info.mask.dim() != 2 or info.bdim is None or t.dim() != 2:
            return
        if not isinstance(dim, int) or dim % 2 != 1 - info.bdim or tuple(t.shape) != tuple(info.mask.shape):
            return
        m = info.mask.to(out.device)
        if not bool(m.any()):
            return
        with torch.no_grad():
            w = float(out.detach()[m].float().max())
            fill = _one_finite_fill(t.detach(), m.to(t.device))
        if w > 0:
            st.n += 1
            st.softmax.append((st.n, user_location(2), w, "PAD401" if fill is None else "PAD403", fill))

    def _attention_scores_softmax(self, t: torch.Tensor, out: torch.Tensor) -> None:
        """``softmax(scores, dim=-1)`` of hand-written attention scores (batch, ..., queries, keys)
        whose key axis is the padded time axis of a batch seen this step (the one (batch, time)
        padding of that shape). Real queries that still give the padded keys weight mean the
        padding mask is missing or on the wrong axis (PAD401); real queries that give the padding
        all of it mean the mask's polarity is inverted, real tokens masked (PAD402). Named only
        when a leak upstream of it is seen in the step (see _evaluate)."""
        st = self._st
        B, Tk = t.shape[0], t.shape[-1]
        masks: list[torch.Tensor] = []
        for i in st.sources:
            if tuple(i.mask.shape) == (B, Tk) and not any(torch.equal(i.mask.to(m.device), m) for m in masks):
                masks.append(i.mask)
        if not masks:
            return  # no padding of this shape: nothing to say
        # Two paddings of this shape that disagree (a decoder's and an encoder's, Tq == Tk): which
        # one the keys carry is unknown, so each is tried. Only when the real queries give weight
        # to the pads under every candidate is the key padding surely unmasked; one candidate
        # under which no weight reaches the pads may be the keys' own, correctly masked.
        verdicts = []
        with torch.no_grad():
            w = out.detach().float().reshape(B, -1, t.shape[-2], Tk)
            for mask in masks:
                verdict = self._weight_on_pads(w, mask.to(out.device))
                if verdict is None:
                    return
                verdicts.append(verdict)
        most = min(v[0] for v in verdicts)
        if most > 0:
            # all the weight on the pads under one candidate: the real keys were masked instead
            code = "PAD402" if any(v[1] > 0.99 for v in verdicts) else "PAD401"
            st.n += 1
            st.softmax.append((st.n, user_location(3), most, code))

    @staticmethod
    def _weight_on_pads(w: torch.Tensor, pad_k: torch.Tensor) -> tuple[float, float] | None:
        """The most and the least weight that a real query row of attention weights ``w`` (batch,
        heads, queries, keys) puts on the padded keys ``pad_k`` (batch, keys), or None when no
        sample has padding or no query is real."""
        B, _, Tq, Tk = w.shape
        has_pad = pad_k.any(1)  # samples with padding (the others have nothing to leak)
        if not bool(has_pad.any()):
            return None
        on_pads = (w * pad_k[:, None, None, :]).sum(-1)  # (B, heads, Tq): weight on padding
        real_q = has_pad[:, None].expand(B, Tq)
        if Tq == Tk:  # self-attention: the padded query rows are padding themselves
            real_q = real_q & ~pad_k
        sel = on_pads.permute(0, 2, 1)[real_q]  # (n real queries, heads)
        if sel.numel() == 0:
            return None
        return float(sel.max()), float(sel.min())

    def _on_time_pool(self, func, args, kwargs, out):
        """Max (or, for channels-first frames, global average) pooling over the time axis of a
        padded tensor. A max that picks a padded step for some row and channel is watched: if
        gradient flows back to the padded steps of its input, the pooling is where padding enters
        the loss (PAD301 here, not PAD-R001 further up). Masked with -inf first, no padded step
        is ever picked and nothing is watched."""
        t = args[0] if args else kwargs.get("input")
        info = REGISTRY.get(t) if isinstance(t, torch.Tensor) else None
        if info is None and self._st.sampled and isinstance(t, torch.Tensor) and "pool" not in getattr(func, "__name__", ""):
            self._scores_max(t, args[1] if len(args) > 1 else kwargs.get("dim"), out)
            return
        if info is None or info.kind not in ("seq", "chan") or not self._st.sampled:
            return
        res = out[0] if isinstance(out, tuple) else out
        if not isinstance(res, torch.Tensor) or not res.requires_grad:
            return
        m = info.mask
        if m.dim() != 2 or info.bdim is None or not bool(m.any()):
            return
        name = getattr(func, "__name__", "")
        if info.kind == "chan":
            if t.dim() != 3 or not _fits_channels(t, m):
                return
            tdim = 2
            if "pool" in name:
                if res.dim() != 3 or res.shape[2] != 1 or t.shape[2] < 2:
                    return  # windowed pooling keeps a time axis: not followed
                if "avg" in name:
                    self._channels_pooling(torch.mean, t, info, 2, res)
                    return
        else:
            if "pool" in name:
                return
            tdim = 1 - info.bdim
        if "pool" not in name:
            dim = args[1] if len(args) > 1 else kwargs.get("dim")
            dims = _reduced_dims(dim, t.dim())
            if tdim not in dims or len(dims) != 1:
                return
        pm = m[:, None, :] if info.kind == "chan" else m.reshape(tuple(m.shape) + (1,) * (t.dim() - 2))
        with torch.no_grad():
            idx = t.detach().argmax(dim=tdim, keepdim=True)
            steps = pm.to(t.device).expand_as(t).gather(tdim, idx)
            if not bool(steps.any()):  # no row picks a padded step (masked with -inf, say)
                return
        loc = user_location(2)
        what = (f"max over the time axis picks padded steps ({int(steps.sum())} of {steps.numel()} row-channel "
                "maxima come from padding); fill the padded steps with -inf (masked_fill) before the max")
        self._probe_used(t, pm.to(t.device), "PAD301", "max over time of a padded tensor", what, loc, None)

    def _scores_max(self, t: torch.Tensor, dim: Any, out: Any) -> None:
        """``sim.amax(-1)`` of similarity scores (batch, ..., queries, keys) whose last axis is the
        padded time axis of a batch seen this step (late interaction, ColBERT's MaxSim: every
        query token takes its best document token). The batch of the keys is the first axis, or
        the second of an all-pairs (queries' batch, keys' batch, ...) score table; where both
        fit, a step counts as padded only if it is under both readings. A max that picks such a
        step for a real query is where padding enters the loss (PAD301)."""
        res = out[0] if isinstance(out, tuple) else out
        if not isinstance(res, torch.Tensor) or not res.requires_grad or t.dim() < 3:
            return
        if _reduced_dims(dim, t.dim()) != {t.dim() - 1} or not _from_a_product(t):
            return
        B, Tk = t.shape[0], t.shape[-1]
        pm = None
        for i in self._st.sources:
            m = i.mask
            if m.dim() != 2 or m.shape[1] != Tk or not bool(m.any()):
                continue
            for axis in (0, 1):
                if axis < t.dim() - 1 and t.shape[axis] == m.shape[0]:
                    shape = [1] * t.dim()
                    shape[axis], shape[-1] = m.shape[0], Tk
                    cand = m.to(t.device).reshape(shape).expand_as(t)
                    pm = cand if pm is None else (pm & cand)
        if pm is None or B == 0:
            return
        with torch.no_grad():
            idx = t.detach().argmax(dim=-1, keepdim=True)
            steps = pm.gather(-1, idx)
            if not bool(steps.any()):  # masked with -inf first: no padded key is ever picked
                return
        what = (f"max over the padded key axis of a score table picks padded steps ({int(steps.sum())} of "
                f"{steps.numel()} maxima come from padding); fill the padded keys with -inf (masked_fill) "
                "before the max")
        self._probe_used(t, pm, "PAD301", "max over padded keys", what, user_location(3), None)

    def _note_pooling(self, func, t: torch.Tensor, info: PadInfo, dim: Any, out: Any = None) -> None:
        """A sum or mean over the time axis of a padded sequence tensor. A *sum* whose padded
        positions hold exact zeros (an embedding's padding_idx row, pad_packed_sequence output)
        adds nothing: the gradient it sends to those constant zeros changes no number, so a
        leak seen there with an even gradient over time is not one (``emb.sum(1) / lengths``).
        A *mean* over time counts the pads whatever their value; it is noted so that the
        excuse never applies to it."""
        m = info.mask
        if m.dim() != 2 or info.bdim is None or dim is None:
            return
        tdim = 1 - info.bdim
        dims = _reduced_dims(dim, t.dim())
        if tdim not in dims:
            return
        name = getattr(func, "__name__", "")
        pm = m.reshape(tuple(m.shape) + (1,) * (t.dim() - 2))
        zero = _zero_at_pads(t, pm)
        if zero is False and out is not None and out.requires_grad and len(dims) == 1:
            # values at the padded steps (a bias, an RNN run over the pads) pooled with the
            # real ones: if gradient comes back to them, the pooling is where padding leaks
            self._probe_used(
                t, pm.to(t.device), "PAD301", f"{name} over time of a padded tensor",
                f"a {name} over the time axis includes the padded steps, which hold non-zero values; mask "
                "them and divide by the real lengths (x.masked_fill(pad, 0).sum(1) / lengths)",
                user_location(3), None,
            )
        if name == "mean":
            info.meta["mean_over_time"] = True
            if zero and out is not None and out.requires_grad and len(dims) == 1:
                # zeros at the padded steps still count in a mean's denominator; the probe sees the
                # mean's gradient at the pads whatever else (a dropout, a masked per-token head)
                # uses the same tensor
                self._probe_used(
                    t, pm.to(t.device), "PAD301", "mean over time of a padded tensor",
                    "a mean over the time axis counts the padded steps (zeros here) in its denominator, so "
                    "the result shrinks with the padded length of the batch; sum over time and divide by "
                    "the real lengths (x.sum(1) / lengths[:, None])",
                    user_location(3), None,
                )
            return
        if zero:
            info.meta["zero_pad_sum"] = True
            probes = _probes_behind(self._st.probes, t)
            if probes and isinstance(out, torch.Tensor) and out.requires_grad and len(dims) == 1:
                # The sum's own gradient at the pads (its output's gradient, spread over time) is
                # taken off what the probe of this very tensor sees there, so that another use of
                # it (the same embeddings packed into an RNN) is judged on what it sends alone.
                # (The probed tensor may be a step behind: the rows put back in order after
                # packing, or a dropout; what the sum sends back goes through that step too.)
                keep = out.dim() == t.dim()
                holder: dict = {"tdim": tdim, "keepdim": keep, "grad": None}
                for p, steps in probes:
                    p.zero_sums.append((holder, steps))

                def _padlint_sum_grad(grad, holder=holder):
                    holder["grad"] = grad.detach() if grad is not None else None

                out.register_hook(_padlint_sum_grad)

    def _channels_pooling(self, func, t: torch.Tensor, info: PadInfo, dim: Any, out: torch.Tensor) -> None:
        """``h.mean(dim=2)`` / ``h.sum(-1)`` of channels-first frames (B, C, T), a convolution's
        output say: padded steps holding values (a bias, the kernel reaching real neighbours)
        are pooled with the real ones (PAD301); zeros there make a mean divide by the padded
        length all the same (PAD302). A sum of exact zeros at the pads is a correct masked sum."""
        m = info.mask
        if dim is None or not out.requires_grad or m.dim() != 2 or t.dim() != 3:
            return
        dims = _reduced_dims(dim, 3)
        if 2 not in dims:
            return
        name = getattr(func, "__name__", "")
        zero = _zero_at_pads(t, m[:, None, :])
        if zero is None:
            return
        loc = user_location(3)
        if not zero:
            with torch.no_grad():  # how much of the pooled value the padded steps make
                from_pads = (t.detach().float() * m.to(t.device)[:, None, :]).sum(2).abs().amax()
                share = float(from_pads) / (t.shape[2] if name == "mean" else 1)
            self._emit("PAD301", "channels-first frames",
                       f"channels-first frames (batch, channels, time) are {name}-pooled over time including the "
                       "padded steps, which hold non-zero values (a convolution's bias and its window reaching "
                       f"real neighbours; up to {share:.3g} of a pooled value comes from them); mask before "
                       "pooling and divide by the lengths", loc, share)
            self._st.emitted_specific = True
        elif name == "mean":
            self._emit_dilution("channels-first frames", t.shape[2], None, None, None, loc)

    def _note_masked_total(self, t: torch.Tensor, info: PadInfo, out: torch.Tensor, name: str) -> None:
        """``(err ** 2 * mask).sum()`` of a padded sequence tensor whose padded positions are exact
        zeros (masked by hand): followed, like a masked reduction='none' loss, to a division by the
        number of all positions (PAD302: ``se.sum() / mask.numel()``); its ``.mean()`` is that
        division already."""
        with torch.no_grad():
            pad = _pads_of(t, info)
            counts = _zero_pad_counts(t, pad) if pad is not None else None
        if counts is None:
            return  # (no padding here, or the pads hold values: a leak the gradient probe sees)
        n_all, n_real, n_kept = counts
        where = info.meta.get("where", "masked sum")
        if name == "mean":
            if out.requires_grad:
                value = float(out.detach().float())
                ref = value * n_all / n_kept if n_kept else float("nan")
                self._emit_dilution(where, n_all, n_real, value, ref, user_location(3), n_kept)
            return
        self._tag(out, PadInfo(torch.zeros((), dtype=torch.bool), None, "propagated", kind="masked_sum",
                               meta={"n_all": n_all, "n_real": n_real, "n_kept": n_kept,
                                     "msum": float(out.detach().float()), "where": where}))

    def _check_masked_sum_division(self, info: PadInfo, divisor: Any) -> None:
        mt = info.meta
        if isinstance(divisor, torch.Tensor):
            if divisor.numel() != 1:
                return
            d = float(divisor.detach().float())
        elif isinstance(divisor, (int, float)):
            d = float(divisor)
        else:
            return
        if mt["n_real"] < mt["n_all"] and abs(d - mt["n_all"]) < 0.5:
            kept = mt.get("n_kept", mt["n_real"])
            ref = mt["msum"] / kept if kept else float("nan")
            self._emit_dilution(mt["where"], mt["n_all"], mt["n_real"], mt["msum"] / d, ref, user_location(3), kept)

    def _emit_dilution(self, where, n_used, n_real, value, ref, loc, n_kept=None) -> None:
        if n_real is not None and n_kept is not None and n_kept < n_real:
            what = (f"masked loss divided by {n_used} positions, but only {n_real} are real and the loss mask "
                    f"keeps {n_kept} of them (the others are zero): divide by the number of positions the mask "
                    "keeps, mask.sum()")
        elif n_real is not None:
            what = (f"masked loss divided by {n_used} positions but only {n_real} are real "
                    "(dilution: divide by the number of real positions, mask.sum() or, with ignored targets, "
                    "(target != ignore_index).sum())")
        else:
            what = (f"masked loss averaged over {n_used} positions per row, padding included "
                    "(dilution: divide each row's masked sum by its number of real positions)")
        mag = abs(value - ref) if value is not None and ref is not None and ref == ref else 0.0
        self._emit("PAD302", where, what, loc, mag, value=value, reference=ref)
        self._st.emitted_specific = True

    def _on_getitem(self, func, args, kwargs, out):
        if not self._st.sampled:
            return
        info = REGISTRY.get(args[0])
        if info is not None and info.kind == "rows" and isinstance(out, torch.Tensor) and len(args) > 1:
            self._rows_indexed(info, args[1], out)
            return
        if info is not None and info.kind == "seq" and "indexed_at" not in info.meta:
            info.meta["indexed_at"] = user_location(2)
        if info is not None and info.kind == "seq" and isinstance(out, torch.Tensor) and len(args) > 1:
            sliced = _time_slice(info, args[1])
            if sliced is not None and _fits(out, sliced):
                self._tag(out, sliced)  # x[:, 1:] / out[:, :-1] (next-step targets): the same pads, shifted
            self._check_gathered_step(args[0], info, args[1], out)
            self._check_selected(info, args[1], out)

    def _check_selected(self, info: PadInfo, index: Any, out: torch.Tensor) -> None:
        """``x[mask]`` with a boolean (batch, time) mask: the selected elements, one row each. A
        mask that keeps every pad out leaves no padding; one that selects some padded positions
        (``arange(T) <= lengths``, one past the end) hands them on, tagged, to what follows."""
        m = info.mask
        if not isinstance(index, torch.Tensor) or index.dtype != torch.bool or m.dim() != 2 \
                or tuple(index.shape) != tuple(m.shape) or out.dim() < 1:
            return
        with torch.no_grad():
            picked = m.to(index.device)[index]
        if tuple(picked.shape) != tuple(out.shape[:1]) or not bool(picked.any()):
            return
        self._tag(out, PadInfo(picked, None, "propagated", meta=info.meta))

    def _rows_indexed(self, info: PadInfo, index: Any, out: torch.Tensor) -> None:
        """``h_n[-1]`` / ``h_n[-2:]`` of final states whose rows (dim 1) are known: the rows
        move to dim 0 (one layer picked) or stay at dim 1 (a slice of layers)."""
        rows = info.mask
        if isinstance(index, int) and out.dim() >= 1 and out.shape[0] == rows.shape[0]:
            self._tag(out, PadInfo(rows, None, info.source, kind="rows", meta={"rows_dim": 0}))
        elif isinstance(index, slice) and out.dim() == 3 and out.shape[1] == rows.shape[0]:
            self._tag(out, info)

    def _check_gathered_step(self, x: torch.Tensor, info: PadInfo, index: Any, out: torch.Tensor) -> None:
        """``x[torch.arange(B), idx]`` (time major: ``x[idx, torch.arange(B)]``): one step per
        sequence. If some of the picked steps are padding (a left-padded batch read at
        lengths - 1, an index one past the end) and gradient reaches them, the step read is
        padding (PAD202, at this line)."""
        m = info.mask
        if m.dim() != 2 or info.bdim not in (0, 1) or not isinstance(index, tuple) or len(index) != 2:
            return
        b_ix, t_ix = index[info.bdim], index[1 - info.bdim]
        B = m.shape[info.bdim]
        if not all(isinstance(i, torch.Tensor) and i.dim() == 1 and i.shape[0] == B for i in (b_ix, t_ix)):
            return
        if b_ix.dtype == torch.bool or t_ix.dtype == torch.bool or b_ix.is_floating_point() \
                or t_ix.is_floating_point() or tuple(out.shape[:1]) != (B,):
            return
        with torch.no_grad():
            m_bt = (m if info.bdim == 0 else m.t()).to(t_ix.device)
            T = m_bt.shape[1]
            tt = t_ix.long()
            if bool(((tt < -T) | (tt >= T)).any()):
                return  # torch raises on its own
            picked = m_bt[b_ix.long().to(m_bt.device), tt % T]
            n = int(picked.sum())
        if n == 0:
            return
        pm = picked.view(B, *([1] * (out.dim() - 1))).to(out.device)
        self._probe_used(
            out, pm, "PAD202", f"the {info.source if info.source != 'propagated' else 'padded'} batch read at one "
            "step per sequence",
            f"the step read for {n} of {B} sequences is padding (x[arange(B), idx] with idx at a padded "
            "position: a left-padded batch read at lengths - 1, or an index one past the end); for a "
            "left-padded batch read x[:, -1], otherwise x[arange(B), lengths - 1]",
            user_location(2), None,
        )

    def _on_embedding(self, func, args, kwargs, out):
        bound = _bind(func, args, kwargs)
        ids = bound["input"]
        pidx = bound.get("padding_idx")
        if not isinstance(out, torch.Tensor) or not isinstance(ids, torch.Tensor):
            return
        if self._st.sampled and ids.dim() == 2 and ids.shape[1] > 1 and pidx is None \
                and not ids.is_floating_point() and REGISTRY.lookup(ids) is None:
            self._check_positions(ids)
        info_in = REGISTRY.lookup(ids)
        loc = None
        if info_in is not None and info_in.kind == "seq" and leading_mask(info_in.mask, tuple(out.shape)) is not None:
            m = leading_mask(info_in.mask, tuple(out.shape))
            info = PadInfo(m, info_in.bdim if m.shape == info_in.mask.shape else None, info_in.source, meta={})
        else:
            pv = pidx if pidx is not None else (self.pad_value if self.pad_value is not None else None)
            if pv is None:
                return
            if pv < 0:
                pv += bound["weight"].shape[0]
            m = ids == pv
            if ids.dim() == 0:
                return
            src = "padding_idx" if pidx is not None else "pad_value"
            info = PadInfo(m, 0 if ids.dim() == 2 else None, src, meta={"pad_id": int(pv)})
            if ids.dim() >= 1 and ids.shape[0] == 0:
                self._emit("PAD-R003", "embedding", "empty batch (batch size 0)", user_location(2), 0.0)
                return
            if self._st.sampled and ids.dim() == 2:
                if not bool(m.any()):
                    return  # no padding in this batch
        loc = user_location(2)
        info.meta["loc"] = loc
        self._tag(out, info)
        if ids.dim() >= 1 and ids.shape[0] == 0:
            self._emit("PAD-R003", "embedding", "empty batch (batch size 0)", loc, 0.0)
            return
        self._probe(out, info, "seq", "embedding output", loc)

    def _check_positions(self, ids: torch.Tensor) -> None:
        """Position ids ``arange(T)`` for every row, embedded in a step whose batch of that shape
        is padded on the left: a shorter sequence's first real token gets position k (its pad
        count), so positions depend on the batch-mates (PAD405; no gradient reaches a pad)."""
        T = ids.shape[1]
        with torch.no_grad():
            if not bool((ids == torch.arange(T, device=ids.device)).all()):
                return
            for info in self._st.sources:
                m = info.mask
                if tuple(m.shape) != tuple(ids.shape) or classify(m.cpu())[0] != "left":
                    continue
                n_pad = int(m.sum(1).max())
                self._emit(
                    "PAD405", "position embedding",
                    f"position ids arange({T}) on a left-padded batch (up to {n_pad} pad(s) before a "
                    "sequence): each shorter sequence's real tokens get positions shifted by its pad count; "
                    "count positions over the real tokens, (attention_mask.cumsum(-1) - 1).clamp(min=0)",
                    user_location(3), float(n_pad),
                )
                self._st.emitted_specific = True
                return

    # ----- RNN ---------------------------------------------------------------------------------
    def _on_rnn(self, mod, args, kwargs, output):
        x = args[0] if args else kwargs.get("input")
        hx = args[1] if len(args) > 1 else kwargs.get("hx")
        if not isinstance(output, tuple) or len(output) != 2:
            return
        out, state = output
        if isinstance(x, PackedSequence):
            self._tag_empty_rows(x, state)
            if mod.bidirectional and isinstance(out, PackedSequence):
                H = out.data.shape[-1] // 2
                self._tag(out.data, PadInfo(torch.zeros(0, dtype=torch.bool), None, "packed", kind="rnn_packed",
                                            meta={"bidir_H": H, "rnn": _describe_module(mod)}))
            return
        if not isinstance(x, torch.Tensor) or x.dim() != 3:
            return
        info = REGISTRY.lookup(x)
        bf = mod.batch_first
        if info is None or info.kind != "seq":
            info = self._value_mask(x, bf)
            if info is None:
                return
        m = info.mask
        if m.dim() != 2 or tuple(x.shape[:2]) != tuple(m.shape):
            bm = broadcast_mask(m, tuple(x.shape))
            if bm is None or bm.dim() < 2 or bm.shape[0] != x.shape[0] or bm.shape[1] != x.shape[1]:
                return
            m = bm.reshape(x.shape[0], x.shape[1])
        mask_bt = m if bf else m.t()
        where = _describe_module(mod)
        meta: dict = {"rnn": where}
        if "pad_id" in info.meta:
            meta["pad_id"] = info.meta["pad_id"]  # (the token id the losses' targets may pad with)
        if not self._st.sampled:
            # unsampled step: only the cheap things -- carry the mask to the output, and probe the
            # input unless it is already probed (usually it is the embedding output)
            self._tag(out, PadInfo(m, 0 if bf else 1, "propagated", meta=meta))
            if x.requires_grad and torch.is_grad_enabled():  # (an already probed input is only renamed)
                loc = user_location(2)
                self._probe(x, PadInfo(m, 0 if bf else 1, info.source, meta={"loc": loc}), "seq",
                            f"input of {where}", loc)
            return
        loc = user_location(2)
        B = mask_bt.shape[0]
        self._check_empty(mask_bt, B, where, loc)
        meta["loc"] = loc
        if mod.bidirectional:
            meta["bidir_H"] = out.shape[-1] // 2
        oinfo = PadInfo(m, 0 if bf else 1, "propagated", meta=meta)
        self._tag(out, oinfo)
        self._probe(x, PadInfo(m, 0 if bf else 1, info.source, meta={"loc": loc}), "seq", f"input of {where}", loc)
        self._probe(out, oinfo, "seq", f"output of {where}", loc)
        if B == 0:
            return
        geometry, lengths = classify(mask_bt)
        if geometry not in ("right", "left") or bool((lengths == 0).any()):
            return
        self.oracle_runs += 1
        res = rnn_packed_reference(mod, x, hx, mask_bt, geometry, lengths, out, state)
        atol, rtol = self._tol(res["dtype"])
        scale = float(res["scale"])
        tol = atol + rtol * scale
        dout = res["dout"]
        dout_max = float(dout.max())
        grad_mode = torch.is_grad_enabled()
        if dout_max > tol:
            rows = dout > tol
            why = "bidirectional" if mod.bidirectional else "left-padded"
            fix = ("pack it with pack_padded_sequence(..., enforce_sorted=False)" if geometry == "right" else
                   "move each sequence's tokens to the start of its row (right padding) first, since "
                   "pack_padded_sequence reads the first `lengths` steps, then pack it")
            what = (
                f"{why} RNN run on a padded tensor instead of a PackedSequence: its outputs at real positions "
                f"differ from the packed reference by up to {dout_max:.3g} in {int(rows.sum())} of {B} sequences; "
                f"{fix}"
            )
            if grad_mode and out.requires_grad:
                real_rows = (~mask_bt) & rows.unsqueeze(1)
                sel = real_rows if bf else real_rows.t()
                pm = sel.reshape(tuple(sel.shape) + (1,))
                self._probe_used(out, pm, "PAD-R002", where, what, loc, dout_max)
            else:
                self._emit("PAD-R002", where, what, loc, dout_max)
                self._st.emitted_specific = True
        states = [s for s in (state if isinstance(state, tuple) else (state,)) if isinstance(s, torch.Tensor)]
        for name, s, ds in zip(("h_n", "c_n"), states, res["dstate"]):
            dmax = float(ds.max())
            if dmax <= tol or not (grad_mode and s.requires_grad):
                continue
            rows = ds > tol
            what = (
                f"{name} of an RNN run on a padded (not packed) batch reaches the loss: for {int(rows.sum())} "
                f"of {B} sequences it was computed over padding steps (differs from the packed run by up to "
                f"{dmax:.3g}); " + ("pack the batch with pack_padded_sequence(..., enforce_sorted=False)"
                                   if geometry == "right" else "right-align the left-padded batch, then pack it "
                                   "with pack_padded_sequence(..., enforce_sorted=False)")
            )
            pm = rows.reshape(1, B, 1)
            self._probe_used(s, pm, "PAD201", where, what, loc, dmax, key=f"state:{id(mod)}")

    def _tag_empty_rows(self, x: PackedSequence, state: Any) -> None:
        """h_n (and c_n) of a packed run: the rows packed from all-padding inputs (see _on_pack)."""
        noted = self._st.empty_rows.get(id(x.data))
        if noted is None or noted[0] is not x.data:
            return
        rows = noted[1]
        if x.unsorted_indices is not None:
            rows = rows[x.unsorted_indices.to(rows.device)]  # back to the caller's order
        for s in (state if isinstance(state, tuple) else (state,)):
            if isinstance(s, torch.Tensor) and s.dim() == 3 and s.shape[1] == rows.shape[0]:
                self._tag(s, PadInfo(rows.to(s.device), None, "empty rows", kind="rows", meta={"rows_dim": 1}))

    def _probe_used(self, t, pm, code, where, what, loc, magnitude, key=None):
        """A probe that turns into finding ``code`` if any gradient reaches ``pm``."""
        st = self._st
        if st.probed.has(t, code) or not t.requires_grad or len(st.probes) >= 4 * self.max_probes:
            return
        st.n += 1
        p = _Probe(st.n, "used", where, loc, pm, meta={"code": code, "what": what, "mag": magnitude})
        st.probes.append(p)
        st.probed.add(t, code)
        t.register_hook(self._make_hook(p))

    def _value_mask(self, x: torch.Tensor, bf: bool) -> Optional[PadInfo]:
        """guard(pad_value=v): trailing rows of a float batch equal to v everywhere are padding."""
        if self.pad_value is None or not x.is_floating_point() or not self._st.sampled:
            return None
        eq = (x == self.pad_value).all(-1)  # (B,T) or (T,B)
        eq_bt = eq if bf else eq.t()
        # trailing run only: position t is padding iff all of t..T-1 are pad rows
        trailing = eq_bt.flip(1).cumprod(1).flip(1).bool()
        if not bool(trailing.any()):
            return None
        m = trailing if bf else trailing.t()
        return PadInfo(m, 0 if bf else 1, "pad_value", meta={})

    # ----- attention ------------------------------------------------------------------------------
    def _on_sdpa(self, func, args, kwargs, out):
        """F.scaled_dot_product_attention (hand-written / HF attention): are padded keys masked?"""
        if self._attn_depth > 0:
            return  # inside nn.MultiheadAttention & co: handled by their module hook
        key = args[1] if len(args) > 1 else kwargs.get("key")
        attn_mask = args[3] if len(args) > 3 else kwargs.get("attn_mask")
        causal = args[5] if len(args) > 5 else kwargs.get("is_causal", False)
        if not isinstance(key, torch.Tensor) or key.dim() < 3:
            return
        info = None
        for t in (key, key._base):
            i = REGISTRY.lookup(t) if isinstance(t, torch.Tensor) else None
            if i is not None and i.kind == "seq" and i.mask.dim() == 2 and i.bdim == 0:
                info = i
                break
        if info is None or key.shape[0] != info.mask.shape[0] or key.shape[-2] != info.mask.shape[1]:
            # heads were split off by permutes/reshapes the tags do not follow: use this step's
            # padding source of matching (batch, length), if there is exactly one
            cands = [i for i in self._st.sources
                     if tuple(i.mask.shape) == (key.shape[0], key.shape[-2])]
            if not cands:
                return
            # (batches collated up front: the source tagged last, the embedding of the batch
            # this forward reads, is the one attended over)
            info = cands[-1]
        B, T = info.mask.shape
        pad_keys = info.mask.to(key.device)  # (B, Tk), True = padded key (the source may be on the CPU)
        st = self._st
        if attn_mask is None:
            if causal and classify(pad_keys)[0] in ("right", "none"):
                return  # causal + right padding: real queries never see padded keys
            st.n += 1
            st.attn.append((st.n, "scaled_dot_product_attention", user_location(2)))
            return
        if not st.sampled or not isinstance(attn_mask, torch.Tensor):
            return
        # does the mask hide every padded key from every query?  (bool: True = attend)
        am = attn_mask
        blocked = ~am if am.dtype == torch.bool else torch.isneginf(am) | (am < -1e8)
        try:
            blocked = blocked.expand(*key.shape[:-2], blocked.shape[-2], T)
        except RuntimeError:
            return
        bl = blocked.reshape(B, -1, blocked.shape[-2], T).all(dim=1).all(dim=1)  # (B, Tk) blocked for all
        if bool((pad_keys & ~bl).any()):
            inverted = bool((bl == ~pad_keys).all())
            if inverted and bool(pad_keys.any()):
                self._emit(
                    "PAD402", "scaled_dot_product_attention",
                    "attn_mask blocks the real keys and lets the padded ones through: for a boolean "
                    "attn_mask True means 'take part in attention'; invert the padding mask",
                    user_location(2), 1.0,  # every key's polarity is wrong
                )
                st.emitted_specific = True
                return
            st.n += 1
            st.attn.append((st.n, "scaled_dot_product_attention", user_location(2), _weak_additive(am, pad_keys, key),
                            "attn_mask given"))

    def _weak_key_padding_mask(self, kpm: torch.Tensor, qinfo: Optional[PadInfo], bf: bool) -> Optional[str]:
        """The value a float ``key_padding_mask`` holds at the padded keys (known from the keys'
        own padding) when it tells them apart from the real ones but does not remove them (above
        -1e8): what PyTorch adds to their scores. None otherwise."""
        if not self._st.sampled or not kpm.is_floating_point() or kpm.dim() != 2 or qinfo is None \
                or qinfo.kind != "seq" or qinfo.mask.dim() != 2:
            return None
        known = qinfo.mask if qinfo.bdim == (0 if bf else 1) else None
        if known is None or tuple(known.shape) != tuple(kpm.shape):
            return None
        known = known.to(kpm.device)
        if not bool(known.any()) or bool(known.all()):
            return None
        vals = kpm.detach()
        at_pad = vals[known]
        if not bool((at_pad > -1e8).any()):
            return None  # -inf (or finfo.min) at every pad: removed
        # (a padding mask cast to float puts +1 there: above the real keys, not below)
        return _marked_not_removed(at_pad, vals[~known], above_too=True)

    def _on_attention(self, mod, args, kwargs, output):
        if self._attn_depth > 0:
            return  # inside another attention module: the outermost one is checked
        if isinstance(mod, torch.nn.MultiheadAttention):
            q = args[0] if args else kwargs.get("query")
            k = args[1] if len(args) > 1 else kwargs.get("key", q)
            kpm = kwargs.get("key_padding_mask", args[3] if len(args) > 3 else None)
            causal = kwargs.get("is_causal", False)
            attn_mask = kwargs.get("attn_mask", args[5] if len(args) > 5 else None)
            bf = mod.batch_first
            out = output[0] if isinstance(output, tuple) else output
        else:
            q = args[0] if args else kwargs.get("src")
            kpm = kwargs.get("src_key_padding_mask", args[2] if len(args) > 2 else None)
            causal = kwargs.get("is_causal", args[3] if len(args) > 3 else False)
            attn_mask = kwargs.get("mask", kwargs.get("src_mask", args[1] if len(args) > 1 else None))
            layer = mod.layers[0] if isinstance(mod, torch.nn.TransformerEncoder) else mod
            bf = layer.self_attn.batch_first
            out = output
            k = q
        if not isinstance(q, torch.Tensor) or q.dim() != 3 or not isinstance(k, torch.Tensor) or k.dim() != 3:
            return
        where = _describe_module(mod)
        # The key padding mask describes the keys; the output has one row per *query*, so it is
        # padded where the queries are (the same tensor in self-attention, not in cross-attention).
        q_pad = None
        if k is not q:
            qi = REGISTRY.lookup(q)
            q_pad = _propagated(qi) if qi is not None and qi.kind == "seq" else None
        if isinstance(kpm, torch.Tensor):
            m_bt = mask_from_kpm(kpm)
            if m_bt.dim() != 2:
                return
            m = m_bt if bf else m_bt.t()
            if tuple(k.shape[:2]) != tuple(m.shape):
                return
            info = PadInfo(m.to(k.device), 0 if bf else 1, "key_padding_mask", meta={})
            qinfo = REGISTRY.lookup(k)
            weak = self._weak_key_padding_mask(kpm, qinfo, bf)
            if weak is not None:
                # a float key_padding_mask is added to the scores: 1/0 (a keep mask cast to
                # float) or a pad mask cast to float marks the padding without removing it
                self._st.n += 1
                self._st.attn.append((self._st.n, where, user_location(2), weak, "key_padding_mask"))
                info = _propagated(qinfo)
            elif qinfo is None:
                self._tag(k, info)
            elif self._st.sampled and qinfo.kind == "seq" and tuple(qinfo.mask.shape) == tuple(info.mask.shape):
                known = qinfo.mask.to(q.device)
                real = ~known
                # False at every pad and True at most real tokens (all of them, or all but a [CLS]
                # column prepended as False): a keep mask where PyTorch wants True = padding
                blocked_real = float(info.mask[real].float().mean()) if bool(real.any()) else 0.0
                if bool(known.any()) and not bool((info.mask & known).any()) and blocked_real >= 0.5:
                    which = "the real tokens" if blocked_real == 1.0 else \
                        f"{blocked_real:.0%} of the real tokens (not at the others, such as a prepended [CLS])"
                    self._emit(
                        "PAD402", where,
                        f"the key padding mask is True at {which} and False at the padding "
                        f"(padding known from {_source_words(qinfo)}): PyTorch wants True = padding; invert it",
                        user_location(2), _wrong_share(info.mask.to(known.device), known),
                    )
                    self._st.emitted_specific = True
                    # what follows is padded where the padding really is, not where the mask says
                    info = _propagated(qinfo)
                elif bool((known & ~info.mask).any()):
                    # the mask marks padding somewhere, but not where the keys' padding is (a
                    # [CLS] column prepended to the sequence and appended to the mask)
                    missed = int((known & ~info.mask).sum())
                    extra = int((info.mask & ~known).sum())
                    also = f" and masks {extra} real one(s)" if extra else ""
                    self._emit(
                        "PAD401", where,
                        f"the key padding mask leaves {missed} padded key(s) unmasked{also} (padding known from "
                        f"{_source_words(qinfo)}): it does not line up with the keys "
                        f"({_misalignment_guess(known, info.mask.to(known.device), 1 if bf else 0)}); build it "
                        "from the tensor attended over", user_location(2), float(missed),
                    )
                    self._st.emitted_specific = True
                    self._st.misaligned = True  # (what leaks upstream is this mask's doing)
                    info = _propagated(qinfo)
            if k is not q:
                if q_pad is None or not _fits(out, q_pad):
                    return
                info = q_pad
            if isinstance(out, torch.Tensor) and tuple(out.shape[:2]) == tuple(info.mask.shape):
                self._tag(out, info)
                if self._attn_depth == 0:  # outermost attention module: probe its output
                    loc = user_location(2)
                    info.meta["loc"] = loc
                    self._probe(out, info, "seq", f"output of {where}", loc)
            return
        info = REGISTRY.lookup(k)
        if info is None or info.kind != "seq":
            if q_pad is not None and _fits(out, q_pad):
                self._tag(out, q_pad)
            return
        if causal or attn_mask is not None:
            # a causal mask with right padding never lets real queries see padded keys
            if info.mask.dim() == 2 and info.bdim is not None:
                mbt = info.mask if info.bdim == 0 else info.mask.t()
                if classify(mbt)[0] in ("right", "none"):
                    return
        st = self._st
        if len(st.attn) >= 64:  # a step that never ends (no optimizer, no g.step()): stay bounded
            return
        st.n += 1
        label = f"cross-attention ({where})" if k is not q else where  # (queries from another sequence)
        st.attn.append((st.n, label, user_location(2)))
        if k is not q:
            if q_pad is None:
                return
            info = q_pad
        if _fits(out, info):
            self._tag(out, info)

    # ----- losses ------------------------------------------------------------------------------------
    def _on_loss(self, func, args, kwargs):
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            out = func(*args, **kwargs)
        if caught:
            _rewarn(caught)
        if not self._st.sampled:
            # unsampled steps: a leak through the loss still reaches the probes on the padding
            # sources (embedding / pad_packed_sequence / attention outputs) upstream
            return out
        self._busy = True
        try:
            kind = _LOSS_FUNCS[func]
            if kind == "ctc":
                self._loss_ctc(func, args, kwargs, out)
            else:
                self._loss_check(func, kind, args, kwargs, out)
        except Exception as e:
            self._internal(e, f"loss check of {getattr(func, '__name__', func)}")
        finally:
            self._busy = False
        return out

    def _loss_mask(self, inp, target, kind):
        """Padding mask over the loss elements (target shape for class losses, input shape else)."""
        shape = tuple(target.shape) if kind == "class" else tuple(inp.shape)
        cands = [target, inp]
        for t in (target, inp):
            if isinstance(t, torch.Tensor) and t._base is not None:
                cands.append(t._base)  # e.g. logits.transpose(1, 2) for the (B, C, T) layout
        for t in cands:
            info = REGISTRY.lookup(t) if isinstance(t, torch.Tensor) else None
            if info is not None and info.kind == "chan" and t is inp and kind == "class" \
                    and tuple(info.mask.shape) == shape and inp.dim() == 3:
                # logits.transpose(1, 2): the (B, C, T) layout, padded over (B, T) as the targets
                own = _own_target_padding(target, info, info.mask.to(target.device))
                return (own if own is not None else info.mask.to(target.device)), info
            if info is not None and info.kind == "seq":
                bm = broadcast_mask(info.mask, shape)
                if bm is None and t is inp and kind == "class":
                    # logits (N, C) flattened from (B, T, C): mask over N
                    lm = leading_mask(info.mask, tuple(inp.shape))
                    if lm is not None and lm.dim() == 1 and lm.shape[0] == shape[0] and len(shape) == 1:
                        bm = lm
                if bm is not None:
                    if kind == "class" and t is not target:
                        own = _own_target_padding(target, info, bm)
                        if own is not None:
                            return own, info
                    return bm.to(target.device).expand(shape) if kind == "elem" else bm.to(target.device), info
        if (
            self.pad_value is not None and kind == "class" and target.dim() >= 2
            and not target.is_floating_point()
        ):
            return target == self.pad_value, None
        return None, None

    def _loss_check(self, func, kind, args, kwargs, out):
        bound = _bind(func, args, kwargs)
        inp, target = bound["input"], bound["target"]
        if not isinstance(inp, torch.Tensor) or not isinstance(target, torch.Tensor):
            return
        if kind == "class" and target.is_floating_point():
            return  # class probabilities: no positions to mask
        pm, src = self._loss_mask(inp, target, kind)
        if pm is None and kind == "class" and self._st.sampled and target.dim() >= 1:
            # ignore_index as a source: ignored targets are padding for this loss (matters for a
            # reduction='none' loss that is then averaged: dilution)
            ign = target == bound.get("ignore_index", -100)
            if bool(ign.any()):
                pm = ign
        if pm is None:
            return
        red = _reduction(bound)
        name = getattr(func, "__name__", str(func))
        where = self._loss_stack[-1] if self._loss_stack else name
        if where != name:
            where = f"{where} ({name})"
        loc = user_location(3)
        grad_mode = torch.is_grad_enabled()
        st = self._st
        if red == "none":
            elems = pm
            if kind == "class" and tuple(pm.shape) == tuple(target.shape):
                # ignored targets (MLM's unlabelled tokens at -100) give zeros as the padding does:
                # the real count of a masked mean is the labelled positions, not the real tokens
                elems = pm | (target == bound.get("ignore_index", -100)).to(pm.device)
            info = PadInfo(elems, None, "propagated", kind="loss_elems", meta={"where": where})
            self._tag(out, info)
            if not (st.sampled and grad_mode and out.requires_grad and self.probes):
                return
        else:
            # gradient probe on the loss input (sampled steps)
            if grad_mode and inp.requires_grad and self.probes:
                bm = pm if tuple(pm.shape) == tuple(inp.shape) else broadcast_mask(pm, tuple(inp.shape))
                if bm is None and pm.dim() == 1 and inp.dim() == 2 and inp.shape[0] == pm.shape[0]:
                    bm = pm.unsqueeze(1)
                if bm is not None:
                    self._probe(inp, None, "seq", f"input of {where}", loc, pm=bm)
            if not st.sampled:
                return
        pad = pm
        if kind == "class":
            ii = bound.get("ignore_index", -100)
            real = (~pad) & (target != ii)
        else:
            ii = None
            real = ~pad
        if not bool(pad.any()):
            return
        ref_kwargs = {k: v for k, v in bound.items() if k not in ("size_average", "reduce")}
        ref_kwargs["reduction"] = "none"
        with preserved_rng(inp), torch.no_grad():
            l = func(**ref_kwargs).detach()  # noqa: E741 (per-element loss)
            realf = real.to(l.dtype)
            if kind == "class":
                w = bound.get("weight")
                if w is not None:
                    denom = (w[target.clamp(min=0, max=w.shape[0] - 1)].to(l.dtype) * realf).sum()
                else:
                    denom = realf.sum()
            else:
                realf = realf.expand_as(l)
                denom = realf.sum()
            msum = (l * realf).sum()
            n_real = float(real.expand_as(l).sum()) if kind == "elem" else float(real.sum())
            ref_mean = float(msum / denom) if float(denom) > 0 else float("nan")
            full_mean = float(l.float().mean())
            ref_sum = float(msum)
            if red == "batchmean" and l.dim() >= 1:  # kl_div: the sum over the rows (dim 0) that hold real elements
                rows = float(real.expand_as(l).reshape(l.shape[0], -1).any(1).sum())
                ref_mean = ref_sum / rows if rows else float("nan")
            zero_at_pad = bool((l[pad.expand_as(l)] == 0).all()) if red == "none" else False
        if red == "none":
            if len(st.probes) >= 4 * self.max_probes:
                return
            st.n += 1
            p = _Probe(st.n, "loss_elems", where, loc, pad.expand_as(l) if pad.shape != l.shape else pad,
                       meta={"ref": ref_mean, "full": full_mean, "n_real": n_real, "zero_at_pad": zero_at_pad})
            st.probes.append(p)
            st.probed.add(out)
            out.register_hook(self._make_hook(p))
            return
        actual = float(out.detach().float())
        ref = ref_mean if red in ("mean", "batchmean") else ref_sum
        atol, rtol = default_tol(out.dtype, self.atol, self.rtol, autocast_aware=False)
        if not (abs(actual - ref) > atol + rtol * abs(ref)):
            return
        n_pad = int((pad & (target != ii)).sum()) if kind == "class" else int(pad.expand_as(l).sum())
        if kind == "class":
            vals = target[pad].unique()
            hint = ""
            if vals.numel() == 1:
                pv = int(vals.item())
                if bool((target[~pad] == pv).any()):
                    # the pad value is also a real class ("O" = 0 in a tagger): ignoring it would
                    # drop real targets too
                    hint = (f"; the padded targets are {pv}, which is also a real class here: pad the "
                            f"targets with {ii} (the loss's ignore_index) instead")
                else:
                    hint = f"; the padded targets are {pv} but ignore_index={ii}: pass ignore_index={pv}"
            what = (
                f"loss counts {n_pad} padded target position(s) (reduction='{red}'){hint}"
            )
            code = "PAD303"
        else:
            what = (
                f"elementwise loss with reduction='{red}' includes {n_pad} padded element(s); use "
                "reduction='none' and average over real positions only"
            )
            code = "PAD304"
        self._emit(code, where, what, loc, abs(actual - ref), value=actual, reference=ref)
        st.emitted_specific = True

    def _loss_ctc(self, func, args, kwargs, out):
        bound = _bind(func, args, kwargs)
        lp, targets = bound["log_probs"], bound["targets"]
        il, tl = bound["input_lengths"], bound["target_lengths"]
        if not self._st.sampled or not isinstance(lp, torch.Tensor) or lp.dim() != 3:
            return
        T, B = lp.shape[0], lp.shape[1]
        il_l = [int(v) for v in (il.tolist() if isinstance(il, torch.Tensor) else il)]
        tl_l = [int(v) for v in (tl.tolist() if isinstance(tl, torch.Tensor) else tl)]
        true_il = None
        info = REGISTRY.lookup(lp)
        if info is not None and info.kind == "seq" and info.mask.dim() == 2:
            m = info.mask
            if tuple(m.shape) == (T, B):
                true_il = (~m).sum(0).tolist()
            elif tuple(m.shape) == (B, T):
                true_il = (~m).sum(1).tolist()
        true_tl = None
        if isinstance(targets, torch.Tensor) and targets.dim() == 2:
            tinfo = REGISTRY.lookup(targets)
            if tinfo is not None and tinfo.kind == "seq" and tuple(tinfo.mask.shape) == tuple(targets.shape[:2]):
                true_tl = (~tinfo.mask).sum(1).tolist()
        problems = []
        new_il, new_tl = il, tl
        if true_il is not None and all(v == T for v in il_l) and any(v < T for v in true_il):
            problems.append(f"input_lengths are all {T} (the padded length) but the true lengths are {true_il[:8]}")
            new_il = torch.tensor(true_il, dtype=torch.long)
        S = targets.shape[1] if isinstance(targets, torch.Tensor) and targets.dim() == 2 else None
        if true_tl is not None and S is not None and all(v == S for v in tl_l) and any(v < S for v in true_tl):
            problems.append(f"target_lengths are all {S} (the padded length) but the true lengths are {true_tl[:8]}")
            new_tl = torch.tensor(true_tl, dtype=torch.long)
        if not problems:
            return
        where = self._loss_stack[-1] if self._loss_stack else "ctc_loss"
        loc = user_location(3)
        value = reference = None
        mag = 0.0
        red = _reduction(bound)
        if red in ("mean", "sum"):
            try:
                kw = dict(bound)
                dev = il.device if isinstance(il, torch.Tensor) else torch.device("cpu")
                kw["input_lengths"] = torch.as_tensor(new_il, dtype=torch.long).to(dev)
                kw["target_lengths"] = torch.as_tensor(new_tl, dtype=torch.long).to(dev)
                with preserved_rng(lp), torch.no_grad():
                    reference = float(func(**kw).float())
                value = float(out.detach().float())
                mag = abs(value - reference)
            except Exception:
                value = reference = None
        self._emit("PAD305", where, "; ".join(problems), loc, mag, value=value, reference=reference)
        self._st.emitted_specific = True

    # ----- step end --------------------------------------------------------------------------
    def _end_step(self, count: bool = True) -> list[Finding]:
        st = self._st
        if not count and not (st.touched or st.probes or st.attn):
            return []
        self._st = _Step(self._step_index + 1, self._sampled(self._step_index + 1))
        try:
            self._evaluate(st)
        except Exception as e:
            self._internal(e, "step evaluation")
        if self.step_callbacks:
            self._notify(st)
        self._step_index += 1
        self.steps_checked += 1
        try:
            self._check_compile()
        except Exception:  # pragma: no cover
            pass
        # what is not delivered yet: found while the step ran (a mask's polarity, a pooling) or
        # when its probes were evaluated just now
        return list(self._unreported)

    def _notify(self, st: _Step) -> None:
        """Call the step callbacks: findings seen this step (new or repeated), the padding fraction of
        the step's padded batches (None if unknown) and the sum over probed tensors of max |grad| at padding."""
        try:
            fs = [f for f in self._findings.values() if f.count > self._counts.get(f.key, 0)]
            self._counts = {f.key: f.count for f in self._findings.values()}
            ms = [i.mask for i in st.sources] or [p.m for p in st.probes if p.m is not None and p.m.dim() == 2][:1]
            n = sum(m.numel() for m in ms)
            frac = float(sum(int(m.sum()) for m in ms)) / n if n else None
            leaked = sum(float(rec[0]) for p in st.probes for rec in p.stats)
            for cb in list(self.step_callbacks):
                cb(st.index, fs, frac, leaked)
        except Exception as e:
            self._internal(e, "step callback")

    def _evaluate(self, st: _Step) -> None:
        fired = [p for p in st.probes if p.stats]
        if not fired and not st.attn and not st.softmax:
            return
        # one host sync for all scalar statistics
        scalars = []
        for p in fired:
            for rec in p.stats:
                scalars.append(rec[0].float())
                if len(rec) > 2 and rec[2] is not None:
                    scalars.append(rec[2].float())
        vals: list = []
        if scalars:
            with _NO_TORCH_FUNCTION():
                if all(x.device.type == "cpu" for x in scalars):
                    vals = [x.item() for x in scalars]
                else:  # one device->host copy for all statistics of the step
                    dev = scalars[0].device
                    vals = torch.stack([x.to(dev) for x in scalars]).tolist()
        it = iter(vals)
        leaks: list[tuple[_Probe, float]] = []
        weighted_sums: list[tuple[_Probe, float]] = []
        pooled: list[tuple[_Probe, float]] = []  # padded tensors pooled over time, found by their gradient
        pooling_calls: list[int] = []  # the reductions over time seen as calls (h.mean(dim=1)) that leaked
        specific = st.emitted_specific
        for p in fired:
            pad = 0.0
            const = None
            for rec in p.stats:
                v = next(it)
                pad = v if (v != v or v > pad) else pad
                if len(rec) > 2 and rec[2] is not None:
                    c = next(it)
                    const = c if const is None else max(const, c)
            # NaN counts as a leak; a gradient under 1e-30 (e^-100 of a softmax weight) does not
            leaked = pad != pad or pad > 1e-30
            if p.kind == "used":
                if leaked and p.meta["code"] == "PAD301" and p.where.startswith("sum ") and st.softmax:
                    weighted_sums.append((p, pad))  # decided below: attention pooling's weighted sum?
                    continue
                if leaked:
                    self._emit_used(p, pad)
                    specific = True
                    if p.meta["code"] == "PAD301":
                        pooling_calls.append(p.seq)
                continue
            if p.kind == "loss_elems":
                mt = p.meta
                if leaked and const == 0.0 and not mt.get("zero_at_pad"):
                    self._emit(
                        "PAD402", p.where,
                        f"a reduction='none' loss is averaged over the padded positions only: they get gradient "
                        f"(up to {pad:.3g}) and the {int(mt['n_real'])} real positions none, so the mask that "
                        "weights it is True at padding; invert it (~mask, or 1 - mask)",
                        p.loc, pad, value=mt["full"], reference=mt["ref"],
                    )
                    specific = True
                elif leaked and not mt.get("zero_at_pad"):
                    self._emit(
                        "PAD301", p.where,
                        f"a reduction='none' loss is averaged over padded positions too (gradient {pad:.3g} "
                        f"at padding); average over the {int(mt['n_real'])} real positions only",
                        p.loc, pad, value=mt["full"], reference=mt["ref"],
                    )
                    specific = True
                continue
            if leaked and self._within_conv_reach(st, p):
                continue
            if leaked:
                leaks.append((p, pad))
                if p.detailed and not st.misaligned and self._narrow(p, pad, const, pooled):
                    specific = True
            elif p.detailed and p.meta.get("bidir_H") and p.m is not None:
                if self._check_pad203(p):
                    specific = True
        for p, pad in pooled:
            if any(seq > p.seq for seq in pooling_calls):
                continue  # the reduction itself is reported where it is written (h.mean(dim=1))
            self._emit(
                "PAD301", p.where,
                f"the {p.where} is reduced over its time dimension (mean/sum pooling) including padded steps; "
                "mask before pooling and divide by the lengths",
                p.loc, pad,
            )
        # attention without a padding mask: explained by any leak upstream of it
        outermost: dict = {}
        for seq, where, loc, *weak in st.attn:  # nested attention modules share the user's line
            outermost[loc] = (seq, where, loc, weak[0] if weak else None, weak[1] if len(weak) > 1 else "attn_mask")
        for seq, where, loc, weak, arg in outermost.values():
            ups = [pad for p, pad in leaks if p.seq < seq]
            if ups and weak is not None and arg == "key_padding_mask":
                self._emit(
                    "PAD403", where,
                    f"the float key_padding_mask holds {weak} at the padded keys; a float mask is added to the "
                    "scores, so they keep their share of the softmax: real positions attend to padding "
                    f"(gradient up to {max(ups):.3g} reaches padded inputs); pass a boolean mask that is True "
                    "at the padding (`attention_mask == 0`), or -inf there",
                    loc, max(ups),
                )
                specific = True
            elif ups and weak is not None:
                self._emit(
                    "PAD403", where,
                    f"the additive attn_mask holds {weak} at the padded keys, which leaves them their share of "
                    "the softmax: real positions attend to padding (gradient up to "
                    f"{max(ups):.3g} reaches padded inputs); put -inf (or torch.finfo(dtype).min) there, or pass "
                    "a boolean mask that is True at the keys that may be attended",
                    loc, max(ups),
                )
                specific = True
            elif ups and where == "scaled_dot_product_attention":
                said = ("with an attn_mask that does not hide every padded key from every query (check the "
                        "axis: (B, 1, 1, T_k) masks keys; (B, 1, T, 1) masks queries)" if arg == "attn_mask given"
                        else "without an attn_mask")
                self._emit(
                    "PAD401", where,
                    f"scaled_dot_product_attention over a padded batch {said}: real positions attend to padding "
                    f"(gradient up to {max(ups):.3g} reaches padded inputs); pass attn_mask=keep[:, None, None, :] "
                    "(True = may attend; with is_causal, fold the causal mask into it)",
                    loc, max(ups),
                )
                specific = True
            elif ups:
                self._emit(
                    "PAD401", where,
                    f"attention over a padded batch without {_padding_mask_keyword(where)}: real positions "
                    f"attend to padding (gradient up to {max(ups):.3g} reaches padded inputs)",
                    loc, max(ups),
                )
                specific = True
        softmax_seqs: list[int] = []
        for seq, loc, w, code, *fill in st.softmax:
            ups = [pad for p, pad in leaks if p.seq < seq]
            if not ups or w < 1e-12:
                continue  # (weights under 1e-12 at the pads: masked, for every purpose)
            if code == "PAD403":
                what = (f"the scores hold {fill[0]} at every padded position (multiplied by the mask, or filled "
                        f"with a finite value), so the softmax still gives them weight (up to {w:.3g}): real "
                        "positions attend to padding; fill them with -inf before the softmax "
                        "(scores.masked_fill(pad_mask, float('-inf')) for (batch, time) scores)")
            elif code == "PAD402":
                what = ("the attention mask is inverted: real queries give all their weight to the padded keys "
                        "and none to the real ones (mask * finfo.min where (1 - mask) * finfo.min was meant, or "
                        "masked_fill(mask, ...) of a mask that is True at real tokens)")
            elif fill:  # (batch, time) scores: attention pooling
                what = (f"a softmax over the time axis gives the padded positions weight (up to {w:.3g}): real "
                        "positions attend to padding; fill the scores with -inf at the padded positions before "
                        "the softmax (scores.masked_fill(pad_mask, float('-inf')) for (batch, time) scores)")
            else:
                what = (f"a softmax over the time axis gives the padded positions weight (up to {w:.3g}): real "
                        "positions attend to padding; fill the scores with -inf at the padded keys before the "
                        "softmax, on the last (key) axis: scores.masked_fill(pad_mask[:, None, :], float('-inf')) "
                        "for (batch, queries, keys) scores, pad_mask[:, None, None, :] for (batch, heads, queries, "
                        "keys)")
            self._emit(code, "attention softmax over a padded time axis", what, loc, max(ups))
            specific = True
            softmax_seqs.append(seq)
        for p, pad in weighted_sums:
            if any(seq < p.seq for seq in softmax_seqs):
                continue  # sum(weights * h) after that softmax: the weights at the pads are its finding
            if any(seq < p.seq and w < 1e-12 for seq, _, w, *_ in st.softmax):
                continue  # a fill of -100 leaves the pads e^-100 of the weight: masked, for every purpose
            self._emit_used(p, pad)
            specific = True
        sites = [(p.where, p.loc) for p, _ in leaks]
        if specific:
            self._explained.update(sites)
            return
        for p, pad in leaks:
            if (p.where, p.loc) in self._explained:
                continue
            if pad != pad and p.m is not None and p.m.dim() == 2 and p.bdim == 0 and p.m.shape[1] > 0:
                empty = p.m.all(1)
                if bool(empty.any()):
                    # a NaN gradient and rows that are padding from end to end: sequences of length
                    # 0 (padded before the guard saw them), whose masked mean divides 0 by 0
                    rows = empty.nonzero().flatten().tolist()[:8]
                    self._emit("PAD-R003", p.where,
                               f"{int(empty.sum())} sequence(s) of length 0 in the batch (rows {rows}), all "
                               "padding: the gradient at the padding is NaN (a masked mean divides 0 by 0; "
                               "packing raises on them); drop empty sequences or clamp the lengths to 1",
                               p.loc, float(int(empty.sum())))
                    continue
            advice = ""
            if p.where.startswith("output of conv1d"):
                # (a strided front end: the next layer's windows read the frames past the new lengths)
                advice = ("; its frames past each sequence's (new) length hold the bias and what the windows "
                          "read, and a later layer reads them: zero them (`h * keep[:, None, :]`, keep from the "
                          "updated lengths) before the next convolution or pooling")
            self._emit(
                "PAD-R001", p.where,
                f"non-zero gradient (max {pad:.3g}) reaches padded positions of the {p.where}: padding changes "
                f"the loss{advice}", p.loc, pad,
            )

    def _emit_used(self, p: _Probe, pad: float) -> None:
        """The finding of a "used" probe whose padded positions got gradient (its own magnitude
        when it has one, else the gradient's)."""
        mag = p.meta["mag"]
        self._emit(p.meta["code"], p.where, p.meta["what"], p.loc, pad if mag is None else mag)

    def _within_conv_reach(self, st: _Step, p: _Probe) -> bool:
        """Whether the gradient at ``p``'s padded steps is only that of zero-padded convolution
        windows of real steps (exact-zero frames, see _on_conv): right padding, and no padded step
        further past a sequence's end than the windows reach. A step without the gradient pattern
        relies on the verdict of a detailed step at the same site."""
        band = st.conv_reach.get(id(p.m)) if p.m is not None else None
        if band is None or band[0] is not p.m or p.m.dim() != 2 or p.bdim is None:
            return False
        site = (p.where, p.loc)
        if not p.detailed:
            return site in self._conv_benign
        pattern = _pattern_bt(p)
        if pattern is None or pattern[0].shape != pattern[1].shape:
            return False
        nz, m = pattern
        geometry, lengths = classify(m)
        if geometry not in ("right", "none"):
            return False
        steps = torch.arange(m.shape[1])[None, :]
        if bool((nz & m & (steps >= lengths[:, None] + band[1])).any()):
            return False
        self._conv_benign.add(site)
        return True

    def _narrow(self, p: _Probe, pad: float, const: Optional[float], pooled: list) -> bool:
        """Explain a leak at a padded sequence tensor from its gradient pattern (an even gradient
        at every padded step, a pooling over time, is added to ``pooled``)."""
        if p.m is None or p.m.dim() != 2 or p.bdim is None:
            return False
        pattern = _pattern_bt(p)
        if pattern is None:
            return False
        nz_bt, m_bt = pattern
        T = nz_bt.shape[1]
        ia = p.info.meta.get("indexed_at") if p.info is not None else None
        # gradient at padded positions only in the last column: the last step is read (the real
        # steps may be used too, by a masked per-step loss beside the last-step head)
        last_only = False
        if m_bt.shape == nz_bt.shape:
            at_pads = nz_bt & m_bt  # earlier pads exist and get nothing, the last column does
            last_only = bool(m_bt[:, : T - 1].any()) and bool(at_pads[:, T - 1].any()) \
                and not bool(at_pads[:, : T - 1].any())
        if T > 1 and (not bool(nz_bt[:, : T - 1].any()) or last_only):
            loc = ia or p.loc
            self._emit(
                "PAD202", p.where,
                f"the last time step of the padded {p.where} is used (output[-1] / output[:, -1]); for the "
                "shorter sequences that step is padding: gather at lengths - 1 or use h_n of a packed run",
                loc, pad,
            )
            return True
        if const is not None and const == 0.0:
            meta = p.info.meta if p.info is not None else {}
            if meta.get("zero_pad_sum") and not meta.get("mean_over_time"):
                return True  # a sum that adds exact zeros at the pads: nothing leaks (see _note_pooling)
            pooled.append((p, pad))  # reported after the step's other probes (see _evaluate)
            return True
        return False

    def _check_pad203(self, p: _Probe) -> bool:
        nz = bwd = None
        for rec in p.stats:
            if len(rec) < 4 or rec[3] is None:
                return False
            nz = rec[1].cpu() if nz is None else nz | rec[1].cpu()
            bwd = rec[3].cpu() if bwd is None else bwd | rec[3].cpu()
        if nz is None:
            return False
        m = p.m.cpu()
        m_bt, nz_bt, bwd_bt = (m, nz, bwd) if p.bdim == 0 else (m.t(), nz.t(), bwd.t())
        L = (~m_bt).sum(1)
        if not bool((L > 1).any()) or bool((L == 0).any()):
            return False
        T = m_bt.shape[1]
        onehot = torch.arange(T).unsqueeze(0) == (L - 1).unsqueeze(1)
        if bool((nz_bt == onehot).all()) and bool((bwd_bt & onehot).any()):
            ia = p.info.meta.get("indexed_at") if p.info is not None else None
            self._emit(
                "PAD203", p.where,
                "a bidirectional RNN output is read only at lengths - 1: there its backward half has seen a "
                "single token; take the backward direction at t = 0 or use h_n",
                ia or p.loc, 0.0,
            )
            return True
        return False

    def _check_compile(self) -> None:
        if self._compile_warned:
            return
        if _compiled_graphs() > self._compile_graphs0:
            self._compile_warned = True
            warnings.warn(
                "padlint.guard: torch.compile'd code ran under the guard. Inside compiled graphs the guard only "
                "sees nn.Embedding and RNN modules (their hooks run eagerly: one graph break per Embedding call) "
                "and the losses computed outside the graph; functional calls and attention inside compiled "
                "graphs are not checked. Run the uncompiled model under the guard for full checks.",
                PaddingLeakWarning, stacklevel=3,
            )

    # ----- delivery --------------------------------------------------------------------------
    def _mark_reported(self) -> None:
        self._unreported = []
        self._fired = []

    def _deliver(self, new: list[Finding], at_exit: bool, exc_in_flight: bool = False) -> None:
        if self.mode == "warn":
            for f in new:
                if f.code == "PAD-R900":
                    continue
                warnings.warn_explicit(f.format(), PaddingLeakWarning, f.file, f.line)
            self._mark_reported()
        elif self.mode == "raise":
            # every step that leaks raises, also when an earlier step raised for the same leak
            # and the script caught it (a notebook cell, a retry loop)
            bad = [f for f in self._fired if f.code != "PAD-R900"]
            defer = _dist_world() > 1 and not at_exit  # DDP: raise collectively at check()/exit
            if bad and not exc_in_flight and not defer:
                self._mark_reported()
                raise PaddingLeakError(_error_message(bad), bad)
            if not defer:
                self._fired = []
        else:
            self._mark_reported()
        if at_exit and self.mode in ("warn", "record") and self.summary:
            fs = self.findings
            if len(fs) > self._printed or (not fs and not self._as_decorator):
                sys.stderr.write(format_table(fs, self._step_index, self.saw_padding))
                self._printed = len(fs)

    def _gather(self) -> None:
        import torch.distributed as dist

        world = dist.get_world_size()
        gathered: list = [None] * world
        dist.all_gather_object(gathered, [f.to_dict() for f in self.findings])
        allf = []
        for r, lst in enumerate(gathered):
            for d in lst or []:
                d = dict(d)
                d.pop("name", None)
                d["rank"] = r
                allf.append(Finding(**d))
        self.all_findings = allf


def _one_finite_fill(scores: torch.Tensor, pad: torch.Tensor) -> Optional[str]:
    """(batch, time) scores that hold one and the same finite value at every padded position,
    and not only that value elsewhere: a mask multiplied in (0) or a weak fill (-100, -1e4)
    rather than -inf.  The value, written for the message, or None."""
    if scores.shape != pad.shape or not scores.is_floating_point() or not bool(pad.any()) or bool(pad.all()):
        return None
    at_pad = scores[pad]
    first = at_pad[0]
    if not bool(torch.isfinite(first)) or not bool((at_pad == first).all()) or bool((scores[~pad] == first).all()):
        return None
    value = float(first) + 0.0  # (-0.0 written as 0)
    if value != round(value) and not _power_of_ten(value):
        return None  # a layer's bias on zero-padded states (0.137...), not a value written as a fill
    return f"{value:.3g}"


def _power_of_ten(value: float) -> bool:
    """-1e-9, 1e-4, 0.001 (as stored in float32 or float64): a number someone wrote."""
    if value == 0 or value != value:
        return False
    exponent = round(math.log10(abs(value)))
    return math.isclose(abs(value), 10.0 ** exponent, rel_tol=1e-6)


def _weak_additive(am: torch.Tensor, pad_keys: torch.Tensor, key: torch.Tensor) -> Optional[str]:
    """An additive (float) attention mask that marks the padded keys, lower than the real ones
    everywhere, but not low enough to remove them (a keep mask of 1/0, or keep - 1): the value it
    holds there, written for the message.  None for a boolean mask or one that does not tell
    the padding apart."""
    if not am.is_floating_point():
        return None
    B, T = pad_keys.shape
    try:
        vals = am.detach().expand(*key.shape[:-2], am.shape[-2], T).reshape(B, -1, T)
    except RuntimeError:
        return None
    at_pad = pad_keys[:, None, :].expand_as(vals)
    if not bool(at_pad.any()) or bool(at_pad.all()):
        return None
    return _marked_not_removed(vals.masked_select(at_pad), vals.masked_select(~at_pad))


def _marked_not_removed(at_pad: torch.Tensor, at_real: torch.Tensor, above_too: bool = False) -> Optional[str]:
    """An additive mask's values at the padded keys, when they tell the pads apart from the real
    keys (all below them; with ``above_too``, or all above): the highest, written for the
    message.  None when they do not."""
    if not (bool(at_pad.max() < at_real.min()) or above_too and bool(at_pad.min() > at_real.max())):
        return None
    return f"{float(at_pad.max()) + 0.0:.3g}"


def _own_target_padding(target: torch.Tensor, info: PadInfo, from_input: torch.Tensor) -> Optional[torch.Tensor]:
    """The padding of class targets read from their own values, when the mask at hand is the
    *input's* (the logits') and the pad id is known from the embedding that made it: a decoder
    fed ``tgt[:, :-1]`` and scored against ``tgt[:, 1:]`` has its target padding one step
    earlier than its input padding.  None when the two agree, or nothing says the pad id."""
    pad_id = info.meta.get("pad_id")
    if pad_id is None or target.is_floating_point() or tuple(target.shape) != tuple(from_input.shape):
        return None
    own = (target == pad_id).to(from_input.device)
    if bool((own == from_input).all()):
        return None
    # Only a shift by one step is taken: the targets' pads are the input's one step earlier
    # (own[:, t] == input[:, t + 1]). Anything else -- a tagger whose real class 0 is also the
    # words' pad id -- keeps the input's mask.
    shape, bdim = tuple(info.mask.shape), info.bdim
    if bdim is None and "unflat" in info.meta:
        shape, bdim = info.meta["unflat"]  # logits (B * T, C) of a (B, T) batch
    if bdim not in (0, 1) or len(shape) != 2 or own.numel() != shape[0] * shape[1] or shape[1 - bdim] < 2:
        return None
    tdim = 1 - bdim
    own2, m2 = own.reshape(shape), from_input.reshape(shape)
    T = shape[tdim]
    if not bool((own2.narrow(tdim, 0, T - 1) == m2.narrow(tdim, 1, T - 1)).all()):
        return None
    return own


def _propagated(info: PadInfo) -> PadInfo:
    """The padding of a tensor computed from a tagged one (the same PadInfo if it already is one)."""
    if info.source == "propagated":
        return info
    info.meta.setdefault("origin", info.source)  # what first told where the padding is
    return PadInfo(info.mask, info.bdim, "propagated", meta=info.meta)


def _fits(t: Any, info: PadInfo) -> bool:
    """Whether ``t`` is a tensor whose leading dimensions are those of ``info``'s mask."""
    return isinstance(t, torch.Tensor) and tuple(t.shape[: info.mask.dim()]) == tuple(info.mask.shape)


def _fits_channels(t: Any, mask: torch.Tensor) -> bool:
    """Whether ``t`` is a (batch, channels, time) tensor for this (batch, time) mask."""
    return isinstance(t, torch.Tensor) and t.dim() == 3 and (t.shape[0], t.shape[2]) == tuple(mask.shape)


def _pads_of(t: torch.Tensor, info: PadInfo) -> Optional[torch.Tensor]:
    """The padding mask of ``info`` spread over ``t``'s shape; None if it does not fit or marks
    nothing (call under no_grad)."""
    try:
        pad = info.mask.to(t.device).expand_as(t)
    except RuntimeError:
        return None
    return pad if bool(pad.any()) else None


def _zero_pad_counts(t: torch.Tensor, pad: torch.Tensor) -> Optional[tuple[int, int, int]]:
    """(all positions, real positions, real positions the loss mask keeps) of ``t`` when its
    padded positions are exact zeros (a masked loss or error), else None (call under no_grad).
    A loss mask that keeps only some of the real positions (the hidden steps of a masked
    autoencoder) leaves the others zero too: the kept ones are the non-zero ones, and when they
    are clearly fewer than the real ones, the right denominator is their number (mask.sum())."""
    td = t.detach()
    if not bool((td[pad] == 0).all()):
        return None
    n_real = int((~pad).sum())
    n_kept = int(((td != 0) & ~pad).sum())
    return int(td.numel()), n_real, (n_kept if 0 < n_kept < 0.9 * n_real else n_real)


def _zero_at_pads(t: torch.Tensor, pad: torch.Tensor) -> Optional[bool]:
    """Whether every value of ``t`` where ``pad`` (broadcast to ``t``) is True is exactly zero;
    None when the mask does not broadcast or marks nothing."""
    with torch.no_grad():
        try:
            pad = pad.to(t.device).expand_as(t)
        except RuntimeError:
            return None
        if not bool(pad.any()):
            return None
        return bool((t.detach()[pad] == 0).all())


def _pattern_bt(p: _Probe) -> Optional[tuple[torch.Tensor, torch.Tensor]]:
    """Where a detailed probe saw non-zero gradient over the step's backward passes, and its
    padding mask, both (batch, time) and on the CPU; None without a recorded pattern."""
    nz = None
    for rec in p.stats:
        if len(rec) > 1:
            r = rec[1].cpu()
            nz = r if nz is None else (nz | r)
    if nz is None:
        return None
    m = p.m.cpu()
    return (nz, m) if p.bdim == 0 else (nz.t(), m.t())


def _misalignment_guess(known: torch.Tensor, given: torch.Tensor, tdim: int) -> str:
    """The likeliest reason why a key padding mask (``given``, True = padding) does not line up
    with the padding the guard knows (``known``), from the real steps each row counts."""
    known_real = (~known).sum(tdim)
    given_real = (~given).sum(tdim)
    gap = given_real - known_real
    if bool((gap == gap.flatten()[0]).all()):
        # as many real steps per row, or a fixed number more: the same rows, shifted
        return "a column added to the sequence on one side and to the mask on the other?"
    if bool((gap >= 0).all()) and bool((known_real > 0).all()):
        return ("lengths from before a downsampling? A strided convolution or pooling shortens each "
                "sequence, and its lengths must be recomputed after it")
    return "lengths or a mask made for another tensor?"


def _rewarn(caught: list) -> None:
    """Warnings a loss function raised while the guard ran it (``kl_div``'s reduction='mean',
    ``mse_loss``'s size mismatch), issued again from the frame they name without the guard:
    run from the guard's mode, they would name the guard's own line, and filters keyed on the
    user's module would stop matching."""
    frame = _frame_without_guard(sys._getframe(1))
    if frame is None:
        for w in caught:
            warnings.warn_explicit(w.message, w.category, w.filename, w.lineno)
        return
    for w in caught:
        _warn_at(frame, w.message, w.category)


def _warn_at(frame, message, category) -> None:
    module_globals = frame.f_globals
    registry = module_globals.setdefault("__warningregistry__", {})
    warnings.warn_explicit(message, category, frame.f_code.co_filename, frame.f_lineno,
                           module=module_globals.get("__name__"), registry=registry,
                           module_globals=module_globals)


def _frame_without_guard(frame):
    """The frame a warning would name if the guard were not there: the first one outside
    padlint's runtime, one further if a Python-level torch function handed itself to the
    guard's mode (torch/overrides.py; that function's own warnings name its caller)."""
    dispatched = False
    while frame is not None:
        name = frame.f_code.co_filename
        if name.startswith(_RUNTIME_DIR):
            frame = frame.f_back
        elif name.endswith(("torch/overrides.py", "torch\\overrides.py")):
            dispatched = True  # a Python-level torch function handed itself to the mode
            frame = frame.f_back
        else:
            break
    if dispatched and frame is not None:
        frame = frame.f_back  # that function's own frame: its warnings name its caller
    return frame


# Any other warning raised by a torch function the guard's mode passed through (``float()`` of
# a tensor that requires grad, a deprecated argument) names the mode's line, since that is the
# Python frame that called it.  While a guard is active, warnings that name padlint's runtime
# are let through the filters once ("always", for this module only) and handed on from
# ``showwarning`` to the user's frame, where the user's filters and once-per-location registry
# decide as they would without the guard.
_REDIRECT: dict = {"depth": 0, "saved": None, "filter": None}
_GUARD_MODULE = __name__


def _showwarning(message, category, filename, lineno, file=None, line=None):
    saved = _REDIRECT["saved"] or warnings._showwarning_orig
    if isinstance(filename, str) and filename.startswith(_RUNTIME_DIR):
        # up to the guard's frame the warning names (above the warnings module's frames and
        # the torch code that warned), then on to the frame it would name without the guard
        frame = sys._getframe(1)
        while frame is not None and not frame.f_code.co_filename.startswith(_RUNTIME_DIR):
            frame = frame.f_back
        frame = _frame_without_guard(frame)
        if frame is not None and not frame.f_code.co_filename.startswith(_RUNTIME_DIR):
            if not isinstance(message, Warning):
                message = category(message)
            _warn_at(frame, message, category)
            return
    saved(message, category, filename, lineno, file, line)


def _redirect_warnings(on: bool) -> None:
    if on:
        _REDIRECT["depth"] += 1
        if _REDIRECT["depth"] == 1:
            _REDIRECT["saved"] = warnings.showwarning
            warnings.showwarning = _showwarning
            warnings.filterwarnings("always", module=re.escape(_GUARD_MODULE) + r"\Z")
            _REDIRECT["filter"] = warnings.filters[0]
        return
    _REDIRECT["depth"] -= 1
    if _REDIRECT["depth"] > 0:
        return
    if warnings.showwarning is _showwarning:
        warnings.showwarning = _REDIRECT["saved"]
    _REDIRECT["saved"] = None
    entry, _REDIRECT["filter"] = _REDIRECT["filter"], None
    try:
        warnings.filters.remove(entry)
        warnings._filters_mutated()
    except (ValueError, AttributeError):
        pass


_RUNTIME_DIR = __file__.rsplit("_guard.py", 1)[0]


def _from_a_product(t: torch.Tensor, within: int = 8) -> bool:
    """Whether ``t`` was made by a matrix product (bmm, matmul, einsum) a few steps back in the
    autograd graph (through a scale, a view, a permute): a table of scores, not features whose
    width happens to equal a padded length."""
    todo, seen = [t.grad_fn], 0
    while todo and seen < within:
        fn = todo.pop(0)
        if fn is None:
            continue
        seen += 1
        name = type(fn).__name__
        if name.startswith(("BmmBackward", "MmBackward", "MatmulBackward", "UnsafeViewBackward")):
            return True
        todo.extend(nxt for nxt, _ in fn.next_functions[:2])
    return False


def _reduced_dims(dim: Any, ndim: int) -> set[int]:
    """The axes a reduction's ``dim`` argument names (an int or a tuple of them), non-negative."""
    return {d % ndim for d in (dim if isinstance(dim, (tuple, list)) else (dim,)) if isinstance(d, int)}


def _without_zero_sums(g: torch.Tensor, m: torch.Tensor, sums: list) -> torch.Tensor:
    """``g`` less, at the padded positions ``m``, the gradient that sums over time of this tensor
    sent there (their outputs' gradients, one per row, spread over the time axis, and taken back
    through the steps between the summed tensor and this one): a sum that adds exact zeros
    changes nothing, whatever gradient it hands back to them."""
    spread = None
    for holder, steps in sums:
        go = holder["grad"]
        if go is None:
            continue
        part = go if holder["keepdim"] else go.unsqueeze(holder["tdim"])
        try:
            for kind, a, b in steps:
                if kind == "rows":  # out = src.index_select(a, b), b a permutation
                    part = part.expand(tuple(b.shape[0] if d == a else n for d, n in enumerate(part.shape)))
                    part = part.index_select(a, torch.argsort(b.to(part.device)))
                else:  # out = src * factor (a dropout's scaled mask, a constant mask)
                    part = part * a.to(part.device, part.dtype)
            part = part.to(g.dtype).expand_as(g)
        except RuntimeError:
            return g  # (not this tensor's shape: leave the gradient as it is)
        spread = part if spread is None else spread + part
    if spread is None or m.dim() > g.dim() or tuple(g.shape[: m.dim()]) != tuple(m.shape):
        return g
    pm = m.to(g.device).reshape(tuple(m.shape) + (1,) * (g.dim() - m.dim()))
    return torch.where(pm, g - spread, g)


def _probes_behind(probes: list, t: torch.Tensor) -> list:
    """The sequence probes of ``t`` itself, or of the tensor ``t`` was made from by at most three
    steps that keep zeros and move no value along time: rows put in another order
    (``index_select`` by a permutation: pad_packed_sequence un-sorting), or a product with a
    constant (a dropout's scaled mask).  Each with those steps, nearest to ``t`` first, read from
    the autograd graph: ("rows", dim, index) or ("scale", factor, None)."""
    seq = [p for p in probes if p.kind == "seq" and p.tid is not None]
    found = [(p, []) for p in seq if p.tid() is t]
    if found:
        return found
    fn = t.grad_fn
    steps: list = []
    for _ in range(3):
        if fn is None:
            return []
        name = type(fn).__name__
        nexts = [f for f, _ in fn.next_functions]
        if name == "IndexSelectBackward0" and len(nexts) >= 1 and nexts[0] is not None:
            index = fn._saved_index
            if index.dim() != 1 or index.numel() == 0 or not bool(
                    torch.equal(torch.sort(index.cpu()).values, torch.arange(index.numel()))):
                return []
            steps.append(("rows", int(fn._saved_dim), index))
            fn = nexts[0]
        elif name == "MulBackward0" and len(nexts) == 2 and (nexts[0] is None) != (nexts[1] is None):
            factor = fn._saved_other if nexts[1] is None else fn._saved_self
            if not isinstance(factor, torch.Tensor):
                return []
            steps.append(("scale", factor.detach(), None))
            fn = nexts[0] if nexts[1] is None else nexts[1]
        elif name == "NativeDropoutBackward0" and nexts and nexts[0] is not None:
            steps.append(("scale", fn._saved_result1.detach() * float(fn._saved_scale), None))
            fn = nexts[0]
        else:
            return []
        found = [(p, list(steps)) for p in seq if p.fn is not None and p.fn is fn]
        if found:
            return found
    return []


def _conv_arg(args: tuple, kwargs: dict, index: int, name: str, default: Any) -> Any:
    """Argument ``name`` of ``F.conv1d(input, weight, bias, stride, padding, dilation, groups)``."""
    return args[index] if len(args) > index else kwargs.get(name, default)


def _conv_right_reach(args: tuple, kwargs: dict) -> Optional[int]:
    """How many steps past the input's last step the windows of a stride-1 ``F.conv1d`` whose
    output is as long as its input read (its right zero padding); None if not worked out."""
    w = _conv_arg(args, kwargs, 1, "weight", None)
    if not isinstance(w, torch.Tensor) or w.dim() != 3:
        return None
    k = int(w.shape[-1])
    pad, dil = _conv_arg(args, kwargs, 4, "padding", 0), _conv_arg(args, kwargs, 5, "dilation", 1)
    if isinstance(dil, (tuple, list)):
        dil = dil[0] if len(dil) == 1 else None
    if not isinstance(dil, int):
        return None
    total = dil * (k - 1)
    if pad == "same":
        left = total // 2
    elif isinstance(pad, (tuple, list)) and len(pad) == 1 and isinstance(pad[0], int):
        left = pad[0]
    elif isinstance(pad, int):
        left = pad
    else:
        return None
    right = total - left
    return right if 0 <= right <= total else None


def _strided_conv_padding(args: tuple, kwargs: dict, m: torch.Tensor,
                          T_out: int) -> Optional[tuple[torch.Tensor, int]]:
    """For a strided ``F.conv1d`` over right-padded frames (a speech front end's subsampling):
    the output's padding mask, an output step being padded when it lies past the sequence's
    own output length ``(L + 2p - d(k - 1) - 1) // s + 1`` (what the conv gives the sequence
    alone), and how far past a sequence's last step the windows of its real output steps read
    (at most the conv's own padding). None when the geometry is not worked out."""
    def single(v):
        v = v[0] if isinstance(v, (tuple, list)) and len(v) == 1 else v
        return v if isinstance(v, int) and not isinstance(v, bool) else None

    w = _conv_arg(args, kwargs, 1, "weight", None)
    s, pad = single(_conv_arg(args, kwargs, 3, "stride", 1)), _conv_arg(args, kwargs, 4, "padding", 0)
    dil = single(_conv_arg(args, kwargs, 5, "dilation", 1))
    pad = 0 if pad == "valid" else single(pad)
    if not isinstance(w, torch.Tensor) or w.dim() != 3 or None in (s, pad, dil) or s < 1 or pad < 0:
        return None
    span = dil * (int(w.shape[-1]) - 1)
    T_in = m.shape[1]
    if T_out != (T_in + 2 * pad - span - 1) // s + 1:
        return None
    geometry, lengths = classify(m.cpu())
    if geometry != "right":
        return None
    out_len = torch.div(lengths + 2 * pad - span - 1, s, rounding_mode="floor") + 1
    out_len = out_len.clamp(min=0)
    mask = torch.arange(T_out)[None, :] >= out_len[:, None]
    # the last window of a sequence's real output ends at (out_len - 1) * s - pad + span
    ends = (out_len - 1) * s - pad + span - (lengths - 1)
    reach = int(ends[out_len > 0].clamp(min=0).max()) if bool((out_len > 0).any()) else 0
    return mask.to(m.device), min(reach, pad)


def _time_slice(info: PadInfo, index: Any) -> Optional[PadInfo]:
    """The padding of ``x[:, a:b]`` (batch first) or ``x[a:b]`` (time major): the mask's time
    axis sliced alike. None for anything else (an index, a step, the batch axis sliced)."""
    m = info.mask
    if m.dim() != 2 or info.bdim not in (0, 1):
        return None
    index = index if isinstance(index, tuple) else (index,)
    if not index or not all(isinstance(i, slice) for i in index) or len(index) > 3:
        return None
    full = slice(None)
    tdim = 1 - info.bdim
    if len(index) <= tdim or any(i != full for k, i in enumerate(index) if k != tdim):
        return None
    sl = index[tdim]
    if sl == full or sl.step not in (None, 1) or not all(isinstance(v, (int, type(None))) for v in (sl.start, sl.stop)):
        return None
    m2 = m[:, sl] if tdim == 1 else m[sl]
    return info.derive(m2, info.bdim)


def _channels(info: PadInfo, mask: torch.Tensor) -> PadInfo:
    """Channels-first padding ("chan": ``mask`` is over dims 0 and 2) computed from ``info``."""
    _propagated(info)  # (records the origin in the shared meta)
    return PadInfo(mask, 0, "propagated", kind="chan", meta=info.meta)


_SOURCE_WORDS = {
    "padding_idx": "the embedding's padding_idx", "pad_sequence": "pad_sequence", "packed": "a packed batch",
    "pad_packed_sequence": "pad_packed_sequence", "mark": "padlint.mark", "ignore_index": "the loss's ignore_index",
    "key_padding_mask": "a key padding mask", "pad_value": "the guard's pad_value",
}


def _source_words(info: PadInfo) -> str:
    source = info.meta.get("origin", info.source) if info.source == "propagated" else info.source
    return _SOURCE_WORDS.get(source, "the padded batch it came from")


def _padding_mask_keyword(where: str) -> str:
    """The keyword that takes the padding mask of the attention module named in ``where``."""
    if where.startswith("cross-attention"):
        return ("a mask of its padded keys (key_padding_mask; memory_key_padding_mask when it is the "
                "cross-attention of an nn.Transformer / TransformerDecoder)")
    if "Decoder" in where:
        return "tgt_key_padding_mask (and memory_key_padding_mask for its cross-attention)"
    if where.startswith("MultiheadAttention"):
        return "key_padding_mask"
    if where.startswith("Transformer("):
        return "src_key_padding_mask/tgt_key_padding_mask/memory_key_padding_mask"
    if where.startswith("Transformer"):
        return "src_key_padding_mask"
    return "src_key_padding_mask/key_padding_mask"


def _wrong_share(mask: torch.Tensor, known: torch.Tensor) -> float:
    """The share of a key padding mask's positions whose polarity is wrong: True at a real token
    or False at a pad (``known`` is True at the pads)."""
    return float((mask != known).float().mean())


def _error_message(findings: list[Finding]) -> str:
    lines = [f"padlint: padding leaks into the loss ({len(findings)} finding(s)):"]
    lines += ["  " + f.format() for f in findings[:10]]
    if len(findings) > 10:
        lines.append(f"  ... and {len(findings) - 10} more (guard.findings)")
    return "\n".join(lines)


def _compiled_graphs() -> int:
    if "torch._dynamo.utils" not in sys.modules:  # nothing was compiled; do not import dynamo
        return 0
    try:
        from torch._dynamo.utils import counters

        return int(counters["stats"]["unique_graphs"])
    except Exception:  # pragma: no cover
        return 0


def _dist_world() -> int:
    try:
        import torch.distributed as dist

        if dist.is_available() and dist.is_initialized():
            return dist.get_world_size()
    except Exception:  # pragma: no cover
        pass
    return 1


def _dist_rank() -> int:
    try:
        import torch.distributed as dist

        if dist.is_available() and dist.is_initialized():
            return dist.get_rank()
    except Exception:  # pragma: no cover
        pass
    return 0


# ---------------------------------------------------------------------------------------
# public functions


def guard(
    mode: str = "raise",
    *,
    every: int = 100,
    first: int = 3,
    atol: Optional[float] = None,
    rtol: Optional[float] = None,
    pad_value: Optional[float] = None,
    probes: bool = True,
    max_probes: int = 16,
    summary: bool = True,
    dist_sync: bool = True,
    log_dir: Optional[str] = None,
    writer: Any = None,
    profile_dir: Optional[str] = None,
) -> Guard:
    """Check, on the real batches, that padded positions change nothing.

    Use as ``with padlint.guard() as g: <train or eval steps>`` or as a decorator
    ``@padlint.guard(mode="warn")`` (each call is then one step).  The model runs unchanged.

    mode:
        ``"raise"`` (default) raises :class:`PaddingLeakError` after the step in which padding
        leaked -- at the optimizer step post-hook, at ``g.step()``/``g.check()`` or at the exit
        of the block, never from inside an autograd hook; ``"warn"`` issues a
        :class:`PaddingLeakWarning` per new finding (filterable); ``"record"`` only collects.
        ``g.findings`` holds the findings; in warn/record mode a summary table is printed to
        stderr at exit (``summary=False`` to silence it).
    every, first:
        Sampling of the *oracles* (packed RNN recomputation, masked loss references, CTC
        lengths, empty-sequence scan): they run on steps ``0 .. first-1`` and then on every
        ``every``-th step (default: steps 0, 1, 2, 100, 200, ...), a pure function of the step
        index so all DDP ranks check the same steps.  ``every=1`` checks every step;
        ``every=0`` only the first steps.  The gradient probes (max |grad| at padded positions
        of the few tensors known to be padded; no host sync until the step boundary) run on
        every step unless ``probes=False``: on sampled steps on every padded tensor of interest
        (embedding, pad_sequence/pad_packed_sequence and attention outputs, RNN inputs and
        outputs, loss inputs), on the other steps on the padding *sources* only (embedding,
        pad_sequence, pad_packed_sequence, attention outputs, RNN inputs), which every leak
        further down still reaches.  Steps are counted by the optimizer step post-hook,
        ``g.step()`` and guard exits (call ``g.step()`` in loops without an optimizer).
        Measured on CPU (``benchmarks/guard_overhead.py``): the default costs 1.03-1.09x a
        training step, ``every=1`` 1.03-1.85x (the packed RNN recomputation is the expensive
        part, about one extra forward).
    atol, rtol:
        Tolerances of the oracle comparisons; default by dtype (fp32: 1e-4/1e-4, fp16/bf16 or
        autocast: 3e-2/3e-2, fp64: 1e-8/1e-6).  Gradient probes need none: a correct mask
        gives exactly 0.
    pad_value:
        Tells the guard the padding id/value where nothing else does: ``nn.Embedding`` inputs
        without ``padding_idx``, 2-D class targets of losses, trailing rows of float RNN inputs.
    max_probes:
        Cap on gradient probes per step.
    dist_sync:
        Under ``torch.distributed`` (world size > 1) gather all ranks' findings at exit into
        ``g.all_findings`` (a collective: every rank must exit its guard).  In raise mode the
        optimizer-hook raise is deferred to ``g.check(all_reduce=True)`` / exit so that the
        ranks raise together instead of leaving one rank hanging in a collective.

    log_dir, writer, profile_dir:
        TensorBoard scalars per step (``padlint/pad_fraction``, ``padlint/findings/<CODE>``,
        ``padlint/leaked_grad_mass``) into a new ``SummaryWriter(log_dir)`` or the given ``writer``;
        ``profile_dir``: a short ``torch.profiler`` trace of a few steps.  See
        :mod:`padlint.runtime.tensorboard`.

    Nesting works (the innermost guard handles events and hands its findings to the outer
    one at exit); every hook and the TorchFunctionMode are removed at exit, also when the
    block raises.  Internal errors never reach the user's step: they become a PAD-R900 finding
    and a :class:`PadlintInternalWarning`.
    """
    if callable(mode) and not isinstance(mode, str):  # bare @padlint.guard
        return Guard()(mode)
    return Guard(
        mode, every=every, first=first, atol=atol, rtol=rtol, pad_value=pad_value, probes=probes,
        max_probes=max_probes, summary=summary, dist_sync=dist_sync, log_dir=log_dir, writer=writer,
        profile_dir=profile_dir,
    )


def mark(
    tensor: torch.Tensor,
    lengths: Any = None,
    batch_first: bool = True,
    *,
    pad_mask: Optional[torch.Tensor] = None,
    padding_side: str = "right",
) -> torch.Tensor:
    """Tell padlint where the padding of ``tensor`` is; returns ``tensor`` unchanged.

    Give either ``lengths`` (sequence of ints or a 1-D integer tensor, one per batch row) and
    ``batch_first`` (``(B, T, ...)`` if True, ``(T, B, ...)`` otherwise) and ``padding_side``
    ("right" or "left"), or ``pad_mask``: a bool tensor over the leading dims of ``tensor``
    in its own layout, True = padding.  Works inside or outside a guard; the mark lives as
    long as the tensor (and follows it through ``.to()``, views and position-wise ops).
    Raises ``TypeError``/``ValueError`` with a clear message on inconsistent arguments.
    """
    if not isinstance(tensor, torch.Tensor):
        raise TypeError(f"padlint.mark: expected a torch.Tensor, got {type(tensor).__name__}")
    if padding_side not in ("right", "left"):
        raise ValueError(f"padlint.mark: padding_side must be 'right' or 'left', got {padding_side!r}")
    for name, t in (("tensor", tensor), ("lengths", lengths), ("pad_mask", pad_mask)):
        if isinstance(t, torch.Tensor) and t.device.type == "meta":
            raise ValueError(
                f"padlint.mark: {name} is on the 'meta' device (it has no data); mark the real batch"
            )
    if (lengths is None) == (pad_mask is None):
        raise ValueError("padlint.mark: give exactly one of lengths= or pad_mask=")
    if pad_mask is not None:
        if not isinstance(pad_mask, torch.Tensor):
            raise TypeError("padlint.mark: pad_mask must be a bool tensor (True = padding)")
        if pad_mask.dtype != torch.bool:
            raise TypeError(f"padlint.mark: pad_mask must have dtype torch.bool (True = padding), got {pad_mask.dtype}")
        if tuple(tensor.shape[: pad_mask.dim()]) != tuple(pad_mask.shape):
            raise ValueError(
                f"padlint.mark: pad_mask shape {tuple(pad_mask.shape)} does not match the leading dims of the "
                f"tensor {tuple(tensor.shape)}"
            )
        m = pad_mask.to(tensor.device)
        bdim = (0 if batch_first else 1) if m.dim() == 2 else None
        return _marked(tensor, PadInfo(m, bdim, "mark", meta={"loc": user_location(2)}))
    if tensor.dim() < 2:
        raise ValueError(
            f"padlint.mark: a padded batch needs at least 2 dims (batch and time), got shape {tuple(tensor.shape)}"
        )
    if isinstance(lengths, torch.Tensor):
        if lengths.dim() != 1 or lengths.is_floating_point() or lengths.dtype == torch.bool:
            raise ValueError(
                "padlint.mark: lengths must be a 1-D integer tensor, got shape "
                f"{tuple(lengths.shape)} dtype {lengths.dtype}"
            )
        L = lengths.detach().to(tensor.device, torch.int64)
    else:
        try:
            L = torch.tensor([int(v) for v in lengths], dtype=torch.int64, device=tensor.device)
        except Exception as e:
            raise TypeError(f"padlint.mark: lengths must be a sequence of ints or a 1-D tensor ({e})") from None
    B, T = (tensor.shape[0], tensor.shape[1]) if batch_first else (tensor.shape[1], tensor.shape[0])
    if L.shape[0] != B:
        raise ValueError(
            f"padlint.mark: {L.shape[0]} lengths for a batch of {B} (tensor shape {tuple(tensor.shape)}, "
            f"batch_first={batch_first}); did you mean batch_first={not batch_first}?"
        )
    if B and (int(L.max()) > T or int(L.min()) < 0):
        raise ValueError(f"padlint.mark: lengths must lie in [0, {T}] (the padded length), got {L.tolist()[:8]}")
    m = lengths_to_mask(L, T, True)
    if padding_side == "left":
        m = m.flip(1)
    if not batch_first:
        m = m.t()
    return _marked(tensor, PadInfo(m, 0 if batch_first else 1, "mark", meta={"loc": user_location(2)}))


def _marked(tensor: torch.Tensor, info: PadInfo) -> torch.Tensor:
    """Register ``info`` for ``tensor`` and, inside a guard, check it and probe it."""
    REGISTRY.set(tensor, info)
    g = _GUARDS[-1] if _GUARDS else None
    if g is not None and g._is_current():
        try:
            loc = info.meta["loc"]
            if info.mask.dim() == 2 and info.bdim is not None:
                m_bt = info.mask if info.bdim == 0 else info.mask.t()
                g._check_empty(m_bt, m_bt.shape[0], "padlint.mark", loc)
            g._probe(tensor, info, "seq", "marked tensor", loc)
        except Exception as e:
            g._internal(e, "mark")
    return tensor


def active_guard() -> Optional[Guard]:
    """The innermost active guard, or None."""
    return _GUARDS[-1] if _GUARDS else None


__all__ = ["Guard", "guard", "mark", "active_guard"]
