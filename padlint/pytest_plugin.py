"""pytest plugin (entry point ``pytest11``, name ``padlint``): run tests under ``padlint.guard``.

* ``pytest --padlint-guard``: every test's call phase runs inside ``padlint.guard(mode="raise")``;
  a padding leak fails the test with :class:`padlint.PaddingLeakError`.
* ``@pytest.mark.padlint_guard(**kwargs)``: the same for one test, the keyword arguments going
  to :func:`padlint.guard` (e.g. ``mode="raise", every=1, pad_value=0``); under
  ``--padlint-guard`` they override the defaults for that test.
  ``@pytest.mark.padlint_guard(enabled=False)`` opts a test out of ``--padlint-guard``.
* fixtures ``padlint_batch_invariant`` (:func:`padlint.testing.assert_batch_invariant`) and
  ``padlint_no_padding_leak`` (:func:`padlint.testing.assert_no_padding_leak`).

Only the call phase is guarded (fixture set-up and tear-down are not).  Guards the test opens
itself nest inside the plugin's guard and keep their own findings: a test that checks that its
own ``padlint.guard(mode="record")`` finds a leak still passes.  This module imports neither
torch nor ``padlint.runtime``'s guard unless the option or the marker is used (or a fixture
requested), so pytest runs without torch are unaffected.  Disable with ``-p no:padlint``.
"""

from __future__ import annotations

from typing import Any, Optional

import pytest

_MARKER = "padlint_guard"
_MARKER_HELP = (
    "padlint_guard(**kwargs): run this test inside padlint.guard(**kwargs) (default mode='raise'); "
    "padlint_guard(enabled=False) opts out of --padlint-guard"
)
_DEFAULTS: dict[str, Any] = {"mode": "raise"}


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("padlint", "padlint padding checks")
    group.addoption(
        "--padlint-guard",
        action="store_true",
        default=False,
        dest="padlint_guard",
        help="run every test inside padlint.guard(mode='raise'): a padding leak fails the test (needs torch)",
    )


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", _MARKER_HELP)
    if config.getoption("padlint_guard", False):
        try:
            import torch  # noqa: F401
        except ImportError as e:
            raise pytest.UsageError(
                "--padlint-guard needs PyTorch (pip install 'padlint[guard]')"
            ) from e


def _guard_kwargs(item: pytest.Item) -> Optional[dict]:
    """The guard's keyword arguments for this test, or None when it runs unguarded."""
    marker = item.get_closest_marker(_MARKER)
    on = bool(item.config.getoption("padlint_guard", False))
    if marker is None and not on:
        return None
    kwargs = dict(_DEFAULTS)
    if marker is not None:
        if marker.args:
            raise TypeError(
                f"{item.nodeid}: @pytest.mark.padlint_guard takes keyword arguments only "
                f"(those of padlint.guard), got {marker.args!r}"
            )
        kwargs.update(marker.kwargs)
    if not kwargs.pop("enabled", True):
        return None
    return kwargs


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item: pytest.Item):
    __tracebackhide__ = True
    kwargs = _guard_kwargs(item)
    if kwargs is None:
        return (yield)
    try:
        from padlint.runtime import guard
    except ImportError as e:  # torch missing: fail this test with a clear message
        raise ImportError(f"@pytest.mark.padlint_guard / --padlint-guard need PyTorch ({e})") from e
    with guard(**kwargs):  # exceptions of the test pass through; a leak raises PaddingLeakError at exit
        return (yield)


@pytest.fixture
def padlint_batch_invariant():
    """:func:`padlint.testing.assert_batch_invariant`: ``padlint_batch_invariant(model_fn,
    samples, collate_fn, ...)`` asserts that each sample's output is the same alone and in
    padded batches."""
    from padlint.testing import assert_batch_invariant

    return assert_batch_invariant


@pytest.fixture
def padlint_no_padding_leak():
    """:func:`padlint.testing.assert_no_padding_leak`: ``padlint_no_padding_leak(step_fn,
    steps=1, **guard_kwargs)`` fails if padding leaks in ``step_fn()``."""
    from padlint.testing import assert_no_padding_leak

    return assert_no_padding_leak
