"""TensorBoard output of ``padlint.guard(log_dir=..., writer=..., profile_dir=...)``.

Scalars, one point per step the guard closes (``global_step`` = the guard's step index):

``padlint/pad_fraction``
    Fraction of padded positions in the step's padded batches (padded / all positions of the
    batch masks the guard saw: ``pad_sequence``, ``nn.Embedding(padding_idx=...)``, packing,
    ``padlint.mark``...): the share of the compute spent on padding.  Not written for a step
    in which the guard saw no padded batch.
``padlint/findings/<CODE>``
    Number of findings with that code seen in the step (a finding seen again in a later step
    counts again).  Once a code has appeared, it is written (0 when absent) at every later step.
``padlint/findings_total``
    All findings of the step (0 for a clean step).
``padlint/leaked_grad_mass``
    Gradient that reached padded positions: the sum, over the padded tensors the guard probed
    in the step, of max |gradient| at their padded positions.  Exactly 0 when padding changes
    nothing; it is a max-based measure (the probes keep one max per tensor), not an L1 sum
    over all padded elements.

``profile_dir`` records a short ``torch.profiler`` trace as well (see
:mod:`padlint.runtime.profiling`): Chrome trace JSON for Perfetto, also readable by TensorBoard's
profiler tab through torch-tb-profiler (``padlint[profiler]``), which is deprecated upstream.

Needs the ``tensorboard`` package (``pip install 'padlint[tensorboard]'``) for ``log_dir``.
"""

from __future__ import annotations

from typing import Any, Optional

__all__ = ["TensorBoardLogger", "attach"]


class TensorBoardLogger:
    """Step callback writing padlint's scalars to a ``SummaryWriter``.

    ``writer``: a ``torch.utils.tensorboard.SummaryWriter`` (or anything with
    ``add_scalar``); it is flushed, not closed, at :meth:`close`.  ``log_dir``: a directory for
    a new writer, closed at :meth:`close`.
    """

    def __init__(self, log_dir: Optional[str] = None, writer: Any = None, prefix: str = "padlint"):
        if writer is None:
            if log_dir is None:
                raise ValueError("padlint.guard: give log_dir= or writer=")
            try:
                from torch.utils.tensorboard import SummaryWriter
            except ImportError as e:  # pragma: no cover - depends on the environment
                raise ImportError(
                    "padlint.guard(log_dir=...) needs the tensorboard package: "
                    "pip install 'padlint[tensorboard]'"
                ) from e
            writer = SummaryWriter(log_dir=str(log_dir))
            self._own = True
        else:
            if not hasattr(writer, "add_scalar"):
                raise TypeError(
                    "padlint.guard: writer= must be a torch.utils.tensorboard.SummaryWriter "
                    f"(something with add_scalar), got {type(writer).__name__}"
                )
            self._own = False
        self.writer = writer
        self.prefix = prefix
        self._codes: set[str] = set()

    def __call__(self, step: int, findings: list, pad_fraction: Optional[float], leaked: float) -> None:
        w, p = self.writer, self.prefix
        if pad_fraction is not None:
            w.add_scalar(f"{p}/pad_fraction", pad_fraction, step)
        counts: dict[str, int] = {}
        for f in findings:
            counts[f.code] = counts.get(f.code, 0) + 1
        self._codes.update(counts)
        for code in sorted(self._codes):
            w.add_scalar(f"{p}/findings/{code}", counts.get(code, 0), step)
        w.add_scalar(f"{p}/findings_total", len(findings), step)
        w.add_scalar(f"{p}/leaked_grad_mass", leaked, step)

    def flush(self) -> None:
        self.writer.flush()

    def close(self) -> None:
        if self._own:
            self.writer.close()
        else:
            self.writer.flush()


class _Integration:
    """What ``guard(log_dir=/writer=/profile_dir=)`` attached to one guard; closed at its exit."""

    def __init__(self, guard: Any, parts: list, keep: bool = False):
        self.guard = guard
        self.parts = parts
        self.keep = keep  # decorator guard: the parts live on across calls and are only flushed

    def close(self) -> None:
        err = None
        for part in self.parts:
            try:
                self.guard.step_callbacks.remove(part)
            except ValueError:
                pass
            try:
                part.flush() if self.keep else part.close()
            except Exception as e:  # close every part, then report the first failure
                err = err or e
        self.parts = []
        if err is not None:
            raise err


def attach(guard: Any, log_dir: Optional[str] = None, writer: Any = None, profile_dir: Optional[str] = None):
    """Register the TensorBoard logger and/or profiler on ``guard.step_callbacks``.

    Called by ``Guard.__enter__``; returns an object whose ``close()`` (called at the guard's
    exit) detaches them, closes the writer it created and stops the profiler.  A guard used as
    a decorator (entered once per call) keeps one writer and one profiler for all its calls:
    they are flushed at each exit, not closed (the profiler stops after its recorded steps).
    """
    keep = bool(getattr(guard, "_as_decorator", False))
    parts = getattr(guard, "_tb_parts", None) if keep else None
    if parts is None:
        parts = _make_parts(guard, log_dir, writer, profile_dir)
        if keep:
            guard._tb_parts = parts
    guard.step_callbacks.extend(p for p in parts if p not in guard.step_callbacks)
    return _Integration(guard, parts, keep)


def _make_parts(guard: Any, log_dir: Optional[str], writer: Any, profile_dir: Optional[str]) -> list:
    parts: list = []
    try:
        if log_dir is not None or writer is not None:
            parts.append(TensorBoardLogger(log_dir, writer))
        if profile_dir is not None:
            from padlint.runtime.profiling import GuardProfiler

            parts.append(GuardProfiler(guard, profile_dir))
    except BaseException:
        for part in parts:
            try:
                part.close()
            except Exception:  # pragma: no cover
                pass
        raise
    return parts
