"""Each padding leak next to its correct counterpart, checked by padlint.guard on real steps."""

from __future__ import annotations

import inspect

import pytest
import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.nn.functional import cross_entropy  # bound before any guard starts
from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence, pad_sequence

import padlint
from models import C, E, H, LENS, V, Classifier, Encoder, Tagger, masked_ce, tag_batch, token_batch


def codes(g):
    return sorted({f.code for f in g.findings})


def train_step(model, loss_fn, steps=1, **gkw):
    opt = torch.optim.SGD(model.parameters(), lr=0.1)
    with padlint.guard(mode="record", summary=False, **gkw) as g:
        for _ in range(steps):
            loss = loss_fn(model)
            loss.backward()
            opt.step()
            opt.zero_grad()
    return g


def cls_loss(model):
    ids, lengths = token_batch()
    return F.cross_entropy(model(ids, lengths), torch.tensor([0, 1, 2, 0]))


# --- PAD201: h_n of an unpacked LSTM -------------------------------------------------------

def test_hn_of_unpacked_lstm_leaks():
    g = train_step(Classifier("h_n"), cls_loss)
    assert codes(g) == ["PAD201"]
    f = g.findings[0]
    assert "LSTM" in f.where and f.magnitude > 1e-3
    assert f.file.endswith("models.py")  # the user's line: the RNN call in the model


def test_hn_of_packed_lstm_is_clean():
    g = train_step(Classifier("packed"), cls_loss, steps=3)
    assert g.findings == []


def test_unidirectional_unpacked_gathered_at_lengths_is_clean():
    g = train_step(Classifier("gather", rnn=nn.GRU), cls_loss, steps=2)
    assert g.findings == []


def test_unpacked_multilayer_gru_hn_leaks():
    g = train_step(Classifier("h_n", rnn=nn.GRU, layers=2), cls_loss)
    assert codes(g) == ["PAD201"]


def test_last_step_of_unpacked_batch_first_output_leaks():
    g = train_step(Classifier("last"), cls_loss)
    assert "PAD202" in codes(g)


# --- PAD-R002: bidirectional RNN over an unpacked batch ---------------------------------------

def tag_loss(model):
    ids, lengths, tg = tag_batch()
    return masked_ce(model(ids, lengths), tg, lengths)


def test_bidirectional_gru_unpacked_with_masked_loss_leaks():
    g = train_step(Tagger(packed=False, rnn=nn.GRU, bidir=True), tag_loss)
    assert codes(g) == ["PAD-R002"]
    assert g.findings[0].magnitude > 1e-3


def test_unidirectional_gru_unpacked_with_masked_loss_is_clean():
    g = train_step(Tagger(packed=False, rnn=nn.GRU, bidir=False), tag_loss, steps=2)
    assert g.findings == []


def test_bidirectional_packed_tagger_is_clean():
    g = train_step(Tagger(packed=True, bidir=True), tag_loss, steps=2)
    assert g.findings == []


def test_left_padded_rnn_contaminates_outputs():
    rnn = nn.GRU(E, H, batch_first=True)
    fc = nn.Linear(H, C)
    params = list(rnn.parameters()) + list(fc.parameters())
    opt = torch.optim.SGD(params, lr=0.1)
    seqs = [torch.randn(n, E) for n in LENS]
    with padlint.guard(mode="record", summary=False) as g:
        x = pad_sequence(seqs, batch_first=True, padding_side="left")
        out, _ = rnn(x)
        loss = fc(out[:, -1]).sum()  # last step is real for left padding, but state saw pads first
        loss.backward()
        opt.step()
    assert "PAD-R002" in codes(g)
    # (rt11) packing the left-padded batch as it is would read its leading pads: right-align first
    (r002,) = [f for f in g.findings if f.code == "PAD-R002"]
    assert "right padding" in r002.what and "then pack it" in r002.what


# --- losses: PAD303 / PAD301 / PAD302 / PAD304 --------------------------------------------------

def test_cross_entropy_without_ignore_index_counts_padded_targets():
    model = Tagger(packed=True)
    loss_fn = nn.CrossEntropyLoss()

    def step(m):
        ids, lengths, tg = tag_batch(pad_target=0)
        logits = m(ids, lengths)
        return loss_fn(logits.reshape(-1, C), tg.reshape(-1))

    g = train_step(model, step)
    assert codes(g) == ["PAD303"]
    f = g.findings[0]
    assert f.value is not None and f.reference is not None and f.value != f.reference
    assert "ignore_index=0" in f.what
    assert "CrossEntropyLoss" in f.where


def test_cross_entropy_with_ignore_index_is_clean():
    model = Tagger(packed=True)
    loss_fn = nn.CrossEntropyLoss(ignore_index=0)

    def step(m):
        ids, lengths, tg = tag_batch(pad_target=0)
        logits = m(ids, lengths)
        return loss_fn(logits.transpose(1, 2), tg)  # (B, C, T) layout

    g = train_step(model, step, steps=2)
    assert g.findings == []


def test_functional_alias_bound_before_guard_is_seen():
    model = Tagger(packed=True)

    def step(m):
        ids, lengths, tg = tag_batch(pad_target=0)
        return cross_entropy(m(ids, lengths).reshape(-1, C), tg.reshape(-1))

    g = train_step(model, step)
    assert codes(g) == ["PAD303"]
    assert g.findings[0].where == "cross_entropy"


def _bce_setup():
    lin = nn.Linear(E, 1)
    seqs = [torch.randn(n, E) for n in LENS]
    ys = [torch.randint(0, 2, (n,)).float() for n in LENS]
    return lin, seqs, ys


def _bce_run(reduce):
    lin, seqs, ys = _bce_setup()
    opt = torch.optim.SGD(lin.parameters(), lr=0.1)
    with padlint.guard(mode="record", summary=False) as g:
        x = pad_sequence(seqs, batch_first=True)
        y = pad_sequence(ys, batch_first=True)
        lengths = torch.tensor(LENS)
        mask = (torch.arange(x.shape[1])[None] < lengths[:, None]).float()
        logits = lin(x).squeeze(-1)
        loss = F.binary_cross_entropy_with_logits(logits, y, reduction="none")
        total = reduce(loss, mask)
        total.backward()
        opt.step()
    return g, float(total.detach())


def test_unmasked_mean_of_reduction_none_bce_leaks():
    g, _ = _bce_run(lambda el, m: el.mean())
    assert codes(g) == ["PAD301"]
    f = g.findings[0]
    assert f.value is not None and f.reference is not None


def test_masked_sum_over_mask_sum_is_clean():
    g, _ = _bce_run(lambda el, m: (el * m).sum() / m.sum())
    assert g.findings == []


def test_masked_mean_with_wrong_denominator_is_dilution():
    g, total = _bce_run(lambda el, m: (el * m).mean())
    assert codes(g) == ["PAD302"]
    f = g.findings[0]
    assert abs(f.value - total) < 1e-5
    assert f.reference > f.value  # masked mean over real positions only
    assert f"only {sum(LENS)} are real" in f.what


@pytest.mark.parametrize("scale", [0.5, 1 / 3, 1024.0])
@pytest.mark.parametrize("reduce,expected", [
    (lambda el, m: (el * m).mean(), ["PAD302"]),
    (lambda el, m: (el * m).sum() / el.numel(), ["PAD302"]),
    (lambda el, m: el.masked_fill(m == 0, 0.0).mean(), ["PAD302"]),
    (lambda el, m: torch.where(m.bool(), el, torch.zeros_like(el)).mean(dim=1).mean(), ["PAD302"]),
    (lambda el, m: (el * m).sum() / m.sum(), []),
    (lambda el, m: el[m.bool()].mean(), []),
])
def test_dilution_is_judged_in_the_forward_pass_whatever_scales_the_loss_later(scale, reduce, expected):
    """Gradient accumulation (loss / k) and AMP loss scaling (loss * 2**10) multiply the gradient;
    the wrong denominator is seen where the average is taken.  LENS = [5, 2, 4, 3]: 14 real of 20,
    so no scale can make a correct masked mean look like 20 positions either."""
    g, _ = _bce_run(lambda el, m: reduce(el, m) * scale)
    assert codes(g) == expected


def test_a_correct_masked_mean_scaled_to_look_like_all_positions_is_clean():
    """14 real of 28 positions: (masked sum / 14) / 2 has the gradient of masked sum / 28."""
    lin = nn.Linear(E, 1)
    lens = [7, 2, 3, 2]
    with padlint.guard(mode="record", summary=False) as g:
        x = pad_sequence([torch.randn(n, E) for n in lens], batch_first=True)
        y = pad_sequence([torch.randint(0, 2, (n,)).float() for n in lens], batch_first=True)
        m = (torch.arange(7)[None] < torch.tensor(lens)[:, None]).float()
        el = F.binary_cross_entropy_with_logits(lin(x).squeeze(-1), y, reduction="none")
        loss = (el * m).sum() / m.sum()
        (loss / 2).backward()
        g.step()
    assert g.findings == []


def test_mse_mean_over_padding_is_elementwise_leak():
    lin = nn.Linear(E, 2)
    seqs = [torch.randn(n, E) for n in LENS]
    ys = [torch.randn(n, 2) for n in LENS]
    with padlint.guard(mode="record", summary=False) as g:
        x = pad_sequence(seqs, batch_first=True)
        y = pad_sequence(ys, batch_first=True)
        F.mse_loss(lin(x), y).backward()
        g.step()
    assert codes(g) == ["PAD304"]


# --- PAD401: attention --------------------------------------------------------------------------

def enc_loss(model):
    ids, _ = token_batch()
    return F.cross_entropy(model(ids), torch.tensor([0, 1, 2, 0]))


def test_transformer_without_key_padding_mask_leaks():
    g = train_step(Encoder(use_mask=False), enc_loss)
    assert codes(g) == ["PAD401"]
    f = g.findings[0]
    assert f.file.endswith("models.py") and "TransformerEncoder" in f.where


def test_transformer_with_key_padding_mask_is_clean():
    g = train_step(Encoder(use_mask=True), enc_loss, steps=2)
    assert g.findings == []


# --- PAD202: time-major output[-1] after unpacking --------------------------------------------

class TimeMajor(nn.Module):
    def __init__(self, gather):
        super().__init__()
        self.emb = nn.Embedding(V, E, padding_idx=0)
        self.rnn = nn.LSTM(E, H)
        self.fc = nn.Linear(H, C)
        self.gather = gather

    def forward(self, ids, lengths):  # ids (T, B)
        p = pack_padded_sequence(self.emb(ids), lengths, enforce_sorted=False)
        o, _ = self.rnn(p)
        o, lens = pad_packed_sequence(o)
        if self.gather:
            last = o[lens - 1, torch.arange(o.shape[1])]
        else:
            last = o[-1]
        return self.fc(last)


def tm_loss(model):
    ids, lengths = token_batch(batch_first=False)
    return F.cross_entropy(model(ids, lengths), torch.tensor([0, 1, 2, 0]))


def test_time_major_last_step_after_unpacking_leaks():
    g = train_step(TimeMajor(gather=False), tm_loss)
    assert codes(g) == ["PAD202"]
    f = g.findings[0]
    assert f.file == __file__
    assert "o[-1]" in open(__file__).read().splitlines()[f.line - 1]  # points at the indexing line


def test_time_major_gather_by_length_is_clean():
    g = train_step(TimeMajor(gather=True), tm_loss, steps=2)
    assert g.findings == []


# --- pooling, mark(), CTC, empty ----------------------------------------------------------------

def test_mean_pooling_over_padding_is_unmasked_reduction():
    model = Tagger(packed=True)

    def step(m):
        ids, lengths = token_batch()
        x = m.emb(ids)
        o, _ = m.rnn(pack_padded_sequence(x, lengths, batch_first=True, enforce_sorted=False))
        o, _ = pad_packed_sequence(o, batch_first=True)
        return F.cross_entropy(m.fc(o.mean(1)), torch.tensor([0, 1, 2, 0]))

    g = train_step(model, step)
    assert codes(g) == ["PAD301"]


def test_mark_explicit_lengths_and_generic_leak():
    w = nn.Parameter(torch.randn(E))
    with padlint.guard(mode="record", summary=False) as g:
        x = torch.randn(4, 5, E, requires_grad=True)
        padlint.mark(x, LENS, batch_first=True)
        (x.sum(-1) * (x @ w)).sum().backward()  # no masking at all
        g.step()
    assert codes(g) == ["PAD-R001"]


def test_mark_with_a_pad_mask_is_probed_like_lengths():
    w = nn.Parameter(torch.randn(E))
    pad = torch.arange(5)[None] >= torch.tensor(LENS)[:, None]
    for reduce, expected in ((lambda y: y.sum(), ["PAD-R001"]), (lambda y: y.masked_fill(pad, 0).sum(), [])):
        with padlint.guard(mode="record", summary=False) as g:
            x = torch.randn(4, 5, E, requires_grad=True)
            padlint.mark(x, pad_mask=pad)
            reduce(x.sum(-1) * (x @ w)).backward()
            g.step()
        assert codes(g) == expected


def test_ctc_lengths_from_shape():
    T, B, K = 12, 3, 5  # noqa: F841
    lens = [12, 7, 9]
    lin = nn.Linear(E, K)
    with padlint.guard(mode="record", summary=False) as g:
        feats = pad_sequence([torch.randn(n, E) for n in lens])  # (T, B, E)
        lp = lin(feats).log_softmax(-1)
        targets = torch.randint(1, K, (B, 4))
        loss = F.ctc_loss(lp, targets, [T] * B, [4] * B)
        loss.backward()
        g.step()
    assert codes(g) == ["PAD305"]
    f = g.findings[0]
    assert f.value is not None and f.reference is not None


def test_ctc_with_true_lengths_is_clean():
    B, K = 3, 5
    lens = [12, 7, 9]
    lin = nn.Linear(E, K)
    with padlint.guard(mode="record", summary=False) as g:
        feats = pad_sequence([torch.randn(n, E) for n in lens])
        lp = lin(feats).log_softmax(-1)
        targets = torch.randint(1, K, (B, 4))
        F.ctc_loss(lp, targets, lens, [4] * B).backward()
        g.step()
    assert g.findings == []


def test_length_zero_sequence_is_a_finding_not_a_crash():
    lin = nn.Linear(E, 1)
    with padlint.guard(mode="record", summary=False) as g:
        x = pad_sequence([torch.randn(3, E), torch.randn(0, E), torch.randn(2, E)], batch_first=True)
        lin(x).sum().backward()
        g.step()
    assert "PAD-R003" in codes(g)


@pytest.mark.parametrize("lens,expected", [([3, 0, 2], ["PAD-R003"]), ([3, 1, 2], [])])
def test_length_zero_sequence_padded_before_the_guard(lens, expected):
    # (held-out rt8 b17) the batch was padded by a DataLoader before the per-step guard opened:
    # the padding is known only from the embedding's padding_idx, and the masked mean of the
    # empty row is 0 / 0. It was PAD-R001 "max nan"
    torch.manual_seed(0)
    emb, fc = nn.Embedding(V, E, padding_idx=0), nn.Linear(E, C)
    lengths = torch.tensor(lens)
    ids = pad_sequence([torch.randint(1, V, (n,)) for n in lens], batch_first=True)
    with padlint.guard(mode="record", summary=False) as g:
        h = torch.tanh(emb(ids))
        keep = (torch.arange(ids.size(1))[None] < lengths[:, None]).float()
        pooled = (h * keep[..., None]).sum(1) / lengths[:, None]
        F.cross_entropy(fc(pooled), torch.tensor([0, 1, 0])).backward()
        g.step()
    assert codes(g) == expected


@pytest.mark.parametrize("denominator,expected", [("numel", ["PAD302"]), ("labelled", [])])
def test_masked_lm_loss_reference_counts_the_labelled_positions(denominator, expected):
    # (held-out rt9 b07) only a few real tokens carry a label (-100 elsewhere): the padding-free
    # reference of a masked mean is the sum over the labelled positions divided by their number
    torch.manual_seed(0)
    emb, fc = nn.Embedding(V, E, padding_idx=0), nn.Linear(E, V)
    with padlint.guard(mode="record", summary=False) as g:
        ids, lengths = token_batch()
        labels = ids.masked_fill(torch.arange(ids.shape[1])[None] > 0, -100)  # the first token labelled
        keep = (torch.arange(ids.shape[1])[None] < lengths[:, None]).float()
        el = F.cross_entropy(fc(emb(ids)).transpose(1, 2), labels, reduction="none")
        if denominator == "numel":
            loss = (el * keep).sum() / keep.numel()
        else:
            loss = (el * keep).sum() / (labels != -100).sum()
        loss.backward()
        g.step()
    assert codes(g) == expected
    if expected:
        with torch.no_grad():
            ref = float(el.sum() / (labels != -100).sum())
        assert g.findings[0].reference == pytest.approx(ref, rel=1e-4)


def test_empty_batch_is_a_finding_not_a_crash():
    emb = nn.Embedding(V, E, padding_idx=0)
    with padlint.guard(mode="record", summary=False) as g:
        ids = torch.zeros(0, 5, dtype=torch.long)
        out = emb(ids)
        out.sum().backward()
        g.step()
    assert codes(g) == ["PAD-R003"]


# --- PAD203, pad_value, MultiheadAttention ------------------------------------------------------

class BiLast(nn.Module):
    def __init__(self, both_ends):
        super().__init__()
        self.emb = nn.Embedding(V, E, padding_idx=0)
        self.rnn = nn.GRU(E, H, batch_first=True, bidirectional=True)
        self.fc = nn.Linear(2 * H, C)
        self.both_ends = both_ends

    def forward(self, ids, lengths):
        p = pack_padded_sequence(self.emb(ids), lengths, batch_first=True, enforce_sorted=False)
        o, _ = self.rnn(p)
        o, _ = pad_packed_sequence(o, batch_first=True)
        last = o[torch.arange(o.shape[0]), lengths - 1]
        if self.both_ends:  # forward half at lengths-1, backward half at t=0
            last = torch.cat([last[:, :H], o[:, 0, H:]], dim=-1)
        return self.fc(last)


def test_bidirectional_read_at_last_valid_step():
    g = train_step(BiLast(both_ends=False), cls_loss)
    assert codes(g) == ["PAD203"]


def test_bidirectional_read_at_both_ends_is_clean():
    g = train_step(BiLast(both_ends=True), cls_loss, steps=2)
    assert g.findings == []


def test_pad_value_for_embedding_without_padding_idx():
    emb = nn.Embedding(V, E)  # no padding_idx: the guard is told the pad id instead
    rnn = nn.GRU(E, H, batch_first=True, bidirectional=True)
    with padlint.guard(mode="record", pad_value=0, summary=False) as g:
        ids, lengths = token_batch()
        o, _ = rnn(emb(ids))
        o[:, 0].sum().backward()
        g.step()
    assert "PAD-R002" in codes(g)


def test_multihead_attention_key_padding_mask():
    mha = nn.MultiheadAttention(E, 2, batch_first=True)
    emb = nn.Embedding(V, E, padding_idx=0)
    for use_mask, expected in ((False, ["PAD401"]), (True, [])):
        with padlint.guard(mode="record", summary=False) as g:
            ids, lengths = token_batch()
            x = emb(ids)
            pad = ids == 0
            kw = {"key_padding_mask": pad} if use_mask else {}
            out, _ = mha(x, x, x, **kw)
            keep = (~pad).unsqueeze(-1).float()
            ((out * keep).sum(1) / keep.sum(1)).sum().backward()
            g.step()
        assert codes(g) == expected, use_mask


# --- more layouts and loss functions --------------------------------------------------------------

def test_time_major_unpacked_rnns_from_pad_sequence():
    seqs = [torch.randn(n, E) for n in LENS]
    bi = nn.LSTM(E, H, bidirectional=True, num_layers=2)
    uni = nn.GRU(E, H)
    with padlint.guard(mode="record", summary=False) as g:
        x = pad_sequence(seqs)  # (T, B, E), time-major
        o, _ = bi(x)
        mask = (torch.arange(x.shape[0])[:, None] < torch.tensor(LENS)[None]).unsqueeze(-1)
        (o * mask).sum().backward()
        g.step()
    assert codes(g) == ["PAD-R002"]
    with padlint.guard(mode="record", summary=False) as g:
        x = pad_sequence(seqs)
        _, h = uni(x)
        h.sum().backward()
        g.step()
    assert codes(g) == ["PAD201"]


@pytest.mark.parametrize("loss", [F.l1_loss, F.smooth_l1_loss, F.mse_loss, F.huber_loss])
def test_elementwise_losses(loss):
    lin = nn.Linear(E, 2)
    seqs = [torch.randn(n, E) for n in LENS]
    ys = [torch.randn(n, 2) for n in LENS]
    with padlint.guard(mode="record", summary=False) as g:
        x, y = pad_sequence(seqs, batch_first=True), pad_sequence(ys, batch_first=True)
        loss(lin(x), y).backward()  # mean over padded positions too
        g.step()
    assert codes(g) == ["PAD304"]
    f = g.findings[0]
    assert f.value is not None and f.reference is not None and f.where == loss.__name__
    with padlint.guard(mode="record", summary=False) as g:
        x, y = pad_sequence(seqs, batch_first=True), pad_sequence(ys, batch_first=True)
        keep = (torch.arange(x.shape[1])[None] < torch.tensor(LENS)[:, None]).unsqueeze(-1)
        el = loss(lin(x), y, reduction="none")
        ((el * keep).sum() / (keep.sum() * 2)).backward()
        g.step()
    assert g.findings == []


@pytest.mark.parametrize("how,expected", [
    ("flattened batchmean", ["PAD304"]),  # sum over every token / all B*T rows, pads included
    ("per-sample batchmean, teacher zero at pads", []),  # (B, T, C) / B: the pads add 0
    ("masked per token", []),
])
def test_token_level_distillation_kl(how, expected):
    # (held-out rt8 b09) KL(teacher || student) over padded tokens was PAD-R001 at the embedding
    torch.manual_seed(0)
    emb, lin = nn.Embedding(V, E, padding_idx=0), nn.Linear(E, C)
    teachers = [torch.softmax(torch.randn(n, C), -1) for n in LENS]
    with padlint.guard(mode="record", summary=False) as g:
        ids, lengths = token_batch()
        teacher = pad_sequence(teachers, batch_first=True)  # zero rows at the pads
        student = lin(emb(ids)).log_softmax(-1)
        if how == "flattened batchmean":
            loss = F.kl_div(student.flatten(0, 1), teacher.flatten(0, 1), reduction="batchmean")
        elif how.startswith("per-sample"):
            loss = nn.KLDivLoss(reduction="batchmean")(student, teacher)
        else:
            keep = torch.arange(ids.shape[1])[None] < lengths[:, None]
            kl = F.kl_div(student, teacher, reduction="none").sum(-1)
            loss = (kl * keep).sum() / keep.sum()
        loss.backward()
        g.step()
    assert codes(g) == expected


@pytest.mark.parametrize("masked", [False, True])
def test_dot_product_scores_over_the_feature_axis_stay_padded(masked):
    # (held-out rt8 b16) (h * item_emb).sum(-1): one logit per position, as padded as h; the BCE
    # over them was PAD-R001 at the embedding, not PAD304 at the loss
    torch.manual_seed(0)
    emb, lin = nn.Embedding(V, E, padding_idx=0), nn.Linear(E, E)
    with padlint.guard(mode="record", summary=False) as g:
        ids, lengths = token_batch()
        h = torch.tanh(lin(emb(ids)))
        logits = (h * emb(ids)).sum(-1) + torch.einsum("btd,d->bt", h, lin.bias)
        target = torch.ones_like(logits)
        if masked:
            keep = (torch.arange(ids.shape[1])[None] < lengths[:, None]).float()
            el = F.binary_cross_entropy_with_logits(logits, target, reduction="none")
            loss = (el * keep).sum() / keep.sum()
        else:
            loss = F.binary_cross_entropy_with_logits(logits, target)
        loss.backward()
        g.step()
    assert codes(g) == ([] if masked else ["PAD304"])


def test_binary_cross_entropy_and_nll():
    lin = nn.Linear(E, 1)
    seqs = [torch.randn(n, E) for n in LENS]
    ys = [torch.randint(0, 2, (n,)).float() for n in LENS]
    with padlint.guard(mode="record", summary=False) as g:
        x, y = pad_sequence(seqs, batch_first=True), pad_sequence(ys, batch_first=True)
        F.binary_cross_entropy(torch.sigmoid(lin(x).squeeze(-1)), y).backward()
        g.step()
    assert codes(g) == ["PAD304"]
    model = Tagger(packed=True)
    for ignore, expected in ((-100, ["PAD303"]), (0, [])):
        with padlint.guard(mode="record", summary=False) as g:
            ids, lengths, tg = tag_batch()
            logp = F.log_softmax(model(ids, lengths), -1)
            F.nll_loss(logp.reshape(-1, C), tg.reshape(-1), ignore_index=ignore).backward()
            g.step()
        assert codes(g) == expected


def _ce_no_ignore(m):
    ids, lengths, tg = tag_batch(pad_target=0)
    return nn.CrossEntropyLoss()(m(ids, lengths).reshape(-1, C), tg.reshape(-1))


@pytest.mark.parametrize(
    "make,loss_fn,expected",
    [
        (lambda: Classifier("h_n"), cls_loss, ["PAD201"]),
        (lambda: Classifier("last"), cls_loss, ["PAD202"]),
        (lambda: Tagger(packed=True), _ce_no_ignore, ["PAD303"]),
        (lambda: Tagger(packed=False, rnn=nn.GRU, bidir=True), tag_loss, ["PAD-R002"]),
        (lambda: Encoder(use_mask=False), enc_loss, ["PAD401"]),
        (lambda: TimeMajor(gather=False), tm_loss, ["PAD202"]),
    ],
)
def test_findings_stay_specific_on_unsampled_steps(make, loss_fn, expected):
    # steps 0-2 run the oracles; steps 3-5 only the gradient probes: their leaks are the same
    # sites, already explained, so no generic PAD-R001 appears
    g = train_step(make(), loss_fn, steps=6)
    assert codes(g) == expected


def test_inverted_key_padding_mask_polarity():
    emb = nn.Embedding(V, 16, padding_idx=0)
    layer = nn.TransformerEncoderLayer(16, 2, 32, dropout=0.0, batch_first=True)
    enc = nn.TransformerEncoder(layer, 1, enable_nested_tensor=False)
    for keep_mask, expected in ((True, ["PAD402"]), (False, [])):
        with padlint.guard(mode="record", summary=False) as g:
            ids, lengths = token_batch()
            pad = ids == 0
            kpm = ~pad if keep_mask else pad  # HF-style keep-mask passed where True = padding
            h = enc(emb(ids), src_key_padding_mask=kpm)
            keep = (~pad).unsqueeze(-1).float()
            ((h * keep).sum(1) / keep.sum(1)).sum().backward()
            g.step()
        assert codes(g) == expected
        if keep_mask:  # magnitude: the share of positions whose polarity is wrong, not a count
            assert g.findings[0].magnitude == 1.0


def test_reduction_none_ce_with_ignore_index_then_mean_is_dilution():
    model = Tagger(packed=True)
    for reduce, expected in (
        (lambda el, tg: el.mean(), ["PAD302"]),
        (lambda el, tg: el.sum() / (tg != -100).sum(), []),
    ):
        ids, lengths, tg = tag_batch(pad_target=-100)  # built outside: targets carry no tag
        with padlint.guard(mode="record", summary=False) as g:
            el = F.cross_entropy(model(ids, lengths).reshape(-1, C), tg.reshape(-1), reduction="none")
            reduce(el, tg).backward()
            g.step()
        assert codes(g) == expected


def test_rnn_fed_a_projection_of_marked_features():
    proj = nn.Linear(E, E)
    rnn = nn.GRU(E, H, batch_first=True, bidirectional=True)
    x = padlint.mark(torch.randn(4, 5, E), LENS)
    with padlint.guard(mode="record", summary=False, every=0, first=0) as g:  # probes only
        o, _ = rnn(proj(x))
        keep = (torch.arange(5)[None] < torch.tensor(LENS)[:, None]).unsqueeze(-1)
        (o * keep).sum().backward()
        g.step()
    assert codes(g) == ["PAD-R001"]
    assert "input of GRU" in g.findings[0].where


@pytest.mark.parametrize("cell", [nn.LSTM, nn.GRU, nn.RNN])
@pytest.mark.parametrize("layers,bidir,batch_first", [(1, False, True), (2, True, False), (2, False, False)])
def test_packed_oracle_rnn_configurations(cell, layers, bidir, batch_first):
    kw = {"proj_size": 5} if cell is nn.LSTM and layers == 2 and not bidir else {}
    rnn = cell(E, H, num_layers=layers, bidirectional=bidir, batch_first=batch_first, **kw)
    seqs = [torch.randn(n, E) for n in LENS]
    D = 2 if bidir else 1
    hout = kw.get("proj_size", H)
    h0 = torch.zeros(layers * D, len(LENS), hout)
    hx = (h0, torch.zeros(layers * D, len(LENS), H)) if cell is nn.LSTM else h0
    with padlint.guard(mode="record", summary=False) as g:
        x = pad_sequence(seqs, batch_first=batch_first)
        out, state = rnn(x, hx)  # user-given initial state is passed to the oracle too
        h = state[0] if isinstance(state, tuple) else state
        h.sum().backward()
        g.step()
    assert codes(g) == ["PAD201"]
    if bidir:
        return
    with padlint.guard(mode="record", summary=False) as g:
        x = pad_sequence(seqs, batch_first=batch_first)
        out, _ = rnn(x, hx)
        o = out if batch_first else out.transpose(0, 1)
        last = o[torch.arange(len(LENS)), torch.tensor(LENS) - 1]
        last.sum().backward()
        g.step()
    assert g.findings == []


def test_transformer_with_mask_but_unmasked_mean_pooling():
    model = Encoder(use_mask=True)

    def step(m):
        ids, _ = token_batch()
        pad = ids == 0
        h = m.enc(m.emb(ids), src_key_padding_mask=pad)
        return F.cross_entropy(m.fc(h.mean(1)), torch.tensor([0, 1, 2, 0]))  # pads averaged in

    g = train_step(model, step, steps=4)
    assert codes(g) == ["PAD301"]
    # one finding, at the pooling call (rt16 b02), not a second one at the encoder's line
    assert len(g.findings) == 1 and "mean over time" in g.findings[0].where
    assert "h.mean(1)" in open(__file__).read().splitlines()[g.findings[0].line - 1]


def test_ctc_target_lengths_from_shape():
    T, K = 12, 5
    lin = nn.Linear(E, K)
    tgt_lens = [4, 2, 3]
    with padlint.guard(mode="record", summary=False) as g:
        feats = pad_sequence([torch.randn(T, E) for _ in tgt_lens])
        lp = lin(feats).log_softmax(-1)
        targets = pad_sequence([torch.randint(1, K, (n,)) for n in tgt_lens], batch_first=True)
        S = targets.shape[1]
        F.ctc_loss(lp, targets, [T] * 3, [S] * 3).backward()  # target lengths from the padded shape
        g.step()
    assert codes(g) == ["PAD305"]
    assert "target_lengths" in g.findings[0].what


class HandAttention(nn.Module):
    """Single-head attention written with F.scaled_dot_product_attention."""

    def __init__(self, how):
        super().__init__()
        self.emb = nn.Embedding(V, 16, padding_idx=0)
        self.qkv = nn.Linear(16, 48)
        self.fc = nn.Linear(16, C)
        self.how = how

    def forward(self, ids):
        pad = ids == 0
        B, T = ids.shape
        q, k, v = self.qkv(self.emb(ids)).view(B, T, 3, 2, 8).permute(2, 0, 3, 1, 4)  # (B, heads, T, 8)
        if self.how == "none":
            mask = None
        elif self.how == "keep":
            mask = (~pad)[:, None, None, :]  # True = attend: correct
        else:
            mask = pad[:, None, None, :]  # padding mask passed where SDPA wants a keep-mask
        h = F.scaled_dot_product_attention(q, k, v, attn_mask=mask)
        h = h.transpose(1, 2).reshape(B, T, 16)
        keep = (~pad).unsqueeze(-1).float()
        return self.fc((h * keep).sum(1) / keep.sum(1))


@pytest.mark.parametrize("how,expected", [("none", ["PAD401"]), ("keep", []), ("inverted", ["PAD402"])])
def test_scaled_dot_product_attention_masks(how, expected):
    g = train_step(HandAttention(how), enc_loss, steps=4)
    assert codes(g) == expected
    assert all(0.0 < f.magnitude <= 1.0 for f in g.findings if f.code == "PAD402")  # a share, not a count


# --- held-out round (2026-11-26, third session) ----------------------------------------------

def test_channels_stacked_after_padding_keep_the_padding():
    """torch.stack / torch.cat along a new feature axis of two pad_sequence outputs: the RNN
    still runs on a padded batch, and its last padded step is found (PAD202), even beside a
    masked per-step loss that uses every real step."""
    torch.manual_seed(0)
    gru = nn.GRU(3, 8, batch_first=True)
    head, recon = nn.Linear(8, 1), nn.Linear(8, 1)
    for join, last in (("stack", True), ("cat", True), ("stack", False)):
        with padlint.guard(mode="record", summary=False) as g:
            seqs = [torch.randn(n) for n in LENS]
            vals = pad_sequence(seqs, batch_first=True)
            obs = pad_sequence([torch.ones(n) for n in LENS], batch_first=True)
            if join == "stack":
                x = torch.stack([vals, obs, vals * obs], dim=-1)
            else:
                x = torch.cat([vals.unsqueeze(-1), obs.unsqueeze(-1), vals.unsqueeze(-1)], dim=-1)
            out, _ = gru(x)
            per_step = ((recon(out).squeeze(-1) - vals) ** 2 * obs).sum() / obs.sum()
            idx = (torch.tensor(LENS) - 1).view(-1, 1, 1).expand(-1, 1, 8)
            summary = out[:, -1] if last else out.gather(1, idx).squeeze(1)
            (per_step + head(summary).pow(2).mean()).backward()
            g.step()
        assert codes(g) == (["PAD202"] if last else []), (join, last, g.findings)


def test_sum_over_zero_padding_rows_divided_by_lengths_is_clean_and_a_mean_is_not():
    """fastText-style pooling: the padding_idx row is zero and never trained, so summing it adds
    nothing; dividing by the real lengths is the exact mean. A mean over time is still reported."""
    emb = nn.Embedding(V, 16, padding_idx=0)
    fc = nn.Linear(16, C)
    for pool, expected in (("sum_div_len", []), ("sum", []), ("mean", ["PAD301"])):
        with padlint.guard(mode="record", summary=False) as g:
            for _ in range(2):
                ids, lengths = token_batch()
                e = emb(ids)
                pooled = {"sum_div_len": lambda: e.sum(dim=1) / lengths.unsqueeze(1).float(),
                          "sum": lambda: e.sum(dim=1), "mean": lambda: e.mean(dim=1)}[pool]()
                F.cross_entropy(fc(pooled), torch.tensor([0, 1, 2, 0])).backward()
                g.step()
        assert codes(g) == expected, (pool, g.findings)


def test_inverted_key_padding_mask_names_where_the_padding_was_learnt():
    """The message names the padding's source (the batch's pad_sequence), not 'propagated'."""
    emb = nn.Embedding(V, 16, padding_idx=0)
    mha = nn.MultiheadAttention(16, 2, batch_first=True)
    with padlint.guard(mode="record", summary=False) as g:
        ids, lengths = token_batch()
        x = F.dropout(emb(ids), 0.0)
        h, _ = mha(x, x, x, key_padding_mask=ids != 0)
        keep = (ids != 0).unsqueeze(-1).float()
        ((h * keep).sum(1) / keep.sum(1)).sum().backward()
        g.step()
    found = [f for f in g.findings if f.code == "PAD402"]
    assert found and "pad_sequence" in found[0].what and "propagated" not in found[0].what


def test_cross_attention_output_follows_the_queries_padding():
    """A decoder's cross-attention: the key padding mask describes the memory (source side); its
    output has the target's padding. With memory_key_padding_mask it is clean even when the two
    sides share a padded length; without it, real queries attend to padded memory (PAD401)."""
    torch.manual_seed(0)
    emb = nn.Embedding(V, 16, padding_idx=0)
    enc = nn.TransformerEncoder(nn.TransformerEncoderLayer(16, 2, 32, dropout=0.0, batch_first=True), 1,
                                enable_nested_tensor=False)
    xattn = nn.MultiheadAttention(16, 2, batch_first=True)
    out_proj = nn.Linear(16, V)
    src, _ = token_batch([5, 2, 4, 3])
    tgt, _ = token_batch([2, 5, 3, 4])  # the same padded length, other real lengths
    for with_memory_mask, expected in ((True, []), (False, ["PAD401"])):
        with padlint.guard(mode="record", summary=False) as g:
            memory = enc(emb(src), src_key_padding_mask=src == 0)
            q = emb(tgt)
            kpm = (src == 0) if with_memory_mask else None
            h, _ = xattn(q, memory, memory, key_padding_mask=kpm)
            F.cross_entropy(out_proj(h).transpose(1, 2), tgt, ignore_index=0).backward()
            g.step()
        assert codes(g) == expected, (with_memory_mask, g.findings)


def test_float_frames_padded_outside_autograd_are_probed_where_they_meet_the_parameters():
    """pad_sequence of float features (no grad): the projection's output is the first tracked
    tensor; an unmasked mean over it leaks (PAD301 at the mean), a masked mean does not."""
    torch.manual_seed(0)
    frame = nn.Linear(6, 8)
    head = nn.Linear(8, C)
    for masked, expected in ((True, []), (False, ["PAD301"])):
        with padlint.guard(mode="record", summary=False) as g:
            feats = pad_sequence([torch.randn(n, 6) for n in LENS], batch_first=True)
            h = torch.tanh(frame(feats))
            if masked:
                keep = (torch.arange(feats.size(1))[None] < torch.tensor(LENS)[:, None]).unsqueeze(-1).float()
                pooled = (h * keep).sum(1) / keep.sum(1)
            else:
                pooled = h.mean(1)
                mean_line = inspect.currentframe().f_lineno - 1
            F.cross_entropy(head(pooled), torch.tensor([0, 1, 2, 0])).backward()
            g.step()
        assert codes(g) == expected, (masked, g.findings)
        if not masked:
            assert g.findings[0].where == "mean over time of a padded tensor"
            assert g.findings[0].line == mean_line


def test_pad303_advice_when_the_pad_value_is_also_a_real_class():
    """Tags padded with 0 where 0 is also a real tag ("O"): ignoring 0 would drop real targets,
    so the advice is to pad with the loss's ignore_index; with 0 never a real target, the advice
    is ignore_index=0."""
    torch.manual_seed(0)
    emb, fc = nn.Embedding(V, 8, padding_idx=0), nn.Linear(8, 5)
    for real_zero, advice in ((True, "pad the targets with -100"), (False, "pass ignore_index=0")):
        with padlint.guard(mode="record", summary=False) as g:
            ids, _ = token_batch()
            tags = pad_sequence([torch.randint(0 if real_zero else 1, 5, (n,)) for n in LENS], batch_first=True)
            if real_zero:
                tags[0, 0] = 0  # a real "O" tag
            F.cross_entropy(fc(emb(ids)).transpose(1, 2), tags).backward()
            g.step()
        found = [f for f in g.findings if f.code == "PAD303"]
        assert found and advice in found[0].what, (real_zero, g.findings)


def test_probed_set_is_by_identity_not_by_reused_id():
    # CPython hands a freed tensor's id() to the next object allocated; a probe bookkeeping keyed by
    # id alone then skipped real leaks depending on the allocator (a CI-only failure of the
    # time-major test above)
    from padlint.runtime._guard import _Seen

    seen = _Seen()
    t = torch.zeros(3)
    seen.add(t)
    seen.add(t, "PAD201")
    assert seen.has(t) and seen.has(t, "PAD201") and not seen.has(t, "PAD202")
    old = id(t)
    del t
    keep = []
    for _ in range(10000):
        u = torch.zeros(3)
        if id(u) == old:
            break
        keep.append(u)
    else:
        pytest.skip("the allocator never reused the id")
    assert not seen.has(u) and not seen.has(u, "PAD201")


# --- channels-first frames through 1-D convolutions -------------------------------------------

class TCN(nn.Module):
    """Float frames padded by pad_sequence, (B, T, F) -> (B, F, T), two causal convolutions."""

    def __init__(self, readout, causal=True, remask=False):
        super().__init__()
        self.c1 = nn.Conv1d(E, H, 3, padding=0 if causal else 1)
        self.c2 = nn.Conv1d(H, H, 3, padding=0 if causal else 1)
        self.fc = nn.Linear(H, C)
        self.readout, self.causal, self.remask = readout, causal, remask

    def forward(self, frames, lengths):
        x = frames.transpose(1, 2)
        keep = (torch.arange(x.size(2))[None, :] < lengths[:, None]).unsqueeze(1).float()
        for conv in (self.c1, self.c2):
            x = F.relu(conv(F.pad(x, (2, 0)) if self.causal else x))
            if self.remask:
                x = x * keep
        if self.readout == "last":
            last = x[:, :, -1]
        elif self.readout == "gather":
            last = x[torch.arange(x.size(0)), :, lengths - 1]
        elif self.readout == "mean":
            last = x.mean(dim=2)  # the padded steps hold relu(bias + ...): pooled with the real ones
        elif self.readout == "zeroed_mean":
            last = (x * keep).mean(-1)  # zeros at the pads, still counted by the mean
        else:
            last = (x * keep).sum(2) / keep.sum(2)
        return self.fc(last)


def frames_loss(model):
    lengths = torch.tensor(LENS)
    frames = pad_sequence([torch.randn(int(n), E) for n in LENS], batch_first=True)
    return F.cross_entropy(model(frames, lengths), torch.tensor([0, 1, 2, 0]))


@pytest.mark.parametrize("readout,causal,remask,expected", [
    ("gather", True, False, []),  # causal: padded steps never reach a real one
    ("last", True, False, ["PAD-R001"]),  # the last padded step is read
    ("masked_mean", False, True, []),  # 'same' padding, re-masked after every layer
    ("masked_mean", False, False, ["PAD-R001"]),  # the second layer reads the first's pads
    ("mean", True, False, ["PAD301"]),  # pooled over time, pads included
    ("mean", False, False, ["PAD301"]),
    ("zeroed_mean", True, False, ["PAD302"]),  # zeros at the pads, divided by the padded length
])
def test_padding_followed_through_channels_first_convolutions(readout, causal, remask, expected):
    g = train_step(TCN(readout, causal, remask), frames_loss, steps=2)
    assert codes(g) == expected
    if expected == ["PAD-R001"]:
        assert "conv1d" in g.findings[0].where
    elif expected:
        assert g.findings[0].where == "channels-first frames"
        assert g.findings[0].file.endswith("test_leaks.py")
    if expected == ["PAD301"]:
        assert g.findings[0].magnitude > 0  # (held-out rt8 b04: it was 0) the pads' share of a pooled value


@pytest.mark.parametrize("readout,expected", [("last", ["PAD301"]), ("gather", [])])
def test_padding_followed_through_clamp(readout, expected):
    # ids padded with -1 and clamped to 0 before the embedding: token 0 is a real token here
    emb = nn.Embedding(V, E)
    fc = nn.Linear(E, C)

    def step(_):
        ids = pad_sequence([torch.randint(1, V, (int(n),)) for n in LENS], batch_first=True, padding_value=-1)
        csum = emb(ids.clamp(min=0)).cumsum(1)
        last = csum[:, -1] if readout == "last" else csum[torch.arange(len(LENS)), torch.tensor(LENS) - 1]
        return F.cross_entropy(fc(last), torch.tensor([0, 1, 2, 0]))

    g = train_step(nn.ModuleList([emb, fc]), step)
    assert codes(g) == expected


# --- convolutions over exact-zero padding, and max / mean pooling over time --------------------

class TextCNN(nn.Module):
    """Kim-style CNN: embedding -> 'same' Conv1d -> ReLU -> pooling over time."""

    def __init__(self, pooling, padding_idx=0, layers=1, kernel=3, dilation=1):
        super().__init__()
        self.emb = nn.Embedding(V, E, padding_idx=padding_idx)
        pad = dilation * (kernel - 1) // 2
        self.convs = nn.ModuleList(
            [nn.Conv1d(E if i == 0 else H, H, kernel, padding=pad, dilation=dilation) for i in range(layers)])
        self.fc = nn.Linear(H, C)
        self.pooling = pooling

    def forward(self, ids):
        pad = ids.eq(0).unsqueeze(1)  # (B, 1, T)
        x = self.emb(ids).transpose(1, 2)
        for conv in self.convs:
            x = F.relu(conv(x))
        if self.pooling == "masked_max":
            pooled = x.masked_fill(pad, float("-inf")).max(dim=2).values
        elif self.pooling == "max":
            pooled = x.max(dim=2).values  # the padded steps hold relu(bias + window): picked by the max
        elif self.pooling == "max_pool1d":
            pooled = F.max_pool1d(x, x.size(2)).squeeze(2)
        else:
            pooled = x.masked_fill(pad, 0.0).sum(2) / (~pad).sum(2)
        return self.fc(pooled)


def ids_loss(model):
    ids, _ = token_batch()
    return F.cross_entropy(model(ids), torch.tensor([0, 1, 2, 0]))


@pytest.mark.parametrize("pooling,kw,expected", [
    # the embedding's padding_idx row is exactly 0, as the convolution's own zero padding: windows
    # of real steps that reach into the padding read what they would read without it
    ("masked_max", {}, []),
    ("masked_mean", {"kernel": 5, "dilation": 2}, []),
    # the padded embedding rows are not zero: the windows of the last real steps read them
    ("masked_max", {"padding_idx": None}, ["PAD-R001"]),
    # the second convolution reads the first one's padded outputs (its bias): not re-masked
    ("masked_max", {"layers": 2}, ["PAD-R001"]),
    ("max", {}, ["PAD301"]),
    ("max_pool1d", {}, ["PAD301"]),
])
def test_zero_padded_convolution_windows_and_max_over_time(pooling, kw, expected):
    torch.manual_seed(0)
    model = TextCNN(pooling, **kw)
    with torch.no_grad():  # a bias large enough that the padded steps win some maxima
        for conv in model.convs:
            conv.bias.fill_(1.0)
    g = train_step(model, ids_loss, steps=3)
    assert codes(g) == expected
    if expected == ["PAD301"]:
        f = g.findings[0]
        assert f.where == "max over time of a padded tensor" and "picks padded steps" in f.what
        assert f.file.endswith("test_leaks.py")


@pytest.mark.parametrize("masked,expected", [(False, ["PAD301"]), (True, [])])
def test_mean_and_max_over_time_of_a_token_mlp(masked, expected):
    # an MLP gives the padded tokens non-zero features; pooled over time they reach the loss
    emb, mlp, fc = nn.Embedding(V, E, padding_idx=0), nn.Sequential(nn.Linear(E, H), nn.GELU()), nn.Linear(2 * H, C)

    def step(_):
        ids, lengths = token_batch()
        h = mlp(emb(ids))
        if masked:
            keep = (ids != 0).unsqueeze(-1)
            mean = h.masked_fill(~keep, 0.0).sum(1) / lengths[:, None]
            top = h.masked_fill(~keep, float("-inf")).amax(dim=1)
        else:
            mean, top = h.mean(dim=1), h.amax(dim=1)
        return F.cross_entropy(fc(torch.cat([mean, top], -1)), torch.tensor([0, 1, 2, 0]))

    g = train_step(nn.ModuleList([emb, mlp, fc]), step, steps=2)
    assert sorted(set(codes(g))) == expected
    if not masked:
        assert {f.where for f in g.findings} <= {"mean over time of a padded tensor",
                                                 "max over time of a padded tensor"}


@pytest.mark.parametrize("masked", [False, True])
def test_attention_pooling_softmax_over_padded_steps_is_pad401_at_the_softmax(masked):
    # additive attention pooling over a packed BiLSTM's padded output: without -inf at the pads
    # the softmax gives them weight (reported at the softmax, not as PAD-R001 at the unpacking)
    torch.manual_seed(0)
    emb, rnn = nn.Embedding(V, E, padding_idx=0), nn.LSTM(E, H, batch_first=True, bidirectional=True)
    att, fc = nn.Linear(2 * H, 1), nn.Linear(2 * H, C)

    def step(_):
        ids, lengths = token_batch()
        packed = pack_padded_sequence(emb(ids), lengths, batch_first=True, enforce_sorted=False)
        out, _ = pad_packed_sequence(rnn(packed)[0], batch_first=True)
        scores = att(torch.tanh(out)).squeeze(-1)
        if masked:
            scores = scores.masked_fill(ids == 0, float("-inf"))
        weights = torch.softmax(scores, dim=1)
        softmax_line[0] = inspect.currentframe().f_lineno - 1
        return F.cross_entropy(fc((weights.unsqueeze(-1) * out).sum(1)), torch.tensor([0, 1, 2, 0]))

    softmax_line = [0]
    g = train_step(nn.ModuleList([emb, rnn, att, fc]), step, steps=2)
    if masked:
        assert codes(g) == []
    else:
        assert codes(g) == ["PAD401"]
        assert g.findings[0].line == softmax_line[0] and "softmax" in g.findings[0].what


@pytest.mark.parametrize("fill,expected", [(0.0, ["PAD403"]), (float("-inf"), [])])  # (0 written as the fill: PAD403)
def test_decoder_attention_scores_from_bmm_filled_with_zero(fill, expected):
    # (held-out rt4) Luong attention of a decoder step: bmm(keys, h.unsqueeze(2)) gives one score
    # per source position; filling the pads with 0 (not -inf) leaves them weight in the softmax
    torch.manual_seed(0)
    emb, rnn = nn.Embedding(V, E, padding_idx=0), nn.GRU(E, H, batch_first=True)
    keys_of, cell, fc = nn.Linear(H, H), nn.GRUCell(H, H), nn.Linear(H, C)

    def step(_):
        ids, lengths = token_batch()
        packed = pack_padded_sequence(emb(ids), lengths, batch_first=True, enforce_sorted=False)
        out, h = rnn(packed)
        out, _ = pad_packed_sequence(out, batch_first=True, total_length=ids.size(1))
        keys, h, ctx = keys_of(out), h[-1], torch.zeros(len(LENS), H)
        for _ in range(2):
            h = cell(ctx, h)
            scores = torch.bmm(keys, h.unsqueeze(2)).squeeze(2).masked_fill(ids == 0, fill)
            ctx = torch.bmm(F.softmax(scores, dim=-1).unsqueeze(1), out).squeeze(1)
        return F.cross_entropy(fc(ctx), torch.tensor([0, 1, 2, 0]))

    g = train_step(nn.ModuleList([emb, rnn, keys_of, cell, fc]), step, steps=2)
    assert codes(g) == expected


@pytest.mark.parametrize("loss,expected", [
    ("mean", ["PAD304"]),  # the masked squared errors averaged over every element, pads included
    ("masked", []),
])
def test_next_step_targets_sliced_from_padded_frames_keep_their_padding(loss, expected):
    # x[:, 1:] / out[:, :-1]: the one-step shift of a forecaster keeps the pads (shifted)
    torch.manual_seed(0)
    rnn, head = nn.GRU(2 * E, H, batch_first=True), nn.Linear(H, E)

    def step(_):
        x = pad_sequence([torch.randn(n, E) for n in LENS], batch_first=True)
        obs = pad_sequence([(torch.rand(n, E) < 0.7).float() for n in LENS], batch_first=True)
        out, _ = rnn(torch.cat([x * obs, obs], -1))
        pred, x_next, obs_next = head(out[:, :-1]), x[:, 1:], obs[:, 1:]
        if loss == "mean":
            return F.mse_loss(pred * obs_next, x_next * obs_next)
        return ((pred - x_next) ** 2 * obs_next).sum() / obs_next.sum()

    g = train_step(nn.ModuleList([rnn, head]), step, steps=2)
    assert codes(g) == expected


class _HandWrittenSelfAttention(nn.Module):
    """Multi-head self-attention written out (no nn.MultiheadAttention), scores (B, heads, T, T)."""

    def __init__(self, heads=2):
        super().__init__()
        self.h = heads
        self.emb = nn.Embedding(V, E, padding_idx=0)
        self.qkv, self.fc = nn.Linear(E, 3 * E), nn.Linear(E, C)

    def forward(self, ids, scores_mask):
        B, T = ids.shape
        x = self.emb(ids)
        q, k, v = (t.view(B, T, self.h, E // self.h).transpose(1, 2) for t in self.qkv(x).chunk(3, -1))
        scores = q @ k.transpose(-2, -1) / (E // self.h) ** 0.5 + scores_mask
        ctx = (scores.softmax(dim=-1) @ v).transpose(1, 2).reshape(B, T, E)
        keep = (ids != 0).unsqueeze(-1)
        return self.fc((ctx * keep).sum(1) / keep.sum(1))


@pytest.mark.parametrize("mask,expected", [
    ("keys", []),  # (B, 1, 1, T): -inf-ish at the padded keys
    ("queries", ["PAD401"]),  # (B, 1, T, 1): a constant per query row, which the softmax ignores
    ("inverted", ["PAD402"]),  # keep * finfo.min: the real keys are masked, the padding is not
    ("none", ["PAD401"]),
])
def test_hand_written_attention_scores_masked_on_the_wrong_axis_or_polarity(mask, expected):
    # (held-out rt5) these were PAD-R001 at the embedding: the softmax over the (B, heads, T, T)
    # scores is where the padding gets its weight, and what the weights look like names the bug
    torch.manual_seed(0)
    model = _HandWrittenSelfAttention()
    line = [0]

    def step(m):
        ids, _ = token_batch()
        keep = (ids != 0).float()
        neg = torch.finfo(torch.float32).min
        scores_mask = {
            "keys": (1 - keep)[:, None, None, :] * neg,
            "queries": (1 - keep)[:, None, :, None] * neg,
            "inverted": keep[:, None, None, :] * neg,
            "none": torch.zeros(()),
        }[mask]
        line[0] = inspect.getsourcelines(_HandWrittenSelfAttention.forward)[1] + 5  # the softmax line
        return F.cross_entropy(m(ids, scores_mask), torch.tensor([0, 1, 2, 0]))

    g = train_step(model, step, steps=2)
    assert sorted(set(codes(g))) == expected
    if expected:
        assert {f.line for f in g.findings} == {line[0]}


class _HandWrittenCrossAttention(nn.Module):
    """Decoder queries over an encoder memory, attention written out, scores (B, heads, Tq, Tk)."""

    def __init__(self, heads=2):
        super().__init__()
        self.h = heads
        self.emb = nn.Embedding(V, E, padding_idx=0)
        self.q, self.k, self.v = nn.Linear(E, E), nn.Linear(E, E), nn.Linear(E, E)
        self.fc = nn.Linear(E, V)

    def forward(self, src, tgt_in, memory_bias):
        B, Tk = src.shape
        Tq = tgt_in.size(1)
        mem, y = self.emb(src), self.emb(tgt_in)
        q = self.q(y).view(B, Tq, self.h, -1).transpose(1, 2)
        k, v = (f(mem).view(B, Tk, self.h, -1).transpose(1, 2) for f in (self.k, self.v))
        scores = q @ k.transpose(-2, -1) / (E // self.h) ** 0.5 + memory_bias
        return self.fc((scores.softmax(dim=-1) @ v).transpose(1, 2).reshape(B, Tq, E))


@pytest.mark.parametrize("mask,expected", [
    ("keys", []),
    ("none", ["PAD401"]),
    ("inverted", ["PAD402"]),
])
def test_cross_attention_with_as_many_queries_as_keys_padded_differently(mask, expected):
    # (held-out rt7 b10) source and target both padded to 5, with different lengths: two paddings
    # of the key axis's shape, and only one of them is the keys'. This was PAD-R001 at the
    # embedding; under both candidates the real queries weigh padded keys, so it is PAD401
    torch.manual_seed(0)
    model = _HandWrittenCrossAttention()
    line = [0]

    def step(m):
        src, _ = token_batch([5, 2, 4, 3])
        tgt, _ = token_batch([2, 5, 3, 4], pad=-100)
        keep = (src != 0).float()
        neg = torch.finfo(torch.float32).min
        bias = {"keys": (1 - keep)[:, None, None, :] * neg, "inverted": keep[:, None, None, :] * neg,
                "none": torch.zeros(())}[mask]
        line[0] = inspect.getsourcelines(_HandWrittenCrossAttention.forward)[1] + 7  # the softmax line
        logits = m(src, tgt.clamp(min=0), bias)
        return F.cross_entropy(logits.reshape(-1, V), tgt.reshape(-1), ignore_index=-100)

    g = train_step(model, step, steps=2)
    assert sorted(set(codes(g))) == expected
    if expected:
        assert {f.line for f in g.findings} == {line[0]}


@pytest.mark.parametrize("side,index,expected", [
    ("left", "lengths - 1", ["PAD202"]),  # right-padded indexing of a left-padded batch
    ("left", "-1", []),  # the last column is real for every row of a left-padded batch
    ("right", "lengths - 1", []),
    ("right", "lengths", ["PAD202"]),  # one past the end: the first pad
])
def test_one_step_per_sequence_read_with_advanced_indexing(side, index, expected):
    # (held-out rt5) x[arange(B), lengths - 1] of a left-padded batch reads padding for the
    # shorter rows; it was PAD-R001 at the embedding, now PAD202 at the indexing line
    torch.manual_seed(0)
    # a position-wise encoder (an RNN over left padding would leak on its own)
    emb, rnn, fc = nn.Embedding(V, E, padding_idx=0), nn.Linear(E, H), nn.Linear(H, C)
    line = [0]

    def step(_):
        lengths = torch.tensor(LENS)
        seqs = [torch.randint(1, V, (n,)) for n in LENS]
        if side == "left":
            ids = pad_sequence([s.flip(0) for s in seqs], batch_first=True).flip(1)
        else:
            ids = pad_sequence(seqs, batch_first=True)
        out = torch.tanh(rnn(emb(ids)))
        idx = {"lengths - 1": lengths - 1, "lengths": lengths.clamp(max=ids.size(1) - 1), "-1": None}[index]
        last = out[:, -1] if idx is None else out[torch.arange(len(LENS)), idx]
        line[0] = inspect.currentframe().f_lineno - 1
        return F.cross_entropy(fc(last), torch.tensor([0, 1, 2, 0]))

    g = train_step(nn.ModuleList([emb, rnn, fc]), step, steps=2)
    assert sorted(set(codes(g))) == expected
    if expected:
        assert {f.line for f in g.findings} == {line[0]}


@pytest.mark.parametrize("sentence_level,bidirectional,expected", [
    ("unpacked", False, ["PAD201"]),  # the empty sentences' states run through the sentence GRU
    ("unpacked", True, ["PAD201"]),  # (word level read as torch.cat([h_n[-2], h_n[-1]], -1))
    ("packed", False, []),
])
def test_hierarchical_model_empty_sentences_reach_the_sentence_rnn(sentence_level, bidirectional, expected):
    # (held-out rt6 b07) documents padded with empty sentences: the word-level packed run gives
    # them a state (their lengths clamped to 1), viewed as (docs, sentences, H); an unpacked
    # sentence-level GRU's final state then ran over them. Was PAD-R001 at the embedding.
    torch.manual_seed(0)
    H2 = 2 * E if bidirectional else E
    emb = nn.Embedding(V, E, padding_idx=0)
    word_rnn = nn.GRU(E, E, batch_first=True, bidirectional=bidirectional)
    sent_rnn, fc = nn.GRU(H2, H, batch_first=True), nn.Linear(H, C)
    tokens = torch.tensor([[[5, 6, 7, 0], [8, 9, 0, 0], [0, 0, 0, 0]],
                           [[3, 4, 5, 6], [7, 8, 9, 1], [2, 3, 0, 0]]])

    def step(_):
        B, S, W = tokens.shape
        word_lens = (tokens != 0).sum(-1)
        packed = pack_padded_sequence(emb(tokens.view(B * S, W)), word_lens.view(-1).clamp(min=1),
                                      batch_first=True, enforce_sorted=False)
        _, h_n = word_rnn(packed)
        sent = torch.cat([h_n[-2], h_n[-1]], dim=-1) if bidirectional else h_n[-1]
        sent_vecs = sent.view(B, S, H2)
        if sentence_level == "packed":
            n_sents = (word_lens > 0).sum(-1)
            _, h = sent_rnn(pack_padded_sequence(sent_vecs, n_sents, batch_first=True, enforce_sorted=False))
        else:
            _, h = sent_rnn(sent_vecs)
        return F.cross_entropy(fc(h[-1]), torch.tensor([0, 1]))

    g = train_step(nn.ModuleList([emb, word_rnn, sent_rnn, fc]), step, steps=2)
    assert sorted(set(codes(g))) == expected


# ----------------------------------------------------------------------------- held-out set rt10
@pytest.mark.parametrize("kind,expected", [
    ("keep_float", ["PAD403"]),  # 1 at real keys, 0 at padded ones: added, it removes nothing
    ("keep_minus_one", ["PAD403"]),  # 0 / -1: still not -inf
    ("neg_inf", []),
    ("bool_keep", []),
])
def test_sdpa_additive_mask_that_marks_but_does_not_remove_the_pads(kind, expected):
    torch.manual_seed(0)
    lengths = torch.tensor([3, 6, 4, 5])
    seqs = [torch.randn(int(n), 8) for n in lengths]
    proj, head = nn.Linear(8, 24), nn.Linear(8, 2)

    def step(_):
        x = pad_sequence(seqs, batch_first=True)
        keep = torch.arange(x.size(1))[None, :] < lengths[:, None]
        mask = {"keep_float": keep.float(), "keep_minus_one": keep.float() - 1,
                "neg_inf": torch.zeros(keep.shape).masked_fill(~keep, float("-inf")), "bool_keep": keep}[kind]
        q, k, v = proj(x).view(4, -1, 3, 2, 4).permute(2, 0, 3, 1, 4)
        o = F.scaled_dot_product_attention(q, k, v, attn_mask=mask[:, None, None, :]).transpose(1, 2).reshape(4, -1, 8)
        w = keep.unsqueeze(-1).float()
        return F.cross_entropy(head((o * w).sum(1) / w.sum(1)), torch.tensor([0, 1, 1, 0]))

    g = train_step(nn.ModuleList([proj, head]), step)
    assert codes(g) == expected
    if expected:
        assert "holds 0 at the padded keys" in g.findings[0].what or "holds -1" in g.findings[0].what


@pytest.mark.parametrize("scoring,expected", [
    ("times_mask", ["PAD403"]),  # scores * mask: 0 at the pads, weight exp(0) in the softmax
    ("tiny_fill", ["PAD403"]),  # (rt11) masked_fill(pad, -1e-9), a typo for -1e9
    ("minus_100", []),  # e^-100 of the weight at the pads: masked for every purpose
    ("minus_inf", []),
])
def test_attention_pooling_scores_multiplied_by_the_mask(scoring, expected):
    torch.manual_seed(0)
    emb, score, head = nn.Embedding(V, E, padding_idx=0), nn.Linear(E, 1), nn.Linear(E, C)

    def step(_):
        ids, _ = token_batch()
        h = torch.tanh(emb(ids))
        s = score(h).squeeze(-1)
        if scoring == "times_mask":
            s = s * (ids != 0).float()
        else:
            s = s.masked_fill(ids == 0, {"tiny_fill": -1e-9, "minus_100": -100.0}.get(scoring, float("-inf")))
        alpha = torch.softmax(s, dim=-1)
        return F.cross_entropy(head((alpha.unsqueeze(-1) * h).sum(1)), torch.tensor([0, 1, 2, 0]))

    g = train_step(nn.ModuleList([emb, score, head]), step)
    assert codes(g) == expected
    if expected:
        assert ("hold 0 at" if scoring == "times_mask" else "hold -1e-09 at") in g.findings[0].what


@pytest.mark.parametrize("mask_kind,expected", [
    ("keep_after_cls", ["PAD402"]),  # True at real tokens, False at pads and at the [CLS] column
    ("pad_after_cls", []),
])
def test_keep_mask_with_a_cls_column_prepended_is_inverted_polarity(mask_kind, expected):
    torch.manual_seed(0)
    emb = nn.Embedding(V, E, padding_idx=0)
    enc = nn.TransformerEncoder(nn.TransformerEncoderLayer(E, 2, 32, dropout=0.0, batch_first=True), 1,
                                enable_nested_tensor=False)
    head = nn.Linear(E, C)

    def step(_):
        ids, _ = token_batch()
        ids = F.pad(ids, (0, 1))  # every row ends in a pad
        padded = ids == 0
        ids2 = torch.cat([torch.ones(len(ids), 1, dtype=torch.long), ids], 1)
        flags = ~padded if mask_kind == "keep_after_cls" else padded
        mask2 = torch.cat([torch.zeros(len(ids), 1, dtype=torch.bool), flags], 1)
        h = enc(emb(ids2), src_key_padding_mask=mask2)
        return F.cross_entropy(head(h[:, 0]), torch.tensor([0, 1, 2, 0]))

    g = train_step(nn.ModuleList([emb, enc, head]), step)
    assert codes(g) == expected


@pytest.mark.parametrize("weights,expected", [("pad_mask", ["PAD402"]), ("keep_mask", [])])
def test_unreduced_loss_averaged_with_the_padding_mask_itself(weights, expected):
    # (rt10 b15) the masked mean of a reduction='none' loss weighted by the mask that is True at
    # padding: only the padded positions count, the real ones get no gradient
    torch.manual_seed(0)
    lengths = torch.tensor([3, 7, 5])
    lin = nn.Linear(4, 1)
    xs = [torch.randn(int(n), 4) for n in lengths]

    def step(_):
        x = pad_sequence(xs, batch_first=True)
        t = pad_sequence([torch.ones(int(n)) for n in lengths], batch_first=True)
        pad_mask = torch.arange(x.size(1))[None, :] >= lengths[:, None]
        w = (pad_mask if weights == "pad_mask" else ~pad_mask).float()
        bce = F.binary_cross_entropy_with_logits(lin(x).squeeze(-1), t, reduction="none")
        return (bce * w).sum() / w.sum()

    g = train_step(lin, step)
    assert codes(g) == expected
    if expected:
        assert "padded positions only" in g.findings[0].what


@pytest.mark.parametrize("remask,pooling,expected", [
    (False, "masked_mean", ["PAD-R001"]),  # (rt10 b05, rt11 b07, rt12 b01) conv2 reads conv1's frames past the new lengths
    (True, "masked_mean", []),  # re-masked with the subsampled lengths between the layers
    (True, "mean", ["PAD301"]),  # the last layer's frames pooled over the padded steps
])
def test_strided_convolution_front_end_keeps_the_subsampled_padding(remask, pooling, expected):
    torch.manual_seed(0)
    lengths = torch.tensor([30, 17, 22, 9])
    seqs = [torch.randn(int(n), 8) for n in lengths]
    conv1, conv2 = nn.Conv1d(8, 16, 3, stride=2, padding=1), nn.Conv1d(16, 16, 3, stride=2, padding=1)
    head = nn.Linear(16, 4)

    def out_len(n):
        return (n + 2 - 3) // 2 + 1

    def step(_):
        x = pad_sequence(seqs, batch_first=True).transpose(1, 2)
        h = F.relu(conv1(x))
        l1 = out_len(lengths)
        if remask:
            h = h * (torch.arange(h.size(-1))[None] < l1[:, None]).unsqueeze(1)
        h = F.relu(conv2(h))
        l2 = out_len(l1)
        keep = (torch.arange(h.size(-1))[None] < l2[:, None]).unsqueeze(1)
        pooled = (h * keep).sum(-1) / l2[:, None] if pooling == "masked_mean" else h.mean(-1)
        return F.cross_entropy(head(pooled), torch.tensor([0, 1, 2, 3]))

    g = train_step(nn.ModuleList([conv1, conv2, head]), step)
    assert codes(g) == expected
    if expected == ["PAD-R001"]:
        assert "conv1d" in g.findings[0].where and "updated lengths" in g.findings[0].what


@pytest.mark.parametrize("kind,expected", [
    ("keep_float", ["PAD403"]),  # (rt12 b04) attention_mask.float(): 1 at the real keys, 0 at the pads, added
    ("pad_float", ["PAD403"]),  # a padding mask cast to float: +1 at the pads
    ("bool_pad", []),
    ("neg_inf", []),
])
def test_float_key_padding_mask_of_multihead_attention_pooling(kind, expected):
    torch.manual_seed(0)
    emb = nn.Embedding(30, 16, padding_idx=0)
    pool = nn.MultiheadAttention(16, 2, batch_first=True)
    query = nn.Parameter(torch.randn(1, 1, 16))
    ids = [torch.tensor([5, 6, 7, 8]), torch.tensor([9, 10]), torch.tensor([11, 12, 13])]

    def step(_):
        x = pad_sequence(ids, batch_first=True)
        pad = x == 0
        kpm = {"keep_float": (~pad).float(), "pad_float": pad.float(), "bool_pad": pad,
               "neg_inf": torch.zeros(pad.shape).masked_fill(pad, float("-inf"))}[kind]
        h = emb(x)
        pooled, _ = pool(query.expand(3, -1, -1), h, h, key_padding_mask=kpm)
        return F.cross_entropy(pooled.squeeze(1), torch.tensor([0, 1, 2]))

    model = nn.ModuleList([emb, pool])
    model.register_parameter("query", query)
    g = train_step(model, step)
    assert codes(g) == expected
    if expected:
        assert g.findings[0].where.startswith("MultiheadAttention") and "float key_padding_mask" in g.findings[0].what


@pytest.mark.parametrize("reduce,expected", [
    ("per_row_mean", ["PAD302"]),  # (rt12 b06) kl.sum(-1).masked_fill(pad, 0).mean(1).mean()
    ("mean", ["PAD302"]),
    ("real_mean", []),  # divided by the number of real positions
])
def test_per_token_kl_summed_over_classes_then_masked_and_averaged(reduce, expected):
    torch.manual_seed(0)
    emb, out = nn.Embedding(20, 8, padding_idx=0), nn.Linear(8, 5)
    ids = [torch.tensor([3, 4, 5, 6]), torch.tensor([7, 8]), torch.tensor([9, 10, 11])]
    teacher = torch.randn(3, 4, 5)

    def step(_):
        x = pad_sequence(ids, batch_first=True)
        keep = x != 0
        kl = F.kl_div(F.log_softmax(out(emb(x)), -1), F.softmax(teacher, -1), reduction="none")
        kl = kl.sum(-1).masked_fill(~keep, 0.0)
        if reduce == "per_row_mean":
            return kl.mean(dim=1).mean()
        return kl.mean() if reduce == "mean" else kl.sum() / keep.sum()

    g = train_step(nn.ModuleList([emb, out]), step)
    assert codes(g) == expected


@pytest.mark.parametrize("reduce,expected", [("mean", ["PAD302"]), ("real_mean", [])])
def test_unreduced_cross_entropy_in_the_channels_layout_masked_then_averaged(reduce, expected):
    # (rt12) logits.transpose(1, 2) (B, C, T) against (B, T) targets whose pad is a real class
    torch.manual_seed(0)
    emb, out = nn.Embedding(20, 8, padding_idx=0), nn.Linear(8, 5)
    ids = [torch.tensor([3, 4, 5, 6]), torch.tensor([7, 8])]

    def step(_):
        x = pad_sequence(ids, batch_first=True)
        keep = x != 0
        tok = F.cross_entropy(out(emb(x)).transpose(1, 2), x % 5, reduction="none").masked_fill(~keep, 0.0)
        return tok.mean() if reduce == "mean" else tok.sum() / keep.sum()

    g = train_step(nn.ModuleList([emb, out]), step)
    assert codes(g) == expected


def test_sdpa_mask_on_the_query_axis_with_batches_collated_up_front():
    # (rt12 b05) two batches padded alike before the first step: one padding either way
    torch.manual_seed(0)
    emb, qkv, head = nn.Embedding(30, 16, padding_idx=0), nn.Linear(16, 48), nn.Linear(16, 1)
    model = nn.ModuleList([emb, qkv, head])
    opt = torch.optim.SGD(model.parameters(), lr=0.1)
    seqs = [torch.tensor([5, 6, 7]), torch.tensor([9, 10, 11, 12]), torch.tensor([3])]
    with padlint.guard(mode="record", summary=False) as g:
        batches = [(pad_sequence(seqs, batch_first=True), torch.tensor([3, 4, 1])) for _ in range(2)]
        ids, lengths = batches[0]
        keep = torch.arange(ids.size(1))[None, :] < lengths[:, None]
        x = emb(ids)
        q, k, v = qkv(x).view(3, 4, 3, 2, 8).permute(2, 0, 3, 1, 4)
        bias = (~keep)[:, None, :, None].to(x.dtype) * -1e9  # on the query axis
        a = F.scaled_dot_product_attention(q, k, v, attn_mask=bias)
        pooled = (a.transpose(1, 2).reshape(3, 4, 16) * keep[..., None]).sum(1) / lengths[:, None]
        F.mse_loss(head(pooled).squeeze(-1), torch.tensor([0.5, 1.0, 0.2])).backward()
        opt.step()
    assert codes(g) == ["PAD401"]
    assert "attn_mask that does not hide" in g.findings[0].what and "keep[:, None, None, :]" in g.findings[0].what


@pytest.mark.parametrize("compare,expected", [("lt", []), ("le", ["PAD304"])])
def test_boolean_selection_that_keeps_one_padded_step(compare, expected):
    # (rt12 b09) real = arange(T) <= lengths: one past the end, so a padded step reaches the loss
    torch.manual_seed(0)
    emb, gru, dur = nn.Embedding(20, 8, padding_idx=0), nn.GRU(8, 8), nn.Linear(8, 1)

    def step(_):
        phon = pad_sequence([torch.tensor([3, 4, 5, 6]), torch.tensor([7, 8]), torch.tensor([9, 10, 11])])
        target = pad_sequence([torch.rand(4), torch.rand(2), torch.rand(3)])
        lengths = torch.tensor([4, 2, 3])
        h, _ = gru(pack_padded_sequence(emb(phon), lengths, enforce_sorted=False))
        h, _ = pad_packed_sequence(h, total_length=phon.size(0))
        pred = dur(h).squeeze(-1)
        steps = torch.arange(phon.size(0))[:, None]
        real = steps < lengths[None, :] if compare == "lt" else steps <= lengths[None, :]
        return F.smooth_l1_loss(pred[real], target[real])

    g = train_step(nn.ModuleList([emb, gru, dur]), step)
    assert codes(g) == expected
    if expected:
        assert g.findings[0].where == "smooth_l1_loss"


@pytest.mark.parametrize("norm,expected", [
    ("batch", ["PAD301"]),  # (rt10 b16, rt13 b03) batch statistics over the padded frames
    ("batch_masked_first", ["PAD301"]),  # zeroing the pads first: zeros still count in the statistics
    ("group", ["PAD301"]),  # per-sequence statistics over time, pads included
    ("layer", []),  # over the features of each frame: the pads never meet a real frame
])
def test_normalisation_statistics_over_padded_frames(norm, expected):
    torch.manual_seed(0)
    conv, head = nn.Conv1d(4, 8, 3, padding=1), nn.Linear(8, 2)
    layer = {"batch": nn.BatchNorm1d(8), "batch_masked_first": nn.BatchNorm1d(8), "group": nn.GroupNorm(2, 8),
             "layer": nn.LayerNorm(8)}[norm]
    feats = [torch.randn(n, 4) for n in (9, 5, 3)]

    def step(_):
        x = pad_sequence(feats, batch_first=True)
        lens = torch.tensor([9, 5, 3])
        keep = (torch.arange(x.size(1))[None] < lens[:, None])[:, None, :].to(x.dtype)
        h = conv(x.transpose(1, 2))
        if norm == "batch_masked_first":
            h = h * keep
        h = layer(h.transpose(1, 2)).transpose(1, 2) if norm == "layer" else layer(h)
        h = F.relu(h) * keep
        return F.cross_entropy(head(h.sum(-1) / lens[:, None]), torch.tensor([0, 1, 0]))

    g = train_step(nn.ModuleList([conv, layer, head]), step)
    assert codes(g) == expected
    if expected:
        assert g.findings[0].file.endswith("test_leaks.py") and "statistics" in g.findings[0].what


@pytest.mark.parametrize("lengths_rule,expected", [("true", []), ("quarter", ["PAD101"])])
def test_subsampled_lengths_packed_past_the_convolutions_output(lengths_rule, expected):
    # (rt13 b09) lens // 4 where two stride-2 valid convolutions give fewer frames
    torch.manual_seed(0)
    c1, c2 = nn.Conv1d(4, 8, 3, stride=2), nn.Conv1d(8, 8, 3, stride=2)
    lstm, out = nn.LSTM(8, 8), nn.Linear(8, 5)
    feats = [torch.randn(n, 4) for n in (40, 30, 26)]

    def step(_):
        x = pad_sequence(feats, batch_first=True)
        lens = torch.tensor([40, 30, 26])
        true = ((lens - 3) // 2 + 1 - 3) // 2 + 1
        h = F.relu(c2(F.relu(c1(x.transpose(1, 2)))))
        h = h * (torch.arange(h.size(-1))[None] < true[:, None])[:, None, :]
        out_lens = true if lengths_rule == "true" else (lens // 4).clamp(max=h.size(-1))
        o, _ = lstm(pack_padded_sequence(h.permute(2, 0, 1), out_lens, enforce_sorted=False))
        o, _ = pad_packed_sequence(o, total_length=h.size(-1))
        logp = out(o).log_softmax(-1)
        return F.ctc_loss(logp, torch.tensor([1, 2, 3, 1, 4, 2]), out_lens, torch.tensor([2, 2, 2]))

    g = train_step(nn.ModuleList([c1, c2, lstm, out]), step)
    assert codes(g) == expected
    if expected:
        assert g.findings[0].where == "pack_padded_sequence" and g.findings[0].file.endswith("test_leaks.py")


def test_a_mean_over_an_encoders_padded_output_is_one_finding_at_the_mean():
    # (rt16 b02) the pooling call is reported where it is written; the encoder output it pools is
    # not reported a second time, at the encoder's line, from its gradient pattern
    torch.manual_seed(0)
    emb = nn.Embedding(V, 16, padding_idx=0)
    enc = nn.TransformerEncoder(nn.TransformerEncoderLayer(16, 2, 32, dropout=0.0, batch_first=True), 1,
                                enable_nested_tensor=False)
    head = nn.Linear(16, C)

    def step(_):
        ids, lengths = token_batch()
        h = enc(emb(ids), src_key_padding_mask=ids == 0)
        pooled = h.mean(dim=1); line = __import__("inspect").currentframe().f_lineno  # noqa: E702
        step.line = line
        return F.cross_entropy(head(pooled), torch.tensor([0, 1, 2, 0]))

    g = train_step(nn.ModuleList([emb, enc, head]), step)
    assert codes(g) == ["PAD301"]
    assert [f.line for f in g.findings] == [step.line]


@pytest.mark.parametrize("shape_back,divide,expected", [
    ("view", "mean", ["PAD302"]), ("reshape", "mean", ["PAD302"]), ("view", "real", []),
])
def test_flat_token_losses_viewed_back_to_batch_by_time_keep_their_padding(shape_back, divide, expected):
    # (rt17 b04) cross_entropy over (B * T) rows, .view(B, T) again, masked, then .mean(): the
    # elements keep their padding through the reshape, so the dilution is found
    torch.manual_seed(0)
    emb, proj = nn.Embedding(V, 16, padding_idx=0), nn.Linear(16, V)

    def step(_):
        ids, lengths = token_batch()
        logits = proj(torch.tanh(emb(ids)))
        nll = F.cross_entropy(logits.reshape(-1, V), ids.reshape(-1), reduction="none")
        nll = nll.view(ids.shape) if shape_back == "view" else nll.reshape(ids.size(0), -1)
        mask = (ids != 0).float()
        return (nll * mask).mean() if divide == "mean" else (nll * mask).sum() / mask.sum()

    g = train_step(nn.ModuleList([emb, proj]), step)
    assert codes(g) == expected


def test_missing_attention_mask_advice_names_the_modules_own_keyword():
    # (rt17 b02) an encoder-only model is not told about a decoder's memory_key_padding_mask
    torch.manual_seed(0)
    emb = nn.Embedding(V, 16, padding_idx=0)
    enc = nn.TransformerEncoder(nn.TransformerEncoderLayer(16, 2, 32, dropout=0.0, batch_first=True), 1,
                                enable_nested_tensor=False)
    mha = nn.MultiheadAttention(16, 2, batch_first=True)
    for layer, keyword in ((lambda x: enc(x), "src_key_padding_mask"),
                           (lambda x: mha(x, x, x, need_weights=False)[0], "key_padding_mask")):
        def step(_, layer=layer):
            ids, lengths = token_batch()
            h = layer(emb(ids))
            keep = (ids != 0).unsqueeze(-1).float()
            return F.cross_entropy(((h * keep).sum(1) / keep.sum(1))[:, :C], torch.tensor([0, 1, 2, 0]))

        g = train_step(nn.ModuleList([emb, enc, mha]), step)
        found = [f for f in g.findings if f.code == "PAD401"]
        assert found and keyword in found[0].what and "memory_key_padding_mask" not in found[0].what


def test_sorted_lengths_with_rows_left_in_order_are_named_as_such():
    # (rt16 b09) lengths sorted longest first, the rows not reordered with them: the advice is to
    # reorder, not the convolution formula for lengths that run past the real steps
    torch.manual_seed(0)
    gru, head = nn.GRU(3, 6, batch_first=True), nn.Linear(6, 2)
    seqs = [torch.randn(n, 3) for n in (3, 6, 4)]

    def step(_):
        x = pad_sequence(seqs, batch_first=True)
        lens = torch.tensor([len(s) for s in seqs])
        _, h = gru(pack_padded_sequence(x, lens.sort(descending=True).values, batch_first=True))
        return F.cross_entropy(head(h[-1]), torch.tensor([0, 1, 0]))

    g = train_step(nn.ModuleList([gru, head]), step)
    found = [f for f in g.findings if f.code == "PAD101"]
    assert found and "another order" in found[0].what and "convolution" not in found[0].what


@pytest.mark.parametrize("side,expected", [("front", []), ("end", ["PAD401"])])
def test_cls_column_added_to_the_mask_on_the_wrong_side(side, expected):
    # (rt13 b01) [CLS] prepended to the sequence; its False column appended to the mask instead
    torch.manual_seed(0)
    emb = nn.Embedding(20, 16, padding_idx=1)
    cls = nn.Parameter(torch.randn(1, 1, 16))
    enc = nn.TransformerEncoder(nn.TransformerEncoderLayer(16, 2, 32, dropout=0.0, batch_first=True), 1,
                                enable_nested_tensor=False)
    head = nn.Linear(16, 2)
    model = nn.ModuleList([emb, enc, head])
    model.register_parameter("cls", cls)

    def step(_):
        ids = pad_sequence([torch.tensor([5, 6, 7, 8]), torch.tensor([9, 4])], batch_first=True, padding_value=1)
        B = ids.size(0)
        x = torch.cat([cls.expand(B, -1, -1), emb(ids)], dim=1)
        pad = ids == 1
        none = pad.new_zeros(B, 1)
        kpm = torch.cat([none, pad], dim=1) if side == "front" else torch.cat([pad, none], dim=1)
        return F.cross_entropy(head(enc(x, src_key_padding_mask=kpm)[:, 0]), torch.tensor([0, 1]))

    g = train_step(model, step)
    assert codes(g) == expected
    if expected:
        assert "does not line up" in g.findings[0].what and "column added" in g.findings[0].what


@pytest.mark.parametrize("recomputed,expected", [(True, []), (False, ["PAD301", "PAD401"])])
def test_lengths_not_recomputed_after_a_strided_conv(recomputed, expected):
    # (rt19 b05) the key padding mask is built from the lengths before the second stride-2
    # conv: the advice names the downsampling, not a column added on one side
    torch.manual_seed(0)
    conv1, conv2 = nn.Conv1d(4, 8, 3, stride=2, padding=1), nn.Conv1d(8, 8, 3, stride=2, padding=1)
    enc = nn.TransformerEncoderLayer(8, 2, 16, dropout=0.0, batch_first=True)

    def step(_):
        frames = [torch.randn(n, 4) for n in (21, 9, 14)]
        x = pad_sequence(frames, batch_first=True).transpose(1, 2)
        lengths = torch.tensor([len(f) for f in frames])
        x = F.relu(conv1(x))
        len1 = (lengths - 1) // 2 + 1
        x = x * (torch.arange(x.size(-1))[None] < len1[:, None]).unsqueeze(1)
        x = F.relu(conv2(x)).transpose(1, 2)
        len2 = (len1 - 1) // 2 + 1 if recomputed else len1
        pad = torch.arange(x.size(1))[None] >= len2[:, None]
        h = enc(x, src_key_padding_mask=pad)
        return ((h * (~pad)[..., None]).sum(1) / len2[:, None]).sum()

    g = train_step(nn.ModuleList([conv1, conv2, enc]), step)
    assert codes(g) == expected
    if expected:
        found = [f for f in g.findings if f.code == "PAD401"]
        assert "downsampling" in found[0].what and "column" not in found[0].what


def test_sdpa_mask_on_the_query_axis_with_batches_padded_differently_up_front():
    # (rt12 b05) three batches collated before the first step, two of them (4, 10) padded
    # differently: the batch the forward embeds last is the one attended over
    torch.manual_seed(0)
    emb, qkv, head = nn.Embedding(30, 16, padding_idx=0), nn.Linear(16, 48), nn.Linear(16, 1)
    model = nn.ModuleList([emb, qkv, head])
    opt = torch.optim.SGD(model.parameters(), lr=0.1)
    g = torch.Generator().manual_seed(5)
    with padlint.guard(mode="record", summary=False) as guard:
        batches = []
        for lens in ([7, 3, 10, 5], [6, 9, 4, 4], [8, 2, 5, 10]):
            seqs = [torch.randint(1, 30, (n,), generator=g) for n in lens]
            batches.append((pad_sequence(seqs, batch_first=True), torch.tensor(lens)))
        ids, lengths = batches[0]
        keep = torch.arange(ids.size(1))[None, :] < lengths[:, None]
        x = emb(ids)
        B, T = ids.shape
        q, k, v = qkv(x).view(B, T, 3, 2, 8).permute(2, 0, 3, 1, 4)
        bias = (~keep)[:, None, :, None].to(x.dtype) * -1e9  # on the query axis
        a = F.scaled_dot_product_attention(q, k, v, attn_mask=bias)
        pooled = (a.transpose(1, 2).reshape(B, T, 16) * keep[..., None]).sum(1) / lengths[:, None]
        F.mse_loss(head(pooled).squeeze(-1), torch.rand(4, generator=g)).backward()
        opt.step()
    assert codes(guard) == ["PAD401"]


def _bag_and_rnn_step(use):
    """emb(ids).sum(1) / lengths (exact zeros at the pads) beside a GRU over the same embeddings:
    packed, unpacked, or no GRU at all."""
    torch.manual_seed(0)
    emb, rnn, lin = nn.Embedding(20, 4, padding_idx=0), nn.GRU(4, 4, batch_first=True), nn.Linear(8, 3)
    lengths = torch.tensor([3, 2])

    def step(_):
        ids = pad_sequence([torch.tensor([3, 4, 5]), torch.tensor([6, 7])], batch_first=True)
        e = emb(ids)
        bag = e.sum(1) / lengths.unsqueeze(1).to(e.dtype)
        if use == "none":
            return lin(torch.cat([bag, bag], -1)).logsumexp(-1).mean()
        x = pack_padded_sequence(e, lengths, batch_first=True, enforce_sorted=False) if use == "packed" else e
        _, h = rnn(x)
        return lin(torch.cat([h[-1], bag], -1)).logsumexp(-1).mean()

    return train_step(nn.ModuleList([emb, rnn, lin]), step, every=1)


@pytest.mark.parametrize("use", ["packed", "none"])
def test_zero_pad_sum_of_embeddings_also_packed_into_an_rnn_is_not_a_leak(use):
    # (rt14 c05) emb(ids).sum(1) / lengths adds exact zeros at the pads; the same embeddings
    # packed into a GRU send nothing there either: the sum's own gradient is not a leak
    assert codes(_bag_and_rnn_step(use)) == []


def test_zero_pad_sum_beside_an_unpacked_rnn_over_the_same_embeddings_still_leaks():
    # the sum's gradient is taken off, the RNN's run over the pads is not
    assert "PAD201" in codes(_bag_and_rnn_step("unpacked"))


def _decoder_batch():
    PAD, BOS, EOS = 0, 1, 2
    return pad_sequence([torch.tensor([BOS, 5, 6, 7, EOS]), torch.tensor([BOS, 8, EOS])], batch_first=True,
                        padding_value=PAD)


def test_teacher_forced_targets_shifted_from_the_decoder_input_are_counted_as_theirs():
    # (rt14 b04) tgt[:, :-1] in, tgt[:, 1:] scored: the targets have one more pad than the
    # input (the end token's step); 0 is no real target class, so the advice is ignore_index=0
    torch.manual_seed(0)
    emb, dec, out = nn.Embedding(12, 8, padding_idx=0), nn.GRU(8, 8, batch_first=True), nn.Linear(8, 12)
    model = nn.ModuleList([emb, dec, out])
    tgt = _decoder_batch()  # (made before the guard: only the embedding's padding_idx tells)

    def step(_):
        h, _ = dec(emb(tgt[:, :-1]))
        return F.cross_entropy(out(h).reshape(-1, 12), tgt[:, 1:].reshape(-1))

    g = train_step(model, step)
    assert codes(g) == ["PAD303"]
    assert "2 padded target" in g.findings[0].what and "ignore_index=0" in g.findings[0].what


def test_a_tagger_whose_real_class_zero_is_the_word_pad_id_keeps_the_input_mask():
    # not a shift: tag 0 ('O') is a real class at real words, and the tags are padded with -100
    torch.manual_seed(0)
    emb, rnn, out = nn.Embedding(12, 8, padding_idx=0), nn.GRU(8, 8, batch_first=True), nn.Linear(8, 3)
    model = nn.ModuleList([emb, rnn, out])
    words = pad_sequence([torch.tensor([4, 5, 6, 7]), torch.tensor([8, 9])], batch_first=True)
    tags = pad_sequence([torch.tensor([0, 1, 0, 2]), torch.tensor([0, 0])], batch_first=True, padding_value=-100)

    def step(_):
        h, _ = rnn(emb(words))
        return F.cross_entropy(out(h).reshape(-1, 3), tags.reshape(-1))

    g = train_step(model, step)
    assert codes(g) == []


@pytest.mark.parametrize("aligned,expected", [(True, []), (False, ["PAD301"])])
def test_next_token_loss_masked_with_the_input_mask_instead_of_the_targets(aligned, expected):
    # (rt14 b09) (ids != PAD)[:, :-1] keeps the step whose target is the first pad
    torch.manual_seed(0)
    emb, rnn, head = nn.Embedding(12, 8, padding_idx=0), nn.GRU(8, 8, batch_first=True), nn.Linear(8, 12)
    model = nn.ModuleList([emb, rnn, head])
    ids = pad_sequence([torch.tensor([1, 5, 6, 7, 2]), torch.tensor([1, 8, 2])], batch_first=True)

    def step(_):
        h, _ = rnn(emb(ids))
        tok = F.cross_entropy(head(h)[:, :-1].transpose(1, 2), ids[:, 1:], reduction="none")
        mask = (ids[:, 1:] != 0).float() if aligned else (ids != 0)[:, :-1].float()
        return (tok * mask).sum() / mask.sum()

    g = train_step(model, step, every=1)
    assert codes(g) == expected


@pytest.mark.parametrize("side,positions,expected", [
    ("left", "arange", ["PAD405"]),
    ("left", "cumsum", []),
    ("right", "arange", []),
])
def test_arange_positions_of_a_left_padded_batch(side, positions, expected):
    # (rt14 b06) no gradient reaches a pad, but the real tokens carry shifted positions
    torch.manual_seed(0)
    tok, pos, head = nn.Embedding(12, 8, padding_idx=0), nn.Embedding(16, 8), nn.Linear(8, 1)
    model = nn.ModuleList([tok, pos, head])
    seqs = [torch.tensor([3, 4, 5, 6]), torch.tensor([7, 8])]

    def step(_):
        ids = pad_sequence(seqs, batch_first=True, padding_side=side)
        keep = ids != 0
        pids = torch.arange(ids.size(1)).expand_as(ids) if positions == "arange" else \
            (keep.long().cumsum(-1) - 1).clamp(min=0)
        h = tok(ids) + pos(pids)
        pooled = (h * keep[..., None]).sum(1) / keep.sum(1, keepdim=True)
        return F.mse_loss(head(pooled).squeeze(-1), torch.ones(2))

    g = train_step(model, step, every=1)
    assert codes(g) == expected


# --- sums of exact-zero pads a step away from the probed tensor (rt18 c10) -------------------

def _multitask_step(pooling, dropout, tag_head, every=1, steps=3):
    torch.manual_seed(0)
    emb = nn.Embedding(V, E, padding_idx=0)
    rnn = nn.LSTM(E, H, batch_first=True, bidirectional=True)
    drop = nn.Dropout(dropout)
    tagger, classifier = nn.Linear(2 * H, 4), nn.Linear(2 * H, C)
    lens = [5, 2, 4, 3]
    seqs = [torch.randint(1, V, (n,)) for n in lens]
    ids, lengths = pad_sequence(seqs, batch_first=True), torch.tensor(lens)
    tags = pad_sequence([s % 4 for s in seqs], batch_first=True, padding_value=-100)
    with padlint.guard(mode="record", summary=False, every=every) as g:
        for _ in range(steps):
            packed = pack_padded_sequence(emb(ids), lengths, batch_first=True, enforce_sorted=False)
            out, _ = pad_packed_sequence(rnn(packed)[0], batch_first=True, total_length=ids.size(1))
            out = drop(out)
            pooled = out.sum(1) / lengths[:, None] if pooling == "sum" else out.mean(1)
            loss = F.cross_entropy(classifier(pooled), torch.tensor([0, 1, 2, 0]))
            if tag_head:  # a per-token head on the same output, its padded targets ignored
                loss = loss + F.cross_entropy(tagger(out).reshape(-1, 4), tags.reshape(-1))
            loss.backward()
            g.step()
    return g


@pytest.mark.parametrize("dropout,tag_head,every", [(0.2, False, 1), (0.0, True, 1), (0.2, True, 1), (0.2, True, 3)])
def test_sum_of_exact_zero_pads_after_unsorting_and_dropout_is_clean(dropout, tag_head, every):
    # pad_packed_sequence's rows put back in order, then a dropout, then `out.sum(1) / lengths`:
    # the pads are exact zeros all the way, and the masked per-token head sends them nothing.
    # It was PAD-R001 (the sum's share was taken off only for the very tensor probed, and only
    # on sampled steps)
    assert codes(_multitask_step("sum", dropout, tag_head, every)) == []


@pytest.mark.parametrize("dropout,tag_head", [(0.2, False), (0.0, True), (0.2, True)])
def test_mean_over_exact_zero_pads_is_reported_at_the_mean(dropout, tag_head):
    # the same zeros in a mean still count in its denominator (rt18 b10: it was PAD-R001)
    g = _multitask_step("mean", dropout, tag_head)
    assert codes(g) == ["PAD301"]
    assert "denominator" in g.findings[0].what


# --- a hand-written masked error averaged over every position (rt18 b05) ---------------------

@pytest.mark.parametrize("denominator,expected", [("numel", ["PAD302"]), ("mean", ["PAD302"]), ("real", [])])
def test_hand_written_masked_squared_error_over_all_positions_is_diluted(denominator, expected):
    torch.manual_seed(0)
    lens = [12, 7, 10, 5]
    series = [torch.randn(n) for n in lens]
    rnn, head = nn.GRU(1, 8, batch_first=True), nn.Linear(8, 1)
    with padlint.guard(mode="record", summary=False) as g:
        values = pad_sequence(series, batch_first=True)
        observed = pad_sequence([torch.ones(n) for n in lens], batch_first=True)
        h, _ = rnn(values.unsqueeze(-1))
        pred = head(h).squeeze(-1)
        se = (pred[:, :-1] - values[:, 1:]) ** 2 * observed[:, 1:]
        if denominator == "numel":
            loss = se.sum() / observed[:, 1:].numel()
        elif denominator == "mean":
            loss = se.mean()
        else:
            loss = se.sum() / observed[:, 1:].sum()
        loss.backward()
        g.step()
    assert codes(g) == expected
    if expected:
        finding = g.findings[0]
        assert "44 positions but only 30 are real" in finding.what
        assert finding.reference == pytest.approx(float(loss) * 44 / 30, rel=1e-5)


def test_transformer_without_memory_mask_names_the_cross_attention():
    # (rt19 b04) src and tgt masks given, memory_key_padding_mask left out: the finding named a
    # bare "MultiheadAttention()" and its key_padding_mask
    torch.manual_seed(0)
    emb = nn.Embedding(20, 8, padding_idx=0)
    model = nn.Transformer(8, 2, 1, 1, 16, dropout=0.0, batch_first=True)
    src = [torch.tensor([3, 4, 5, 6]), torch.tensor([7, 8])]
    tgt = [torch.tensor([1, 9, 10]), torch.tensor([1, 11, 12])]
    with padlint.guard(mode="record", summary=False) as g:
        s, t = pad_sequence(src, batch_first=True), pad_sequence(tgt, batch_first=True)
        h = model(emb(s), emb(t), src_key_padding_mask=s == 0, tgt_key_padding_mask=t == 0)
        (h @ torch.randn(8)).sum().backward()
        g.step()
    assert codes(g) == ["PAD401"]
    assert g.findings[0].where.startswith("cross-attention")
    assert "memory_key_padding_mask" in g.findings[0].what


@pytest.mark.parametrize("pairs", ["all-pairs einsum", "bmm"])
@pytest.mark.parametrize("fill,expected", [(True, []), (False, ["PAD301"])])
def test_maxsim_over_padded_document_tokens(pairs, fill, expected):
    # (rt19 b08) ColBERT late interaction: each query token takes its best document token; an
    # amax over the padded document axis of the score table is PAD301 there, not PAD-R001 at
    # the embedding
    torch.manual_seed(5)
    emb, proj = nn.Embedding(30, 8, padding_idx=0), nn.Linear(8, 8)
    docs = [torch.tensor([3, 4, 5, 6, 7]), torch.tensor([8, 9]), torch.tensor([10, 11, 12])]
    qs = [torch.tensor([4, 8]), torch.tensor([9, 1, 2]), torch.tensor([12])]

    def step(_):
        d_ids, q_ids = pad_sequence(docs, batch_first=True), pad_sequence(qs, batch_first=True)
        d = F.normalize(proj(emb(d_ids)), dim=-1)
        q = F.normalize(proj(emb(q_ids)), dim=-1)
        if pairs == "bmm":
            sim = torch.bmm(q, d.transpose(1, 2))
            pad = (d_ids == 0)[:, None, :]
        else:
            sim = torch.einsum("aid,bjd->abij", q, d)
            pad = (d_ids == 0)[None, :, None, :]
        if fill:
            sim = sim.masked_fill(pad, float("-inf"))
        best = sim.amax(dim=-1)
        if pairs == "bmm":
            return best.masked_fill(q_ids == 0, 0.0).sum()
        best = best.masked_fill((q_ids == 0)[:, None, :], 0.0)
        return F.cross_entropy(best.sum(-1) / 0.2, torch.arange(3))

    g = train_step(nn.ModuleList([emb, proj]), step)
    assert codes(g) == expected
    if expected:
        assert g.findings[0].where == "max over padded keys" and "-inf" in g.findings[0].what


@pytest.mark.parametrize("side,expected", [("right", []), ("left", ["PAD101"])])
def test_a_left_padded_batch_packed_as_if_right_padded(side, expected):
    # (rt19 b06) pack_padded_sequence takes each row's first `length` steps: of left-padded
    # rows, the pads. PAD101 at the packing line, not PAD-R001 at the embedding
    torch.manual_seed(0)
    emb, gru, out = nn.Embedding(20, 8, padding_idx=0), nn.GRU(8, 8, batch_first=True), nn.Linear(8, 3)
    seqs = [torch.tensor([3, 4, 5, 6]), torch.tensor([7, 8]), torch.tensor([9, 10, 11])]

    def step(_):
        ids = pad_sequence(seqs, batch_first=True, padding_side=side)
        lengths = torch.tensor([len(s) for s in seqs])
        packed = pack_padded_sequence(emb(ids), lengths, batch_first=True, enforce_sorted=False)
        _, h = gru(packed)
        return F.cross_entropy(out(h[-1]), torch.tensor([0, 1, 2]))

    g = train_step(nn.ModuleList([emb, gru, out]), step)
    assert codes(g) == expected
    if expected:
        assert "left-padded" in g.findings[0].what and g.findings[0].where == "pack_padded_sequence"


@pytest.mark.parametrize("divide,expected", [("mask", []), ("numel", ["PAD302"])])
def test_a_loss_mask_that_keeps_some_real_steps_gives_the_reference_of_its_fix(divide, expected):
    # (rt19 b09) masked reconstruction: the loss mask keeps every third real step; averaged over
    # every position, the reference is the mean over the kept steps (what `/ m.sum()` gives),
    # not over all real steps
    torch.manual_seed(0)
    lin = nn.Linear(3, 3)
    lengths = (9, 2, 3)
    xs = [torch.randn(n, 3) for n in lengths]
    hide = pad_sequence([torch.arange(n) % 3 == 0 for n in lengths], batch_first=True)

    def step(_):
        x = pad_sequence(xs, batch_first=True)
        err = F.mse_loss(lin(x), x, reduction="none").mean(-1)
        m = hide.to(err.dtype)
        return (err * m).sum() / m.sum() if divide == "mask" else (err * m).mean()

    with torch.no_grad():  # what the fix gives, before the step changes the weights
        x = pad_sequence(xs, batch_first=True)
        m = hide.to(x.dtype)
        fixed = float((F.mse_loss(lin(x), x, reduction="none").mean(-1) * m).sum() / m.sum())
    g = train_step(lin, step)
    assert codes(g) == expected
    if expected:
        f = g.findings[0]
        assert "keeps 5 of them" in f.what and f.reference == pytest.approx(fixed, rel=1e-5)


def test_pack_lengths_counted_against_another_pad_id_get_advice_about_the_pad_id():
    # (rt20 b09) ids padded with 1 (fairseq's <pad>), lengths counted as ids != 0 (<s>): one
    # length for every row; the advice names the pad id, not a convolution's formula
    torch.manual_seed(0)
    emb, lstm, head = nn.Embedding(40, 16, padding_idx=1), nn.LSTM(16, 32, batch_first=True), nn.Linear(32, 2)
    seqs = [torch.cat([torch.tensor([0]), torch.randint(3, 40, (n,)), torch.tensor([2])]) for n in (6, 3, 4)]

    def step(_):
        ids = pad_sequence(seqs, batch_first=True, padding_value=1)
        lengths = (ids != 0).sum(dim=1)
        _, (h, _) = lstm(pack_padded_sequence(emb(ids), lengths, batch_first=True, enforce_sorted=False))
        return F.cross_entropy(head(h[-1]), torch.tensor([0, 1, 0]))

    g = train_step(nn.ModuleList([emb, lstm, head]), step)
    found = [f for f in g.findings if f.code == "PAD101"]
    assert found and "same length" in found[0].what and "pad id" in found[0].what
    assert "convolution" not in found[0].what
