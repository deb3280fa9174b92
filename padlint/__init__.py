"""padlint: find padding bugs in PyTorch sequence code.

Two halves that never import each other:

* ``padlint.static`` -- the libcst checker behind ``padlint check`` (never imports torch);
* ``padlint.runtime`` -- ``padlint.guard()``, which needs PyTorch and is imported lazily,
  so that ``import padlint`` stays cheap for the command line and the pre-commit hook.
"""

from __future__ import annotations

__version__ = "0.1.0"

# Names served by padlint.runtime, loaded on first access (PEP 562).  The first group needs
# PyTorch; the second does not (codes, findings and exception classes).
_TORCH_NAMES = {"guard", "mark", "Guard", "active_guard"}
_RUNTIME_NAMES = _TORCH_NAMES | {"PaddingLeakError", "PaddingLeakWarning", "PadlintInternalWarning", "Finding", "CODES"}


def __getattr__(name: str):
    if name in _RUNTIME_NAMES and name not in _TORCH_NAMES:
        from padlint import runtime

        return getattr(runtime, name)
    if name in _RUNTIME_NAMES:
        try:
            import torch  # noqa: F401
        except ImportError as exc:  # pragma: no cover - depends on the environment
            raise ImportError(
                f"padlint.{name} needs PyTorch, which is not installed. "
                "Install it with `pip install 'padlint[guard]'` (or `pip install torch`); "
                "the static checker `padlint check` works without it."
            ) from exc
        from padlint import runtime

        return getattr(runtime, name)
    raise AttributeError(f"module 'padlint' has no attribute {name!r}")


__all__ = ["__version__", *sorted(_RUNTIME_NAMES)]
