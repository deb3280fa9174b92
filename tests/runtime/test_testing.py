"""padlint.testing.assert_batch_invariant: the one-line unit test for padding bugs."""

from __future__ import annotations

import pytest
import torch
import torch.nn as nn
from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence, pad_sequence

from padlint.testing import BatchInvarianceError, assert_batch_invariant

E, H = 6, 8


def samples(n=7):
    g = torch.Generator().manual_seed(0)
    return [torch.randn(int(L), E, generator=g) for L in torch.randint(1, 9, (n,), generator=g)]


def collate(batch):
    return pad_sequence(batch, batch_first=True), torch.tensor([len(s) for s in batch])


class PackedEncoder(nn.Module):
    """Correct: packed LSTM, per-token outputs and h_n."""

    def __init__(self, sort_without_unsort=False, batch_first=True):
        super().__init__()
        self.rnn = nn.LSTM(E, H, batch_first=batch_first)
        self.bad_sort = sort_without_unsort

    def forward(self, batch):
        x, lengths = batch
        if self.bad_sort:
            lengths, order = lengths.sort(descending=True)
            x = x[order]  # ... and never un-sorted
            p = pack_padded_sequence(x, lengths, batch_first=True)
        else:
            p = pack_padded_sequence(x, lengths, batch_first=True, enforce_sorted=False)
        o, (h, _) = self.rnn(p)
        o, _ = pad_packed_sequence(o, batch_first=True)
        return o, h[-1]


def test_correct_packed_model_passes():
    model = PackedEncoder().eval()
    report = assert_batch_invariant(model, samples(), collate)
    assert report["comparisons"] > 0 and report["max_diff"] < 1e-5


def test_sort_without_unsort_is_caught():
    model = PackedEncoder(sort_without_unsort=True).eval()
    with pytest.raises(BatchInvarianceError, match="different"):
        assert_batch_invariant(model, samples(), collate)


def test_mean_pooling_over_padding_is_caught():
    lin = nn.Linear(E, H)

    def model_fn(batch):
        x, _ = batch
        return lin(x).mean(1)  # pads (zeros -> bias) are averaged in

    with pytest.raises(BatchInvarianceError):
        assert_batch_invariant(model_fn, samples(), collate)


def test_masked_mean_pooling_passes():
    lin = nn.Linear(E, H)

    def model_fn(batch):
        x, lengths = batch
        keep = (torch.arange(x.shape[1])[None] < lengths[:, None]).unsqueeze(-1).float()
        return (lin(x) * keep).sum(1) / keep.sum(1)

    assert_batch_invariant(model_fn, samples(), collate)


def test_batch_first_mismatch_is_caught():
    rnn = nn.GRU(E, H)  # batch_first=False, fed (B, T, E)

    def model_fn(batch):
        x, _ = batch
        return rnn(x)[0]

    with pytest.raises(BatchInvarianceError):
        assert_batch_invariant(model_fn, samples(), collate)


def test_convolution_over_non_zero_padding_is_caught():
    conv = nn.Conv1d(E, H, 3, padding=1)

    def coll(batch):
        return pad_sequence(batch, batch_first=True, padding_value=1.0)

    def model_fn(x):
        return conv(x.transpose(1, 2)).transpose(1, 2)

    with pytest.raises(BatchInvarianceError):
        assert_batch_invariant(model_fn, samples(), coll)


def test_dict_samples_and_length_fn():
    emb = nn.Embedding(10, E, padding_idx=0)
    data = [{"input_ids": torch.randint(1, 10, (n,))} for n in (3, 5, 2, 4)]

    def coll(batch):
        return pad_sequence([b["input_ids"] for b in batch], batch_first=True)

    assert_batch_invariant(lambda ids: emb(ids), data, coll)
    assert_batch_invariant(lambda ids: emb(ids), data, coll, length_fn=lambda s: len(s["input_ids"]))


def test_unknown_sample_type_is_a_clear_error():
    with pytest.raises(TypeError, match="length_fn"):
        assert_batch_invariant(lambda b: b, ["ab", "c"], lambda b: b)


def test_assert_no_padding_leak():
    import torch.nn.functional as F

    from models import Classifier, token_batch
    from padlint.testing import assert_no_padding_leak

    def step(model):
        ids, lengths = token_batch()
        F.cross_entropy(model(ids, lengths), torch.tensor([0, 1, 2, 0])).backward()

    assert_no_padding_leak(lambda: step(Classifier("packed")), steps=2)
    with pytest.raises(AssertionError, match="PAD201"):
        assert_no_padding_leak(lambda: step(Classifier("h_n")))
