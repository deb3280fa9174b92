"""GPU checks (skipped cleanly without CUDA: see conftest.py)."""

from __future__ import annotations

import pytest
import torch
import torch.nn as nn
import torch.nn.functional as F

import padlint
from models import Classifier, Encoder, Tagger, masked_ce, tag_batch, token_batch

pytestmark = pytest.mark.cuda
DEV = "cuda"
TARGET = torch.tensor([0, 1, 2, 0])


def codes(g):
    return sorted({f.code for f in g.findings})


@pytest.mark.parametrize("how,expected", [("h_n", ["PAD201"]), ("packed", []), ("gather", [])])
def test_cuda_rnn_state(how, expected):
    model = Classifier(how).to(DEV)
    opt = torch.optim.SGD(model.parameters(), lr=0.1)
    with padlint.guard(mode="record", summary=False) as g:
        ids, lengths = token_batch()
        # packing wants the lengths on the CPU; gathering at lengths - 1 wants them on the GPU
        lens = lengths.to(DEV) if how == "gather" else lengths
        F.cross_entropy(model(ids.to(DEV), lens), TARGET.to(DEV)).backward()
        opt.step()
    assert codes(g) == expected


def test_cuda_transformer_mask():
    for use_mask, expected in ((False, ["PAD401"]), (True, [])):
        model = Encoder(use_mask=use_mask).to(DEV)
        with padlint.guard(mode="record", summary=False) as g:
            ids, _ = token_batch()
            F.cross_entropy(model(ids.to(DEV)), TARGET.to(DEV)).backward()
            g.step()
        assert codes(g) == expected


@pytest.fixture
def deterministic_cudnn():
    """cuDNN's RNN/attention backward may sum in a different order from run to run: a
    bit-for-bit comparison needs the deterministic kernels (and CUBLAS_WORKSPACE_CONFIG set
    before CUDA starts, as .ci/gpu_checks.sh does)."""
    old = torch.backends.cudnn.deterministic, torch.backends.cudnn.benchmark
    torch.backends.cudnn.deterministic, torch.backends.cudnn.benchmark = True, False
    yield
    torch.backends.cudnn.deterministic, torch.backends.cudnn.benchmark = old


def same_runs(a, b):
    return (all(torch.equal(x, y) for x, y in zip(a[0], b[0]))
            and all(torch.equal(x, y) for x, y in zip(a[1], b[1])) and torch.equal(a[2], b[2]))


def test_cuda_bit_for_bit_with_dropout(deterministic_cudnn):
    def run(guarded):
        torch.manual_seed(1)
        model = Tagger(packed=False, layers=2, dropout=0.3).to(DEV)
        opt = torch.optim.Adam(model.parameters(), lr=1e-2)
        gen = torch.Generator().manual_seed(3)
        losses = []
        ctx = padlint.guard(mode="record", every=1, summary=False) if guarded else torch.enable_grad()
        with ctx:
            for _ in range(10):
                ids, lengths, tg = tag_batch(gen=gen)
                loss = masked_ce(model(ids.to(DEV), lengths.to(DEV)).cpu(), tg, lengths)
                loss.backward()
                opt.step()
                opt.zero_grad()
                losses.append(loss.detach())
        return losses, [p.detach().cpu() for p in model.parameters()], torch.cuda.get_rng_state()

    a = run(False)
    if not same_runs(a, run(False)):
        pytest.skip("two unguarded runs already differ on this GPU (non-deterministic kernels)")
    assert same_runs(a, run(True))


def test_cuda_autocast_fp16_bidirectional():
    model = Tagger(packed=False, rnn=nn.GRU, bidir=True).to(DEV)
    with padlint.guard(mode="record", summary=False) as g:
        with torch.autocast("cuda", dtype=torch.float16):
            ids, lengths, tg = tag_batch()
            logits = model(ids.to(DEV), lengths)
        masked_ce(logits.float().cpu(), tg, lengths).backward()
        g.step()
    assert codes(g) == ["PAD-R002"]


# --- the same leaks and their fixes with every tensor on the GPU ------------------------------

def gpu_tag_step(model, loss_fn, steps=1):
    opt = torch.optim.SGD(model.parameters(), lr=0.1)
    with padlint.guard(mode="record", summary=False) as g:
        for _ in range(steps):
            ids, lengths, tg = tag_batch()
            logits = model(ids.to(DEV), lengths)  # pack_padded_sequence wants CPU lengths
            loss_fn(logits, tg.to(DEV)).backward()
            opt.step()
            opt.zero_grad()
    return g


def test_cuda_cross_entropy_ignore_index():
    bad = gpu_tag_step(Tagger().to(DEV), lambda lg, tg: F.cross_entropy(lg.reshape(-1, lg.shape[-1]), tg.reshape(-1)))
    assert codes(bad) == ["PAD303"]
    f = bad.findings[0]
    assert f.value is not None and f.reference is not None and f.value != f.reference
    good = gpu_tag_step(Tagger().to(DEV), lambda lg, tg: F.cross_entropy(lg.transpose(1, 2), tg, ignore_index=0), 2)
    assert good.findings == []


@pytest.mark.parametrize("reduce,expected", [
    (lambda el, m: el.mean(), ["PAD301"]),
    (lambda el, m: (el * m).sum() / m.sum(), []),
    (lambda el, m: (el * m).mean(), ["PAD302"]),
])
def test_cuda_reduction_none_losses(reduce, expected):
    from torch.nn.utils.rnn import pad_sequence

    lin = nn.Linear(8, 1).to(DEV)
    lens = [5, 2, 4, 3]
    with padlint.guard(mode="record", summary=False) as g:
        x = pad_sequence([torch.randn(n, 8, device=DEV) for n in lens], batch_first=True)
        y = pad_sequence([torch.randint(0, 2, (n,), device=DEV).float() for n in lens], batch_first=True)
        m = (torch.arange(x.shape[1], device=DEV)[None] < torch.tensor(lens, device=DEV)[:, None]).float()
        el = F.binary_cross_entropy_with_logits(lin(x).squeeze(-1), y, reduction="none")
        reduce(el, m).backward()
        g.step()
    assert codes(g) == expected


@pytest.mark.parametrize("cell", [nn.LSTM, nn.GRU, nn.RNN])
@pytest.mark.parametrize("layers,bidir,batch_first", [(1, False, True), (2, True, False), (2, False, False)])
def test_cuda_packed_oracle_rnn_configurations(cell, layers, bidir, batch_first):
    """cuDNN runs both the user's RNN and the guard's packed oracle."""
    from torch.nn.utils.rnn import pad_sequence

    lens = [5, 2, 4, 3]
    rnn = cell(8, 12, num_layers=layers, bidirectional=bidir, batch_first=batch_first).to(DEV)
    seqs = [torch.randn(n, 8, device=DEV) for n in lens]
    with padlint.guard(mode="record", summary=False) as g:
        out, state = rnn(pad_sequence(seqs, batch_first=batch_first))
        h = state[0] if isinstance(state, tuple) else state
        h.sum().backward()
        g.step()
    assert codes(g) == ["PAD201"]
    if bidir:
        return
    with padlint.guard(mode="record", summary=False) as g:
        out, _ = rnn(pad_sequence(seqs, batch_first=batch_first))
        o = out if batch_first else out.transpose(0, 1)
        o[torch.arange(4, device=DEV), torch.tensor(lens, device=DEV) - 1].sum().backward()
        g.step()
    assert g.findings == []


@pytest.mark.parametrize("how,expected", [("none", ["PAD401"]), ("keep", []), ("inverted", ["PAD402"])])
def test_cuda_scaled_dot_product_attention_masks(how, expected):
    from test_leaks import HandAttention

    model = HandAttention(how).to(DEV)
    opt = torch.optim.SGD(model.parameters(), lr=0.1)
    with padlint.guard(mode="record", summary=False) as g:
        for _ in range(4):
            ids, _ = token_batch()
            F.cross_entropy(model(ids.to(DEV)), TARGET.to(DEV)).backward()
            opt.step()
            opt.zero_grad()
    assert codes(g) == expected


def test_cuda_time_major_last_step_after_unpacking():
    from test_leaks import TimeMajor

    for gather, expected in ((False, ["PAD202"]), (True, [])):
        model = TimeMajor(gather).to(DEV)
        with padlint.guard(mode="record", summary=False) as g:
            ids, lengths = token_batch(batch_first=False)
            F.cross_entropy(model(ids.to(DEV), lengths), TARGET.to(DEV)).backward()
            g.step()
        assert codes(g) == expected


def test_cuda_ctc_lengths_from_shape():
    from torch.nn.utils.rnn import pad_sequence

    lens, K = [12, 7, 9], 5
    lin = nn.Linear(8, K).to(DEV)
    targets = torch.randint(1, K, (3, 4), device=DEV)
    for in_lens, expected in (([12] * 3, ["PAD305"]), (lens, [])):
        with padlint.guard(mode="record", summary=False) as g:
            feats = pad_sequence([torch.randn(n, 8, device=DEV) for n in lens])  # (T, B, E)
            lp = lin(feats).log_softmax(-1)
            F.ctc_loss(lp, targets, in_lens, [4] * 3).backward()
            g.step()
        assert codes(g) == expected


def test_cuda_mark_with_lengths_on_the_gpu():
    w = nn.Parameter(torch.randn(8, device=DEV))
    with padlint.guard(mode="record", summary=False) as g:
        x = torch.randn(4, 5, 8, device=DEV, requires_grad=True)
        padlint.mark(x, torch.tensor([5, 2, 4, 3], device=DEV), batch_first=True)
        (x.sum(-1) * (x @ w)).sum().backward()
        g.step()
    assert codes(g) == ["PAD-R001"]


def test_cuda_mark_with_a_cpu_pad_mask_for_a_gpu_tensor():
    """A mask left on the CPU for a batch on the GPU: the guard moves it, it does not crash."""
    w = nn.Parameter(torch.randn(8, device=DEV))
    pad = torch.arange(5)[None] >= torch.tensor([5, 2, 4, 3])[:, None]
    with padlint.guard(mode="record", summary=False) as g:
        x = torch.randn(4, 5, 8, device=DEV, requires_grad=True)
        padlint.mark(x, pad_mask=pad)
        (x.sum(-1) * (x @ w)).sum().backward()
        g.step()
    assert codes(g) == ["PAD-R001"]


def test_cuda_batch_invariance_helper():
    from test_testing import PackedEncoder, collate, samples
    from padlint.testing import BatchInvarianceError, assert_batch_invariant

    def to_dev(batch):
        x, lengths = collate(batch)
        return x.to(DEV), lengths

    report = assert_batch_invariant(PackedEncoder().to(DEV).eval(), samples(), to_dev)
    assert report["comparisons"] > 0
    with pytest.raises(BatchInvarianceError):
        assert_batch_invariant(PackedEncoder(sort_without_unsort=True).to(DEV).eval(), samples(), to_dev)


def test_cuda_guard_frees_gpu_memory_between_steps():
    model = Tagger(packed=False, layers=2).to(DEV)
    opt = torch.optim.SGD(model.parameters(), lr=0.1)
    seen = []
    with padlint.guard(mode="record", every=1, summary=False):
        for _ in range(12):
            ids, lengths, tg = tag_batch()
            masked_ce(model(ids.to(DEV), lengths).cpu(), tg, lengths).backward()
            opt.step()
            opt.zero_grad(set_to_none=True)
            torch.cuda.synchronize()
            seen.append(torch.cuda.memory_allocated())
    assert max(seen[4:]) <= seen[3] + 64 * 1024  # flat after warm-up: nothing kept per step


def test_cuda_bit_for_bit_transformer_with_dropout(deterministic_cudnn):
    def run(guarded):
        torch.manual_seed(5)
        model = Encoder(use_mask=True, dropout=0.2, layers=2).to(DEV)
        opt = torch.optim.Adam(model.parameters(), lr=1e-2)
        gen = torch.Generator().manual_seed(7)
        losses = []
        ctx = padlint.guard(mode="record", every=1, summary=False) if guarded else torch.enable_grad()
        with ctx:
            for _ in range(6):
                ids, _ = token_batch(gen=gen)
                loss = F.cross_entropy(model(ids.to(DEV)), TARGET.to(DEV))
                loss.backward()
                opt.step()
                opt.zero_grad()
                losses.append(loss.detach().cpu())
        return losses, [p.detach().cpu() for p in model.parameters()], torch.cuda.get_rng_state()

    a = run(False)
    if not same_runs(a, run(False)):
        pytest.skip("two unguarded runs already differ on this GPU (non-deterministic kernels)")
    assert same_runs(a, run(True))


def test_cuda_autocast_bf16_packed_is_clean():
    model = Tagger(packed=True).to(DEV)
    with padlint.guard(mode="record", summary=False) as g:
        with torch.autocast("cuda", dtype=torch.bfloat16):
            ids, lengths, tg = tag_batch()
            logits = model(ids.to(DEV), lengths)
        masked_ce(logits.float().cpu(), tg, lengths).backward()
        g.step()
    assert g.findings == []


def test_cuda_correct_padded_lstm_is_not_flagged_under_tf32():
    """cuDNN runs float32 RNNs in TF32 by default: the packed and padded kernels then differ by
    ~1e-4 on correct code.  The oracle compares in full float32, so no PAD-R002 here, and the
    user's TF32 settings are the same after the step."""
    before = torch.backends.cudnn.rnn.fp32_precision if hasattr(torch.backends.cudnn, "rnn") else None
    model = nn.LSTM(64, 128, batch_first=True).to(DEV)
    lin = nn.Linear(128, 5).to(DEV)
    gen = torch.Generator().manual_seed(0)
    with padlint.guard(mode="record", every=1, summary=False) as g:
        for _ in range(5):
            lens = torch.randint(10, 41, (32,), generator=gen)
            lens[0] = 40
            x = torch.nn.utils.rnn.pad_sequence([torch.randn(int(n), 64, generator=gen) for n in lens],
                                                batch_first=True).to(DEV)
            out, _ = model(x)  # unidirectional, right-padded: correct for per-token outputs
            mask = (torch.arange(40)[None] < lens[:, None]).to(DEV)
            lin(out)[mask].logsumexp(-1).mean().backward()
    assert g.oracle_runs >= 5
    assert g.findings == []
    if before is not None:
        assert torch.backends.cudnn.rnn.fp32_precision == before


@pytest.mark.slow
def test_cuda_torch_compile_inductor():
    import warnings

    for how, expected in (("h_n", ["PAD201"]), ("packed", [])):
        torch._dynamo.reset()
        model = Classifier(how).to(DEV)
        compiled = torch.compile(model)
        opt = torch.optim.SGD(model.parameters(), lr=0.1)
        with warnings.catch_warnings(record=True) as w:
            warnings.simplefilter("always")
            with padlint.guard(mode="record", summary=False) as g:
                for _ in range(2):
                    ids, lengths = token_batch()
                    loss = F.cross_entropy(compiled(ids.to(DEV), lengths), TARGET.to(DEV))
                    loss.backward()
                    opt.step()
                    opt.zero_grad()
        assert torch.isfinite(loss)
        msgs = [str(x.message) for x in w if issubclass(x.category, padlint.PaddingLeakWarning)]
        assert len(msgs) == 1 and "torch.compile" in msgs[0]
        assert codes(g) == expected
