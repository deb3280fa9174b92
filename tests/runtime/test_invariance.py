"""With the guard on (every=1), training is bit-for-bit the same as without it."""

from __future__ import annotations

import torch
import torch.nn.functional as F

import padlint
from models import Classifier, Encoder, Tagger, masked_ce, tag_batch, token_batch

STEPS = 25


def run(make_model, step_loss, guarded, steps=STEPS):
    torch.manual_seed(123)
    model = make_model()
    opt = torch.optim.Adam(model.parameters(), lr=1e-2)
    gen = torch.Generator().manual_seed(7)
    losses = []
    grads = []

    def loop():
        for _ in range(steps):
            loss = step_loss(model, gen)
            loss.backward()
            grads.append([p.grad.detach().clone() for p in model.parameters() if p.grad is not None])
            opt.step()
            opt.zero_grad()
            losses.append(loss.detach().clone())

    if guarded:
        with padlint.guard(mode="record", every=1, summary=False) as g:
            loop()
        assert g.oracle_runs >= 1 or g.steps_checked == steps
    else:
        loop()
    return losses, [p.detach().clone() for p in model.parameters()], torch.get_rng_state(), opt.state_dict(), grads


def assert_identical(a, b):
    la, pa, ra, sa, ga = a
    lb, pb, rb, sb, gb = b
    assert len(la) == len(lb) and all(torch.equal(x, y) for x, y in zip(la, lb)), "losses differ"
    for step_a, step_b in zip(ga, gb):
        assert len(step_a) == len(step_b) and all(torch.equal(x, y) for x, y in zip(step_a, step_b)), "grads differ"
    assert all(torch.equal(x, y) for x, y in zip(pa, pb)), "parameters differ"
    assert torch.equal(ra, rb), "RNG state differs"
    for k, st in sa["state"].items():
        for name, v in st.items():
            if isinstance(v, torch.Tensor):
                assert torch.equal(v, sb["state"][k][name]), f"optimizer state {name} differs"


def lstm_loss(model, gen):
    ids, lengths, tg = tag_batch(gen=gen)
    return masked_ce(model(ids, lengths), tg, lengths)


def test_lstm_with_dropout_bit_for_bit():
    # unpacked 2-layer LSTM with inter-layer dropout: the packed oracle runs every step
    make = lambda: Tagger(packed=False, layers=2, dropout=0.3)  # noqa: E731
    assert_identical(run(make, lstm_loss, False), run(make, lstm_loss, True))


def test_lstm_classifier_hn_leak_still_bit_for_bit():
    make = lambda: Classifier("h_n", layers=2, dropout=0.5)  # noqa: E731

    def loss(model, gen):
        ids, lengths = token_batch(gen=gen)
        return F.cross_entropy(model(ids, lengths), torch.tensor([0, 1, 2, 0]))

    assert_identical(run(make, loss, False), run(make, loss, True))


def test_transformer_with_dropout_bit_for_bit():
    make = lambda: Encoder(use_mask=True, dropout=0.2)  # noqa: E731

    def loss(model, gen):
        ids, _ = token_batch(gen=gen)
        return F.cross_entropy(model(ids), torch.tensor([0, 1, 2, 0]))

    assert_identical(run(make, loss, False), run(make, loss, True))


def test_rng_state_after_one_guarded_step_equals_unguarded():
    def one(guarded):
        torch.manual_seed(5)
        model = Tagger(packed=False, layers=2, dropout=0.5)
        ids, lengths, tg = tag_batch()
        start = torch.get_rng_state()
        if guarded:
            with padlint.guard(mode="record", every=1, summary=False):
                masked_ce(model(ids, lengths), tg, lengths).backward()
        else:
            masked_ce(model(ids, lengths), tg, lengths).backward()
        return start, torch.get_rng_state(), model.training, model.rnn.training

    a, b = one(False), one(True)
    assert torch.equal(a[0], b[0]) and torch.equal(a[1], b[1])
    assert b[2] and b[3]  # training flags restored
