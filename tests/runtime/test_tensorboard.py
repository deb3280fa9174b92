"""guard(log_dir=/writer=/profile_dir=): scalars read back with TensorBoard's EventAccumulator,
the profiler trace read back as JSON (named ranges, ProfilerStep#N, "ph": "C" counters)."""

from __future__ import annotations

import glob
import json
import warnings

import pytest
import torch
import torch.nn.functional as F
from models import Classifier, token_batch
from torch import nn
from torch.nn.utils.rnn import pad_sequence

import padlint

pytest.importorskip("tensorboard")
from tensorboard.backend.event_processing.event_accumulator import EventAccumulator  # noqa: E402

LENS = [5, 2, 4, 3]  # padded to 5: 0 + 3 + 1 + 2 = 6 of 20 positions are padding
PAD_FRACTION = 6 / 20


def _train(how, steps=4, **guard_kwargs):
    model = Classifier(how=how)
    opt = torch.optim.SGD(model.parameters(), lr=0.1)
    ids, lengths = token_batch(LENS)
    assert float((ids == 0).float().mean()) == pytest.approx(PAD_FRACTION)
    y = torch.tensor([0, 1, 2, 0])
    with padlint.guard(mode="record", summary=False, **guard_kwargs) as g:
        for _ in range(steps):
            opt.zero_grad()
            F.cross_entropy(model(ids, lengths), y).backward()
            opt.step()
    return g


def _scalars(log_dir) -> dict[str, list[tuple[int, float]]]:
    ea = EventAccumulator(str(log_dir))
    ea.Reload()
    return {tag: [(s.step, s.value) for s in ea.Scalars(tag)] for tag in ea.Tags()["scalars"]}


def test_leaking_run_scalars(tmp_path):
    g = _train("h_n", log_dir=tmp_path)  # h_n of an LSTM run over the padded batch: PAD201
    assert [f.code for f in g.findings] == ["PAD201"]
    sc = _scalars(tmp_path)
    assert [s for s, _ in sc["padlint/pad_fraction"]] == [0, 1, 2, 3]
    assert all(v == pytest.approx(PAD_FRACTION) for _, v in sc["padlint/pad_fraction"])
    # the oracle runs on steps 0-2 (first=3) and explains the leak there
    assert [v for _, v in sc["padlint/findings/PAD201"]] == [1, 1, 1, 0]
    assert sc["padlint/findings_total"][0][1] >= 1
    assert all(v > 0 for _, v in sc["padlint/leaked_grad_mass"])  # every step leaks


def test_clean_run_scalars(tmp_path):
    g = _train("packed", log_dir=tmp_path)
    assert g.findings == []
    sc = _scalars(tmp_path)
    assert not [t for t in sc if t.startswith("padlint/findings/")]
    assert [v for _, v in sc["padlint/findings_total"]] == [0, 0, 0, 0]
    assert [v for _, v in sc["padlint/leaked_grad_mass"]] == [0, 0, 0, 0]
    assert all(v == pytest.approx(PAD_FRACTION) for _, v in sc["padlint/pad_fraction"])


def test_pad_fraction_of_a_pad_sequence_batch_and_user_writer(tmp_path):
    from torch.utils.tensorboard import SummaryWriter

    lens = [7, 1, 3]  # padded to 7: 0 + 6 + 4 = 10 of 21
    rnn = nn.GRU(3, 4, batch_first=True)
    writer = SummaryWriter(str(tmp_path))
    with padlint.guard(mode="record", summary=False, writer=writer) as g:
        for _ in range(2):
            x = pad_sequence([torch.randn(n, 3) for n in lens], batch_first=True)
            x.requires_grad_(True)
            out, _ = rnn(x)
            m = (torch.arange(7)[None, :] < torch.tensor(lens)[:, None]).unsqueeze(-1)
            ((out * m).sum() / m.sum()).backward()  # padded RNN, but only real outputs are used
            g.step()
    writer.add_scalar("user/after", 1.0, 0)  # padlint flushed the user's writer, did not close it
    writer.close()
    sc = _scalars(tmp_path)
    assert [v for _, v in sc["padlint/pad_fraction"]] == pytest.approx([10 / 21, 10 / 21])
    assert "user/after" in sc
    assert g.step_callbacks == []  # detached at exit


def test_guard_without_padding_writes_no_pad_fraction(tmp_path):
    lin = nn.Linear(3, 1)
    with padlint.guard(mode="record", summary=False, log_dir=tmp_path) as g:
        lin(torch.randn(2, 3)).sum().backward()
        g.step()
    sc = _scalars(tmp_path)
    assert "padlint/pad_fraction" not in sc
    assert sc["padlint/findings_total"] == [(0, 0.0)]


def test_decorator_guard_keeps_one_writer_and_profiler(tmp_path):
    model = Classifier(how="h_n")
    ids, lengths = token_batch(LENS)

    @padlint.guard(mode="record", summary=False, log_dir=tmp_path / "tb", profile_dir=tmp_path / "prof")
    def train_step():
        F.cross_entropy(model(ids, lengths), torch.tensor([0, 1, 2, 0])).backward()

    for _ in range(5):
        train_step()  # one guard step per call
    assert len(glob.glob(str(tmp_path / "tb" / "events.*"))) == 1
    sc = _scalars(tmp_path / "tb")
    assert [s for s, _ in sc["padlint/leaked_grad_mass"]] == [0, 1, 2, 3, 4]
    assert all(v > 0 for _, v in sc["padlint/leaked_grad_mass"])
    counters = [e for e in _trace(tmp_path / "prof")["traceEvents"] if e.get("ph") == "C"]
    assert len(counters) == 3


def test_bad_writer_is_rejected():
    with pytest.raises(TypeError, match="SummaryWriter"), padlint.guard(writer=object()):
        pass


def _trace(profile_dir):
    files = glob.glob(str(profile_dir / "*.pt.trace.json"))
    assert len(files) == 1, files
    with open(files[0]) as fh:
        return json.load(fh)  # Chrome trace JSON (what Perfetto opens)


def test_profile_trace_has_ranges_and_counters(tmp_path):
    g = _train("h_n", steps=5, profile_dir=tmp_path, log_dir=tmp_path / "tb")
    trace = _trace(tmp_path)
    ev = trace["traceEvents"]
    names = {e["name"] for e in ev if e.get("ph") == "X"}
    assert {"padlint::probe", "padlint::oracle", "padlint::verdict", "padlint::track"} <= names
    assert {"ProfilerStep#1", "ProfilerStep#2", "ProfilerStep#3"} <= names  # step 0 = warm-up
    counters = sorted((e for e in ev if e.get("ph") == "C"), key=lambda e: e["ts"])
    assert len(counters) == 3 and all(c["name"] == "padlint" for c in counters)
    steps = {e["name"]: e["ts"] for e in ev if e.get("name", "").startswith("ProfilerStep#")}
    assert [c["ts"] for c in counters] == [steps[f"ProfilerStep#{k}"] for k in (1, 2, 3)]
    assert all(c["args"]["pad_fraction"] == pytest.approx(PAD_FRACTION) for c in counters)
    assert all(c["args"]["leaked_grad_mass"] > 0 for c in counters)
    # steps 1 and 2 are sampled (oracle explains PAD201), step 3 is not
    assert [c["args"]["findings"] for c in counters] == [1, 1, 0]
    # the counters are the same numbers as the TensorBoard scalars
    sc = dict(_scalars(tmp_path / "tb")["padlint/leaked_grad_mass"])
    assert [c["args"]["leaked_grad_mass"] for c in counters] == pytest.approx([sc[1], sc[2], sc[3]])
    assert not {"_record", "_on_rnn", "_evaluate"} & set(vars(g))  # ranges removed afterwards


def test_profile_trace_loads_in_torch_tb_profiler(tmp_path):
    pytest.importorskip("torch_tb_profiler")
    from torch_tb_profiler.profiler.data import RunProfileData

    _train("packed", steps=4, profile_dir=tmp_path)
    path = glob.glob(str(tmp_path / "*.pt.trace.json"))[0]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        data = RunProfileData.parse("worker0", "1", path, None)  # what its TensorBoard tab runs
    assert data.steps_names == ["1", "2", "3"]  # ProfilerStep#1..3 seen as steps
    assert not [c for c in _trace(tmp_path)["traceEvents"] if c.get("ph") == "C" and c["args"]["leaked_grad_mass"]]


def test_profile_with_too_few_steps_warns(tmp_path):
    with pytest.warns(RuntimeWarning, match="no guard step recorded"):
        _train("packed", steps=1, profile_dir=tmp_path)
