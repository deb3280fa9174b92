"""padlint's runtime half: ``padlint.guard()`` and friends (imports torch).

Public API: :func:`guard`, :func:`mark`, :class:`PaddingLeakError`,
:class:`PaddingLeakWarning`, :class:`Finding`; also :class:`Guard`,
:class:`PadlintInternalWarning`, :data:`CODES` and :func:`active_guard`.
"""

from padlint.runtime.codes import CODES, code_name
from padlint.runtime.findings import Finding, PaddingLeakError, PaddingLeakWarning, PadlintInternalWarning
from padlint.runtime.guard import Guard, active_guard, guard, mark

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
