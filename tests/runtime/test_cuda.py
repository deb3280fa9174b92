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
        F.cross_entropy(model(ids.to(DEV), lengths), TARGET.to(DEV)).backward()  # lengths stay on CPU
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


def test_cuda_bit_for_bit_with_dropout():
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

    a, b = run(False), run(True)
    assert all(torch.equal(x, y) for x, y in zip(a[0], b[0]))
    assert all(torch.equal(x, y) for x, y in zip(a[1], b[1]))
    assert torch.equal(a[2], b[2])


def test_cuda_autocast_fp16_bidirectional():
    model = Tagger(packed=False, rnn=nn.GRU, bidir=True).to(DEV)
    with padlint.guard(mode="record", summary=False) as g:
        with torch.autocast("cuda", dtype=torch.float16):
            ids, lengths, tg = tag_batch()
            logits = model(ids.to(DEV), lengths)
        masked_ce(logits.float().cpu(), tg, lengths).backward()
        g.step()
    assert codes(g) == ["PAD-R002"]
