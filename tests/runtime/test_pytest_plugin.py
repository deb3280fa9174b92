"""The pytest plugin (padlint.pytest_plugin): --padlint-guard, the padlint_guard marker, fixtures.

Run with pytest's own ``pytester``: each test writes a small test file and runs pytest on it
in-process (one check in a subprocess, to see that the plugin alone does not import torch).
"""

from __future__ import annotations

import os
import re
from importlib.metadata import entry_points

import pytest

import padlint.pytest_plugin  # noqa: F401  (imported before pytester snapshots sys.modules)
import padlint.runtime._guard  # noqa: F401
import padlint.testing  # noqa: F401

pytest_plugins = ["pytester"]
# the inner runs leak on purpose; keep them out of an outer `pytest --padlint-guard`
pytestmark = pytest.mark.padlint_guard(enabled=False)

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
# the entry point is there once padlint is (re)installed; otherwise load the plugin by name
_ENTRY = any(e.value == "padlint.pytest_plugin" for e in entry_points(group="pytest11"))
PLUGIN = [] if _ENTRY else ["-p", "padlint.pytest_plugin"]

LEAKY_AND_CLEAN = """
import pytest
import torch
import torch.nn as nn

IDS = torch.tensor([[1, 2, 3, 4], [5, 6, 0, 0]])  # second row: 2 padding tokens


def test_clean():
    emb = nn.Embedding(10, 4, padding_idx=0)
    keep = (IDS != 0).unsqueeze(-1)
    x = emb(IDS)
    ((x * keep).sum() / keep.sum()).backward()  # masked mean: padding gets no gradient


def test_leaky():
    emb = nn.Embedding(10, 4, padding_idx=0)
    emb(IDS).mean().backward()  # mean pooling over the padded positions too
"""


def _run(pytester, *args):
    return pytester.runpytest(*PLUGIN, "-p", "no:cacheprovider", *args)


def test_leaky_test_fails_only_under_the_option(pytester):
    pytester.makepyfile(test_model=LEAKY_AND_CLEAN)
    res = _run(pytester, "--padlint-guard")
    res.assert_outcomes(passed=1, failed=1)
    res.stdout.fnmatch_lines(["*PaddingLeakError*", "FAILED test_model.py::test_leaky*"])
    assert "PAD" in res.stdout.str()
    _run(pytester).assert_outcomes(passed=2)


def test_marker_guards_one_test(pytester):
    pytester.makepyfile(
        test_marked=LEAKY_AND_CLEAN
        + """

@pytest.mark.padlint_guard(every=1)
def test_leaky_marked():
    test_leaky()


@pytest.mark.padlint_guard(mode="record")
def test_leaky_recorded():
    test_leaky()  # record mode: findings kept, nothing raised
"""
    )
    res = _run(pytester, "--strict-markers")
    res.assert_outcomes(passed=3, failed=1)
    res.stdout.fnmatch_lines(
        ["*PaddingLeakError: padlint: padding leaks*", "*PAD301 unmasked-reduction*", "FAILED test_marked.py::test_leaky_marked*"]
    )


def test_marker_can_opt_out_and_tests_own_guard_keeps_its_findings(pytester):
    pytester.makepyfile(
        test_optout=LEAKY_AND_CLEAN.replace("def test_leaky", "@pytest.mark.padlint_guard(enabled=False)\ndef test_leaky")
        + """

def test_own_record_guard_finds_the_leak():
    import padlint
    with padlint.guard(mode="record", summary=False) as g:
        nn.Embedding(10, 4, padding_idx=0)(IDS).mean().backward()
    assert g.findings
"""
    )
    _run(pytester, "--padlint-guard").assert_outcomes(passed=3)


def test_test_failures_pass_through_unchanged(pytester):
    pytester.makepyfile(
        test_fail="""
import pytest

@pytest.mark.padlint_guard
def test_assert():
    assert 1 == 2

@pytest.mark.padlint_guard
def test_skip():
    pytest.skip("not today")
"""
    )
    res = _run(pytester)
    res.assert_outcomes(failed=1, skipped=1)
    res.stdout.fnmatch_lines(["*assert 1 == 2*"])
    assert "PaddingLeakError" not in res.stdout.str()


def test_bad_marker_arguments_are_reported(pytester):
    pytester.makepyfile(
        test_bad="""
import pytest

@pytest.mark.padlint_guard(mode="explode")
def test_a():
    pass

@pytest.mark.padlint_guard("raise")
def test_b():
    pass
"""
    )
    res = _run(pytester)
    res.assert_outcomes(failed=2)
    res.stdout.fnmatch_lines(["*mode must be one of*", "*takes keyword arguments only*"])


def test_fixtures(pytester):
    pytester.makepyfile(
        test_fix="""
import pytest
import torch
import torch.nn as nn
from torch.nn.utils.rnn import pad_sequence

SAMPLES = [torch.randn(n, 3) for n in (5, 2, 4, 3)]


def collate(samples):
    return pad_sequence(samples, batch_first=True)


def test_invariant(padlint_batch_invariant):
    lin = nn.Linear(3, 2)
    report = padlint_batch_invariant(lambda x: lin(x), SAMPLES, collate)
    assert report["comparisons"] > 0


def test_not_invariant(padlint_batch_invariant):
    from padlint.testing import BatchInvarianceError
    with pytest.raises(BatchInvarianceError):
        padlint_batch_invariant(lambda x: x.mean(1), SAMPLES, collate)  # mean over padding


def test_no_leak(padlint_no_padding_leak):
    emb = nn.Embedding(10, 4, padding_idx=0)
    ids = torch.tensor([[1, 2, 3], [4, 0, 0]])
    keep = (ids != 0).unsqueeze(-1)
    padlint_no_padding_leak(lambda: ((emb(ids) * keep).sum() / keep.sum()).backward())
    with pytest.raises(AssertionError, match="padding leaks"):
        padlint_no_padding_leak(lambda: emb(ids).mean().backward())
"""
    )
    _run(pytester).assert_outcomes(passed=3)


def test_readme_snippet_runs(pytester):
    with open(os.path.join(ROOT, "docs", "runtime-integrations.md")) as fh:
        text = fh.read()
    section = text.split("## In tests", 1)[1]
    code = re.search(r"```python\n(.*?)```", section, re.DOTALL).group(1)
    pytester.makepyfile(test_padding=code)
    _run(pytester, "--padlint-guard").assert_outcomes(passed=2)
    # the same file with the classic bug (RNN over the padded tensor, h_n used) fails both ways
    bad = code.replace(
        "x = pack_padded_sequence(self.emb(ids), lengths, batch_first=True, enforce_sorted=False)",
        "x = self.emb(ids)",
    )
    assert bad != code
    pytester.makepyfile(test_padding=bad)
    res = _run(pytester)
    res.assert_outcomes(failed=2)
    res.stdout.fnmatch_lines(["*PAD201 rnn-state-over-padding*", "*BatchInvarianceError: sample*"])


def test_plugin_does_not_import_torch_unless_used(pytester):
    pytester.makepyfile(
        test_plain="""
import sys

def test_plain(request):
    assert request.config.pluginmanager.hasplugin("padlint") or request.config.pluginmanager.hasplugin(
        "padlint.pytest_plugin")
    assert request.config.getoption("padlint_guard") is False
    assert "torch" not in sys.modules
"""
    )
    pytester.runpytest_subprocess(*PLUGIN, "-p", "no:cacheprovider").assert_outcomes(passed=1)


def test_without_torch(pytester):
    # a plugin loaded first makes `import torch` fail, as on a machine without torch
    pytester.makepyfile(
        blocktorch="import sys\nsys.modules['torch'] = None\n",
        test_plain="def test_plain():\n    pass\n",
    )
    pytester.syspathinsert()
    block = ["-p", "blocktorch", *PLUGIN, "-p", "no:cacheprovider"]
    pytester.runpytest_subprocess(*block).assert_outcomes(passed=1)
    res = pytester.runpytest_subprocess(*block, "--padlint-guard")
    assert res.ret == pytest.ExitCode.USAGE_ERROR
    res.stderr.fnmatch_lines(["*--padlint-guard needs PyTorch*"])
