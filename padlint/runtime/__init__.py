"""padlint's runtime half: ``padlint.guard()`` and friends.

Public API: :func:`guard`, :func:`mark`, :class:`PaddingLeakError`,
:class:`PaddingLeakWarning`, :class:`Finding`; also :class:`Guard`,
:class:`PadlintInternalWarning`, :data:`CODES`, :func:`code_name` and :func:`active_guard`.

``guard``, ``mark``, ``Guard`` and ``active_guard`` need PyTorch and are loaded on first use
(PEP 562); the code catalogue (``padlint.runtime.codes``) and the finding/exception classes
import without torch, so the command line can list the runtime codes cheaply.
"""

from __future__ import annotations

from padlint.runtime.codes import CODES, code_name
from padlint.runtime.findings import Finding, PaddingLeakError, PaddingLeakWarning, PadlintInternalWarning

_TORCH_NAMES = {"guard", "mark", "Guard", "active_guard"}


def __getattr__(name: str):
    if name in _TORCH_NAMES:
        from padlint.runtime import _guard

        value = getattr(_guard, name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'padlint.runtime' has no attribute {name!r}")


__all__ = [
    "guard",
    "mark",
    "PaddingLeakError",
    "PaddingLeakWarning",
    "Finding",
    "Guard",
    "PadlintInternalWarning",
    "CODES",
    "code_name",
    "active_guard",
]
