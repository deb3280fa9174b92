"""Findings, the exceptions/warnings that carry them, and where they point in user code.

A :class:`Finding` holds plain numbers and strings only (never tensors), so keeping many of
them costs no device memory and they can be pickled across DDP ranks.
"""

from __future__ import annotations

import dataclasses
import os
import sys
import sysconfig
from typing import Optional

from padlint.runtime.codes import code_name


class PaddingLeakError(RuntimeError):
    """Raised by ``padlint.guard(mode="raise")`` after a step in which padding leaked.

    Never raised from inside an autograd hook: only at the optimizer step post-hook, at
    ``guard.check()`` / ``guard.step()`` or when the ``with`` block exits.
    ``.findings`` holds the findings that caused it.
    """

    def __init__(self, message: str, findings: tuple = ()):
        super().__init__(message)
        self.findings = tuple(findings)


class PaddingLeakWarning(UserWarning):
    """Category of the warnings issued by ``padlint.guard(mode="warn")``.

    Filter it like any warning: ``warnings.filterwarnings("ignore", category=PaddingLeakWarning)``.
    """


class PadlintInternalWarning(RuntimeWarning):
    """padlint's own code failed (finding PAD-R900); the user's step ran unchanged."""


@dataclasses.dataclass
class Finding:
    """One padding problem seen at runtime.

    ``code``/``name``: catalogue entry (see ``padlint.runtime.codes``); ``where``: the module
    or function involved (``"LSTM(8, 16, batch_first=True)"``, ``"cross_entropy"``);
    ``file``/``line``: the user's source line (frames inside padlint and torch skipped);
    ``what``: the sentence explaining what leaked; ``magnitude``: size of the effect, the
    largest over the checks that saw it (max |gradient| at padded positions, max |difference|
    to the packed reference, |loss - reference|, attention weight on the padding, or for an
    inverted attention mask (PAD402) the share of its positions whose polarity is wrong, 1.0
    when all are, and for lengths that
    run past the real steps (PAD101) the number of padded steps packed as data);
    ``value``/``reference``: the actual and the padding-free value when the check computes both
    (losses), from the same check as ``magnitude``, as are the numbers in ``what``; ``step``: first step it was seen;
    ``count``: on how many checks it was seen; ``rank``: distributed rank (0 without DDP).
    """

    code: str
    where: str
    what: str
    file: str = "<unknown>"
    line: int = 0
    magnitude: float = 0.0
    value: Optional[float] = None
    reference: Optional[float] = None
    step: int = 0
    count: int = 1
    rank: int = 0

    @property
    def name(self) -> str:
        return code_name(self.code)

    @property
    def location(self) -> str:
        """``file:line``, the file relative to the working directory when it lies below it."""
        f = self.file
        try:
            rel = os.path.relpath(f)
            if not rel.startswith(".."):
                f = rel
        except ValueError:  # pragma: no cover - other drive on Windows
            pass
        return f"{f}:{self.line}"

    @property
    def key(self) -> tuple:
        return (self.code, self.where, self.file, self.line)

    def format(self) -> str:
        extra = ""
        if self.value is not None and self.reference is not None:
            extra = f" (loss {self.value:.6g}, padding-free reference {self.reference:.6g})"
        return (
            f"{self.location}: {self.code} {self.name}: {self.what}{extra} "
            f"[{self.where}, magnitude {self.magnitude:.3g}, {self._when()}]"
        )

    def _when(self) -> str:
        if self.count <= 1:
            return f"step {self.step}"
        return f"first at step {self.step}, seen {self.count} times"


    def to_dict(self) -> dict:
        d = dataclasses.asdict(self)
        d["name"] = self.name
        return d

    __str__ = format


# ---------------------------------------------------------------------------------------
# Where in the user's code: walk the stack, skipping padlint, torch and the stdlib.

def _dir_of(mod_file: str) -> str:
    return os.path.dirname(os.path.abspath(mod_file)) + os.sep


_RUNTIME_DIR = _dir_of(__file__)
_PADLINT_TESTING = os.path.join(os.path.dirname(_RUNTIME_DIR.rstrip(os.sep)), "testing.py")
_TORCH_PREFIXES: list[str] = []
_STDLIB_PREFIXES: list[str] = []
try:  # torch's own files (located without importing torch)
    import importlib.util as _ilu

    _spec = _ilu.find_spec("torch")
    if _spec is not None and _spec.origin:
        _TORCH_PREFIXES.append(_dir_of(_spec.origin))
except Exception:  # pragma: no cover
    pass
for _key in ("stdlib", "platstdlib"):
    try:
        _STDLIB_PREFIXES.append(os.path.abspath(sysconfig.get_paths()[_key]) + os.sep)
    except Exception:  # pragma: no cover
        pass
_SKIP_CACHE: dict[str, bool] = {}


def _skip(filename: str) -> bool:
    r = _SKIP_CACHE.get(filename)
    if r is None:
        if filename.startswith("<"):
            r = True
        else:
            af = os.path.abspath(filename)
            in_site = (os.sep + "site-packages" + os.sep) in af or (os.sep + "dist-packages" + os.sep) in af
            r = (
                af.startswith(_RUNTIME_DIR)
                or af == _PADLINT_TESTING
                or any(af.startswith(p) for p in _TORCH_PREFIXES)
                or (not in_site and any(af.startswith(p) for p in _STDLIB_PREFIXES))
            )
        _SKIP_CACHE[filename] = r
    return r


def user_location(depth: int = 1) -> tuple[str, int]:
    """(filename, line) of the innermost frame outside padlint.runtime, torch and the stdlib."""
    f = sys._getframe(depth)
    first = None
    while f is not None:
        fn = f.f_code.co_filename
        if first is None:
            first = (fn, f.f_lineno)
        if not _skip(fn):
            return fn, f.f_lineno
        f = f.f_back
    return first if first is not None else ("<unknown>", 0)


def format_table(findings, steps: int = 0, saw_padding: bool = True) -> str:
    """The summary table printed at guard exit."""
    if not findings and not saw_padding:
        return (f"padlint.guard: {steps} step(s) checked, but no padded batch was seen inside the guard, so no "
                "padding was checked. Pad inside it (pad_sequence, pack_padded_sequence, a tokenizer with "
                "padding=True), or mark a batch padded before it: x = padlint.mark(x, lengths).\n")
    if not findings:
        return f"padlint.guard: {steps} step(s) checked, no padding leaks found.\n"
    rows = [("code", "name", "location", "where", "count", "magnitude")]
    for f in findings:
        rows.append((f.code, f.name, f.location, f.where[:40], str(f.count), f"{f.magnitude:.3g}"))
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    out = [f"padlint.guard: {len(findings)} finding(s) in {steps} step(s)"]
    for i, r in enumerate(rows):
        out.append("  " + "  ".join(c.ljust(w) for c, w in zip(r, widths)))
        if i == 0:
            out.append("  " + "  ".join("-" * w for w in widths))
    for f in findings:
        out.append(f"  {f.code} at {f.location}: {f.what}")
    return "\n".join(out) + "\n"


__all__ = [
    "Finding",
    "PaddingLeakError",
    "PaddingLeakWarning",
    "PadlintInternalWarning",
    "user_location",
    "format_table",
]
