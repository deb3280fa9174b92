"""raise / warn / record, locations, clean uninstall, nesting, decorator, internal errors."""

from __future__ import annotations

import re
import warnings

import pytest
import torch
import torch.nn.functional as F
from torch.nn.utils.rnn import pad_sequence
from torch.nn.modules import module as M
from torch.optim import optimizer as O

import padlint
from padlint.runtime import PadlintInternalWarning
from models import Classifier, token_batch

TARGET = torch.tensor([0, 1, 2, 0])


def global_state():
    return (
        len(M._global_forward_hooks),
        len(M._global_forward_pre_hooks),
        len(M._global_forward_hooks_with_kwargs),
        len(M._global_forward_hooks_always_called),
        len(O._global_optimizer_pre_hooks),
        len(O._global_optimizer_post_hooks),
        torch._C._len_torch_function_stack(),
    )


def leaky_step(model, opt):
    ids, lengths = token_batch()
    loss = F.cross_entropy(model(ids, lengths), TARGET)  # h_n over padding
    loss.backward()
    opt.step()
    opt.zero_grad()
    return loss


def test_raise_mode_raises_after_the_optimizer_step():
    model = Classifier("h_n")
    opt = torch.optim.SGD(model.parameters(), lr=0.1)
    before = [p.detach().clone() for p in model.parameters()]
    with pytest.raises(padlint.PaddingLeakError) as ei:
        with padlint.guard():  # mode="raise" is the default
            leaky_step(model, opt)
    assert isinstance(ei.value, RuntimeError)
    assert [f.code for f in ei.value.findings] == ["PAD201"]
    assert "PAD201" in str(ei.value)
    # the step itself completed (raised at the optimizer step post-hook, after the update)
    assert any(not torch.equal(b, p) for b, p in zip(before, model.parameters()))
    assert global_state() == (0, 0, 0, 0, 0, 0, 0)


def test_raise_mode_at_exit_without_optimizer():
    model = Classifier("h_n")
    with pytest.raises(padlint.PaddingLeakError):
        with padlint.guard(mode="raise"):
            ids, lengths = token_batch()
            F.cross_entropy(model(ids, lengths), TARGET).backward()


def test_explicit_check_raises_in_raise_mode():
    model = Classifier("h_n")
    with padlint.guard(mode="raise") as g:
        ids, lengths = token_batch()
        F.cross_entropy(model(ids, lengths), TARGET).backward()
        with pytest.raises(padlint.PaddingLeakError):
            g.check()
    assert g.findings[0].code == "PAD201"


def test_warn_mode_uses_a_filterable_category_pointing_at_user_code():
    model = Classifier("h_n")
    opt = torch.optim.SGD(model.parameters(), lr=0.1)
    with warnings.catch_warnings(record=True) as w:
        warnings.simplefilter("always")
        with padlint.guard(mode="warn", summary=False):
            leaky_step(model, opt)
    leak = [x for x in w if issubclass(x.category, padlint.PaddingLeakWarning)]
    assert len(leak) == 1
    assert leak[0].filename.endswith("models.py")
    with warnings.catch_warnings(record=True) as w:
        warnings.simplefilter("always")
        warnings.filterwarnings("ignore", category=padlint.PaddingLeakWarning)
        with padlint.guard(mode="warn", summary=False):
            leaky_step(model, opt)
    assert not [x for x in w if issubclass(x.category, padlint.PaddingLeakWarning)]


def test_warn_mode_warns_for_findings_made_while_the_step_runs():
    # (held-out rt4) a keep-mask handed to attention is found at the attention call, before the
    # step's gradient checks: warn mode must warn for it too, not only list it at exit
    emb = torch.nn.Embedding(50, 16, padding_idx=0)
    layer = torch.nn.TransformerEncoderLayer(16, 2, 32, dropout=0.0, batch_first=True)
    enc = torch.nn.TransformerEncoder(layer, 1, enable_nested_tensor=False)
    opt = torch.optim.SGD([*emb.parameters(), *enc.parameters()], lr=0.1)
    with warnings.catch_warnings(record=True) as w:
        warnings.simplefilter("always")
        with padlint.guard(mode="warn", summary=False) as g:
            ids, _ = token_batch()
            keep = ids != 0
            h = enc(emb(ids), src_key_padding_mask=keep)  # True = real: inverted
            m = keep.unsqueeze(-1).float()
            ((h * m).sum(1) / m.sum(1)).sum().backward()
            opt.step()
    warned = sorted({re.search(r"PAD-?R?\d+", str(x.message)).group(0)
                     for x in w if issubclass(x.category, padlint.PaddingLeakWarning)})
    assert "PAD402" in [f.code for f in g.findings]
    assert warned == sorted({f.code for f in g.findings})


def test_record_mode_collects_and_prints_summary(capsys):
    model = Classifier("h_n")
    opt = torch.optim.SGD(model.parameters(), lr=0.1)
    with padlint.guard(mode="record") as g:
        for _ in range(3):
            leaky_step(model, opt)
    err = capsys.readouterr().err
    assert "PAD201" in err and "rnn-state-over-padding" in err
    (f,) = g.findings
    assert f.count == 3 and f.step == 0
    assert isinstance(f, padlint.Finding)
    d = f.to_dict()
    assert all(isinstance(v, (str, int, float, type(None))) for v in d.values())


def test_finding_points_at_the_callers_line():
    import torch.nn as nn

    rnn = nn.GRU(4, 6, batch_first=True)
    x = torch.randn(3, 5, 4)
    padlint.mark(x, [5, 2, 3])
    with padlint.guard(mode="record", summary=False) as g:
        _, h = rnn(x); line = __import__("inspect").currentframe().f_lineno  # noqa: E702
        h.sum().backward()
        g.step()
    (f,) = g.findings
    assert (f.file, f.line, f.code) == (__file__, line, "PAD201")


def test_hooks_and_mode_removed_on_exit_also_on_exception():
    assert global_state() == (0, 0, 0, 0, 0, 0, 0)
    with padlint.guard(mode="record", summary=False):
        assert global_state() != (0, 0, 0, 0, 0, 0, 0)
    assert global_state() == (0, 0, 0, 0, 0, 0, 0)
    with pytest.raises(KeyError):
        with padlint.guard(mode="raise"):
            model = Classifier("h_n")
            ids, lengths = token_batch()
            F.cross_entropy(model(ids, lengths), TARGET).backward()
            raise KeyError("user error")  # the user's exception wins, no PaddingLeakError
    assert global_state() == (0, 0, 0, 0, 0, 0, 0)
    assert padlint.runtime.active_guard() is None


def test_nesting():
    model = Classifier("h_n")
    opt = torch.optim.SGD(model.parameters(), lr=0.1)
    with padlint.guard(mode="record", summary=False) as outer:
        with padlint.guard(mode="record", summary=False) as inner:
            leaky_step(model, opt)
        assert global_state()[-1] == 1
        assert padlint.runtime.active_guard() is outer
    assert [f.code for f in inner.findings] == ["PAD201"]
    assert [f.code for f in outer.findings] == ["PAD201"]
    assert global_state() == (0, 0, 0, 0, 0, 0, 0)


def test_decorator():
    model = Classifier("h_n")
    opt = torch.optim.SGD(model.parameters(), lr=0.1)
    g = padlint.guard(mode="record", summary=False)

    @g
    def step():
        return leaky_step(model, opt)

    step()
    step()
    assert [f.code for f in g.findings] == ["PAD201"]
    assert step.guard is g

    @padlint.guard  # bare decorator: raise mode
    def bare_step():
        return leaky_step(model, opt)

    with pytest.raises(padlint.PaddingLeakError):
        bare_step()
    assert global_state() == (0, 0, 0, 0, 0, 0, 0)


def test_a_decorated_guard_that_finds_nothing_says_so_once_at_the_end(tmp_path):
    # (rt19, rt20 d08) the `with` form prints "N step(s) checked, no padding leaks found"; the
    # decorator ran silently on a clean run (a table per call would be noise)
    import subprocess
    import sys

    script = tmp_path / "clean_decorated.py"
    script.write_text(
        "import torch, torch.nn as nn\n"
        "from torch.nn.utils.rnn import pad_sequence\n"
        "import padlint\n"
        "emb, rnn = nn.Embedding(20, 8, padding_idx=0), nn.GRU(8, 8, batch_first=True)\n"
        "@padlint.guard(mode='record')\n"
        "def step(seqs):\n"
        "    lengths = torch.tensor([len(s) for s in seqs])\n"
        "    out, _ = rnn(emb(pad_sequence(seqs, batch_first=True)))\n"
        "    keep = (torch.arange(out.size(1))[None] < lengths[:, None]).unsqueeze(-1)\n"
        "    ((out * keep).sum(1) / lengths[:, None]).sum().backward()\n"
        "for _ in range(3):\n"
        "    step([torch.randint(1, 20, (n,)) for n in (6, 3, 4)])\n"
    )
    done = subprocess.run([sys.executable, str(script)], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stderr.count("no padding leaks found") == 1
    assert "3 step(s) checked" in done.stderr


def test_internal_error_becomes_r900_not_an_exception(monkeypatch):
    import sys

    G = sys.modules["padlint.runtime._guard"]

    def boom(*a, **k):
        raise ZeroDivisionError("simulated bug")

    monkeypatch.setattr(G, "rnn_packed_reference", boom)
    model = Classifier("h_n")
    opt = torch.optim.SGD(model.parameters(), lr=0.1)
    with warnings.catch_warnings(record=True) as w:
        warnings.simplefilter("always")
        with padlint.guard(mode="record", summary=False) as g:
            loss = leaky_step(model, opt)
    assert torch.isfinite(loss)
    found = sorted(f.code for f in g.findings)
    # the oracle failed (R900); the gradient probe still saw the leak, unexplained (R001)
    assert found == ["PAD-R001", "PAD-R900"]
    assert any(issubclass(x.category, PadlintInternalWarning) for x in w)


def test_bad_arguments_give_clear_messages():
    with pytest.raises(ValueError, match="mode must be one of"):
        padlint.guard(mode="loud")
    with pytest.raises(TypeError, match="expected a torch.Tensor"):
        padlint.mark([1, 2, 3], [3])
    with pytest.raises(ValueError, match="did you mean batch_first=False"):
        padlint.mark(torch.zeros(7, 3, 2), [7, 5, 2], batch_first=True)
    with pytest.raises(ValueError, match=r"lengths must lie in \[0, 4\]"):
        padlint.mark(torch.zeros(2, 4), [5, 1])
    with pytest.raises(TypeError, match="dtype torch.bool"):
        padlint.mark(torch.zeros(2, 4), pad_mask=torch.zeros(2, 4))
    with pytest.raises(ValueError, match="exactly one"):
        padlint.mark(torch.zeros(2, 4))
    with pytest.raises(ValueError, match="'meta' device"):
        padlint.mark(torch.zeros(2, 4), torch.tensor([4, 1], device="meta"))
    with pytest.raises(ValueError, match="1-D integer tensor"):
        padlint.mark(torch.zeros(2, 4), torch.tensor([4.0, 1.0]))
    # lengths on another device than the tensor are moved, not an error
    x = padlint.mark(torch.zeros(2, 4, dtype=torch.float64), torch.tensor([4, 1], dtype=torch.int32))
    from padlint.runtime.provenance import REGISTRY

    assert REGISTRY.get(x).mask.tolist() == [[False] * 4, [False, True, True, True]]


def test_import_padlint_does_not_import_torch():
    import subprocess
    import sys

    code = (
        "import sys, padlint; assert 'torch' not in sys.modules; "
        "from padlint.runtime import CODES, Finding; assert 'torch' not in sys.modules and 'PAD201' in CODES; "
        "padlint.guard; assert 'torch' in sys.modules; "
        "import padlint.runtime as r; assert callable(r.guard) and r.guard is padlint.guard"
    )
    root = __file__.rsplit("/tests/", 1)[0]
    subprocess.run([sys.executable, "-c", code], check=True, cwd=root)


def test_codes_catalogue_is_complete():
    from padlint.runtime import CODES

    for code in ["PAD201", "PAD202", "PAD203", "PAD301", "PAD302", "PAD303", "PAD304", "PAD305", "PAD401",
                 "PAD-R001", "PAD-R002", "PAD-R003", "PAD-R900"]:
        name, desc = CODES[code]
        assert name and desc and name == name.lower()


def test_every_code_the_guard_can_emit_is_in_the_catalogue():
    # (PAD403 was emitted with no catalogue entry: its finding had the name "unknown")
    import ast
    import pathlib

    from padlint.runtime import CODES, _guard

    tree = ast.parse(pathlib.Path(_guard.__file__).read_text(encoding="utf-8"))
    emitted = {node.value for node in ast.walk(tree) if isinstance(node, ast.Constant)
               and isinstance(node.value, str) and re.fullmatch(r"PAD(?:\d{3}|-R\d{3})", node.value)}
    assert {"PAD201", "PAD401", "PAD402", "PAD403", "PAD-R001"} <= emitted
    assert emitted <= set(CODES), sorted(emitted - set(CODES))


def test_mode_suspended_during_optimizer_step_and_restored_after_a_failing_step():
    model = Classifier("h_n")
    opt = torch.optim.SGD(model.parameters(), lr=0.1)
    seen = []
    opt.register_step_pre_hook(lambda *a: seen.append(torch._C._len_torch_function_stack()))
    with padlint.guard(mode="record", summary=False) as g:
        assert torch._C._len_torch_function_stack() == 1
        leaky_step(model, opt)
        assert seen == [0]  # suspended inside optimizer.step()
        assert torch._C._len_torch_function_stack() == 1

        def boom(*a):
            raise ValueError("step failed")

        h = opt.register_step_pre_hook(boom)
        with pytest.raises(ValueError):
            leaky_step(model, opt)
        h.remove()
        assert torch._C._len_torch_function_stack() == 0  # still suspended ...
        leaky_step(model, opt)  # ... until the next module call resumes it
        assert torch._C._len_torch_function_stack() == 1
    assert [f.code for f in g.findings] == ["PAD201"]
    assert global_state() == (0, 0, 0, 0, 0, 0, 0)


def test_warn_mode_prints_summary_to_stderr(capsys):
    model = Classifier("h_n")
    opt = torch.optim.SGD(model.parameters(), lr=0.1)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", padlint.PaddingLeakWarning)
        with padlint.guard(mode="warn") as g:
            leaky_step(model, opt)
    out, err = capsys.readouterr()
    assert "PAD201" in err and "models.py" in err and out == ""
    assert len(g.findings) == 1
    with padlint.guard(mode="record"):
        pass
    # nothing padded came by: the summary says so, and how to show the guard a padded batch
    err = capsys.readouterr().err
    assert "no padded batch was seen inside the guard" in err and "padlint.mark(" in err
    with padlint.guard(mode="record"):
        pad_sequence([torch.ones(2, 3), torch.ones(4, 3)], batch_first=True)
    assert "no padding leaks found" in capsys.readouterr().err


def test_forward_raising_inside_modules_keeps_the_guard_balanced():
    import torch.nn as nn

    enc = nn.TransformerEncoder(nn.TransformerEncoderLayer(8, 2, 16, batch_first=True), 1,
                                enable_nested_tensor=False)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no "hook raised an exception" warning from torch
        with padlint.guard(mode="record", summary=False) as g:
            with pytest.raises(Exception):
                enc(torch.randn(2, 3, 7))  # wrong feature size: forward raises
            with pytest.raises(Exception):
                nn.CrossEntropyLoss()(torch.randn(2, 3), torch.tensor([0, 5]))  # bad target
            assert torch._C._len_torch_function_stack() == 1  # mode resumed after the attention error
            assert g._attn_depth == 0 and g._loss_stack == []
            model = Classifier("h_n")
            ids, lengths = token_batch()
            F.cross_entropy(model(ids, lengths), TARGET).backward()
            g.step()
    assert [f.code for f in g.findings] == ["PAD201"]


def test_raise_mode_raises_again_when_a_caught_leak_recurs():
    # (rt15) one guard over several steps: a script that catches the error and goes on must
    # hear of the same leak at the next step too, not only the first time it is seen
    model = Classifier("h_n")
    opt = torch.optim.SGD(model.parameters(), lr=0.1)
    raised = []
    with padlint.guard() as g:
        for _ in range(3):
            try:
                leaky_step(model, opt)
            except padlint.PaddingLeakError as e:
                raised.append([f.code for f in e.findings])
    assert raised == [["PAD201"]] * 3
    (f,) = g.findings
    assert f.count == 3 and f.step == 0
    assert "first at step 0, seen 3 times" in f.format()


def test_raise_mode_stays_silent_for_clean_steps_after_a_caught_leak():
    leaky, clean = Classifier("h_n"), Classifier("packed")
    opt = torch.optim.SGD([*leaky.parameters(), *clean.parameters()], lr=0.1)
    with padlint.guard() as g:
        with pytest.raises(padlint.PaddingLeakError):
            leaky_step(leaky, opt)
        for _ in range(2):
            leaky_step(clean, opt)  # no leak: nothing to raise
    assert [f.code for f in g.findings] == ["PAD201"]


def test_value_and_reference_come_from_the_check_that_gave_the_magnitude():
    # the loss and its padding-free reference must belong to the same check as the magnitude
    # (the largest |loss - reference| over the steps), not to the first step
    torch.manual_seed(0)
    with padlint.guard(mode="record", summary=False) as g:
        for scale in (0.1, 3.0, 1.0):
            x = pad_sequence([torch.randn(4), torch.randn(2)], batch_first=True).requires_grad_()
            y = pad_sequence([torch.randn(4), torch.randn(2)], batch_first=True)
            F.mse_loss(x * scale, y * scale).backward()
            g.step()
    (f,) = [f for f in g.findings if f.value is not None]
    assert f.count == 3
    assert f.magnitude == pytest.approx(abs(f.value - f.reference))


def test_two_optimizers_stepping_in_one_iteration_close_one_step():
    # (rt17 b07/c07) an encoder/decoder split with an optimizer each: the first optimizer to step
    # closes each training step, so the steps counted (and the oracle schedule) follow iterations
    model = Classifier("packed")
    head_params = list(model.fc.parameters()) if hasattr(model, "fc") else list(model.parameters())[-2:]
    body_params = [p for p in model.parameters() if all(p is not q for q in head_params)]
    opt_a, opt_b = torch.optim.SGD(body_params, lr=0.1), torch.optim.SGD(head_params, lr=0.1)
    with padlint.guard(mode="record", summary=False) as g:
        for _ in range(4):
            ids, lengths = token_batch()
            F.cross_entropy(model(ids, lengths), TARGET).backward()
            opt_a.step()
            opt_b.step()
            opt_a.zero_grad()
            opt_b.zero_grad()
    assert g.steps_checked == 4
    assert g.findings == []
