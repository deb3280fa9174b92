"""Padding made in DataLoader worker processes, which the guard's hooks do not run in.

The guard then learns where the padding is from what reaches the main process: the
embedding's ``padding_idx`` (its input ids equal to it), PackedSequences, and losses'
``ignore_index``.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch.nn.utils.rnn import pad_sequence
from torch.utils.data import DataLoader, Dataset

import padlint
from tests.runtime.models import LENS, V, Classifier, Tagger


class Sentences(Dataset):
    def __init__(self, n=16):
        g = torch.Generator().manual_seed(0)
        lens = [LENS[i % len(LENS)] for i in range(n)]
        self.items = [(torch.randint(1, V, (k,), generator=g), int(torch.randint(0, 3, (1,), generator=g)),
                       torch.randint(1, 3, (k,), generator=g)) for k in lens]

    def __len__(self):
        return len(self.items)

    def __getitem__(self, i):
        return self.items[i]


def collate(batch):  # runs in the worker processes
    ids = pad_sequence([b[0] for b in batch], batch_first=True, padding_value=0)
    lengths = torch.tensor([len(b[0]) for b in batch])
    labels = torch.tensor([b[1] for b in batch])
    tags = pad_sequence([b[2] for b in batch], batch_first=True, padding_value=-100)
    return ids, lengths, labels, tags


def _loader():
    return DataLoader(Sentences(), batch_size=4, num_workers=2, collate_fn=collate,
                      multiprocessing_context="fork")


def _train(model, loss_fn):
    opt = torch.optim.SGD(model.parameters(), lr=0.1)
    with padlint.guard(mode="record", every=1, summary=False) as g:
        for ids, lengths, labels, tags in _loader():
            loss = loss_fn(model(ids, lengths), labels, tags)
            loss.backward()
            opt.step()
            opt.zero_grad()
    return {f.code for f in g.findings}


def _classify(logits, labels, tags):
    return F.cross_entropy(logits, labels)


def _tag(logits, labels, tags):
    return F.cross_entropy(logits.reshape(-1, logits.shape[-1]), tags.reshape(-1), ignore_index=-100)


def test_worker_padding_found_through_the_embeddings_padding_idx():
    torch.manual_seed(0)
    assert "PAD201" in _train(Classifier("h_n"), _classify)


def test_worker_padding_with_a_packed_model_is_clean():
    torch.manual_seed(0)
    assert _train(Classifier("packed"), _classify) == set()


def test_worker_padded_targets_with_ignore_index_are_clean():
    torch.manual_seed(0)
    assert _train(Tagger(), _tag) == set()


def test_worker_padded_targets_without_ignore_index_leak():
    def tag_no_ignore(logits, labels, tags):
        targets = tags.clamp(min=0)  # the pad label becomes class 0, and nothing ignores it
        return F.cross_entropy(logits.reshape(-1, logits.shape[-1]), targets.reshape(-1))

    torch.manual_seed(0)
    found = _train(Tagger(), tag_no_ignore)
    assert found & {"PAD303", "PAD-R001"}, found
