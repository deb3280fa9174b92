"""fixtures/runtime/guarded_training.py (the README example) finds the bug, then nothing."""

from __future__ import annotations

import importlib.util
import os

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def test_guarded_training_example(capsys):
    path = os.path.join(ROOT, "fixtures", "runtime", "guarded_training.py")
    spec = importlib.util.spec_from_file_location("guarded_training_example", path)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    buggy = mod.train(packed=False)
    assert [(f.code, f.line) for f in buggy] == [("PAD201", 39)]
    assert "lstm(x)" in open(path).read().splitlines()[buggy[0].line - 1]
    assert mod.train(packed=True) == []
    assert "rnn-state-over-padding" in capsys.readouterr().err
