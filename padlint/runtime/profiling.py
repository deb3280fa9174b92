"""``padlint.guard(profile_dir=...)``: a short ``torch.profiler`` trace of the guarded steps.

The profiler runs with ``schedule(wait=0, warmup=1, active=3, repeat=1)`` stepped at the guard's
step boundaries (optimizer step, ``guard.step()``, exit): step 0 is warm-up, steps 1-3 are
recorded (with the default sampling, steps 1 and 2 run the oracles and step 3 only the cheap
probes), then the profiler stops.  The guard's own work appears in named ranges:

``padlint::probe``   gradient probes (registering them, recording max |grad| at padding);
``padlint::oracle``  checks on sampled steps (packed RNN recomputation, masked loss
                     references, attention masks); on unsampled steps the same handlers
                     only carry masks along and are named ``padlint::track``;
``padlint::track``   tagging padding sources (``pad_sequence``, embedding, packing);
``padlint::verdict`` evaluating the probes at the step boundary.

The trace is written by ``torch.profiler.tensorboard_trace_handler(profile_dir)`` as
``<worker>.<time>.pt.trace.json`` (Chrome trace JSON) and then extended with counter events
(``"ph": "C"``, name ``padlint``, args ``pad_fraction``, ``leaked_grad_mass``, ``findings``),
one per recorded step at the start of its ``ProfilerStep#N`` range.  It opens in Perfetto
(https://ui.perfetto.dev, "Open trace file": the counters show as tracks ``padlint
pad_fraction`` ...) and in TensorBoard's profiler tab (``pip install 'padlint[profiler]'``, i.e.
torch-tb-profiler, then ``tensorboard --logdir <profile_dir>``).  torch-tb-profiler is
deprecated upstream (PyTorch recommends Perfetto / ``chrome://tracing`` for the JSON traces); it
still reads these files but ignores the counter events.

The ranges are added by wrapping a few of the guard's methods on the guard *instance* while the
profiler records; they are removed when the trace is written.
"""

from __future__ import annotations

import functools
import json
import os
import warnings
from typing import Any, Optional

__all__ = ["GuardProfiler", "add_counters"]

_RANGES = {
    "_record": "padlint::probe",
    "_probe": "padlint::probe",
    "_on_rnn": None,  # oracle on sampled steps, track otherwise
    "_loss_check": None,
    "_loss_ctc": None,
    "_on_attention": None,
    "_on_sdpa": None,
    "_on_embedding": "padlint::track",
    "_on_pad_sequence": "padlint::track",
    "_on_pad_packed": "padlint::track",
    "_evaluate": "padlint::verdict",
}


class GuardProfiler:
    """Step callback driving a ``torch.profiler.profile`` over a few guard steps."""

    def __init__(self, guard: Any, profile_dir: str, *, wait: int = 0, warmup: int = 1, active: int = 3):
        import torch
        from torch.profiler import (
            ProfilerActivity,
            profile,
            schedule,
            tensorboard_trace_handler,
        )

        self.guard = guard
        self.profile_dir = str(profile_dir)
        os.makedirs(self.profile_dir, exist_ok=True)
        self.trace_files: list[str] = []
        self.steps_recorded = 0
        self._values: dict[int, dict] = {}
        self._handler = tensorboard_trace_handler(self.profile_dir)
        self._wrapped: list[str] = []
        self._done = False
        acts = [ProfilerActivity.CPU]
        if torch.cuda.is_available():
            acts.append(ProfilerActivity.CUDA)
        self.prof = profile(
            activities=acts,
            schedule=schedule(wait=wait, warmup=warmup, active=active, repeat=1),
            on_trace_ready=self._ready,
        )
        self._wrap()
        try:
            self.prof.start()
        except Exception:
            self._unwrap()
            raise

    # ----- named ranges on the guard instance ---------------------------------------------
    def _wrap(self) -> None:
        from torch.profiler import record_function

        g = self.guard
        for attr, name in _RANGES.items():
            meth = getattr(g, attr, None)
            if meth is None or attr in vars(g):
                continue

            setattr(g, attr, _ranged(g, meth, name, record_function))
            self._wrapped.append(attr)

    def _unwrap(self) -> None:
        for attr in self._wrapped:
            self.guard.__dict__.pop(attr, None)
        self._wrapped = []

    # ----- profiler callbacks -------------------------------------------------------------
    def __call__(self, step: int, findings: list, pad_fraction: Optional[float], leaked: float) -> None:
        if self._done:
            return
        # the open range is ProfilerStep#<step_num>: the step that just ended
        self._values[self.prof.step_num] = {
            "pad_fraction": float(pad_fraction) if pad_fraction is not None else 0.0,
            "leaked_grad_mass": float(leaked),
            "findings": len(findings),
        }
        self.prof.step()
        if self.trace_files:  # the recording cycle is complete
            self._finish()

    def _ready(self, prof: Any) -> None:
        before = set(os.listdir(self.profile_dir))
        self._handler(prof)
        new = sorted(set(os.listdir(self.profile_dir)) - before)
        for name in new:
            path = os.path.join(self.profile_dir, name)
            if name.endswith(".json"):
                self.steps_recorded += add_counters(path, self._values)
            self.trace_files.append(path)

    def _finish(self) -> None:
        if self._done:
            return
        self._done = True
        try:
            self.prof.stop()  # saves a partly recorded cycle
        finally:
            self._unwrap()

    def flush(self) -> None:
        """Between the calls of a decorator guard: keep recording."""

    def close(self) -> None:
        self._finish()
        if not self.steps_recorded:
            warnings.warn(
                f"padlint.guard(profile_dir={self.profile_dir!r}): no guard step recorded; the profiler "
                "records steps 1-3 (step 0 is warm-up) and the guard closed fewer steps",
                RuntimeWarning, stacklevel=3,
            )


def _ranged(g: Any, meth: Any, name: Optional[str], record_function: Any):
    @functools.wraps(meth)
    def wrapper(*args, **kwargs):
        n = name or ("padlint::oracle" if g._st.sampled else "padlint::track")
        with record_function(n):
            return meth(*args, **kwargs)

    return wrapper


def add_counters(path: str, values: dict) -> int:
    """Add ``"ph": "C"`` counter events (name ``padlint``) to the Chrome trace JSON at ``path``.

    ``values`` maps a profiler step number to ``{"pad_fraction": .., "leaked_grad_mass": ..,
    "findings": ..}``; each goes at the start of that step's ``ProfilerStep#N`` range.  Returns
    the number of counter events added.
    """
    with open(path) as fh:
        trace = json.load(fh)
    events = trace["traceEvents"] if isinstance(trace, dict) else trace
    added = []
    seen: set = set()
    for e in events:
        name = e.get("name", "")
        if e.get("ph") != "X" or not name.startswith("ProfilerStep#"):
            continue
        try:
            k = int(name[len("ProfilerStep#"):])
        except ValueError:
            continue
        v = values.get(k)
        if v is None or k in seen or "gpu" in str(e.get("cat", "")).lower():
            continue  # one counter per step, on the CPU range (GPU traces repeat ProfilerStep#N)
        seen.add(k)
        added.append({"name": "padlint", "ph": "C", "ts": e["ts"], "pid": e.get("pid", 0),
                      "tid": e.get("tid", 0), "cat": "padlint", "args": dict(v)})
    events.extend(added)
    tmp = path + ".tmp"
    with open(tmp, "w") as fh:
        json.dump(trace, fh)
    os.replace(tmp, path)
    return len(added)
