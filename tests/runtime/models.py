"""Tiny models and batches used by the runtime tests: each bug next to its fix."""

from __future__ import annotations

import math

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence, pad_sequence

V, E, H, C = 20, 8, 12, 3
LENS = [5, 2, 4, 3]


def token_batch(lens=LENS, batch_first=True, pad=0, gen=None):
    seqs = [torch.randint(1, V, (n,), generator=gen) for n in lens]
    ids = pad_sequence(seqs, batch_first=batch_first, padding_value=pad)
    return ids, torch.tensor(lens)


def tag_batch(lens=LENS, pad_target=0, gen=None):
    """ids (B, T) and per-token targets (B, T) padded with ``pad_target``."""
    ids, lengths = token_batch(lens, gen=gen)
    tg = pad_sequence([torch.randint(1, C, (n,), generator=gen) for n in lens], batch_first=True,
                      padding_value=pad_target)
    return ids, lengths, tg


class Classifier(nn.Module):
    """Sequence classifier. ``how``: 'h_n' (state), 'packed' (packed + h_n), 'gather'
    (output at lengths-1), 'last' (output[:, -1])."""

    def __init__(self, how="packed", rnn=nn.LSTM, bidir=False, layers=1, dropout=0.0):
        super().__init__()
        self.emb = nn.Embedding(V, E, padding_idx=0)
        self.rnn = rnn(E, H, num_layers=layers, batch_first=True, bidirectional=bidir, dropout=dropout)
        self.fc = nn.Linear(H * (2 if bidir else 1), C)
        self.how = how

    def forward(self, ids, lengths):
        x = self.emb(ids)
        if self.how == "packed":
            p = pack_padded_sequence(x, lengths, batch_first=True, enforce_sorted=False)
            _, st = self.rnn(p)
            h = st[0] if isinstance(st, tuple) else st
            return self.fc(h[-1])
        out, st = self.rnn(x)
        if self.how == "h_n":
            h = st[0] if isinstance(st, tuple) else st
            return self.fc(h[-1])
        if self.how == "gather":
            idx = (lengths - 1).view(-1, 1, 1).expand(-1, 1, out.shape[-1])
            return self.fc(out.gather(1, idx).squeeze(1))
        if self.how == "last":
            return self.fc(out[:, -1])
        raise ValueError(self.how)


class Tagger(nn.Module):
    """Per-token tagger returning logits (B, T, C)."""

    def __init__(self, packed=True, rnn=nn.LSTM, bidir=False, layers=1, dropout=0.0):
        super().__init__()
        self.emb = nn.Embedding(V, E, padding_idx=0)
        self.rnn = rnn(E, H, num_layers=layers, batch_first=True, bidirectional=bidir, dropout=dropout)
        self.fc = nn.Linear(H * (2 if bidir else 1), C)
        self.packed = packed

    def forward(self, ids, lengths):
        x = self.emb(ids)
        if self.packed:
            p = pack_padded_sequence(x, lengths, batch_first=True, enforce_sorted=False)
            o, _ = self.rnn(p)
            o, _ = pad_packed_sequence(o, batch_first=True, total_length=ids.shape[1])
        else:
            o, _ = self.rnn(x)
        return self.fc(o)


class Encoder(nn.Module):
    """Transformer encoder classifier with masked mean pooling."""

    def __init__(self, use_mask=True, d=16, dropout=0.0, layers=1):
        super().__init__()
        self.emb = nn.Embedding(V, d, padding_idx=0)
        layer = nn.TransformerEncoderLayer(d, 2, 32, dropout=dropout, batch_first=True)
        self.enc = nn.TransformerEncoder(layer, layers, enable_nested_tensor=False)
        self.fc = nn.Linear(d, C)
        self.use_mask = use_mask
        self.d = d

    def forward(self, ids):
        pad = ids == 0
        x = self.emb(ids) * math.sqrt(self.d)
        if self.use_mask:
            h = self.enc(x, src_key_padding_mask=pad)
        else:
            h = self.enc(x)
        keep = (~pad).unsqueeze(-1).float()
        pooled = (h * keep).sum(1) / keep.sum(1)
        return self.fc(pooled)


def masked_ce(logits, targets, lengths):
    mask = torch.arange(logits.shape[1]).unsqueeze(0) < lengths.unsqueeze(1)
    return F.cross_entropy(logits[mask], targets[mask])
