"""Styles that an independent held-out review (2026-11-26) found padlint getting wrong, cut
down: each correct snippet must be silent and its buggy twin must draw the code."""

from __future__ import annotations

import textwrap

import pytest

from padlint.static.engine import Settings, check_text
from padlint.static.registry import resolve_selection

DEFAULT = Settings(frozenset(resolve_selection(None)))
WHOLE_FILE = Settings(DEFAULT.select, prefilter=False)


def codes(source: str, settings: Settings = DEFAULT) -> list[str]:
    report = check_text(textwrap.dedent(source), "snippet.py", settings)
    assert not report.errors, report.errors
    return sorted(f.code for f in report.findings)


# `forward(self, words, slots)` gets what the file's one collate function returns under those names
COLLATE_AND_TAGGER = """
    import torch
    import torch.nn as nn
    from torch.nn.utils.rnn import pad_sequence

    def collate(batch):
        words = pad_sequence([torch.tensor(w) for w, _ in batch], batch_first=True)
        slots = pad_sequence([torch.tensor(s) for _, s in batch], batch_first=True{padding})
        return words, slots

    class Tagger(nn.Module):
        def __init__(self):
            super().__init__()
            self.emb = nn.Embedding(100, 16, padding_idx=0)
            self.out = nn.Linear(16, 9)
            self.loss_fn = nn.CrossEntropyLoss()

        def forward(self, words, slots):
            logits = self.out(self.emb(words))
            return self.loss_fn(logits.view(-1, 9), slots.view(-1))
    """

# attention pooling over the padded output of a packed RNN; {scores} computes the weights `a`
ATTENTION_POOL = """
    import torch
    import torch.nn as nn
    import torch.nn.functional as F
    from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence

    class AttentiveEncoder(nn.Module):
        def __init__(self, vocab, d):
            super().__init__()
            self.emb = nn.Embedding(vocab, d, padding_idx=0)
            self.rnn = nn.GRU(d, d, batch_first=True)
            self.score = nn.Linear(d, 1)
            self.scorer = nn.Sequential(nn.Linear(d, d), nn.Tanh(), nn.Linear(d, 1))
            self.vocab = nn.Linear(d, vocab)
            self.query = nn.Parameter(torch.randn(d))

        def forward(self, ids, lens):
            packed = pack_padded_sequence(self.emb(ids), lens.cpu(), batch_first=True, enforce_sorted=False)
            h, _ = pad_packed_sequence(self.rnn(packed)[0], batch_first=True){scores}
            return (a.unsqueeze(-1) * h).sum(1)
    """

# sentence embeddings by mean pooling over a tokenizer's attention mask
MEAN_POOLER = """
    import torch.nn as nn
    import torch.nn.functional as F
    from transformers import AutoModel, AutoTokenizer

    class MeanPooler(nn.Module):
        def forward(self, hidden, attention_mask):
            m = attention_mask.unsqueeze(-1).to(hidden.dtype)
            summed = (hidden * m).sum(dim=1)
            return summed / {denominator}

    class SentenceEncoder(nn.Module):
        def __init__(self, name):
            super().__init__()
            self.backbone = AutoModel.from_pretrained(name)
            self.pool = MeanPooler()

        def forward(self, enc):
            hidden = self.backbone(**enc).last_hidden_state
            return F.normalize(self.pool(hidden, enc["attention_mask"]), dim=-1)

    def embed(sentences, name="sentence-transformers/all-MiniLM-L6-v2"):
        tok = AutoTokenizer.from_pretrained(name)
        model = SentenceEncoder(name)
        enc = tok(sentences, padding=True, truncation=True, return_tensors="pt")
        return model(enc)
    """

# a (T, B) canvas from torch.full, filled one sequence at a time, through a masked encoder
TIME_MAJOR_CANVAS = """
    import torch
    import torch.nn as nn

    PAD = 0

    def collate(patients):
        seqs = [p[0] for p in patients]
        T = max(len(s) for s in seqs)
        codes = torch.full((T, len(seqs)), PAD, dtype=torch.long)
        for b, s in enumerate(seqs):
            codes[: len(s), b] = s
        return codes, torch.tensor([p[1] for p in patients], dtype=torch.float)

    class Risk(nn.Module):
        def __init__(self, n, d):
            super().__init__()
            self.embed = nn.Embedding(n, d, padding_idx=0)
            self.encoder = nn.TransformerEncoder(nn.TransformerEncoderLayer(d, 4), 2)
            self.head = nn.Linear(d, 1)

        def forward(self, codes):
            enc = self.encoder(self.embed(codes), src_key_padding_mask=(codes == 0).t()){pooled}

    def fit(model, batches):
        for codes, labels in batches:
            (model(codes).squeeze(-1) - labels).pow(2).mean().backward()

    if __name__ == "__main__":
        patients = [(torch.randint(1, 500, (n,)), n % 2) for n in range(5, 200)]
        fit(Risk(500, 64), [collate(patients[i:i + 16]) for i in range(0, len(patients), 16)])
    """

# label smoothing written out: the padding column is zeroed; {rows} zeroes the padded rows
LABEL_SMOOTHING = """
    import torch.nn as nn

    class SmoothedKL(nn.Module):
        def __init__(self, vocab, padding_idx, eps=0.1):
            super().__init__()
            self.kl = nn.KLDivLoss(reduction="sum")
            self.vocab, self.padding_idx, self.eps = vocab, padding_idx, eps

        def forward(self, logp, target):
            dist = logp.detach().clone().fill_(self.eps / (self.vocab - 2))
            dist.scatter_(1, target.unsqueeze(1), 1.0 - self.eps)
            dist[:, self.padding_idx] = 0{rows}
            return self.kl(logp, dist.detach())
    """

# learned latents cross-attending to a padded input with a mask; {ret} is the forward's result
PERCEIVER = """
    import torch
    import torch.nn as nn
    import torch.nn.functional as F

    class Cross(nn.Module):
        def __init__(self, d):
            super().__init__()
            self.q, self.kv = nn.Linear(d, d), nn.Linear(d, 2 * d)

        def forward(self, latents, inputs, input_lengths):
            k, v = self.kv(inputs).chunk(2, dim=-1)
            keep = torch.arange(inputs.size(1))[None, :] < input_lengths[:, None]
            out = F.scaled_dot_product_attention(self.q(latents), k, v, attn_mask=keep[:, None, :])
            return latents + out

    class Perceiver(nn.Module):
        def __init__(self, d, n_latents=64):
            super().__init__()
            self.latents = nn.Parameter(torch.randn(n_latents, d))
            self.cross = Cross(d)

        def forward(self, inputs, input_lengths):
            x = self.latents.unsqueeze(0).expand(inputs.size(0), -1, -1)
            x = self.cross(x, inputs, input_lengths)
            return {ret}
"""

# (name, correct code, buggy twin, the codes the twin must draw)
def twin(name: str, template: str, good: str, bad: str, expected: list[str]) -> tuple:
    """A CASES entry from one source whose correct and buggy forms differ only at `{fix}`."""
    return name, template.replace("{fix}", good), template.replace("{fix}", bad), expected


TWIN_HF_COLLATOR_MASK = """
        import torch
        from torch import nn


        def data_collator(features, pad_token_id=0):
            max_len = max(len(f["input_ids"]) for f in features)
            batch = {"input_ids": [], "attention_mask": []}
            for f in features:
                n_pad = max_len - len(f["input_ids"])
                batch["input_ids"].append(list(f["input_ids"]) + [pad_token_id] * n_pad)
                batch["attention_mask"].append([1] * len(f["input_ids"]) + [0] * n_pad)
            return {k: torch.tensor(v) for k, v in batch.items()}


        class Tagger(nn.Module):
            def __init__(self, d=48):
                super().__init__()
                self.emb = nn.Embedding(500, d, padding_idx=0)
                self.encoder = nn.TransformerEncoder(nn.TransformerEncoderLayer(d, 4, batch_first=True), 2)
                self.out = nn.Linear(d, 5)

            def forward(self, input_ids, attention_mask=None, labels=None):
                hidden = self.encoder(self.emb(input_ids){fix})
                return self.out(hidden)
        """


TWIN_VIEW_AS_LOSS = """
        import torch.nn.functional as F


        def lm_loss(model, input_ids, attention_mask):
            logits = model(input_ids, attention_mask)
            shift_logits = logits[:, :-1, :]
            shift_labels = input_ids[:, 1:]
            shift_mask = attention_mask[:, {fix}].to(logits.dtype)
            per_token = F.cross_entropy(shift_logits.reshape(-1, shift_logits.size(-1)), shift_labels.reshape(-1),
                                        reduction="none")
            per_token = per_token.view_as(shift_labels)
            return (per_token * shift_mask).sum() / shift_mask.sum()
        """


TWIN_CONV_HELPER_LENGTHS = """
        import torch
        from torch.nn.utils.rnn import pad_sequence


        def out_lengths(lens, kernel_size, stride, padding):
            return (lens + 2 * padding - kernel_size) // stride + 1


        def sequence_mask(lens, max_len):
            return torch.arange(max_len)[None, :] < lens[:, None]


        def embed(feats, conv):
            x = pad_sequence(feats, batch_first=True)
            lens = torch.tensor([f.size(0) for f in feats])
            y = conv(x.transpose(1, 2)).transpose(1, 2)
            y_lens = out_lengths(lens, 3, 2, 1)
            keep = sequence_mask(y_lens, y.size(1)).unsqueeze(-1).to(y.dtype)
            return (y * keep).sum(dim=1) / {fix}
        """


TWIN_OTHER_PAD_ID = """
        import torch.nn as nn
        from torch.nn.utils.rnn import pack_padded_sequence

        PAD_ID = 1


        class Encoder(nn.Module):
            def __init__(self):
                super().__init__()
                self.emb = nn.Embedding(40, 16, padding_idx=PAD_ID)
                self.lstm = nn.LSTM(16, 32, batch_first=True)

            def forward(self, ids):
                lengths = (ids != {fix}).sum(dim=1)
                packed = pack_padded_sequence(self.emb(ids), lengths.cpu(), batch_first=True, enforce_sorted=False)
                return self.lstm(packed)[1][0][-1]
        """


CASES = [
    ("lengths-back-on-cpu", """
        import torch
        from torch.nn.utils.rnn import pack_padded_sequence

        def encode(rnn, feats, feat_lens):
            feat_lens = feat_lens.to(feats.device)
            mask = torch.arange(feats.size(1), device=feats.device)[None, :] < feat_lens[:, None]
            a = pack_padded_sequence(feats, feat_lens.to("cpu"), batch_first=True, enforce_sorted=False)
            b = pack_padded_sequence(feats, feat_lens.tolist(), batch_first=True, enforce_sorted=False)
            return rnn(a), rnn(b), mask
        """, """
        import torch
        from torch.nn.utils.rnn import pack_padded_sequence

        def encode(rnn, feats, feat_lens):
            feat_lens = feat_lens.to(feats.device)
            mask = torch.arange(feats.size(1), device=feats.device)[None, :] < feat_lens[:, None]
            a = pack_padded_sequence(feats, feat_lens, batch_first=True, enforce_sorted=False)
            return rnn(a), mask
        """, ["PAD102"]),
    ("lengths-moved-from-a-batch-item", """
        from torch.nn.utils.rnn import pack_padded_sequence

        def step(rnn, data, device):
            feats, lens = data[0].to(device), data[1]
            return rnn(pack_padded_sequence(feats, lens, batch_first=True, enforce_sorted=False))
        """, """
        from torch.nn.utils.rnn import pack_padded_sequence

        def step(rnn, data, device):
            feats, lens = data[0].to(device), data[1].to(device)
            return rnn(pack_padded_sequence(feats, lens, batch_first=True, enforce_sorted=False))

        def step2(rnn, batch, device):
            tokens, lengths = tuple(t.to(device) for t in batch)
            return rnn(pack_padded_sequence(tokens, lengths, batch_first=True, enforce_sorted=False))
        """, ["PAD102", "PAD102"]),
    ("one-step-decoder-input-in-a-variable", """
        import torch
        import torch.nn.functional as F

        def decode_step(self, prev_token, hidden, enc_out, src_mask):
            emb = self.embed(prev_token)
            scores = torch.bmm(enc_out, hidden[-1].unsqueeze(2)).squeeze(2)
            ctx = torch.bmm(F.softmax(scores.masked_fill(~src_mask, float("-inf")), 1).unsqueeze(1), enc_out)
            rnn_in = torch.cat([emb, ctx.squeeze(1)], dim=-1).unsqueeze(0)
            output, hidden = self.gru(rnn_in, hidden)
            return F.log_softmax(self.out(output[-1]), dim=-1), hidden
        """, """
        import torch.nn as nn
        from torch.nn.utils.rnn import pad_sequence

        class Encoder(nn.Module):
            def __init__(self):
                super().__init__()
                self.gru = nn.GRU(8, 16)
                self.out = nn.Linear(16, 4)

            def forward(self, seqs):
                x = pad_sequence(seqs)
                output, hidden = self.gru(x)
                return self.out(output[-1])
        """, ["PAD202"]),
    ("lengths-filled-with-the-padded-length", """
        from torch.nn.utils.rnn import pack_padded_sequence

        def encode(rnn, x, lengths):
            return rnn(pack_padded_sequence(x, lengths.cpu(), batch_first=True, enforce_sorted=False))
        """, """
        import torch
        from torch.nn.utils.rnn import pack_padded_sequence

        def a(rnn, x):
            B, T, _ = x.shape
            return rnn(pack_padded_sequence(x, x.new_full((B,), T).cpu(), batch_first=True))

        def b(rnn, x):
            lengths = torch.tensor(x.size(1)).repeat(x.size(0))
            return rnn(pack_padded_sequence(x, lengths, batch_first=True))
        """, ["PAD101", "PAD101"]),
    ("block-diagonal-mask-over-packed-documents", """
        import torch

        def block_mask(seq_lens, total_len, device):
            attn_mask = torch.zeros(total_len, total_len, dtype=torch.bool, device=device)
            start = 0
            for n in seq_lens:
                attn_mask[start : start + n, start : start + n] = True
                start += n
            return attn_mask
        """, """
        import torch

        def loss_mask_for(token_lists):
            lens = [len(t) for t in token_lists]
            loss_mask = torch.zeros(len(lens), max(lens))
            for b, (toks, n) in enumerate(zip(token_lists, lens)):
                loss_mask[b, :n] = 1.0
            return loss_mask
        """, ["PAD501"]),
    ("mask-polarity-from-ne-and-non-pad-names", """
        import torch.nn as nn

        class Encoder(nn.Module):
            def __init__(self, pad_token):
                super().__init__()
                self.pad_token = pad_token
                self.embed = nn.Embedding(30, 16)
                self.attn = nn.MultiheadAttention(16, 2, batch_first=True)

            def forward(self, residues):
                non_pad_mask = residues.ne(self.pad_token)
                x = self.embed(residues)
                h, _ = self.attn(x, x, x, key_padding_mask=non_pad_mask.logical_not())
                return h
        """, """
        import torch.nn as nn

        class Encoder(nn.Module):
            def __init__(self, pad_token_id):
                super().__init__()
                self.pad_token_id = pad_token_id
                self.embed = nn.Embedding(30, 16)
                self.encoder = nn.TransformerEncoder(nn.TransformerEncoderLayer(16, 2, batch_first=True), 1)

            def forward(self, input_ids):
                real_tokens = input_ids.ne(self.pad_token_id)
                return self.encoder(self.embed(input_ids), src_key_padding_mask=real_tokens)
        """, ["PAD402"]),
    ("sdpa-mask-indexed-with-none", """
        import torch.nn.functional as F

        def attend(q, k, v, token_ids, pad_id):
            keep = token_ids != pad_id
            return F.scaled_dot_product_attention(q, k, v, attn_mask=keep[:, None, None, :])
        """, """
        import torch.nn.functional as F

        def attend(q, k, v, token_ids, pad_id):
            is_pad = token_ids == pad_id
            return F.scaled_dot_product_attention(q, k, v, attn_mask=is_pad[:, None, None, :])
        """, ["PAD402"]),
    ("in-place-weak-fills-before-softmax", """
        import torch
        import torch.nn.functional as F

        def pool(u, context, word_ids, pad_idx):
            logits = torch.matmul(u, context)
            logits.masked_fill_(word_ids == pad_idx, float("-inf"))
            return F.softmax(logits, dim=1)
        """, """
        import torch
        import torch.nn.functional as F

        def pool(u, context, word_ids, pad_idx):
            logits = torch.matmul(u, context)
            logits.masked_fill_(word_ids == pad_idx, 0)
            return F.softmax(logits, dim=1)

        def gate(q, k, neighbor_mask):
            logits = torch.matmul(q, k.transpose(-1, -2))
            logits *= neighbor_mask
            return torch.softmax(logits, dim=-1)
        """, ["PAD403", "PAD403"]),
    ("bidirectional-read-with-a-full-feature-slice", """
        import torch
        import torch.nn as nn
        from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence

        class Enc(nn.Module):
            def __init__(self):
                super().__init__()
                self.rnn = nn.GRU(8, 16, batch_first=True, bidirectional=True)

            def forward(self, x, lengths):
                out, _ = self.rnn(pack_padded_sequence(x, lengths.cpu(), batch_first=True, enforce_sorted=False))
                out, _ = pad_packed_sequence(out, batch_first=True)
                return out[torch.arange(out.size(0)), lengths - 1, :16]
        """, """
        import torch
        import torch.nn as nn
        from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence

        class Enc(nn.Module):
            def __init__(self):
                super().__init__()
                self.rnn = nn.GRU(8, 16, batch_first=True, bidirectional=True)

            def forward(self, x, lengths):
                out, _ = self.rnn(pack_padded_sequence(x, lengths.cpu(), batch_first=True, enforce_sorted=False))
                out, _ = pad_packed_sequence(out, batch_first=True)
                return out[torch.arange(out.size(0)), lengths - 1, :]
        """, ["PAD203"]),
    ("nanmean-over-nan-padding", """
        import torch
        from torch.nn.utils.rnn import pad_sequence

        def stats(seqs):
            x = pad_sequence(seqs, batch_first=True, padding_value=float("nan"))
            return torch.nanmean(x, dim=1)
        """, """
        import torch
        from torch.nn.utils.rnn import pad_sequence

        def stats(seqs):
            x = pad_sequence(seqs, batch_first=True, padding_value=0.0)
            return torch.mean(x, dim=1)
        """, ["PAD301"]),
    ("elementwise-loss-with-an-unused-lengths-parameter", """
        import torch
        import torch.nn as nn
        import torch.nn.functional as F

        class Predictor(nn.Module):
            def __init__(self):
                super().__init__()
                self.conv = nn.Conv1d(8, 8, 3, padding=1)

        def duration_loss(log_dur_pred, dur_target, phone_lengths):
            mask = torch.arange(dur_target.size(1))[None] < phone_lengths[:, None]
            return F.smooth_l1_loss(log_dur_pred[mask], dur_target.float().log1p()[mask])
        """, """
        import torch.nn as nn
        import torch.nn.functional as F

        class Predictor(nn.Module):
            def __init__(self):
                super().__init__()
                self.conv = nn.Conv1d(8, 8, 3, padding=1)

        def duration_loss(log_dur_pred, dur_target, phone_lengths):
            return F.smooth_l1_loss(log_dur_pred, dur_target.float().log1p())
        """, ["PAD304"]),
    ("time-major-rnn-fed-a-batch-first-pad-sequence", """
        import torch.nn as nn
        from torch.nn.utils.rnn import pad_sequence

        class Enc(nn.Module):
            def __init__(self):
                super().__init__()
                self.lstm = nn.LSTM(8, 16, num_layers=2)

            def forward(self, utterances):
                x = pad_sequence(utterances)
                out, _ = self.lstm(x)
                return out
        """, """
        import torch.nn as nn
        from torch.nn.utils.rnn import pad_sequence

        class Enc(nn.Module):
            def __init__(self):
                super().__init__()
                self.lstm = nn.LSTM(8, 16, num_layers=2)

            def forward(self, utterances):
                x = pad_sequence(utterances, batch_first=True, padding_value=0.0)
                out, _ = self.lstm(x)
                return out
        """, ["PAD104"]),
    ("layers-in-a-module-list", """
        import torch
        import torch.nn as nn

        class Encoder(nn.Module):
            def __init__(self, d, n):
                super().__init__()
                self.layers = nn.ModuleList([nn.TransformerEncoderLayer(d, 4, batch_first=True) for _ in range(n)])

            def forward(self, x, lengths):
                pad = torch.arange(x.size(1))[None] >= lengths[:, None]
                for layer in self.layers:
                    x = layer(x, src_key_padding_mask=pad)
                return x
        """, """
        import torch.nn as nn

        class Encoder(nn.Module):
            def __init__(self, d, n):
                super().__init__()
                self.layers = nn.ModuleList([nn.TransformerEncoderLayer(d, 4, batch_first=True) for _ in range(n)])

            def forward(self, x, lengths):
                for layer in self.layers:
                    x = layer(x)
                return x
        """, ["PAD401"]),
    ("pooling-after-a-transformer-encoder", """
        import math
        import torch.nn as nn

        class Classifier(nn.Module):
            def __init__(self, vocab, pad_idx=0):
                super().__init__()
                self.pad_idx = pad_idx
                self.emb = nn.Embedding(vocab, 64, padding_idx=pad_idx)
                self.encoder = nn.TransformerEncoder(nn.TransformerEncoderLayer(64, 4, batch_first=True), 2)

            def forward(self, tokens):
                pad_mask = tokens.eq(self.pad_idx)
                h = self.encoder(self.emb(tokens) * math.sqrt(64), src_key_padding_mask=pad_mask)
                keep = (~pad_mask).unsqueeze(-1).float()
                return (h * keep).sum(dim=1) / keep.sum(dim=1).clamp(min=1)
        """, """
        import math
        import torch.nn as nn

        class Classifier(nn.Module):
            def __init__(self, vocab, pad_idx=0):
                super().__init__()
                self.pad_idx = pad_idx
                self.emb = nn.Embedding(vocab, 64, padding_idx=pad_idx)
                self.encoder = nn.TransformerEncoder(nn.TransformerEncoderLayer(64, 4, batch_first=True), 2)

            def forward(self, tokens):
                pad_mask = tokens.eq(self.pad_idx)
                h = self.encoder(self.emb(tokens) * math.sqrt(64), src_key_padding_mask=pad_mask)
                lengths = (~pad_mask).sum(1, keepdim=True).clamp(min=1)
                return h.sum(dim=1) / lengths
        """, ["PAD301"]),
    ("lengths-moved-in-a-dict-comprehension", """
        import torch.nn as nn
        from torch.nn.utils.rnn import pack_padded_sequence

        class Scorer(nn.Module):
            def __init__(self):
                super().__init__()
                self.embed = nn.Embedding(100, 16, padding_idx=0)
                self.lstm = nn.LSTM(16, 16, batch_first=True)

            def forward(self, input_ids, lengths):
                packed = pack_padded_sequence(self.embed(input_ids), lengths.cpu(), batch_first=True,
                                              enforce_sorted=False)
                return self.lstm(packed)[1][0][-1]

        def main(loader, device):
            model = Scorer().to(device)
            for batch in loader:
                batch = {k: v.to(device) for k, v in batch.items()}
                model(batch["input_ids"], batch["lengths"]).sum().backward()
        """, """
        import torch.nn as nn
        from torch.nn.utils.rnn import pack_padded_sequence

        class Scorer(nn.Module):
            def __init__(self):
                super().__init__()
                self.embed = nn.Embedding(100, 16, padding_idx=0)
                self.lstm = nn.LSTM(16, 16, batch_first=True)

            def forward(self, input_ids, lengths):
                packed = pack_padded_sequence(self.embed(input_ids), lengths, batch_first=True, enforce_sorted=False)
                return self.lstm(packed)[1][0][-1]

        def main(loader, device):
            model = Scorer().to(device)
            for batch in loader:
                batch = {k: v.to(device) for k, v in batch.items()}
                model(batch["input_ids"], batch["lengths"]).sum().backward()
        """, ["PAD102"]),
    ("collate-written-as-a-class-and-a-stack-of-F-pad", """
        import torch
        import torch.nn.functional as F
        from torch.nn.utils.rnn import pad_sequence
        from torch.utils.data import DataLoader

        class TTSCollate:
            def __call__(self, batch):
                mels = pad_sequence([b[1] for b in batch], batch_first=True)
                lens = torch.tensor([len(b[1]) for b in batch])
                return mels, lens

        def train(model, dataset):
            loader = DataLoader(dataset, batch_size=16, collate_fn=TTSCollate())
            for mels, lens in loader:
                mask = (torch.arange(mels.size(1))[None] < lens[:, None]).unsqueeze(-1)
                loss = F.mse_loss(model(mels).masked_select(mask), mels.masked_select(mask))
                loss.backward()
        """, """
        import torch
        import torch.nn.functional as F
        from torch.nn.utils.rnn import pad_sequence
        from torch.utils.data import DataLoader

        class TTSCollate:
            def __call__(self, batch):
                mels = pad_sequence([b[1] for b in batch], batch_first=True)
                return mels

        def train(model, dataset):
            loader = DataLoader(dataset, batch_size=16, collate_fn=TTSCollate())
            for mels in loader:
                loss = F.mse_loss(model(mels), mels)
                loss.backward()

        def pitch_loss(f0_pred, items, max_frames):
            f0 = torch.stack([F.pad(it, (0, max_frames - it.size(-1))) for it in items])
            return F.l1_loss(f0_pred, f0)
        """, ["PAD304", "PAD304"]),
    ("one-sample-relative-length", """
        def unpad_batch(feats, wav_lens):
            out = []
            for i in range(feats.size(0)):
                n = int(round(float(wav_lens[i]) * feats.size(1)))
                out.append(feats[i, :n])
            return out
        """, """
        def unpad_batch(feats, wav_lens):
            out = []
            for i in range(feats.size(0)):
                n = int(wav_lens[i] * feats.size(1))
                out.append(feats[i, :n])
            return out
        """, ["PAD107"]),
    ("batch-spread-into-a-training-step-and-a-loss-passed-in", """
        import torch
        import torch.nn as nn
        from torch.nn.utils.rnn import pack_padded_sequence, pad_sequence
        from torch.utils.data import DataLoader

        PAD_IDX = 1

        def collate(batch):
            src = pad_sequence([b[0] for b in batch], padding_value=PAD_IDX)
            tgt = pad_sequence([b[1] for b in batch], padding_value=PAD_IDX)
            return src, torch.tensor([len(b[0]) for b in batch]), tgt

        class Encoder(nn.Module):
            def __init__(self):
                super().__init__()
                self.embedding = nn.Embedding(100, 16, padding_idx=PAD_IDX)
                self.gru = nn.GRU(16, 16)

            def forward(self, src, lengths):
                return self.gru(pack_padded_sequence(self.embedding(src), lengths, enforce_sorted=False))

        def train_step(src, lengths, tgt, encoder, loss_fn, device):
            out, hidden = encoder(src.to(device), lengths)
            return loss_fn(hidden[-1], tgt[0].to(device))

        def main(dataset, device):
            encoder = Encoder().to(device)
            loss_fn = nn.CrossEntropyLoss(ignore_index=PAD_IDX)
            for batch in DataLoader(dataset, batch_size=8, collate_fn=collate):
                train_step(*batch, encoder, loss_fn, device).backward()
        """, """
        import torch
        import torch.nn as nn
        from torch.nn.utils.rnn import pack_padded_sequence, pad_sequence
        from torch.utils.data import DataLoader

        PAD_IDX = 1

        def collate(batch):
            src = pad_sequence([b[0] for b in batch], padding_value=PAD_IDX)
            tgt = pad_sequence([b[1] for b in batch], padding_value=PAD_IDX)
            return src, torch.tensor([len(b[0]) for b in batch]), tgt

        class Encoder(nn.Module):
            def __init__(self):
                super().__init__()
                self.embedding = nn.Embedding(100, 16, padding_idx=PAD_IDX)
                self.gru = nn.GRU(16, 16)

            def forward(self, src, lengths):
                return self.gru(pack_padded_sequence(self.embedding(src), lengths, enforce_sorted=False))

        def train_step(src, lengths, tgt, encoder, loss_fn, device):
            out, hidden = encoder(src.to(device), lengths.to(device))
            return out

        def run_epoch(logits, tgt, loss_fn):
            return loss_fn(logits.reshape(-1, logits.shape[-1]), tgt.reshape(-1))

        def main(dataset, device, model):
            encoder = Encoder().to(device)
            loss_fn = nn.CrossEntropyLoss(label_smoothing=0.1)
            for batch in DataLoader(dataset, batch_size=8, collate_fn=collate):
                train_step(*batch, encoder, loss_fn, device)
                src, lengths, tgt = batch
                run_epoch(model(src), tgt, loss_fn).backward()
        """, ["PAD102", "PAD303"]),
    ("one-step-decoder-fed-by-its-caller", """
        import torch
        import torch.nn as nn

        class Decoder(nn.Module):
            def __init__(self):
                super().__init__()
                self.embedding = nn.Embedding(100, 16)
                self.gru = nn.GRU(16, 16)

            def forward(self, input_step, last_hidden, encoder_outputs, src_mask):
                rnn_output, hidden = self.gru(self.embedding(input_step), last_hidden)
                return rnn_output, hidden

        def decode(target, hidden, enc, src_mask, SOS):
            decoder = Decoder()
            decoder_input = torch.full((1, target.size(1)), SOS)
            for t in range(target.size(0)):
                out, hidden = decoder(decoder_input, hidden, enc, src_mask)
                decoder_input = target[t].view(1, -1)
            return hidden
        """, """
        import torch.nn as nn

        class Encoder(nn.Module):
            def __init__(self):
                super().__init__()
                self.embedding = nn.Embedding(100, 16)
                self.gru = nn.GRU(16, 16)

            def forward(self, src, src_mask):
                rnn_output, hidden = self.gru(self.embedding(src))
                return rnn_output, hidden
        """, ["PAD201"]),
    ("predictions-from-a-model-called-on-a-padded-batch", """
        import torch
        from torch.nn.utils.rnn import pad_sequence

        def evaluate(model, seqs, labels):
            x = pad_sequence(seqs, batch_first=True)
            lengths = torch.tensor([len(s) for s in seqs])
            logits = model(x, lengths)
            _, pred = logits.max(1)
            return (pred == labels).float().mean()
        """, """
        import torch
        from torch.nn.utils.rnn import pad_sequence

        def pool(seqs):
            x = pad_sequence(seqs, batch_first=True)
            return x.max(1)[0]
        """, ["PAD301"]),
    ("targets-set-to-the-ignore-index-at-padded-positions", """
        import torch
        import torch.nn.functional as F

        CHAR_PAD = 0

        def step(model, chars, word_lengths, B, W):
            tags = torch.randint(0, 4, (B, W))
            tags[torch.arange(W)[None] >= word_lengths[:, None]] = -100
            logits = model(chars, word_lengths)
            return F.cross_entropy(logits.reshape(-1, 4), tags.reshape(-1))
        """, """
        import torch
        import torch.nn.functional as F

        CHAR_PAD = 0

        def step(model, chars, word_lengths, B, W):
            tags = torch.randint(0, 4, (B, W))
            tags[torch.arange(W)[None] >= word_lengths[:, None]] = 0
            logits = model(chars, word_lengths)
            return F.cross_entropy(logits.reshape(-1, 4), tags.reshape(-1))
        """, ["PAD303"]),
    ("per-row-masked-mean-with-counts-from-a-helper", """
        def _iter_slices(mask):
            for i in range(3):
                slice_mask = mask[:, :, i]
                slice_len = slice_mask.sum(dim=-1).clamp_min(1)
                yield i, slice_mask, slice_len

        def kl(criterion, student, teacher, mask):
            loss = 0.0
            for _, slice_mask, slice_len in _iter_slices(mask):
                slice_loss = criterion(input=student, target=teacher).sum(dim=-1)
                loss = loss + (slice_loss * slice_mask).sum(dim=-1) / slice_len
            return loss.mean()
        """, """
        def kl(criterion, student, teacher, mask):
            slice_loss = criterion(input=student, target=teacher).sum(dim=-1)
            return (slice_loss * mask).mean()
        """, ["PAD302"]),
    ("ocr-ctc-real-widths", """
        import torch

        def step(model, criterion, images, image_widths, targets, target_lengths):
            log_probs = model(images).log_softmax(2)
            input_lengths = torch.div(image_widths, 4, rounding_mode="floor")
            return criterion(log_probs, targets, input_lengths, target_lengths)
        """, """
        import torch

        def step(model, criterion, images, image_widths, targets, target_lengths):
            log_probs = model(images).log_softmax(2)
            input_lengths = torch.LongTensor([log_probs.size(0)] * images.size(0))
            return torch.nn.functional.ctc_loss(log_probs, targets, input_lengths, target_lengths)
        """, ["PAD305"]),
    ("attention-over-hidden-beside-lengths", """
        import torch
        from torch import nn

        class TurnEncoder(nn.Module):
            def __init__(self, dim):
                super().__init__()
                self.attn = nn.MultiheadAttention(dim, 4, batch_first=True)

            def forward(self, hidden, lengths):
                pad = torch.arange(hidden.size(1), device=hidden.device)[None, :] >= lengths[:, None]
                ctx, _ = self.attn(hidden, hidden, hidden, key_padding_mask=pad)
                return ctx

            def step(self, hidden, cell):
                ctx, _ = self.attn(hidden, hidden, hidden)
                return ctx + cell
        """, """
        from torch import nn

        class TurnEncoder(nn.Module):
            def __init__(self, dim):
                super().__init__()
                self.attn = nn.MultiheadAttention(dim, 4, batch_first=True)

            def forward(self, hidden, lengths):
                ctx, _ = self.attn(hidden, hidden, hidden, need_weights=False)
                return ctx[:, 0] * lengths[:, None]
        """, ["PAD401"]),
    ("functional-gather-of-a-bidirectional-output", """
        import torch
        from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence

        rnn = torch.nn.GRU(8, 16, batch_first=True, bidirectional=True)

        def summary(feats, x_lens):
            out, _ = rnn(pack_padded_sequence(feats, x_lens.cpu(), batch_first=True, enforce_sorted=False))
            out, _ = pad_packed_sequence(out, batch_first=True)
            idx = (x_lens - 1).view(-1, 1, 1).expand(-1, 1, 16)
            return torch.gather(out[..., :16], 1, idx).squeeze(1)
        """, """
        import torch
        from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence

        rnn = torch.nn.GRU(8, 16, batch_first=True, bidirectional=True)

        def summary(feats, x_lens):
            out, _ = rnn(pack_padded_sequence(feats, x_lens.cpu(), batch_first=True, enforce_sorted=False))
            out, _ = pad_packed_sequence(out, batch_first=True)
            idx = (x_lens - 1).view(-1, 1, 1).expand(-1, 1, out.size(2))
            return torch.gather(out, 1, idx).squeeze(1)
        """, ["PAD203"]),
    ("pad-id-attribute-copied-from-a-tokenizer", """
        import torch.nn as nn

        class Trainer:
            def __init__(self, model, tokenizer):
                self.model = model
                self.pad_token_id = tokenizer.pad_token_id  # for decoder inputs; labels use -100

            def nll(self, logits, labels):
                loss_fct = nn.CrossEntropyLoss()
                return loss_fct(logits.view(-1, logits.shape[-1]), labels.view(-1))
        """, """
        import torch.nn as nn

        class Trainer:
            def __init__(self, model, tokenizer):
                self.model = model

            def nll(self, logits, labels, pad_token_id):
                loss_fct = nn.CrossEntropyLoss()
                return loss_fct(logits.view(-1, logits.shape[-1]), labels.view(-1))
        """, ["PAD303"]),
    ("nanmean-after-an-elementwise-method", """
        import torch
        from torch.nn.utils.rnn import pad_sequence

        def energy(windows):
            stacked = pad_sequence(list(windows), padding_value=float("nan"))
            return stacked.pow(2).nanmean(dim=0), stacked.abs().nanmean(dim=0)
        """, """
        import torch
        from torch.nn.utils.rnn import pad_sequence

        def energy(windows):
            stacked = pad_sequence(list(windows), padding_value=float("nan"))
            return stacked.pow(2).mean(dim=0)
        """, ["PAD301"]),
    ("last-index-given-new-axes-by-indexing", """
        import torch
        from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence

        rnn = torch.nn.LSTM(8, 16, batch_first=True)

        def summary(x, seq_lens):
            states, _ = rnn(pack_padded_sequence(x, seq_lens.cpu(), batch_first=True, enforce_sorted=False))
            states, _ = pad_packed_sequence(states, batch_first=True)
            idx = (seq_lens - 1)[:, None, None].expand(-1, 1, states.size(-1))
            return torch.gather(states, 1, idx).squeeze(1)
        """, """
        import torch
        from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence

        rnn = torch.nn.LSTM(8, 16, batch_first=True, bidirectional=True)

        def summary(x, seq_lens):
            states, _ = rnn(pack_padded_sequence(x, seq_lens.cpu(), batch_first=True, enforce_sorted=False))
            states, _ = pad_packed_sequence(states, batch_first=True)
            idx = (seq_lens - 1)[:, None, None].expand(-1, 1, states.size(-1))
            return torch.gather(states, 1, idx).squeeze(1)
        """, ["PAD203"]),
    ("attention-maps-averaged-over-heads", """
        import torch.nn.functional as F

        def distill(attention_S, attention_T, mask):
            if attention_S.dim() == 4:
                attention_S = attention_S.mean(dim=1)
                attention_T = attention_T.mean(dim=1)
            probs_T = F.softmax(attention_T, dim=-1)
            loss = -((probs_T * F.log_softmax(attention_S, dim=-1) * mask.unsqueeze(1)).sum(-1) * mask).sum()
            return loss / mask.sum()
        """, """
        def pool(features, mask):
            return features.mean(dim=1), mask
        """, ["PAD301"]),
    ("masks-combined-flattened-and-filled-in-place", """
        import torch
        from torch import nn

        loss_fct = nn.BCEWithLogitsLoss(reduction="none")

        def pretrain(seq, feats, score, mask_token):
            loss = loss_fct(score, feats)
            keep = (seq != mask_token).float() * (seq != 0).float()
            return torch.sum(loss * keep.flatten().unsqueeze(-1))

        def encode(lstm, sent, sent_len_sorted):
            out = lstm(nn.utils.rnn.pack_padded_sequence(sent, sent_len_sorted))[0]
            out = nn.utils.rnn.pad_packed_sequence(out)[0]
            out[out == 0] = -1e9
            return torch.max(out, 0)[0]
        """, """
        import torch
        from torch import nn

        def encode(lstm, sent, sent_len_sorted):
            out = lstm(nn.utils.rnn.pack_padded_sequence(sent, sent_len_sorted))[0]
            out = nn.utils.rnn.pad_packed_sequence(out)[0]
            out[out == 0] = 0.0
            return torch.max(out, 0)[0]
        """, ["PAD301"]),
    ("sequence-classifier-loss-per-sample", """
        import torch
        from transformers import AutoModelForSequenceClassification, AutoTokenizer

        tokenizer = AutoTokenizer.from_pretrained("bert-base-uncased")
        model = AutoModelForSequenceClassification.from_pretrained("bert-base-uncased")
        loss_fct = torch.nn.CrossEntropyLoss(reduction="none")

        def step(texts, targets, weights):
            encoded = tokenizer(texts, padding=True, return_tensors="pt")
            logits = model(**encoded)[0]
            return torch.mean(loss_fct(logits, targets) * weights)
        """, """
        import torch
        from transformers import AutoModelForTokenClassification, AutoTokenizer

        tokenizer = AutoTokenizer.from_pretrained("bert-base-uncased")
        model = AutoModelForTokenClassification.from_pretrained("bert-base-uncased")
        loss_fct = torch.nn.CrossEntropyLoss(reduction="none")

        def step(texts, tags):
            encoded = tokenizer(texts, padding=True, return_tensors="pt")
            logits = model(**encoded)[0]
            return torch.mean(loss_fct(logits.view(-1, logits.size(-1)), tags.view(-1)))
        """, ["PAD301"]),
    ("permuted-probably-padded-tensor", """
        import torch

        def auto_correlation(queries, keys, attn_mask):
            q = torch.fft.rfft(queries.permute(0, 2, 3, 1).contiguous(), dim=-1)
            k = torch.fft.rfft(keys.permute(0, 2, 3, 1).contiguous(), dim=-1)
            corr = torch.fft.irfft(q * torch.conj(k), dim=-1)
            return torch.mean(torch.mean(corr, dim=1), dim=1)
        """, """
        import torch

        def pool(queries, key_padding_mask):
            return torch.mean(queries, dim=1)
        """, ["PAD301"]),
    ("old-and-new-spellings-of-the-same-padding", """
        import torch
        import torch.nn as nn
        from torch.autograd import Variable

        criterion = nn.CTCLoss()

        def ctc(preds, images, image_widths, text, text_lengths):
            preds_size = Variable(torch.IntTensor((image_widths // 4).tolist()))
            return criterion(preds, text, preds_size, text_lengths)

        def pooled(rows, lengths):
            dense = torch.nested.to_padded_tensor(torch.nested.nested_tensor(rows), 0.0)
            range_tensor = lengths.new_ones(lengths.size(0), dense.size(1)).cumsum(dim=1)
            mask = (lengths.unsqueeze(1) >= range_tensor).float().unsqueeze(-1)
            return (dense * mask).sum(1) / mask.sum(1)
        """, """
        import torch
        import torch.nn as nn
        from torch.autograd import Variable

        criterion = nn.CTCLoss()

        def ctc(preds, images, image_widths, text, text_lengths):
            preds_size = Variable(torch.IntTensor([preds.size(0)] * images.size(0)))
            return criterion(preds, text, preds_size, text_lengths)

        def pooled(rows, lengths):
            dense = torch.nested.nested_tensor(rows).to_padded_tensor(0.0)
            range_tensor = lengths.new_ones(lengths.size(0), dense.size(1)).cumsum(dim=1)
            mask = (lengths.unsqueeze(1) >= range_tensor).float()
            return dense.mean(dim=1), (dense.sum(-1) * mask).sum() / dense.sum(-1).numel()
        """, ["PAD301", "PAD302", "PAD305"]),
    ("masks-by-outer-product-fill-and-early-return", """
        import torch

        def greedy_cos(hyp, ref, hyp_mask, ref_mask):
            sim = torch.bmm(hyp, ref.transpose(1, 2))
            masks = torch.bmm(hyp_mask.unsqueeze(2).float(), ref_mask.unsqueeze(1).float())
            return (sim * masks).max(dim=1)[0]

        def max_pool(features):
            token_embeddings = features["token_embeddings"]
            attention_mask = features["attention_mask"]
            token_embeddings[attention_mask == 0] = -1e9
            return torch.max(token_embeddings, 1)[0]

        def pool(x, mask=None):
            if mask is not None:
                return (x * mask[..., None]).sum(1) / mask.sum(1, keepdim=True)
            return x.mean(dim=1)

        def reduce(loss, target_mask=None):
            if target_mask is not None:
                loss = loss * target_mask
            loss_mask = target_mask
            if loss_mask is None:
                return loss.mean()
            return loss.sum() / loss_mask.sum()
        """, """
        import torch

        def pool(x, mask=None):
            if mask is None:
                return x.mean(dim=1)
            return x.mean(dim=1)
        """, ["PAD301"]),
    ("ignored-targets-summed-right-averaged-wrong", """
        import torch.nn.functional as F
        from torch.nn.utils.rnn import pad_sequence

        def example_losses(logits, examples):
            labels = pad_sequence(examples, batch_first=True, padding_value=-100)
            tok_loss = F.cross_entropy(logits.transpose(1, 2), labels, reduction="none")
            n_tok = (labels != -100).sum(dim=1).clamp(min=1)
            return tok_loss.sum(dim=1) / n_tok
        """, """
        import torch.nn.functional as F
        from torch.nn.utils.rnn import pad_sequence

        def example_losses(logits, examples):
            labels = pad_sequence(examples, batch_first=True, padding_value=-100)
            tok_loss = F.cross_entropy(logits.transpose(1, 2), labels, reduction="none")
            return tok_loss.mean(dim=1)
        """, ["PAD301"]),
    ("negated-masked-sum-and-pad-id-beside-a-mask", """
        import torch.nn.functional as F

        PAD_TOKEN_ID = 0

        def sft_loss(logps_tok, mask):
            return -(logps_tok * mask).sum() / mask.sum()

        def clm_loss(logits, input_ids, attention_mask):
            shift_logits, shift_labels = logits[:, :-1], input_ids[:, 1:]
            return F.cross_entropy(shift_logits.reshape(-1, shift_logits.size(-1)), shift_labels.reshape(-1),
                                   ignore_index=PAD_TOKEN_ID)
        """, """
        import torch.nn.functional as F

        PAD_TOKEN_ID = 0

        def sft_loss(logps_tok, mask):
            B, T = logps_tok.shape
            return -(logps_tok * mask).sum() / (B * T)

        def clm_loss(logits, input_ids, attention_mask):
            shift_logits, shift_labels = logits[:, :-1], input_ids[:, 1:]
            return F.cross_entropy(shift_logits.reshape(-1, shift_logits.size(-1)), shift_labels.reshape(-1))
        """, ["PAD302", "PAD303"]),
    ("not-sequences-and-not-padding", """
        import torch
        import torch.nn.functional as F
        from torch import nn

        class Fusion(nn.Module):
            def __init__(self, vocab, dim):
                super().__init__()
                self.emb = nn.Embedding(vocab, dim, padding_idx=0)
                self.patch_proj = nn.Linear(dim, dim)
                self.fc = nn.Linear(dim, 1)

            def forward(self, ids, lengths, patches, attention_mask):
                bag = self.emb(ids).sum(dim=1) / lengths.unsqueeze(1).float()  # zero pad rows
                img = self.patch_proj(patches).mean(dim=1)  # 196 patches, never padded
                return bag, img, attention_mask

            def loss(self, pooled, target, mask=None):
                return F.mse_loss(self.fc(pooled).squeeze(-1), target)  # one score per sample

        def mix(clean, noise):
            noise = F.pad(noise, (0, clean.shape[1] - noise.shape[1]))
            return clean + noise / (noise.max(1)[0].abs().unsqueeze(1) + 1e-8)

        def span_corrupt(tokens, span_starts, span_lens):
            mlm_mask = torch.zeros_like(tokens, dtype=torch.bool)
            for i, (s, n) in enumerate(zip(span_starts.tolist(), span_lens.tolist())):
                mlm_mask[i, s:s + n] = True
            return mlm_mask

        class Block(nn.Module):
            def __init__(self, dim):
                super().__init__()
                self.attn = nn.MultiheadAttention(dim, 4, batch_first=True)

            def forward(self, x, attn_mask=None):
                return self.attn(x, x, x, need_weights=False)[0][:, 1:].mean(dim=1)
        """, """
        import torch
        from torch import nn

        class Encoder(nn.Module):
            def __init__(self, dim):
                super().__init__()
                self.enc = nn.TransformerEncoder(nn.TransformerEncoderLayer(dim, 4, batch_first=True), 2)

            def forward(self, xs_pad, ilens):
                return self.enc(xs_pad), ilens
        """, ["PAD401"]),
    ("named-mask-inverted-on-purpose-and-labels-padded-with-minus-100", """
        import math
        import torch
        import torch.nn.functional as F
        from torch import nn
        from torch.nn.utils.rnn import pad_sequence

        def attention(q, k, v, key_padding_mask=None):
            w = q.matmul(k.transpose(-1, -2)) / math.sqrt(q.size(-1))
            if key_padding_mask is not None:
                w = w.masked_fill(~key_padding_mask[:, None, None, :], torch.finfo(q.dtype).min)
            return torch.softmax(w, dim=-1).matmul(v)

        def collate(ex):
            ids = pad_sequence([e["input_ids"] for e in ex], batch_first=True, padding_value=1)
            labels = pad_sequence([e["labels"] for e in ex], batch_first=True, padding_value=-100)
            return {"input_ids": ids, "labels": labels}

        class TinyLM(nn.Module):
            def __init__(self, vocab, dim):
                super().__init__()
                self.pad_idx = 1
                self.emb = nn.Embedding(vocab, dim, padding_idx=self.pad_idx)
                self.head = nn.Linear(dim, vocab)

            def forward(self, input_ids, labels):
                logits = self.head(self.emb(input_ids))
                return F.cross_entropy(logits.view(-1, logits.size(-1)), labels.view(-1))
        """, """
        import math
        import torch

        def attention(q, k, v, attention_mask):
            w = q.matmul(k.transpose(-1, -2)) / math.sqrt(q.size(-1))
            w = w.masked_fill(attention_mask[:, None, None, :], torch.finfo(q.dtype).min)
            return torch.softmax(w, dim=-1).matmul(v)
        """, ["PAD402"]),
    ("layout-through-an-embedding-and-one-step-decoder-input", """
        import torch
        from torch import nn
        from torch.nn.utils.rnn import pack_padded_sequence, pad_sequence

        SOS = 1

        class Encoder(nn.Module):
            def __init__(self):
                super().__init__()
                self.embedding = nn.Embedding(100, 16, padding_idx=0)
                self.rnn = nn.GRU(16, 16)

            def forward(self, articles, art_lens):
                emb = self.embedding(pad_sequence(articles, padding_value=0))
                return self.rnn(pack_padded_sequence(emb, art_lens, enforce_sorted=False))

        class Decoder(nn.Module):
            def __init__(self):
                super().__init__()
                self.embedding = nn.Embedding(100, 16)
                self.gru = nn.GRU(16, 16)

            def forward(self, input_step, last_hidden, encoder_outputs, src_mask):
                out, hidden = self.gru(self.embedding(input_step), last_hidden)
                return out, hidden

        dec = Decoder()
        step = dec(torch.LongTensor([[SOS] * 4]), torch.zeros(1, 4, 16), torch.randn(7, 4, 16), None)
        """, """
        import torch
        from torch import nn
        from torch.nn.utils.rnn import pack_padded_sequence, pad_sequence

        class Encoder(nn.Module):
            def __init__(self):
                super().__init__()
                self.embedding = nn.Embedding(100, 16, padding_idx=0)
                self.rnn = nn.GRU(16, 16)

            def forward(self, articles, art_lens):
                emb = self.embedding(pad_sequence(articles, batch_first=True, padding_value=0))
                return self.rnn(pack_padded_sequence(emb, art_lens, enforce_sorted=False))
        """, ["PAD104"]),
    ("span-masks-and-optional-masks-in-lucidrains-style", """
        import torch
        import torch.nn.functional as F

        def exists(v):
            return v is not None

        def mask_from_frac_lengths(seq_len, frac_lengths):
            lengths = (frac_lengths * seq_len).long()
            start = ((seq_len - lengths) * torch.rand_like(frac_lengths)).long()
            seq = torch.arange(int(seq_len.max()))
            return (seq[None, :] >= start[:, None]) & (seq[None, :] < (start + lengths)[:, None])

        def maybe_masked_mean(t, mask=None):
            if not exists(mask):
                return t.mean(dim=1)
            t = torch.where(mask[:, :, None], t, torch.zeros(()))
            return t.sum(dim=1) / mask.sum(dim=1, keepdim=True).clamp(min=1)

        def flow_loss(model, x1, lens, frac):
            mask = torch.arange(x1.shape[1])[None, :] < lens[:, None]
            rand_span_mask = mask_from_frac_lengths(lens, frac)
            rand_span_mask &= mask
            loss = F.mse_loss(model(x1, mask=mask), x1, reduction="none")
            return loss[rand_span_mask].mean()
        """, """
        import torch
        import torch.nn.functional as F

        def flow_loss(model, x1, lens, rel_lens):
            mask = torch.arange(x1.shape[1])[None, :] < lens[:, None]
            frames = (rel_lens * x1.shape[1]).long()
            loss = F.mse_loss(model(x1, mask=mask), x1, reduction="none")
            return loss.mean(), frames
        """, ["PAD107", "PAD301"]),
    ("activations-as-functions-and-models-returning-tensors", """
        import torch
        from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence

        def pool(rnn, x, lengths):
            out, _ = rnn(pack_padded_sequence(x, lengths.cpu(), batch_first=True, enforce_sorted=False))
            out, _ = pad_packed_sequence(out, batch_first=True)
            a = torch.max(torch.relu(out), dim=1)[0]
            b = torch.tanh(out).sum(dim=1) / lengths[:, None]
            return a, b

        def embed(model, ids, am):
            hidden = model(ids, attention_mask=am)
            m = am.unsqueeze(-1).float()
            return (hidden * m).sum(1) / m.sum(1)
        """, """
        import torch
        from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence

        def pool(rnn, x, lengths):
            out, _ = rnn(pack_padded_sequence(x, lengths.cpu(), batch_first=True, enforce_sorted=False))
            out, _ = pad_packed_sequence(out, batch_first=True)
            return torch.max(torch.sigmoid(out), dim=1)[0]

        def embed(model, ids, am):
            hidden = model(ids, attention_mask=am)
            return hidden.float().mean(dim=1)
        """, ["PAD301", "PAD301"]),
    ("tokenizer-under-another-name", """
        import torch
        from transformers import AutoModel, AutoTokenizer

        tok = AutoTokenizer.from_pretrained("bert-base-uncased")
        model = AutoModel.from_pretrained("bert-base-uncased")

        def embed(sentences):
            encoded = tok(sentences, padding=True, return_tensors="pt")
            hidden = model(**encoded).last_hidden_state
            mask = encoded["attention_mask"].unsqueeze(-1).float()
            return (hidden * mask).sum(1) / mask.sum(1).clamp(min=1e-9)
        """, """
        import torch
        from transformers import AutoModel, AutoTokenizer

        tok = AutoTokenizer.from_pretrained("bert-base-uncased")
        model = AutoModel.from_pretrained("bert-base-uncased")

        def embed(sentences):
            encoded = tok(sentences, padding=True, return_tensors="pt")
            hidden = model(**encoded).last_hidden_state
            return torch.mean(hidden, 1)
        """, ["PAD301"]),
    ("dataclass-batch-carrying-lengths", """
        from dataclasses import dataclass

        import torch
        from torch import nn
        from torch.nn.utils.rnn import pack_padded_sequence

        @dataclass
        class Batch:
            token_ids: torch.Tensor
            lengths: torch.Tensor

        class Encoder(nn.Module):
            def __init__(self):
                super().__init__()
                self.embed = nn.Embedding(100, 16, padding_idx=0)
                self.gru = nn.GRU(16, 16, batch_first=True)

            def forward(self, batch: Batch):
                x = pack_padded_sequence(self.embed(batch.token_ids), batch.lengths.cpu(), batch_first=True,
                                         enforce_sorted=False)
                _, h_n = self.gru(x)
                return h_n[-1]

            def decode(self, tokens, state):
                # a decoder state that carries the encoder's mask is not a padded batch
                memory, memory_mask = state.encoder_output, state.encoder_mask
                x = self.embed(tokens)
                hidden = state.hidden
                for i in range(tokens.size(1)):
                    step = torch.cat((x[:, i:i + 1, :], state.input_feed[:, None, :]), dim=2)
                    _, hidden = self.gru(step, hidden)
                    state.input_feed = hidden[-1]
                return state.input_feed, memory, memory_mask
        """, """
        from dataclasses import dataclass

        import torch
        from torch import nn

        @dataclass
        class Batch:
            token_ids: torch.Tensor
            lengths: torch.Tensor

        class Encoder(nn.Module):
            def __init__(self):
                super().__init__()
                self.embed = nn.Embedding(100, 16, padding_idx=0)
                self.gru = nn.GRU(16, 16, batch_first=True)

            def forward(self, batch: Batch):
                _, h_n = self.gru(self.embed(batch.token_ids))
                return h_n[-1]
        """, ["PAD201"]),
    ("mask-named-by-habit-used-as-a-padding-mask", """
        import torch

        def head_loss(criterion, scores, batch):
            scores = scores.masked_fill(batch.word_mask.unsqueeze(1), -float("inf"))
            target = batch.head_idxs.masked_fill(batch.word_mask[:, 1:], -100)
            return criterion(scores.reshape(-1, scores.size(2)), target.view(-1))
        """, """
        import torch

        def head_loss(criterion, scores, batch, tokens, pad_id):
            keep = tokens != pad_id
            scores = scores.masked_fill(keep.unsqueeze(1), -float("inf"))
            return criterion(scores.reshape(-1, scores.size(2)), batch.heads.view(-1))
        """, ["PAD402"]),
    ("similarity-matrix-masks-are-not-padding", """
        import torch
        import torch.nn.functional as F

        INF = 1e7

        def regulariser(q, c):
            probs = F.softmax(q @ c.t(), dim=1)
            n = q.size(0) // 2
            mask = torch.ones_like(probs)
            idx = torch.arange(n)
            mask[idx, idx] = 0
            return torch.mean((probs * mask) ** 2)

        def best_finished(batch_size, beam_size, decode_length):
            finished = torch.full((batch_size, beam_size), -INF)
            best, _ = torch.max(finished, dim=1)
            return best / decode_length
        """, """
        import torch

        def token_loss(loss, lengths):
            mask = torch.zeros(loss.size(0), loss.size(1))
            for i in range(len(lengths)):
                mask[i][: lengths[i]] = 1
            return (loss * mask).mean()
        """, ["PAD302", "PAD501"]),
    ("token-accuracy-over-padded-targets", """
        import torch
        from torch.nn.utils.rnn import pad_sequence

        @torch.no_grad()
        def token_accuracy(model, inputs, target_seqs):
            targets = pad_sequence(target_seqs, batch_first=True, padding_value=-100)
            preds = model(inputs).argmax(-1)
            keep = targets != -100
            a = (preds == targets)[keep].float().mean()
            b = ((preds == targets) & keep).sum() / keep.sum()
            return a, b, (preds == targets).sum()
        """, """
        import torch
        from torch.nn.utils.rnn import pad_sequence

        @torch.no_grad()
        def token_accuracy(model, inputs, target_seqs):
            targets = pad_sequence(target_seqs, batch_first=True, padding_value=-100)
            preds = model(inputs).argmax(-1)
            return (preds == targets).float().mean()
        """, ["PAD301"]),
    ("lightning-step-gets-the-collate-of-its-dataloader", """
        import pytorch_lightning as pl
        import torch
        import torch.nn.functional as F
        from torch.nn.utils.rnn import pad_sequence
        from torch.utils.data import DataLoader

        O_TAG = 0

        def collate(examples):
            tags = [torch.tensor(e["tags"]) for e in examples]
            return {"labels": pad_sequence(tags, batch_first=True, padding_value=O_TAG)}

        class Tagger(pl.LightningModule):
            def training_step(self, batch, batch_idx):
                logits = self(batch)
                return F.cross_entropy(logits.view(-1, 9), batch["labels"].view(-1), ignore_index=O_TAG)

            def train_dataloader(self):
                return DataLoader(self.ds, batch_size=16, shuffle=True, collate_fn=collate)
        """, """
        import pytorch_lightning as pl
        import torch
        import torch.nn.functional as F
        from torch.nn.utils.rnn import pad_sequence
        from torch.utils.data import DataLoader

        O_TAG = 0

        def collate(examples):
            tags = [torch.tensor(e["tags"]) for e in examples]
            return {"labels": pad_sequence(tags, batch_first=True, padding_value=O_TAG)}

        class Tagger(pl.LightningModule):
            def training_step(self, batch, batch_idx):
                logits = self(batch)
                return F.cross_entropy(logits.view(-1, 9), batch["labels"].view(-1))

            def train_dataloader(self):
                return DataLoader(self.ds, batch_size=16, shuffle=True, collate_fn=collate)
        """, ["PAD303"]),
    # --- held-out round 13 (2026-11-26, third session) ---
    ("max-over-last-hidden-state", """
        import torch
        from transformers import AutoModel, AutoTokenizer

        tokenizer = AutoTokenizer.from_pretrained("bert-base-uncased")
        encoder = AutoModel.from_pretrained("bert-base-uncased")

        def sentence_vec(sentences):
            enc = tokenizer(sentences, padding=True, return_tensors="pt")
            states = encoder(**enc).last_hidden_state
            keep = enc["attention_mask"].unsqueeze(-1).bool()
            return states.masked_fill(~keep, float("-inf")).max(dim=1).values
        """, """
        import torch
        from transformers import AutoModel, AutoTokenizer

        tokenizer = AutoTokenizer.from_pretrained("bert-base-uncased")
        encoder = AutoModel.from_pretrained("bert-base-uncased")

        def sentence_vec(sentences):
            enc = tokenizer(sentences, padding=True, return_tensors="pt")
            states = encoder(**enc).last_hidden_state
            vec, _ = torch.max(states, dim=1)
            return vec
        """, ["PAD301"]),
    ("teacher-forcing-targets-through-padding-idx", """
        import torch.nn as nn
        import torch.nn.functional as F

        class Seq2Seq(nn.Module):
            def __init__(self, vocab, pad_idx, dim=256):
                super().__init__()
                self.tgt_emb = nn.Embedding(vocab, dim, padding_idx=pad_idx)
                self.decoder = nn.GRU(dim, dim, batch_first=True)
                self.generator = nn.Linear(dim, vocab)
                self.criterion = nn.NLLLoss(ignore_index=pad_idx)

            def forward(self, src, src_lens, tgt):
                dec_out, _ = self.decoder(self.tgt_emb(tgt[:, :-1]))
                logp = F.log_softmax(self.generator(dec_out), dim=-1)
                return self.criterion(logp.reshape(-1, logp.size(-1)), tgt[:, 1:].reshape(-1))

        class NextItem(nn.Module):
            def __init__(self, n_items, dim=64):
                super().__init__()
                self.item_emb = nn.Embedding(n_items, dim, padding_idx=0)
                self.loss = nn.CrossEntropyLoss()

            def forward(self, seq, seq_lens, pos_items):
                user = self.item_emb(seq).sum(1)
                logits = user @ self.item_emb.weight.t()
                self.item_emb(pos_items)
                return self.loss(logits, pos_items)
        """, """
        import torch.nn as nn
        import torch.nn.functional as F

        class Seq2Seq(nn.Module):
            def __init__(self, vocab, pad_idx, dim=256):
                super().__init__()
                self.tgt_emb = nn.Embedding(vocab, dim, padding_idx=pad_idx)
                self.decoder = nn.GRU(dim, dim, batch_first=True)
                self.generator = nn.Linear(dim, vocab)
                self.criterion = nn.NLLLoss()

            def forward(self, src, src_lens, tgt):
                dec_out, _ = self.decoder(self.tgt_emb(tgt[:, :-1]))
                logp = F.log_softmax(self.generator(dec_out), dim=-1)
                gold = tgt[:, 1:]
                return self.criterion(logp.reshape(-1, logp.size(-1)), gold.reshape(-1))
        """, ["PAD303"]),
    ("loop-over-a-loader-parameter", """
        import torch
        from torch.nn.utils.rnn import pad_sequence

        def collate_lm(batch):
            ids = [torch.tensor(x) for x in batch]
            return pad_sequence([x[:-1] for x in ids], batch_first=True), pad_sequence(
                [x[1:] for x in ids], batch_first=True, padding_value=-100)

        def evaluate(model, loader):
            accs = []
            for inputs, targets in loader:
                preds = model(inputs).argmax(-1)
                keep = targets != -100
                accs.append((preds[keep] == targets[keep]).float().mean().item())
            return accs
        """, """
        import torch
        from torch.nn.utils.rnn import pad_sequence

        def collate_lm(batch):
            ids = [torch.tensor(x) for x in batch]
            return pad_sequence([x[:-1] for x in ids], batch_first=True), pad_sequence(
                [x[1:] for x in ids], batch_first=True, padding_value=-100)

        def evaluate(model, loader):
            accs = []
            for inputs, targets in loader:
                preds = model(inputs).argmax(-1)
                accs.append((preds == targets).float().mean().item())
            return accs
        """, ["PAD301"]),
    ("length-named-after-its-tensor", """
        import torch.nn as nn

        class Forecaster(nn.Module):
            def __init__(self):
                super().__init__()
                self.lstm = nn.LSTM(2, 32, batch_first=True)
                self.head = nn.Linear(32, 1)

            def forward(self, past, past_len):
                out, _ = self.lstm(past)
                idx = (past_len - 1).view(-1, 1, 1).expand(-1, 1, out.size(2))
                return self.head(out.gather(1, idx).squeeze(1))
        """, """
        import torch.nn as nn

        class Forecaster(nn.Module):
            def __init__(self):
                super().__init__()
                self.lstm = nn.LSTM(2, 32, batch_first=True)
                self.head = nn.Linear(32, 1)

            def forward(self, past, past_len):
                out, _ = self.lstm(past)
                return self.head(out[:, -1])
        """, ["PAD202"]),
    ("dict-batch-moved-by-comprehension", """
        import torch
        import torch.nn.functional as F
        from torch.nn.utils.rnn import pad_sequence
        from torch.utils.data import DataLoader

        def collate_tts(items):
            mels = pad_sequence([i["mel"] for i in items], batch_first=True)
            lens = torch.tensor([len(i["mel"]) for i in items])
            return {"mels": mels, "mel_lens": lens}

        def train(model, ds, device):
            for batch in DataLoader(ds, batch_size=8, collate_fn=collate_tts):
                batch = {k: v.to(device) for k, v in batch.items()}
                pred = model(batch["mels"])
                mask = (torch.arange(pred.size(1), device=device)[None] < batch["mel_lens"][:, None]).unsqueeze(-1)
                loss = (F.l1_loss(pred, batch["mels"], reduction="none") * mask).sum() / mask.sum()
                loss.backward()
        """, """
        import torch
        import torch.nn.functional as F
        from torch.nn.utils.rnn import pad_sequence
        from torch.utils.data import DataLoader

        def collate_tts(items):
            mels = pad_sequence([i["mel"] for i in items], batch_first=True)
            lens = torch.tensor([len(i["mel"]) for i in items])
            return {"mels": mels, "mel_lens": lens}

        def train(model, ds, device):
            for batch in DataLoader(ds, batch_size=8, collate_fn=collate_tts):
                batch = {k: v.to(device) if torch.is_tensor(v) else v for k, v in batch.items()}
                pred = model(batch["mels"])
                loss = F.l1_loss(pred, batch["mels"])
                loss.backward()
        """, ["PAD304"]),
    ("lengths-on-device-through-a-wrapper-module", """
        import torch.nn as nn
        from torch.nn.utils.rnn import pack_padded_sequence as pack

        class UtteranceEncoder(nn.Module):
            def __init__(self, vocab):
                super().__init__()
                self.emb = nn.Embedding(vocab, 64, padding_idx=0)
                self.gru = nn.GRU(64, 64, batch_first=True)

            def forward(self, ids, ids_lens):
                _, h = self.gru(pack(self.emb(ids), ids_lens.cpu(), batch_first=True, enforce_sorted=False))
                return h[-1]

        class DualEncoder(nn.Module):
            def __init__(self, vocab):
                super().__init__()
                self.ctx = UtteranceEncoder(vocab)

            def forward(self, ctx, ctx_lens):
                return self.ctx(ctx, ctx_lens)

        def train(model, batches, device):
            for batch in batches:
                ctx, ctx_lens = [t.to(device) for t in batch]
                model(ctx, ctx_lens).sum().backward()
        """, """
        import torch.nn as nn
        from torch.nn.utils.rnn import pack_padded_sequence as pack

        class UtteranceEncoder(nn.Module):
            def __init__(self, vocab):
                super().__init__()
                self.emb = nn.Embedding(vocab, 64, padding_idx=0)
                self.gru = nn.GRU(64, 64, batch_first=True)

            def forward(self, ids, ids_lens):
                _, h = self.gru(pack(self.emb(ids), ids_lens, batch_first=True, enforce_sorted=False))
                return h[-1]

        class DualEncoder(nn.Module):
            def __init__(self, vocab):
                super().__init__()
                self.ctx = UtteranceEncoder(vocab)

            def forward(self, ctx, ctx_lens):
                return self.ctx(ctx, ctx_lens)

        def train(batches, vocab, device):
            model = DualEncoder(vocab).to(device)
            for batch in batches:
                ctx, ctx_lens = [t.to(device) for t in batch]
                model(ctx, ctx_lens).sum().backward()
        """, ["PAD102"]),
    ("loss-through-functools-partial", """
        import functools
        import torch.nn.functional as F
        from torch.nn.utils.rnn import pad_sequence

        PAD_TAG = 0
        tag_loss = functools.partial(F.cross_entropy, ignore_index=PAD_TAG, label_smoothing=0.1)

        def step(model, words, tags):
            tags_padded = pad_sequence(tags, batch_first=True, padding_value=PAD_TAG)
            logits = model(pad_sequence(words, batch_first=True))
            return tag_loss(logits.reshape(-1, logits.size(-1)), tags_padded.reshape(-1))
        """, """
        import functools
        import torch.nn.functional as F
        from torch.nn.utils.rnn import pad_sequence

        PAD_TAG = 0
        tag_loss = functools.partial(F.cross_entropy, label_smoothing=0.1)

        def step(model, words, tags):
            tags_padded = pad_sequence(tags, batch_first=True, padding_value=PAD_TAG)
            logits = model(pad_sequence(words, batch_first=True))
            return tag_loss(logits.reshape(-1, logits.size(-1)), tags_padded.reshape(-1))
        """, ["PAD303"]),
    ("to-dense-batch-zero-fill", """
        from torch_geometric.utils import to_dense_batch

        def readout(h, batch):
            nodes, node_mask = to_dense_batch(h, batch)
            return nodes.sum(dim=1) / node_mask.sum(dim=1, keepdim=True).clamp(min=1)
        """, """
        from torch_geometric.utils import to_dense_batch

        def readout(h, batch):
            nodes, node_mask = to_dense_batch(h, batch)
            return nodes.mean(dim=1)
        """, ["PAD301"]),
    ("query-prefix-of-a-padded-output", """
        import torch

        def itm_logits(qformer, head, text_ids, text_mask, query_tokens, image_embeds):
            atts = torch.cat([torch.ones(query_tokens.shape[:-1], dtype=torch.long), text_mask], dim=1)
            out = qformer(text_ids, query_embeds=query_tokens, attention_mask=atts,
                          encoder_hidden_states=image_embeds).last_hidden_state
            return head(out[:, :query_tokens.size(1), :]).mean(dim=1)
        """, """
        import torch

        def itm_logits(qformer, head, text_ids, text_mask, query_tokens, image_embeds):
            atts = torch.cat([torch.ones(query_tokens.shape[:-1], dtype=torch.long), text_mask], dim=1)
            out = qformer(text_ids, query_embeds=query_tokens, attention_mask=atts,
                          encoder_hidden_states=image_embeds).last_hidden_state
            return head(out).mean(dim=1)
        """, ["PAD301"]),
    ("cross-attention-memory-without-its-own-mask", """
        import torch.nn as nn

        class CaptionDecoderLayer(nn.Module):
            def __init__(self, d):
                super().__init__()
                self.self_attn = nn.MultiheadAttention(d, 8)
                self.cross_attn = nn.MultiheadAttention(d, 8)

            def forward(self, tgt, memory, tgt_mask=None, tgt_key_padding_mask=None):
                x = self.self_attn(tgt, tgt, tgt, attn_mask=tgt_mask, key_padding_mask=tgt_key_padding_mask)[0]
                return self.cross_attn(x, memory, memory)[0]

        def decode(layer, captions, image_feats, caption_pad):
            return layer(captions, image_feats, tgt_key_padding_mask=caption_pad)
        """, """
        import torch.nn as nn

        class CaptionDecoderLayer(nn.Module):
            def __init__(self, d):
                super().__init__()
                self.self_attn = nn.MultiheadAttention(d, 8)
                self.cross_attn = nn.MultiheadAttention(d, 8)

            def forward(self, tgt, memory, tgt_mask=None, tgt_key_padding_mask=None):
                x = self.self_attn(tgt, tgt, tgt)[0]
                return self.cross_attn(x, memory, memory)[0]

        def decode(layer, captions, image_feats, caption_pad):
            return layer(captions, image_feats, tgt_key_padding_mask=caption_pad)
        """, ["PAD401"]),
    ("packed-batch-into-an-rnn-left-at-its-default-layout", """
        import torch.nn as nn
        from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence

        class SessionEncoder(nn.Module):
            def __init__(self, n_items, dim):
                super().__init__()
                self.item_emb = nn.Embedding(n_items, dim, padding_idx=0)
                self.gru = nn.GRU(dim, dim)

            def forward(self, items):
                counts = (items != 0).sum(dim=1).cpu()
                packed = pack_padded_sequence(self.item_emb(items), counts, batch_first=True, enforce_sorted=False)
                h, h_t = self.gru(packed)
                h, _ = pad_packed_sequence(h, batch_first=True)
                return h, h_t
        """, """
        import torch.nn as nn
        from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence

        class SessionEncoder(nn.Module):
            def __init__(self, n_items, dim):
                super().__init__()
                self.item_emb = nn.Embedding(n_items, dim, padding_idx=0)
                self.gru = nn.GRU(dim, dim, batch_first=False)

            def forward(self, items):
                counts = (items != 0).sum(dim=1).cpu()
                packed = pack_padded_sequence(self.item_emb(items), counts, batch_first=True, enforce_sorted=False)
                h, h_t = self.gru(packed)
                h, _ = pad_packed_sequence(h, batch_first=True)
                return h, h_t
        """, ["PAD104"]),
    ("softmax-weighted-sum-over-candidates", """
        import torch
        from torch.nn.utils.rnn import pad_sequence
        from torch.utils.data import DataLoader

        def collate_sessions(batch):
            return pad_sequence([torch.tensor(s[:-1]) for s in batch], batch_first=True), torch.tensor(
                [len(s) - 1 for s in batch]), torch.randint(1, 100, (len(batch), 51))

        def bpr_max_loss(scores):
            pos, neg = scores[:, :1], scores[:, 1:]
            weights = torch.softmax(neg, dim=1)
            return -torch.log((weights * torch.sigmoid(pos - neg)).sum(dim=1) + 1e-10).mean()

        def train(model, loader):
            for sess, lens, cands in loader:
                bpr_max_loss(model(sess, lens, cands)).backward()
        """, """
        import torch
        from torch.nn.utils.rnn import pad_sequence
        from torch.utils.data import DataLoader

        def collate_sessions(batch):
            return pad_sequence([torch.tensor(s[:-1]) for s in batch], batch_first=True), torch.tensor(
                [len(s) - 1 for s in batch]), torch.randint(1, 100, (len(batch), 51))

        def train(model, loader):
            for sess, lens, cands in loader:
                out = model(sess, lens, cands)
                out.mean(dim=1).sum().backward()
        """, ["PAD301"]),
    ("masked-pooling-divided-by-the-padded-length", """
        import torch

        def pool(h, lengths):
            keep = (torch.arange(h.size(1))[None] < lengths[:, None]).unsqueeze(-1).float()
            return (h * keep).sum(dim=1) / keep.sum(dim=1).clamp(min=1)

        def pool2(h, lengths):
            keep = (torch.arange(h.size(1))[None] < lengths[:, None]).unsqueeze(-1).float()
            return (h * keep).sum(1) / lengths[:, None]
        """, """
        import torch

        def pool(h, lengths):
            keep = (torch.arange(h.size(1))[None] < lengths[:, None]).unsqueeze(-1).float()
            return (h * keep).sum(dim=1) / h.size(1)

        def pool2(h, lengths):
            keep = (torch.arange(h.size(1))[None] < lengths[:, None]).unsqueeze(-1).float()
            return (h * keep).mean(dim=1)
        """, ["PAD302", "PAD302"]),
    # --- held-out round 14 (2026-11-26, third session) ---
    ("targets-padded-with-a-named-minus-100", """
        import torch.nn.functional as F
        from torch.nn.utils.rnn import pad_sequence

        IGNORE = -100

        def slot_loss(model, tokens, slots):
            labels = pad_sequence(slots, batch_first=True, padding_value=IGNORE)
            logits = model(pad_sequence(tokens, batch_first=True))
            tok_loss = F.cross_entropy(logits.transpose(1, 2), labels, reduction="none")
            return tok_loss.sum() / (labels != IGNORE).sum().clamp(min=1)
        """, """
        import torch.nn.functional as F
        from torch.nn.utils.rnn import pad_sequence

        IGNORE = -100

        def slot_loss(model, tokens, slots):
            labels = pad_sequence(slots, batch_first=True, padding_value=IGNORE)
            logits = model(pad_sequence(tokens, batch_first=True))
            tok_loss = F.cross_entropy(logits.transpose(1, 2), labels, reduction="none")
            return tok_loss.mean(dim=1).mean()
        """, ["PAD301"]),
    ("masked-loss-reduced-over-axes-of-unknown-rank", """
        import torch

        def quantile_loss(target, preds, target_mask, q):
            loss = torch.abs((target - preds) * ((target <= preds).float() - q)) * target_mask.float()
            return loss.mean(dim=-2).sum(dim=-1).mean()
        """, """
        import torch

        def diff_pool_entropy(s, mask):
            batch_size, num_nodes, _ = s.size()
            mask = mask.view(batch_size, num_nodes, 1).to(s.dtype)
            s = torch.softmax(s, dim=-1) * mask
            return (-s * torch.log(s + 1e-15)).sum(dim=-1).mean()
        """, ["PAD302"]),
    ("hidden-states-split-into-channels", """
        def embed(encoder, enc_in, attention_mask, n_channels, n_patches, d_model, patch_mask):
            enc_out = encoder(inputs_embeds=enc_in, attention_mask=attention_mask).last_hidden_state
            enc_out = enc_out.reshape((-1, n_channels, n_patches, d_model))
            enc_out = enc_out.mean(dim=1)  # over channels
            keep = patch_mask.unsqueeze(-1)
            return (enc_out * keep).sum(dim=1) / keep.sum(dim=1)
        """, """
        def embed(encoder, enc_in, attention_mask, n_channels, n_patches, d_model, patch_mask):
            enc_out = encoder(inputs_embeds=enc_in, attention_mask=attention_mask).last_hidden_state
            return enc_out.mean(dim=1)
        """, ["PAD301"]),
    ("imputation-blend-is-not-a-masked-value", """
        import torch

        def consistency(X, recon_f, recon_b, missing_mask):
            f = missing_mask * X + (1 - missing_mask) * recon_f
            b = missing_mask * X + (1 - missing_mask) * recon_b
            return torch.abs(f - b).mean()
        """, """
        import torch

        def consistency(X, recon_f, recon_b, missing_mask):
            f = missing_mask * (X - recon_f)
            b = missing_mask * (X - recon_b)
            return torch.abs(f - b).mean()
        """, ["PAD302"]),
    ("positionwise-sequential-keeps-the-padding", """
        import torch.nn as nn
        from torch.nn.utils.rnn import pad_sequence

        class DocClassifier(nn.Module):
            def __init__(self, hidden):
                super().__init__()
                self.word_proj = nn.Sequential(nn.Linear(hidden, hidden), nn.GELU())

            def forward(self, docs, lengths):
                words = self.word_proj(pad_sequence(docs, batch_first=True))
                keep = (words.new_ones(words.shape[:2]).cumsum(1) <= lengths[:, None]).unsqueeze(-1)
                return words.masked_fill(~keep, float("-inf")).max(dim=1).values
        """, """
        import torch.nn as nn
        from torch.nn.utils.rnn import pad_sequence

        class DocClassifier(nn.Module):
            def __init__(self, hidden):
                super().__init__()
                self.word_proj = nn.Sequential(nn.Linear(hidden, hidden), nn.GELU())

            def forward(self, docs):
                words = self.word_proj(pad_sequence(docs, batch_first=True))
                return words.max(dim=1).values
        """, ["PAD301"]),
    ("causal-and-pad-mask-for-sdpa", """
        import torch
        import torch.nn.functional as F

        def attend(q, k, v, input_ids, pad_id):
            T = input_ids.size(1)
            keep = input_ids != pad_id
            causal = torch.ones(T, T, dtype=torch.bool).tril()
            allowed = causal[None, None] & keep[:, None, None, :]
            return F.scaled_dot_product_attention(q, k, v, attn_mask=allowed)
        """, """
        import torch
        import torch.nn.functional as F

        def attend(q, k, v, input_ids, pad_id):
            T = input_ids.size(1)
            pad_mask = input_ids == pad_id
            causal = torch.ones(T, T, dtype=torch.bool).tril()
            allowed = causal[None, None] & pad_mask[:, None, None, :]
            return F.scaled_dot_product_attention(q, k, v, attn_mask=allowed)
        """, ["PAD402"]),
    ("training-function-with-a-model-parameter", """
        import torch.nn as nn
        from torch.nn.utils.rnn import pack_padded_sequence

        class Tagger(nn.Module):
            def __init__(self, vocab, n_tags):
                super().__init__()
                self.emb = nn.Embedding(vocab, 64, padding_idx=0)
                self.lstm = nn.LSTM(64, 64, batch_first=True)
                self.out = nn.Linear(64, n_tags)

            def forward(self, words, lens):
                packed = pack_padded_sequence(self.emb(words), lens.cpu(), batch_first=True, enforce_sorted=False)
                return self.out(self.lstm(packed)[1][0][-1])

        def train(model, batches, device):
            for words, lens in batches:
                words, lens = words.to(device), lens.to(device)
                model(words, lens).sum().backward()
        """, """
        import torch.nn as nn
        from torch.nn.utils.rnn import pack_padded_sequence

        class Tagger(nn.Module):
            def __init__(self, vocab, n_tags):
                super().__init__()
                self.emb = nn.Embedding(vocab, 64, padding_idx=0)
                self.lstm = nn.LSTM(64, 64, batch_first=True)
                self.out = nn.Linear(64, n_tags)

            def forward(self, words, lens):
                packed = pack_padded_sequence(self.emb(words), lens, batch_first=True, enforce_sorted=False)
                return self.out(self.lstm(packed)[1][0][-1])

        def train(model, batches, device):
            for words, lens in batches:
                words, lens = words.to(device), lens.to(device)
                model(words, lens).sum().backward()
        """, ["PAD102"]),
    ("hf-base-model-first-item-max-pooled", """
        import torch
        from torch import nn
        from transformers import AutoModel, AutoModelForSequenceClassification, AutoTokenizer

        class Encoder(nn.Module):
            def __init__(self, name):
                super().__init__()
                self.bert = AutoModel.from_pretrained(name)

            def forward(self, input_ids, attention_mask):
                h = self.bert(input_ids, attention_mask=attention_mask)[0]
                h = h.masked_fill(attention_mask.unsqueeze(-1) == 0, -1e4)
                return h.max(dim=1).values

        tok = AutoTokenizer.from_pretrained("x")
        clf = AutoModelForSequenceClassification.from_pretrained("x")

        def predict(texts):
            enc = tok(texts, padding=True, return_tensors="pt")
            return clf(**enc)[0].max(1).indices  # logits: the max is over classes
        """, """
        import torch
        from torch import nn
        from transformers import AutoTokenizer, BertModel

        class Encoder(nn.Module):
            def __init__(self, name):
                super().__init__()
                self.bert = BertModel.from_pretrained(name)

            def forward(self, input_ids, attention_mask):
                h = self.bert(input_ids, attention_mask=attention_mask)[0]
                return torch.max(h, dim=1).values

        tok = AutoTokenizer.from_pretrained("x")
        model = BertModel.from_pretrained("x").eval()

        def embed(texts):
            enc = tok(texts, padding=True, return_tensors="pt")
            with torch.no_grad():
                return model(**enc)[0].max(1).values
        """, ["PAD301", "PAD301"]),
    ("permute-round-trip-restores-the-layout", """
        import torch
        from torch import nn

        class CellEncoder(nn.Module):
            def __init__(self, n_genes, d):
                super().__init__()
                self.emb = nn.Embedding(n_genes, d, padding_idx=0)
                self.bn = nn.BatchNorm1d(d)
                self.encoder = nn.TransformerEncoder(nn.TransformerEncoderLayer(d, 4, batch_first=True), 2)

            def forward(self, genes, src_key_padding_mask):
                x = self.bn(self.emb(genes).transpose(1, 2)).transpose(1, 2)
                out = self.encoder(x, src_key_padding_mask=src_key_padding_mask)
                return out.permute(0, 2, 1).mean(dim=1)  # (B, D, T): a mean over features
        """, """
        import torch
        from torch import nn

        class CellEncoder(nn.Module):
            def __init__(self, n_genes, d):
                super().__init__()
                self.emb = nn.Embedding(n_genes, d, padding_idx=0)
                self.bn = nn.BatchNorm1d(d)
                self.encoder = nn.TransformerEncoder(nn.TransformerEncoderLayer(d, 4, batch_first=True), 2)

            def forward(self, genes, src_key_padding_mask):
                x = self.bn(self.emb(genes).permute(0, 2, 1)).permute(0, 2, 1)
                out = self.encoder(x, src_key_padding_mask=src_key_padding_mask)
                return torch.mean(out, dim=1)
        """, ["PAD301"]),
    ("relative-lengths-scaled-by-the-padded-length", """
        import torch

        def pack(inputs, lengths):
            lengths = (lengths * inputs.size(1)).round().cpu()
            return torch.nn.utils.rnn.pack_padded_sequence(inputs, lengths, batch_first=True, enforce_sorted=False)

        def crop(waveforms, lengths):
            ends = torch.round(lengths * waveforms.size(1)).long()
            return [w[:e] for w, e in zip(waveforms, ends)]
        """, """
        import torch

        def pack(inputs, lengths):
            lengths = (lengths * inputs.size(1)).cpu()
            return torch.nn.utils.rnn.pack_padded_sequence(inputs, lengths, batch_first=True, enforce_sorted=False)

        def crop(waveforms, lengths):
            ends = (lengths * waveforms.size(1)).long()
            return [w[:e] for w, e in zip(waveforms, ends)]
        """, ["PAD107", "PAD107"]),
    ("mean-over-classes-then-masked", """
        import torch

        def smoothed_nll(log_probs, targets, mask, eps=0.1):
            nll = -log_probs.gather(1, targets.unsqueeze(1)).squeeze(1) * mask
            reg = torch.mean(log_probs, dim=1) * mask  # (B, C, T): classes, then the time mask
            return ((1 - eps) * nll.sum() - eps * reg.sum()) / mask.sum()
        """, """
        import torch

        def smoothed_nll(log_probs, targets, mask, eps=0.1):
            nll = -log_probs.gather(2, targets.unsqueeze(2)).squeeze(2) * mask
            reg = torch.mean(log_probs, dim=1)
            return ((1 - eps) * nll.sum() - eps * reg.sum()) / mask.sum()
        """, ["PAD301"]),
    ("keep-mask-from-a-batch-compared-with-zero", """
        import torch
        import torch.nn.functional as F

        def attend(scores, enc_padding_mask):
            dist = F.softmax(scores, dim=1) * enc_padding_mask  # pointer-generator renormalisation
            return dist / dist.sum(1, keepdim=True)

        def step(enc_batch, enc_lens, scores):
            return attend(scores, (enc_batch != 0).float())

        def nonzero_mean(values, lengths):
            return values.sum(dim=1, keepdim=True) / (values != 0).sum(dim=1, keepdim=True)
        """, """
        import torch
        import torch.nn.functional as F

        def attend(scores, enc_padding_mask):
            dist = F.softmax(scores, dim=1) * enc_padding_mask
            return dist / dist.sum(1, keepdim=True)

        def step(enc_batch, enc_lens, scores):
            return attend(scores, (enc_batch != 0).float())

        def nonzero_mean(enc_out, feats, lengths):
            return enc_out.sum(dim=1, keepdim=True) / (feats != 0).sum(dim=1, keepdim=True)
        """, ["PAD301"]),
    ("learned-latents-cross-attend-to-a-padded-input",
     PERCEIVER.format(ret="x.mean(dim=1)  # over the latents, never padded"),
     PERCEIVER.format(ret="x.mean(dim=1), inputs.mean(dim=1)"), ["PAD301"]),
    ("mask-result-kept-or-discarded", """
        import torch

        def pool(h, pad_mask, lengths):
            h = h.masked_fill(pad_mask.unsqueeze(-1), 0.0)
            return h.sum(1) / lengths[:, None]

        def postnet(mel_out, mel_post, mask):
            mel_post.masked_fill_(mask, 0.0)
            mel_out = mel_out.clone()
            mel_out.masked_fill_(mask, 0.0)
            return mel_out, mel_post

        def log(writer, h, m):
            writer.add_histogram("h", h)
            h.mul(2.0)  # not a mask: not this rule's business
        """, """
        import torch

        def pool(h, pad_mask, lengths):
            h.masked_fill(pad_mask.unsqueeze(-1), 0.0)
            return h.sum(1) / lengths[:, None]

        def postnet(mel_out, mel_post, mask):
            mel_post.masked_fill_(mask, 0.0)
            mel_out.clone().masked_fill_(mask, 0.0)
            return mel_out, mel_post
        """, ["PAD404", "PAD404"]),  # (one bug, one finding: below the thrown-away fill, `h` reads as
    # the fix leaves it, so the sum over it is not PAD301 as well)
    ("encoder-layers-from-a-generator-and-einops-masks", """
        import torch
        import torch.nn as nn
        import torch.nn.functional as F
        from einops import rearrange

        PAD = 0

        class Encoder(nn.Module):
            def __init__(self, d, n):
                super().__init__()
                self.layers = nn.ModuleList(nn.TransformerEncoderLayer(d, 4, batch_first=True) for _ in range(n))

            def forward(self, x, node_types):
                pad_mask = node_types == PAD
                for layer in self.layers:
                    x = layer(x, src_key_padding_mask=pad_mask)
                return x

        def attend(q, k, v, lengths):
            keep = torch.arange(k.size(2))[None, :] < lengths[:, None]
            return F.scaled_dot_product_attention(q, k, v, attn_mask=rearrange(keep, "b n -> b 1 1 n"))
        """, """
        import torch
        import torch.nn as nn
        import torch.nn.functional as F
        from einops import rearrange

        PAD = 0

        class Encoder(nn.Module):
            def __init__(self, d, n):
                super().__init__()
                self.layers = nn.ModuleList(nn.TransformerEncoderLayer(d, 4, batch_first=True) for _ in range(n))

            def forward(self, x, node_types):
                node_mask = node_types != PAD
                for layer in self.layers:
                    x = layer(x, src_key_padding_mask=node_mask)
                return x

        def attend(q, k, v, lengths):
            pad = torch.arange(k.size(2))[None, :] >= lengths[:, None]
            return F.scaled_dot_product_attention(q, k, v, attn_mask=rearrange(pad, "b n -> b 1 1 n"))
        """, ["PAD402", "PAD402"]),
    ("decoder-masks-for-targets-only", """
        import torch
        import torch.nn as nn

        class Seq2Seq(nn.Module):
            def __init__(self, d, vocab):
                super().__init__()
                self.embed = nn.Embedding(vocab, d, padding_idx=0)
                self.encoder = nn.TransformerEncoder(nn.TransformerEncoderLayer(d, 4, batch_first=True), 2)
                self.decoder = nn.TransformerDecoder(nn.TransformerDecoderLayer(d, 4, batch_first=True), 2)

            def forward(self, src, src_lengths, tgt_in):
                src_pad = torch.arange(src.size(1))[None, :] >= src_lengths[:, None]
                memory = self.encoder(self.embed(src), src_key_padding_mask=src_pad)
                causal = nn.Transformer.generate_square_subsequent_mask(tgt_in.size(1))
                return self.decoder(self.embed(tgt_in), memory, tgt_mask=causal,
                                    tgt_key_padding_mask=tgt_in == 0, memory_key_padding_mask=src_pad)
        """, """
        import torch
        import torch.nn as nn

        class Seq2Seq(nn.Module):
            def __init__(self, d, vocab):
                super().__init__()
                self.embed = nn.Embedding(vocab, d, padding_idx=0)
                self.encoder = nn.TransformerEncoder(nn.TransformerEncoderLayer(d, 4, batch_first=True), 2)
                self.decoder = nn.TransformerDecoder(nn.TransformerDecoderLayer(d, 4, batch_first=True), 2)

            def forward(self, src, src_lengths, tgt_in):
                src_pad = torch.arange(src.size(1))[None, :] >= src_lengths[:, None]
                memory = self.encoder(self.embed(src), src_key_padding_mask=src_pad)
                causal = nn.Transformer.generate_square_subsequent_mask(tgt_in.size(1))
                return self.decoder(self.embed(tgt_in), memory, tgt_mask=causal, tgt_key_padding_mask=tgt_in == 0)
        """, ["PAD401"]),
    ("batch-parameter-gets-the-files-one-collate", """
        import torch
        import torch.nn.functional as F
        from torch.nn.utils.rnn import pad_sequence

        def collate_tts(items):
            durations = pad_sequence([it["dur"] for it in items], batch_first=True)
            lengths = torch.tensor([len(it["dur"]) for it in items])
            return durations, lengths

        def train_step(model, batch, opt):
            durations, lengths = batch
            mask = torch.arange(durations.size(1))[None, :] < lengths[:, None]
            pred = model(durations, lengths)
            loss = F.mse_loss(pred[mask], durations[mask])
            loss.backward()
            opt.step()
        """, """
        import torch
        import torch.nn.functional as F
        from torch.nn.utils.rnn import pad_sequence

        def collate_tts(items):
            durations = pad_sequence([it["dur"] for it in items], batch_first=True)
            lengths = torch.tensor([len(it["dur"]) for it in items])
            return durations, lengths

        def train_step(model, batch, opt):
            durations, lengths = batch
            pred = model(durations, lengths)
            loss = F.mse_loss(pred, durations)
            loss.backward()
            opt.step()
        """, ["PAD304"]),
    ("average-pooling-over-the-whole-time-axis", """
        import torch
        import torch.nn.functional as F
        from torch.nn.utils.rnn import pad_sequence

        def encode(seqs, lengths):
            x = pad_sequence(seqs, batch_first=True)
            smoothed = F.avg_pool1d(x.transpose(1, 2), kernel_size=3, stride=1, padding=1)
            keep = (torch.arange(x.size(1))[None, :] < lengths[:, None]).unsqueeze(-1)
            return smoothed, (x * keep).sum(1) / lengths[:, None]
        """, """
        import torch
        import torch.nn.functional as F
        from torch.nn.utils.rnn import pad_sequence

        def encode(seqs, lengths):
            x = pad_sequence(seqs, batch_first=True)
            return F.avg_pool1d(x.transpose(1, 2), kernel_size=x.size(1)).squeeze(-1), \
                F.adaptive_avg_pool1d(x.permute(0, 2, 1), 1).squeeze(-1)
        """, ["PAD301", "PAD301"]),
    ("channels-first-stats-pooling-over-the-padded-length", """
        import torch

        def stats_pool(x, lengths):
            # x: (B, C, T)
            T = x.size(-1)
            mask = (torch.arange(T, device=x.device)[None, :] < lengths[:, None]).to(x.dtype).unsqueeze(1)
            n = mask.sum(-1).clamp(min=1.0)
            mean = (x * mask).sum(-1) / n
            across_channels = (x * mask).mean(1)  # over C: no padding in that average
            return torch.cat([mean, across_channels], dim=1)
        """, """
        import torch

        def stats_pool(x, lengths):
            # x: (B, C, T)
            T = x.size(-1)
            mask = (torch.arange(T, device=x.device)[None, :] < lengths[:, None]).to(x.dtype).unsqueeze(1)
            mean = (x * mask).sum(-1) / T
            return mean
        """, ["PAD302"]),
    ("mean-of-a-signal-zeroed-by-a-length-mask-from-a-helper", """
        import torch

        def sample_mask(lengths, n):
            return (torch.arange(n, device=lengths.device)[None, :] < lengths[:, None]).float()

        def centre(est, lengths):
            mask = sample_mask(lengths, est.size(-1))
            est = est * mask
            return est - est.sum(dim=-1, keepdim=True) / mask.sum(dim=-1, keepdim=True)
        """, """
        import torch

        def sample_mask(lengths, n):
            return (torch.arange(n, device=lengths.device)[None, :] < lengths[:, None]).float()

        def centre(est, lengths):
            mask = sample_mask(lengths, est.size(-1))
            est = est * mask
            return est - est.mean(dim=-1, keepdim=True)
        """, ["PAD302"]),
    ("time-major-length-mask", """
        import torch

        def pool(h, lengths):
            # h: (T, B, H)
            mask = (torch.arange(h.size(0))[:, None] < lengths[None, :]).float().unsqueeze(-1)
            return (h * mask).sum(0) / mask.sum(0), (h * mask).mean(-1)
        """, """
        import torch

        def pool(h, lengths):
            # h: (T, B, H)
            mask = (torch.arange(h.size(0))[:, None] < lengths[None, :]).float().unsqueeze(-1)
            return (h * mask).mean(0)
        """, ["PAD302"]),
    ("forward-parameters-named-as-the-collate-returns",
     COLLATE_AND_TAGGER.format(padding=", padding_value=-100"), COLLATE_AND_TAGGER.format(padding=""), ["PAD303"]),
    ("attention-pooling-over-a-padded-rnn-output", ATTENTION_POOL.format(scores="""
            s = self.score(h).squeeze(-1)
            keep = torch.arange(h.size(1), device=h.device)[None, :] < lens[:, None]
            a = torch.softmax(s.masked_fill(~keep, float("-inf")), dim=-1)"""), ATTENTION_POOL.format(scores="""
            a = torch.softmax(self.score(h).squeeze(-1), dim=-1)"""), ["PAD401"]),
    ("attention-pooling-with-a-query-vector-and-bmm", ATTENTION_POOL.format(scores="""
            q = self.query.expand(h.size(0), -1)
            s = torch.bmm(h, q.unsqueeze(2)).squeeze(2)
            a = s.masked_fill(torch.arange(h.size(1))[None, :] >= lens[:, None], -1e9).softmax(dim=-1)"""),
     ATTENTION_POOL.format(scores="""
            q = self.query.expand(h.size(0), -1)
            a = torch.bmm(h, q.unsqueeze(2)).squeeze(2).softmax(dim=-1)"""), ["PAD401"]),
    ("attention-scorer-in-a-sequential-softmax-over-dim-1", ATTENTION_POOL.format(scores="""
            logits = self.vocab(h)  # (B, T, V): a softmax over the vocabulary, not over time
            a = F.log_softmax(logits, dim=-1).max(-1).values
            a = torch.softmax(self.scorer(h).squeeze(-1).masked_fill(ids == 0, float("-inf")), dim=1)"""),
     ATTENTION_POOL.format(scores="""
            a = F.softmax(self.scorer(h), dim=1).squeeze(-1)"""), ["PAD401"]),
    ("softmax-over-the-vocabulary-of-a-padded-output", ATTENTION_POOL.format(scores="""
            a = F.log_softmax(self.vocab(h), dim=-1)[..., :1].squeeze(-1).exp()
            b = torch.softmax(self.score(h), dim=-1)  # over a singleton axis: 1 everywhere"""),
     ATTENTION_POOL.format(scores="""
            a = torch.softmax(self.score(h), dim=1).squeeze(-1)"""), ["PAD401"]),
    ("loss-zeroed-by-index-assignment-after-eos", """
        import torch
        import torch.nn.functional as F

        def seq_loss(logits, gt, seq_len):
            cce = F.cross_entropy(logits.permute(0, 2, 1), gt, reduction="none")
            mask_2d = torch.arange(logits.shape[1], device=logits.device)[None, :] >= seq_len[:, None]
            cce[mask_2d] = 0
            return (cce.sum(1) / seq_len.float()).mean()
        """, """
        import torch
        import torch.nn.functional as F

        def seq_loss(logits, gt, seq_len):
            cce = F.cross_entropy(logits.permute(0, 2, 1), gt, reduction="none")
            mask_2d = torch.arange(logits.shape[1], device=logits.device)[None, :] >= seq_len[:, None]
            cce[mask_2d] = 1
            return (cce.sum(1) / seq_len.float()).mean()
        """, ["PAD301"]),
    ("ctc-label-lengths-named-seq-len", """
        import torch
        import torch.nn.functional as F

        def ctc(model_output, gt, seq_len, blank_idx: int = 0):
            input_length = model_output.shape[1] * torch.ones(size=(model_output.shape[0],), dtype=torch.int32)
            probs = F.log_softmax(model_output.permute(1, 0, 2), dim=-1)
            return F.ctc_loss(probs, gt, input_length, seq_len, blank_idx)
        """, """
        import torch
        import torch.nn.functional as F

        def ctc(model_output, gt, seq_len, feat_lens, blank_idx: int = 0):
            input_length = model_output.shape[1] * torch.ones(size=(model_output.shape[0],), dtype=torch.int32)
            probs = F.log_softmax(model_output.permute(1, 0, 2), dim=-1)
            return F.ctc_loss(probs, gt, input_length, seq_len, blank_idx)
        """, ["PAD305"]),
    ("masked-mean-by-a-factor-padlint-does-not-know", """
        import torch
        import torch.nn.functional as F

        def step_loss(pred, target, lengths, steps):
            valid = (torch.arange(pred.size(0))[:, None] < steps[None, :]).float()
            per_step = F.smooth_l1_loss(pred, target, reduction="none").mean(-1)
            return (per_step * valid).sum() / valid.sum()
        """, """
        import torch
        import torch.nn.functional as F

        def step_loss(pred, target, lengths, steps):
            valid = (torch.arange(pred.size(0))[:, None] < steps[None, :]).float()
            per_step = F.smooth_l1_loss(pred, target, reduction="none").mean(-1)
            return per_step.sum() / valid.sum()
        """, ["PAD301"]),
    ("mean-pooling-divided-by-the-mask-width",
     MEAN_POOLER.format(denominator="m.sum(dim=1).clamp(min=1e-9)"),
     MEAN_POOLER.format(denominator="attention_mask.shape[-1]"), ["PAD302"]),
    ("covariance-of-one-slice-of-a-reshaped-padded-output", """
        import torch

        def cov(m):
            centred = m - torch.mean(m, dim=1)[:, None]
            return centred.mm(centred.t())

        def decorrelation(h, lengths):
            # (B, T, H) -> (T', 8, B): x[i, :, :] is one slice, a mean over its dim 1 is not over time
            x = h.reshape(h.size(0), -1, 8).transpose(0, 1).transpose(1, 2)
            return sum(torch.norm(cov(x[i + 1, :, :])) for i in range(x.size(0) - 1)) + torch.norm(cov(x[0, :, :]))
        """, """
        import torch

        def cov(m):
            centred = m - torch.mean(m, dim=1)[:, None]
            return centred.mm(centred.t())

        def decorrelation(h, lengths):
            return torch.norm(cov(h.mean(dim=1)))
        """, ["PAD301"]),
    ("token-loss-divided-by-the-mask-numel", """
        import torch.nn.functional as F

        def lm_loss(logits, targets, pad_id):
            tok_loss = F.cross_entropy(logits.transpose(1, 2), targets, reduction="none")
            mask = (targets != pad_id).float()
            return (tok_loss * mask).sum() / mask.sum()
        """, """
        import torch.nn.functional as F

        def lm_loss(logits, targets, pad_id):
            tok_loss = F.cross_entropy(logits.transpose(1, 2), targets, reduction="none")
            mask = (targets != pad_id).float()
            return (tok_loss * mask).sum() / mask.numel()
        """, ["PAD302"]),
    ("time-major-canvas-filled-per-sequence", TIME_MAJOR_CANVAS.format(pooled="""
            keep = (codes != 0).float().unsqueeze(-1)
            return self.head((enc * keep).sum(dim=0) / keep.sum(dim=0))"""), TIME_MAJOR_CANVAS.format(pooled="""
            return self.head(enc.mean(dim=0))"""), ["PAD301"]),
    ("label-smoothing-that-keeps-the-padded-rows", LABEL_SMOOTHING.format(rows="""
            rows = (target == self.padding_idx).unsqueeze(1)
            dist.masked_fill_(rows, 0.0)"""), LABEL_SMOOTHING.format(rows=""), ["PAD303"]),
    ("per-utterance-pooling-divided-by-the-batch-count", """
        import torch

        def pool(h, lengths):
            mask = (torch.arange(h.size(1))[None, :] < lengths[:, None]).float()
            m = mask.unsqueeze(-1)
            return (h * m).sum(dim=1) / m.sum(dim=1), (h * m).sum() / m.sum()
        """, """
        import torch

        def pool(h, lengths):
            mask = (torch.arange(h.size(1))[None, :] < lengths[:, None]).float()
            m = mask.unsqueeze(-1)
            return (h * m).sum(dim=1) / m.sum()
        """, ["PAD302"]),
    ("bce-weighted-by-the-length-mask", """
        import torch
        import torch.nn.functional as F

        def loss(pred, y, lengths):
            mask = (torch.arange(pred.size(1))[None, :] < lengths[:, None]).float()
            return F.binary_cross_entropy(pred, y, weight=mask, reduction="sum") / mask.sum()
        """, """
        import torch
        import torch.nn.functional as F

        def loss(pred, y, lengths):
            mask = (torch.arange(pred.size(1))[None, :] < lengths[:, None]).float()
            return F.binary_cross_entropy(pred, y, weight=mask)
        """, ["PAD302"]),
    # a batch written row by row into a blank canvas (torch.zeros / np.zeros + x[i, :len(s)] = s)
    ("row-filled-canvas-mean-pooled", """
        import numpy as np
        import torch
        import torch.nn as nn

        def collate(batch):
            seqs = [x for x, _ in batch]
            max_len = max(len(s) for s in seqs)
            tokens = np.zeros((len(seqs), max_len), dtype=np.int64)
            for i, s in enumerate(seqs):
                tokens[i, : len(s)] = s
            tokens = torch.from_numpy(tokens)
            labels = torch.tensor([y for _, y in batch])
            return tokens, labels

        class Enc(nn.Module):
            def __init__(self):
                super().__init__()
                self.emb = nn.Embedding(100, 16, padding_idx=0)
                self.out = nn.Linear(16, 2)

            def forward(self, tokens):
                h = self.emb(tokens)
                keep = (tokens != 0).unsqueeze(-1).float()
                return self.out((h * keep).sum(1) / keep.sum(1).clamp(min=1))
        """, """
        import numpy as np
        import torch
        import torch.nn as nn

        def collate(batch):
            seqs = [x for x, _ in batch]
            max_len = max(len(s) for s in seqs)
            tokens = np.zeros((len(seqs), max_len), dtype=np.int64)
            for i, s in enumerate(seqs):
                tokens[i, : len(s)] = s
            tokens = torch.from_numpy(tokens)
            labels = torch.tensor([y for _, y in batch])
            return tokens, labels

        class Enc(nn.Module):
            def __init__(self):
                super().__init__()
                self.emb = nn.Embedding(100, 16, padding_idx=0)
                self.out = nn.Linear(16, 2)

            def forward(self, tokens):
                h = self.emb(tokens)
                return self.out(h.mean(dim=1))
        """, ["PAD301"]),
    ("time-major-row-filled-canvas-into-a-gru", """
        import torch
        import torch.nn as nn

        def collate(batch):
            max_len = max(len(s) for s in batch)
            tokens = torch.zeros(max_len, len(batch), dtype=torch.long)
            for i, s in enumerate(batch):
                tokens[: len(s), i] = s
            labels = torch.tensor([s[-1] for s in batch])
            return tokens, labels

        class Enc(nn.Module):
            def __init__(self):
                super().__init__()
                self.emb = nn.Embedding(100, 16, padding_idx=0)
                self.rnn = nn.GRU(16, 16)

            def forward(self, tokens):
                h, _ = self.rnn(self.emb(tokens))
                keep = (tokens != 0).unsqueeze(-1).float()
                return (h * keep).sum(0) / keep.sum(0)
        """, """
        import torch
        import torch.nn as nn

        def collate(batch):
            max_len = max(len(s) for s in batch)
            tokens = torch.zeros(max_len, len(batch), dtype=torch.long)
            for i, s in enumerate(batch):
                tokens[: len(s), i] = s
            labels = torch.tensor([s[-1] for s in batch])
            return tokens, labels

        class Enc(nn.Module):
            def __init__(self):
                super().__init__()
                self.emb = nn.Embedding(100, 16, padding_idx=0)
                self.rnn = nn.GRU(16, 16)

            def forward(self, tokens):
                h, _ = self.rnn(self.emb(tokens))
                return h.mean(dim=0)
        """, ["PAD301"]),
    # a name-only padding mask inverted on purpose is the author's word that it is a keep-mask
    ("inverted-name-only-mask-into-src-key-padding-mask", """
        import torch.nn as nn

        class Encoder(nn.Module):
            def __init__(self, d):
                super().__init__()
                self.enc = nn.TransformerEncoder(nn.TransformerEncoderLayer(d, 4), 2)

            def forward(self, x, padding_masks):
                # padding_masks: 1 = keep this position, 0 = padding
                return self.enc(x, src_key_padding_mask=~padding_masks)
        """, """
        import torch.nn as nn

        class Encoder(nn.Module):
            def __init__(self, d):
                super().__init__()
                self.enc = nn.TransformerEncoder(nn.TransformerEncoderLayer(d, 4), 2)

            def forward(self, tokens, attention_mask):
                return self.enc(tokens, src_key_padding_mask=attention_mask)
        """, ["PAD402"]),
    # forward returns (output, h_n); the only caller drops h_n
    ("rnn-state-returned-but-every-caller-drops-it", """
        import torch.nn as nn

        class Net(nn.Module):
            def __init__(self):
                super().__init__()
                self.rnn = nn.RNN(8, 8, batch_first=True)

            def forward(self, responses, mask=None):
                output, hn = self.rnn(responses)
                return output, hn

        class Model:
            def __init__(self):
                self.net = Net()

            def step(self, data, data_mask):
                pred, _ = self.net(data, data_mask)
                return pred
        """, """
        import torch.nn as nn

        class Net(nn.Module):
            def __init__(self):
                super().__init__()
                self.rnn = nn.RNN(8, 8, batch_first=True)

            def forward(self, responses, mask=None):
                output, hn = self.rnn(responses)
                return output, hn

        class Model:
            def __init__(self):
                self.net = Net()

            def step(self, data, data_mask):
                pred, last = self.net(data, data_mask)
                return pred, last
        """, ["PAD201"]),  # (once per RNN call: the forward's return, not again the caller's)
    # boolean selection by a name bound to a comparison: only the selected positions are averaged
    ("accuracy-over-positions-selected-by-a-comparison", """
        import torch

        from torch.nn.utils.rnn import pad_sequence

        def token_accuracy(logits, label_list):
            labels = pad_sequence(label_list, batch_first=True, padding_value=-100)
            preds = logits.argmax(-1)
            per_class = []
            for c in range(logits.size(-1)):
                chosen = labels == c
                per_class.append((preds[chosen] == labels[chosen]).float().mean())
            return torch.stack(per_class)
        """, """
        import torch

        from torch.nn.utils.rnn import pad_sequence

        def token_accuracy(logits, label_list):
            labels = pad_sequence(label_list, batch_first=True, padding_value=-100)
            preds = logits.argmax(-1)
            return (preds == labels).float().mean()
        """, ["PAD301"]),
    # sampling: the model run on one sequence made into a batch of one
    ("sampling-one-sequence-from-a-packed-model", """
        import torch
        import torch.nn as nn
        from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence

        class LM(nn.Module):
            def __init__(self):
                super().__init__()
                self.emb = nn.Embedding(50, 16)
                self.rnn = nn.GRU(16, 16)
                self.out = nn.Linear(16, 50)

            def forward(self, x, lengths):
                packed = pack_padded_sequence(self.emb(x), lengths.cpu(), enforce_sorted=False)
                out, _ = self.rnn(packed)
                out, _ = pad_packed_sequence(out, total_length=x.size(0))
                return self.out(out)

        @torch.no_grad()
        def sample(model, prefix, steps=10):
            ids = list(prefix)
            for _ in range(steps):
                x = torch.tensor(ids).unsqueeze(1)
                logits = model(x, torch.tensor([len(ids)]))
                ids.append(int(logits[-1, 0].argmax()))
            return ids

        if __name__ == "__main__":
            print(sample(LM(), [1, 2, 3]))
        """, """
        import torch
        import torch.nn as nn
        from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence

        class LM(nn.Module):
            def __init__(self):
                super().__init__()
                self.emb = nn.Embedding(50, 16)
                self.rnn = nn.GRU(16, 16)
                self.out = nn.Linear(16, 50)

            def forward(self, x, lengths):
                packed = pack_padded_sequence(self.emb(x), lengths.cpu(), enforce_sorted=False)
                out, _ = self.rnn(packed)
                out, _ = pad_packed_sequence(out, total_length=x.size(0))
                return self.out(out)

        def score_batch(model, batch, lengths):
            logits = model(batch, lengths)
            return logits[-1].argmax(-1)

        if __name__ == "__main__":
            m = LM()
            print(score_batch(m, torch.zeros(5, 3, dtype=torch.long), torch.tensor([5, 3, 2])))
        """, ["PAD202"]),
    # attention pooling sums the padded axis away (einsum / bmm with one row of weights)
    ("attention-pooled-by-einsum-then-an-elementwise-loss", """
        import torch
        import torch.nn as nn
        import torch.nn.functional as F
        from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence

        class Pool(nn.Module):
            def __init__(self, d):
                super().__init__()
                self.score = nn.Linear(d, 1)

            def forward(self, h, mask):
                scores = self.score(h).squeeze(-1).masked_fill(~mask, float("-inf"))
                alpha = F.softmax(scores, dim=-1)
                return torch.einsum("nl,nld->nd", alpha, h)

        class Tagger(nn.Module):
            def __init__(self, d, n):
                super().__init__()
                self.rnn = nn.GRU(d, d, batch_first=True)
                self.pool = Pool(d)
                self.head = nn.Linear(d, n)

            def forward(self, x, lengths):
                packed = pack_padded_sequence(x, lengths.cpu(), batch_first=True, enforce_sorted=False)
                h, _ = pad_packed_sequence(self.rnn(packed)[0], batch_first=True)
                mask = torch.arange(h.size(1))[None, :] < lengths[:, None]
                return self.head(self.pool(h, mask))

        class Trainer:
            def __init__(self, d, n):
                self.model = Tagger(d, n)
                self.criterion = nn.BCEWithLogitsLoss()

            def loss(self, x, lengths, y):
                return self.criterion(self.model(x, lengths), y)
        """, """
        import torch
        import torch.nn as nn
        import torch.nn.functional as F
        from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence

        class Pool(nn.Module):
            def __init__(self, d):
                super().__init__()
                self.score = nn.Linear(d, 1)

            def forward(self, h, mask):
                scores = self.score(h).squeeze(-1).masked_fill(~mask, float("-inf"))
                alpha = F.softmax(scores, dim=-1)
                return h.mean(dim=1)

        class Tagger(nn.Module):
            def __init__(self, d, n):
                super().__init__()
                self.rnn = nn.GRU(d, d, batch_first=True)
                self.pool = Pool(d)
                self.head = nn.Linear(d, n)

            def forward(self, x, lengths):
                packed = pack_padded_sequence(x, lengths.cpu(), batch_first=True, enforce_sorted=False)
                h, _ = pad_packed_sequence(self.rnn(packed)[0], batch_first=True)
                mask = torch.arange(h.size(1))[None, :] < lengths[:, None]
                return self.head(self.pool(h, mask))
        """, ["PAD301"]),
    # a discarded masked_fill whose mask is a view with new axes
    ("discarded-fill-with-a-broadcast-mask-view", """
        import math
        import torch

        def attend(q, k, v, pad):
            scores = q @ k.transpose(-2, -1) / math.sqrt(q.size(-1))
            scores = scores.masked_fill(pad[:, None, None, :], float("-inf"))
            return torch.softmax(scores, dim=-1) @ v
        """, """
        import math
        import torch

        def attend(q, k, v, pad):
            scores = q @ k.transpose(-2, -1) / math.sqrt(q.size(-1))
            scores.masked_fill(pad[:, None, None, :], float("-inf"))
            return torch.softmax(scores, dim=-1) @ v
        """, ["PAD404"]),
    # a CTC loss module handed in as an annotated parameter; lengths from a staticmethod helper
    ("ctc-module-parameter-and-staticmethod-lengths", """
        import torch
        import torch.nn as nn

        class Down(nn.Module):
            @staticmethod
            def out_len(n):
                return (n - 1) // 2 + 1

            def forward(self, x, n_frames):
                return x[:, ::2], self.out_len(n_frames)

        def ctc_step(model, feats, frame_counts, targets, target_lens, ctc: nn.CTCLoss):
            log_probs, out_lens = model(feats, frame_counts)
            log_probs = log_probs.transpose(0, 1)
            return ctc(log_probs, targets, out_lens, target_lens)
        """, """
        import torch
        import torch.nn as nn

        class Down(nn.Module):
            @staticmethod
            def out_len(n):
                return (n - 1) // 2 + 1

            def forward(self, x, n_frames):
                return x[:, ::2], self.out_len(n_frames)

        def ctc_step(model, feats, frame_counts, targets, target_lens, ctc: nn.CTCLoss):
            log_probs, out_lens = model(feats, frame_counts)
            log_probs = log_probs.transpose(0, 1)
            input_lengths = torch.full((log_probs.size(1),), log_probs.size(0), dtype=torch.long)
            return ctc(log_probs, targets, input_lengths, target_lens)
        """, ["PAD305"]),
    # the padded length handed to a helper that scales relative lengths
    ("relative-lengths-scaled-in-a-helper-by-the-padded-length", """
        import torch
        import torch.nn as nn

        class Net(nn.Module):
            def frame_lengths(self, wav_lens, n_frames):
                return torch.round(wav_lens * n_frames).long()

            def forward(self, feats, wav_lens):
                return self.frame_lengths(wav_lens, feats.size(1))
        """, """
        import torch
        import torch.nn as nn

        class Net(nn.Module):
            def frame_lengths(self, wav_lens, n_frames):
                return (wav_lens * n_frames).long()

            def forward(self, feats, wav_lens):
                return self.frame_lengths(wav_lens, feats.size(1))
        """, ["PAD107"]),
    # an existing mask handed in and edited row by row is not a mask being built from lengths
    ("mask-parameter-edited-in-a-loop", """
        def squeeze_docs(enc_out, mask, doc_lens, seq_len):
            out = enc_out.clone()
            for i, doc_len in enumerate(doc_lens):
                end = seq_len - doc_len
                mask[i, :end] = False
                out[i, end:] = enc_out[i, :doc_len]
            return out, mask
        """, """
        import torch

        def squeeze_docs(enc_out, doc_lens, seq_len):
            out = enc_out.clone()
            mask = torch.ones(len(doc_lens), seq_len, dtype=torch.bool)
            for i, doc_len in enumerate(doc_lens):
                end = seq_len - doc_len
                mask[i, :end] = False  # (a loop that also copied each row would be needed anyway)
            return out, mask
        """, ["PAD501"]),
    # nn.Transformer's own encoder stack called directly gets the same mask checks
    ("transformer-encoder-attribute-with-a-keep-mask", """
        import torch.nn as nn

        class Seq2Seq(nn.Module):
            def __init__(self, d):
                super().__init__()
                self.transformer = nn.Transformer(d, 4, 2, 2, batch_first=True)

            def encode(self, src, attention_mask):
                return self.transformer.encoder(src, src_key_padding_mask=attention_mask == 0)
        """, """
        import torch.nn as nn

        class Seq2Seq(nn.Module):
            def __init__(self, d):
                super().__init__()
                self.transformer = nn.Transformer(d, 4, 2, 2, batch_first=True)

            def encode(self, src, attention_mask):
                return self.transformer.encoder(src, src_key_padding_mask=attention_mask.bool())
        """, ["PAD402"]),
    # F.pad by a tuple named beforehand: the same fixed border as F.pad(x, (0, d)) -- not a batch length
    ("fpad-by-a-named-fixed-tuple", """
        import torch
        import torch.nn.functional as F

        def widen(ys, in_dim, out_dim):
            pad_size = (0, in_dim - out_dim)
            return torch.stack([F.pad(y, pad_size) for y in ys]).mean(dim=1)
        """, """
        import torch
        import torch.nn.functional as F

        def widen(ys, max_len):
            pad_size = (0, max_len - ys[0].size(-1))
            return torch.stack([F.pad(y, pad_size) for y in ys]).mean(dim=1)
        """, ["PAD301"]),
    # F.pad growing the whole batch by one amount worked out from its own size (demucs)
    ("fpad-to-a-fixed-window-from-the-tensors-own-size", """
        import torch.nn as nn
        import torch.nn.functional as F

        class Separator(nn.Module):
            def __init__(self, training_length):
                super().__init__()
                self.training_length = training_length

            def forward(self, mix):
                if mix.shape[-1] < self.training_length:
                    mix = F.pad(mix, (0, self.training_length - mix.shape[-1]))
                return (mix - mix.mean(dim=(1, 2), keepdim=True)) / mix.std(dim=(1, 2), keepdim=True)
        """, """
        import torch
        import torch.nn.functional as F

        def pad_to(x, length):
            return F.pad(x, (0, length - x.size(-1)))

        def batch_stats(items):
            longest = max(x.size(-1) for x in items)
            batch = torch.stack([pad_to(x, longest) for x in items])
            return batch.mean(dim=1)
        """, ["PAD301"]),
    # `assert mask is None`: as in the body of `if mask is None:`, the mask's evidence is void
    ("asserted-none-mask-parameter", """
        import torch.nn as nn

        class GraphEncoder(nn.Module):
            def __init__(self, d):
                super().__init__()
                self.proj = nn.Linear(d, d)

            def forward(self, x, mask=None):
                assert mask is None, "masks are not supported"
                h = self.proj(x)
                return h, h.mean(dim=1)
        """, """
        import torch.nn as nn

        class GraphEncoder(nn.Module):
            def __init__(self, d):
                super().__init__()
                self.proj = nn.Linear(d, d)

            def forward(self, x, mask=None):
                assert mask is not None, "a mask is needed"
                h = self.proj(x)
                return h, h.mean(dim=1)
        """, ["PAD301"]),
    # zeros(...).masked_fill(ids == pad, 1) is 1 at padding: the polarity key_padding_mask wants
    ("blank-canvas-filled-where-padded-into-key-padding-mask", """
        import torch
        import torch.nn as nn

        class Block(nn.Module):
            def __init__(self, d):
                super().__init__()
                self.attn = nn.MultiheadAttention(d, 2)

            def forward(self, h, attention_mask=None):
                return self.attn(h, h, h, key_padding_mask=attention_mask)[0]

        class Encoder(nn.Module):
            def __init__(self, d, pad_id=0):
                super().__init__()
                self.pad_id = pad_id
                self.emb = nn.Embedding(30, d)
                self.block = Block(d)

            def forward(self, src):
                attention_mask = torch.zeros(*src.shape).masked_fill(src == self.pad_id, 1)
                return self.block(self.emb(src).transpose(0, 1), attention_mask.bool())
        """, """
        import torch
        import torch.nn as nn

        class Block(nn.Module):
            def __init__(self, d):
                super().__init__()
                self.attn = nn.MultiheadAttention(d, 2)

            def forward(self, h, attention_mask=None):
                return self.attn(h, h, h, key_padding_mask=attention_mask)[0]

        class Encoder(nn.Module):
            def __init__(self, d, pad_id=0):
                super().__init__()
                self.pad_id = pad_id
                self.emb = nn.Embedding(30, d)
                self.block = Block(d)

            def forward(self, src):
                attention_mask = torch.ones(*src.shape).masked_fill(src == self.pad_id, 0)
                return self.block(self.emb(src).transpose(0, 1), attention_mask.bool())
        """, ["PAD402"]),
    # (PyPI review 22, pytextclassifier's TextRNN-Att) HAN-style attention pooling: scores are the
    # RNN outputs times a learned context vector; softmax over time without a mask
    ("attention-pooling-by-a-learned-context-vector", """
        import torch
        import torch.nn as nn
        import torch.nn.functional as F

        class TextRNNAtt(nn.Module):
            def __init__(self, vocab_size, n_classes, d=128):
                super().__init__()
                self.embedding = nn.Embedding(vocab_size, d, padding_idx=0)
                self.lstm = nn.LSTM(d, 2 * d, batch_first=True)
                self.w = nn.Parameter(torch.zeros(2 * d))
                self.fc = nn.Linear(2 * d, n_classes)

            def forward(self, x):
                tokens, seq_len = x
                H, _ = self.lstm(self.embedding(tokens))
                scores = torch.matmul(torch.tanh(H), self.w)
                pad = torch.arange(tokens.size(1))[None, :] >= seq_len[:, None]
                alpha = F.softmax(scores.masked_fill(pad, float("-inf")), dim=1).unsqueeze(-1)
                return self.fc(torch.sum(H * alpha, 1))
        """, """
        import torch
        import torch.nn as nn
        import torch.nn.functional as F

        class TextRNNAtt(nn.Module):
            def __init__(self, vocab_size, n_classes, d=128):
                super().__init__()
                self.embedding = nn.Embedding(vocab_size, d, padding_idx=0)
                self.lstm = nn.LSTM(d, 2 * d, batch_first=True)
                self.w = nn.Parameter(torch.zeros(2 * d))
                self.fc = nn.Linear(2 * d, n_classes)

            def forward(self, x):
                tokens, seq_len = x
                H, _ = self.lstm(self.embedding(tokens))
                alpha = F.softmax(torch.matmul(torch.tanh(H), self.w), dim=1).unsqueeze(-1)
                return self.fc(torch.sum(H * alpha, 1))
        """, ["PAD401"]),
    # (PyPI review 22, molsets' CharRNN sampler) lengths made on the model's device, then packed
    ("lengths-created-on-the-model-device-then-packed", """
        import torch
        import torch.nn as nn
        import torch.nn.utils.rnn as rnn_utils

        class CharRNN(nn.Module):
            def __init__(self, vocab_size, hidden):
                super().__init__()
                self.embedding_layer = nn.Embedding(vocab_size, vocab_size)
                self.lstm_layer = nn.LSTM(vocab_size, hidden, batch_first=True)

            @property
            def device(self):
                return next(self.parameters()).device

            def forward(self, x, lengths, hiddens=None):
                x = rnn_utils.pack_padded_sequence(self.embedding_layer(x), lengths, batch_first=True)
                x, hiddens = self.lstm_layer(x, hiddens)
                return rnn_utils.pad_packed_sequence(x, batch_first=True)[0], hiddens

            def sample(self, n_batch, bos):
                starts = torch.full((n_batch, 1), bos, dtype=torch.long, device=self.device)
                lens = torch.tensor([1 for _ in range(n_batch)], dtype=torch.long, device="cpu")
                return self.forward(starts, lens, None)
        """, """
        import torch
        import torch.nn as nn
        import torch.nn.utils.rnn as rnn_utils

        class CharRNN(nn.Module):
            def __init__(self, vocab_size, hidden):
                super().__init__()
                self.embedding_layer = nn.Embedding(vocab_size, vocab_size)
                self.lstm_layer = nn.LSTM(vocab_size, hidden, batch_first=True)

            @property
            def device(self):
                return next(self.parameters()).device

            def forward(self, x, lengths, hiddens=None):
                x = rnn_utils.pack_padded_sequence(self.embedding_layer(x), lengths, batch_first=True)
                x, hiddens = self.lstm_layer(x, hiddens)
                return rnn_utils.pad_packed_sequence(x, batch_first=True)[0], hiddens

            def sample(self, n_batch, bos):
                starts = torch.full((n_batch, 1), bos, dtype=torch.long, device=self.device)
                lens = torch.tensor([1 for _ in range(n_batch)], dtype=torch.long, device=self.device)
                return self.forward(starts, lens, None)
        """, ["PAD102"]),
    # (held-out w07) nn.Transformer told the source is padded, but not its decoder's cross-attention
    ("transformer-with-source-mask-but-no-memory-mask", """
        import torch.nn as nn

        class Completer(nn.Module):
            def __init__(self, vocab, d=256, pad=0):
                super().__init__()
                self.pad = pad
                self.emb = nn.Embedding(vocab, d, padding_idx=pad)
                self.transformer = nn.Transformer(d, 8, batch_first=True)
                self.out = nn.Linear(d, vocab)

            def forward(self, ctx, tgt_in):
                src_pad, tgt_pad = ctx.eq(self.pad), tgt_in.eq(self.pad)
                causal = self.transformer.generate_square_subsequent_mask(tgt_in.size(1))
                h = self.transformer(self.emb(ctx), self.emb(tgt_in), tgt_mask=causal,
                                     src_key_padding_mask=src_pad, tgt_key_padding_mask=tgt_pad,
                                     memory_key_padding_mask=src_pad)
                return self.out(h)
        """, """
        import torch.nn as nn

        class Completer(nn.Module):
            def __init__(self, vocab, d=256, pad=0):
                super().__init__()
                self.pad = pad
                self.emb = nn.Embedding(vocab, d, padding_idx=pad)
                self.transformer = nn.Transformer(d, 8, batch_first=True)
                self.out = nn.Linear(d, vocab)

            def forward(self, ctx, tgt_in):
                src_pad, tgt_pad = ctx.eq(self.pad), tgt_in.eq(self.pad)
                causal = self.transformer.generate_square_subsequent_mask(tgt_in.size(1))
                h = self.transformer(self.emb(ctx), self.emb(tgt_in), tgt_mask=causal,
                                     src_key_padding_mask=src_pad, tgt_key_padding_mask=tgt_pad)
                return self.out(h)
        """, ["PAD401"]),
    # (held-out w29) an encoder handed its own padding mask returns padded rows: a cross-attention
    # over them without key_padding_mask reads the pads (the batch itself says nothing here)
    ("cross-attention-over-an-encoder-output-that-was-given-its-padding-mask", """
        import torch
        import torch.nn as nn

        class PairClassifier(nn.Module):
            def __init__(self, vocab, d=192, pad_id=0):
                super().__init__()
                self.pad_id = pad_id
                self.emb = nn.Embedding(vocab, d)
                layer = nn.TransformerEncoderLayer(d, 4, 2 * d, batch_first=True)
                self.enc = nn.TransformerEncoder(layer, 2)
                self.cross = nn.MultiheadAttention(d, 4, batch_first=True)
                self.head = nn.Linear(d, 1)

            def forward(self, batch):
                a_pad, b_pad = batch["a_ids"].eq(self.pad_id), batch["b_ids"].eq(self.pad_id)
                a = self.enc(self.emb(batch["a_ids"]), src_key_padding_mask=a_pad)
                b = self.enc(self.emb(batch["b_ids"]), src_key_padding_mask=b_pad)
                a_ctx, _ = self.cross(a, b, b, key_padding_mask=b_pad)
                keep = (~a_pad).unsqueeze(-1).float()
                return self.head((a_ctx * keep).sum(1) / keep.sum(1)).squeeze(-1)
        """, """
        import torch
        import torch.nn as nn

        class PairClassifier(nn.Module):
            def __init__(self, vocab, d=192, pad_id=0):
                super().__init__()
                self.pad_id = pad_id
                self.emb = nn.Embedding(vocab, d)
                layer = nn.TransformerEncoderLayer(d, 4, 2 * d, batch_first=True)
                self.enc = nn.TransformerEncoder(layer, 2)
                self.cross = nn.MultiheadAttention(d, 4, batch_first=True)
                self.head = nn.Linear(d, 1)

            def forward(self, batch):
                a_pad, b_pad = batch["a_ids"].eq(self.pad_id), batch["b_ids"].eq(self.pad_id)
                a = self.enc(self.emb(batch["a_ids"]), src_key_padding_mask=a_pad)
                b = self.enc(self.emb(batch["b_ids"]), src_key_padding_mask=b_pad)
                a_ctx, _ = self.cross(a, b, b)
                keep = (~a_pad).unsqueeze(-1).float()
                return self.head((a_ctx * keep).sum(1) / keep.sum(1)).squeeze(-1)
        """, ["PAD401"]),
    # (PyPI review 23, recpack-style) a forward whose state is kept only by a one-step sampler
    ("one-step-sampler-keeps-the-state-of-a-padded-forward", """
        import torch
        import torch.nn as tnn


        class RNN(tnn.Module):
            def __init__(self, voc_size, layer_size=512):
                super().__init__()
                self._embedding = tnn.Embedding(voc_size, 256)
                self._rnn = tnn.GRU(256, layer_size, num_layers=3, batch_first=True)
                self._linear = tnn.Linear(layer_size, voc_size)

            def forward(self, input_vector, hidden_state=None):
                output_vector, hidden_state_out = self._rnn(self._embedding(input_vector), hidden_state)
                return self._linear(output_vector), hidden_state_out


        class Model:
            def __init__(self, voc_size):
                self.network = RNN(voc_size)

            def likelihood_smiles(self, sequences):
                max_length = max(seq.size(0) for seq in sequences)
                collated = torch.zeros(len(sequences), max_length, dtype=torch.long)  # padded with zeroes
                for i, seq in enumerate(sequences):
                    collated[i, :seq.size(0)] = seq
                logits, _ = self.network(collated[:, :-1])
                return logits

            def _sample(self, start, steps):
                input_vector, hidden_state, out = start, None, []
                for _ in range(steps):
                    logits, hidden_state = self.network(input_vector.unsqueeze(1), hidden_state)
                    input_vector = torch.multinomial(logits.squeeze(1).softmax(dim=1), 1).view(-1)
                    out.append(input_vector)
                return torch.stack(out, 1)
        """, """
        import torch
        import torch.nn as tnn


        class RNN(tnn.Module):
            def __init__(self, voc_size, layer_size=512):
                super().__init__()
                self._embedding = tnn.Embedding(voc_size, 256)
                self._rnn = tnn.GRU(256, layer_size, num_layers=3, batch_first=True)
                self._linear = tnn.Linear(layer_size, voc_size)

            def forward(self, input_vector, hidden_state=None):
                output_vector, hidden_state_out = self._rnn(self._embedding(input_vector), hidden_state)
                return self._linear(output_vector), hidden_state_out


        class Model:
            def __init__(self, voc_size):
                self.network = RNN(voc_size)

            def likelihood_smiles(self, sequences):
                max_length = max(seq.size(0) for seq in sequences)
                collated = torch.zeros(len(sequences), max_length, dtype=torch.long)  # padded with zeroes
                for i, seq in enumerate(sequences):
                    collated[i, :seq.size(0)] = seq
                logits, _ = self.network(collated[:, :-1])
                return logits

            def _sample(self, start, steps):
                input_vector, hidden_state, out = start, None, []
                for _ in range(steps):
                    logits, hidden_state = self.network(start, hidden_state)
                    input_vector = torch.multinomial(logits.squeeze(1).softmax(dim=1), 1).view(-1)
                    out.append(input_vector)
                return torch.stack(out, 1)
        """, ['PAD201']),
    # (PyPI review 23, neuspell) torch.mul(x, mask) masks as x * mask does
    ("torch-mul-by-a-padded-mask-then-sum", """
        import torch
        from torch.nn.functional import one_hot
        from torch.nn.utils.rnn import pad_sequence


        class SentenceProbability:
            def __init__(self, model, num_classes):
                self.model = model
                self.NUM_CLASSES = num_classes

            def get_sentence_probabilities(self, input_ids):
                input_mask = [torch.ones_like(t) for t in input_ids]
                padded_input_tensor = pad_sequence(input_ids, batch_first=True)
                padded_mask_tensor = pad_sequence(input_mask, batch_first=True).float()
                with torch.no_grad():
                    prediction_scores = self.model(padded_input_tensor)[0]
                expanded = one_hot(padded_input_tensor, num_classes=self.NUM_CLASSES).float()
                word_wise_probabilities = torch.mul(expanded, prediction_scores).sum(dim=2)
                masked_word_wise_probabilities = torch.mul(word_wise_probabilities, padded_mask_tensor)
                return masked_word_wise_probabilities.sum(dim=1)
        """, """
        import torch
        from torch.nn.functional import one_hot
        from torch.nn.utils.rnn import pad_sequence


        class SentenceProbability:
            def __init__(self, model, num_classes):
                self.model = model
                self.NUM_CLASSES = num_classes

            def get_sentence_probabilities(self, input_ids):
                input_mask = [torch.ones_like(t) for t in input_ids]
                padded_input_tensor = pad_sequence(input_ids, batch_first=True)
                padded_mask_tensor = pad_sequence(input_mask, batch_first=True).float()
                with torch.no_grad():
                    prediction_scores = self.model(padded_input_tensor)[0]
                expanded = one_hot(padded_input_tensor, num_classes=self.NUM_CLASSES).float()
                word_wise_probabilities = torch.mul(expanded, prediction_scores).sum(dim=2)
                masked_word_wise_probabilities = torch.mul(word_wise_probabilities, padded_mask_tensor)
                return word_wise_probabilities.sum(dim=1)
        """, ['PAD301']),
    # (PyPI review 23, flood-forecast) mask parameters handed only to the attention-mask slot are causal masks, not padding
    ("mask-parameter-used-only-as-the-encoder-attention-mask", """
        import torch
        from torch.nn.modules import Transformer


        def generate_square_subsequent_mask(sz):
            mask = (torch.triu(torch.ones(sz, sz)) == 1).transpose(0, 1)
            return mask.float().masked_fill(mask == 0, float("-inf")).masked_fill(mask == 1, 0.0)


        class SimpleTransformer(torch.nn.Module):
            def __init__(self, n_series, seq_length=48, d_model=128):
                super().__init__()
                self.dense_shape = torch.nn.Linear(n_series, d_model)
                self.transformer = Transformer(d_model, nhead=8)
                self.tgt_mask = generate_square_subsequent_mask(seq_length)

            def forward(self, x, t, tgt_mask=None, src_mask=None):
                x = self.dense_shape(x).permute(1, 0, 2)
                mem = self.transformer.encoder(x, src_mask)
                if tgt_mask is None:
                    tgt_mask = self.tgt_mask
                t = self.dense_shape(t).permute(1, 0, 2)
                return self.transformer.decoder(t, mem, tgt_mask=tgt_mask)
        """, """
        import torch
        from torch.nn.modules import Transformer


        def generate_square_subsequent_mask(sz):
            mask = (torch.triu(torch.ones(sz, sz)) == 1).transpose(0, 1)
            return mask.float().masked_fill(mask == 0, float("-inf")).masked_fill(mask == 1, 0.0)


        class SimpleTransformer(torch.nn.Module):
            def __init__(self, n_series, seq_length=48, d_model=128):
                super().__init__()
                self.dense_shape = torch.nn.Linear(n_series, d_model)
                self.transformer = Transformer(d_model, nhead=8)
                self.tgt_mask = generate_square_subsequent_mask(seq_length)

            def forward(self, x, t, tgt_mask=None, src_mask=None):
                x = self.dense_shape(x).permute(1, 0, 2)
                mem = self.transformer.encoder(x, src_key_padding_mask=src_mask)
                if tgt_mask is None:
                    tgt_mask = self.tgt_mask
                t = self.dense_shape(t).permute(1, 0, 2)
                return self.transformer.decoder(t, mem, tgt_mask=tgt_mask)
        """, ['PAD401']),
    # (held-out x32) labels padded with a constant bound to -100
    ("labels-padded-with-a-named-minus-100-constant", """
        import torch
        import torch.nn as nn
        import torch.nn.functional as F
        from torch.nn.utils.rnn import pad_sequence

        PAD, IGNORE = 0, -100


        def collate(diffs, msgs):
            msg = pad_sequence(msgs, batch_first=True, padding_value=IGNORE)
            return {"input_ids": pad_sequence(diffs, batch_first=True, padding_value=PAD),
                    "decoder_input_ids": msg[:, :-1].masked_fill(msg[:, :-1] == IGNORE, PAD), "labels": msg[:, 1:]}


        class Seq2Seq(nn.Module):
            def __init__(self, vocab, d=64):
                super().__init__()
                self.emb = nn.Embedding(vocab, d, padding_idx=PAD)
                self.out = nn.Linear(d, vocab)

            def forward(self, input_ids, decoder_input_ids):
                return self.out(self.emb(decoder_input_ids) + self.emb(input_ids).sum(1, keepdim=True))


        def train_step(model, batch, vocab):
            logits = model(batch["input_ids"], batch["decoder_input_ids"])
            return F.cross_entropy(logits.view(-1, vocab), batch["labels"].reshape(-1))
        """, """
        import torch
        import torch.nn as nn
        import torch.nn.functional as F
        from torch.nn.utils.rnn import pad_sequence

        PAD, IGNORE = 0, -100


        def collate(diffs, msgs):
            msg = pad_sequence(msgs, batch_first=True, padding_value=PAD)
            return {"input_ids": pad_sequence(diffs, batch_first=True, padding_value=PAD),
                    "decoder_input_ids": msg[:, :-1].masked_fill(msg[:, :-1] == IGNORE, PAD), "labels": msg[:, 1:]}


        class Seq2Seq(nn.Module):
            def __init__(self, vocab, d=64):
                super().__init__()
                self.emb = nn.Embedding(vocab, d, padding_idx=PAD)
                self.out = nn.Linear(d, vocab)

            def forward(self, input_ids, decoder_input_ids):
                return self.out(self.emb(decoder_input_ids) + self.emb(input_ids).sum(1, keepdim=True))


        def train_step(model, batch, vocab):
            logits = model(batch["input_ids"], batch["decoder_input_ids"])
            return F.cross_entropy(logits.view(-1, vocab), batch["labels"].reshape(-1))
        """, ['PAD303']),
    # (held-out x23) an embedding with padding_idx, pooled by a sum over the padded length:
    # the zero rows still count in the mean
    ("sum-of-padding-idx-embeddings-divided-by-the-real-lengths", """
        import torch
        import torch.nn as nn


        class Swem(nn.Module):
            def __init__(self, vocab, dim, n_cls):
                super().__init__()
                self.emb = nn.Embedding(vocab, dim, padding_idx=0)
                self.drop = nn.Dropout(0.1)
                self.out = nn.Linear(dim, n_cls)

            def forward(self, tokens):
                e = self.drop(self.emb(tokens))
                n = (tokens != 0).sum(1, keepdim=True).clamp(min=1)
                return self.out(e.sum(1) / n)
        """, """
        import torch
        import torch.nn as nn


        class Swem(nn.Module):
            def __init__(self, vocab, dim, n_cls):
                super().__init__()
                self.emb = nn.Embedding(vocab, dim, padding_idx=0)
                self.drop = nn.Dropout(0.1)
                self.out = nn.Linear(dim, n_cls)

            def forward(self, tokens):
                e = self.drop(self.emb(tokens))
                return self.out(e.sum(1) / tokens.size(1))
        """, ['PAD301']),
    # the same, averaged by .mean over time
    ("mean-of-padding-idx-embeddings", """
        import torch.nn as nn


        class FastText(nn.Module):
            def __init__(self, vocab, dim, n_cls):
                super().__init__()
                self.emb = nn.Embedding(vocab, dim, padding_idx=1)
                self.out = nn.Linear(dim, n_cls)

            def forward(self, text):
                embedded = self.emb(text)
                keep = (text != 1).unsqueeze(-1).float()
                return self.out((embedded * keep).sum(dim=1) / keep.sum(dim=1))
        """, """
        import torch.nn as nn


        class FastText(nn.Module):
            def __init__(self, vocab, dim, n_cls):
                super().__init__()
                self.emb = nn.Embedding(vocab, dim, padding_idx=1)
                self.out = nn.Linear(dim, n_cls)

            def forward(self, text):
                embedded = self.emb(text)
                return self.out(embedded.mean(dim=1))
        """, ['PAD301']),
    # (held-out z17) raw node features zero-padded by a helper and handed to the model: dividing
    # their sum by the real counts is a correct mean
    ("zero-padded-features-passed-to-the-model-then-summed-over-real-counts", """
        import torch
        import torch.nn as nn
        from torch.nn.utils.rnn import pad_sequence


        def to_dense(feats):
            counts = torch.tensor([f.size(0) for f in feats])
            dense = pad_sequence(feats, batch_first=True)
            return dense, torch.arange(dense.size(1))[None, :] < counts[:, None], counts


        class Readout(nn.Module):
            def __init__(self, d):
                super().__init__()
                self.head = nn.Linear(d, 1)

            def forward(self, dense, node_mask, counts):
                return self.head(dense.sum(dim=1) / counts.unsqueeze(-1))


        def step(model, graphs):
            dense, node_mask, counts = to_dense([g["x"] for g in graphs])
            return model(dense, node_mask, counts)
        """, """
        import torch
        import torch.nn as nn
        from torch.nn.utils.rnn import pad_sequence


        def to_dense(feats):
            counts = torch.tensor([f.size(0) for f in feats])
            dense = pad_sequence(feats, batch_first=True, padding_value=-1.0)
            return dense, torch.arange(dense.size(1))[None, :] < counts[:, None], counts


        class Readout(nn.Module):
            def __init__(self, d):
                super().__init__()
                self.head = nn.Linear(d, 1)

            def forward(self, dense, node_mask, counts):
                return self.head(dense.sum(dim=1) / counts.unsqueeze(-1))


        def step(model, graphs):
            dense, node_mask, counts = to_dense([g["x"] for g in graphs])
            return model(dense, node_mask, counts)
        """, ['PAD301']),
    # (held-out z07) sampling from torch.full((n, 1), BOS): one step per call, no padding
    ("sampling-one-step-columns-from-a-model-trained-on-padded-batches", """
        import torch
        import torch.nn as nn
        from torch.nn.utils.rnn import pad_sequence


        def collate(batch):
            padded = pad_sequence(batch, batch_first=True, padding_value=0)
            return padded[:, :-1], padded[:, 1:]


        class LM(nn.Module):
            def __init__(self, vocab):
                super().__init__()
                self.emb = nn.Embedding(vocab, 32, padding_idx=0)
                self.rnn = nn.LSTM(32, 64, batch_first=True)
                self.fc = nn.Linear(64, vocab)

            def forward(self, x, state=None):
                out, state = self.rnn(self.emb(x), state)
                return self.fc(out), state

            @torch.no_grad()
            def sample(self, n, steps=50):
                x = torch.full((n, 1), 1, dtype=torch.long)
                state, out = None, []
                for _ in range(steps):
                    logits, state = self(x, state)
                    x = torch.multinomial(torch.softmax(logits[:, -1], dim=-1), 1)
                    out.append(x)
                return torch.cat(out, dim=1)


        def train(data, vocab):
            model = LM(vocab)
            for inp, tgt in torch.utils.data.DataLoader(data, batch_size=8, collate_fn=collate):
                logits, _ = model(inp)
                yield nn.functional.cross_entropy(logits.reshape(-1, vocab), tgt.reshape(-1), ignore_index=0)
        """, """
        import torch
        import torch.nn as nn
        from torch.nn.utils.rnn import pad_sequence


        def collate(batch):
            padded = pad_sequence(batch, batch_first=True, padding_value=0)
            return padded[:, :-1], padded[:, 1:]


        class LM(nn.Module):
            def __init__(self, vocab):
                super().__init__()
                self.emb = nn.Embedding(vocab, 32, padding_idx=0)
                self.rnn = nn.LSTM(32, 64, batch_first=True)
                self.fc = nn.Linear(64, vocab)

            def forward(self, x, state=None):
                out, state = self.rnn(self.emb(x), state)
                return self.fc(out), state

            def score(self, x):
                logits, _ = self(x)
                return torch.softmax(logits[:, -1], dim=-1)


        def train(data, vocab):
            model = LM(vocab)
            for inp, tgt in torch.utils.data.DataLoader(data, batch_size=8, collate_fn=collate):
                logits, _ = model(inp)
                yield nn.functional.cross_entropy(logits.reshape(-1, vocab), tgt.reshape(-1), ignore_index=0)
                yield model.score(inp)
        """, ['PAD202']),
    # (PyPI review 24, stanza) len() of each row of a padded batch is the padded length
    ("lengths-counted-on-the-rows-of-a-padded-batch", """
        import torch
        from torch import nn
        from torch.nn.utils.rnn import pack_padded_sequence, pad_sequence


        class Classifier(nn.Module):
            def __init__(self, vocab, dim):
                super().__init__()
                self.emb = nn.Embedding(vocab, dim)
                self.lstm = nn.LSTM(dim, dim, batch_first=True, bidirectional=True)

            def forward(self, sentences):
                seqs = [torch.tensor(s) for s in sentences]
                lengths = torch.tensor([len(s) for s in seqs])
                packed = pack_padded_sequence(self.emb(pad_sequence(seqs, batch_first=True)), lengths,
                                              batch_first=True, enforce_sorted=False)
                return self.lstm(packed)[1][0]
        """, """
        import torch
        from torch import nn
        from torch.nn.utils.rnn import pack_padded_sequence, pad_sequence


        class Classifier(nn.Module):
            def __init__(self, vocab, dim):
                super().__init__()
                self.emb = nn.Embedding(vocab, dim)
                self.lstm = nn.LSTM(dim, dim, batch_first=True, bidirectional=True)

            def forward(self, sentences):
                embedded = self.emb(pad_sequence([torch.tensor(s) for s in sentences], batch_first=True))
                lengths = torch.tensor([len(row) for row in embedded])
                packed = pack_padded_sequence(embedded, lengths, batch_first=True, enforce_sorted=False)
                return self.lstm(packed)[1][0]
        """, ['PAD101']),
    # (PyPI review 24, recbole RepeatNet) a softmax module called inline over padded scores
    ("softmax-module-over-masked-or-unmasked-scores", """
        import torch
        from torch import nn
        from torch.nn.utils.rnn import pad_sequence


        class Pool(nn.Module):
            def __init__(self, vocab, dim):
                super().__init__()
                self.emb = nn.Embedding(vocab, dim)
                self.gru = nn.GRU(dim, dim, batch_first=True)
                self.v = nn.Linear(dim, 1, bias=False)

            def forward(self, seqs):
                items = pad_sequence(seqs, batch_first=True)
                h, _ = self.gru(self.emb(items))
                scores = self.v(torch.tanh(h)).masked_fill((items == 0).unsqueeze(-1), float("-inf"))
                alpha = nn.Softmax(dim=1)(scores)
                return (alpha * h).sum(dim=1)
        """, """
        import torch
        from torch import nn
        from torch.nn.utils.rnn import pad_sequence


        class Pool(nn.Module):
            def __init__(self, vocab, dim):
                super().__init__()
                self.emb = nn.Embedding(vocab, dim)
                self.gru = nn.GRU(dim, dim, batch_first=True)
                self.v = nn.Linear(dim, 1, bias=False)

            def forward(self, seqs):
                items = pad_sequence(seqs, batch_first=True)
                h, _ = self.gru(self.emb(items))
                scores = self.v(torch.tanh(h))
                alpha = nn.Softmax(dim=1)(scores)
                return (alpha * h).sum(dim=1)
        """, ['PAD401']),
    # (PyPI review 24, recbole STAMP / HRM) embeddings redrawn at random after construction: the
    # padding_idx row is no longer zero, and summing over the padded steps adds it
    ("sum-pooling-of-embeddings-whose-pad-row-was-redrawn", """
        import torch
        from torch import nn
        from torch.nn.init import normal_


        class Stamp(nn.Module):
            def __init__(self, n_items, dim):
                super().__init__()
                self.item_embedding = nn.Embedding(n_items, dim, padding_idx=0)
                self.apply(self._init_weights)

            def _init_weights(self, module):
                if isinstance(module, nn.Embedding):
                    normal_(module.weight.data, 0, 0.002)
                    module.weight.data[module.padding_idx].zero_()

            def forward(self, item_seq, item_seq_len):
                memory = self.item_embedding(item_seq)
                pooled = torch.sum(memory, dim=1)
                pooled = torch.div(pooled, item_seq_len.unsqueeze(1).float())
                return pooled
        """, """
        import torch
        from torch import nn
        from torch.nn.init import normal_


        class Stamp(nn.Module):
            def __init__(self, n_items, dim):
                super().__init__()
                self.item_embedding = nn.Embedding(n_items, dim, padding_idx=0)
                self.apply(self._init_weights)

            def _init_weights(self, module):
                if isinstance(module, nn.Embedding):
                    normal_(module.weight.data, 0, 0.002)

            def forward(self, item_seq, item_seq_len):
                memory = self.item_embedding(item_seq)
                pooled = torch.sum(memory, dim=1)
                pooled = torch.div(pooled, item_seq_len.unsqueeze(1).float())
                return pooled
        """, ['PAD301']),
    # (corpus, ESPnet utterance MVN) a raw input's sum over real lengths is a mean (its pads are
    # zeros); after subtracting the mean the pads are no longer zeros
    ("raw-input-mean-by-lengths-then-variance-of-the-centred-input", """
        import torch


        def utterance_mvn(x, ilens, pad_mask):
            n = ilens.type_as(x)[:, None]
            mean = x.sum(dim=1) / n
            centred = (x - mean[:, None, :]).masked_fill(pad_mask.unsqueeze(-1), 0.0)
            return centred / (centred.pow(2).sum(dim=1) / n).sqrt()[:, None, :]
        """, """
        import torch


        def utterance_mvn(x, ilens, pad_mask):
            n = ilens.type_as(x)[:, None]
            mean = x.sum(dim=1) / n
            centred = x - mean[:, None, :]
            return centred / (centred.pow(2).sum(dim=1) / n).sqrt()[:, None, :]
        """, ['PAD301']),
    # Set aa / review 32: a bias after the mask puts values back on the pads; nn.AdaptiveAvgPool1d(1)
    ("mask-then-linear-bias-then-sum", """
        import torch
        from torch import nn


        class ReadEncoder(nn.Module):
            def __init__(self):
                super().__init__()
                self.emb = nn.Embedding(6, 16, padding_idx=0)
                self.proj = nn.Linear(16, 16)

            def forward(self, ids, lens):
                keep = (ids != 0).unsqueeze(-1).float()
                h = self.proj(self.emb(ids)) * keep
                return h.sum(dim=1) / lens.unsqueeze(1)
        """, """
        import torch
        from torch import nn


        class ReadEncoder(nn.Module):
            def __init__(self):
                super().__init__()
                self.emb = nn.Embedding(6, 16, padding_idx=0)
                self.proj = nn.Linear(16, 16)

            def forward(self, ids, lens):
                keep = (ids != 0).unsqueeze(-1).float()
                h = self.emb(ids) * keep
                h = self.proj(h)
                return h.sum(dim=1) / lens.unsqueeze(1)
        """, ["PAD301"]),
    ("conv-then-adaptive-avg-pool", """
        import torch
        import torch.nn as nn
        from torch.nn.utils.rnn import pad_sequence


        class CNN(nn.Module):
            def __init__(self, vocab, d, h):
                super().__init__()
                self.emb = nn.Embedding(vocab, d, padding_idx=0)
                self.conv = nn.Conv1d(d, h, 3, padding=1)

            def forward(self, codes):
                x = pad_sequence(codes, batch_first=True, padding_value=0)
                keep = (x != 0).unsqueeze(1).float()
                y = self.conv(self.emb(x).permute(0, 2, 1)) * keep
                return y.sum(-1) / keep.sum(-1)
        """, """
        import torch
        import torch.nn as nn
        from torch.nn.utils.rnn import pad_sequence


        class CNN(nn.Module):
            def __init__(self, vocab, d, h):
                super().__init__()
                self.emb = nn.Embedding(vocab, d, padding_idx=0)
                self.conv = nn.Conv1d(d, h, 3, padding=1)
                self.pooling = nn.AdaptiveAvgPool1d(1)

            def forward(self, codes):
                x = pad_sequence(codes, batch_first=True, padding_value=0)
                y = self.conv(self.emb(x).permute(0, 2, 1))
                return self.pooling(y).squeeze(-1)
        """, ["PAD301"]),
    ("ignore-index-named-pad-marks-padded-targets", """
        import torch
        import torch.nn.functional as F


        def word_loss(w_logit, w_target, pad_idx):
            w_loss = F.nll_loss(
                F.log_softmax(w_logit.view(-1, w_logit.size(-1)), 1),
                w_target.view(-1),
                ignore_index=pad_idx,
                reduction="none",
            )
            w_loss = w_loss.reshape(w_target.size())
            w_loss = w_loss.sum(dim=1) / (w_target != pad_idx).sum(dim=1)
            return torch.mean(w_loss)
        """, """
        import torch
        import torch.nn.functional as F


        def word_loss(w_logit, w_target, pad_idx):
            w_loss = F.nll_loss(
                F.log_softmax(w_logit.view(-1, w_logit.size(-1)), 1),
                w_target.view(-1),
                ignore_index=pad_idx,
                reduction="none",
            )
            w_loss = w_loss.reshape(w_target.size())
            w_loss = torch.mean(w_loss, dim=1)
            return torch.mean(w_loss)
        """, ["PAD301"]),
    # Set ab: NaN padding (isnan selects the real values; nan_to_num keeps the pads); ids.ne(0) as a padding mask
    ("nan-padded-targets-selected-or-zeroed", """
        import torch
        import torch.nn.functional as F


        def stack_nan_padded(series):
            T = max(s.shape[0] for s in series)
            return torch.stack([F.pad(s, (0, T - s.shape[0]), value=float("nan")) for s in series])


        def loss(model, series):
            x = stack_nan_padded(series)
            pred, tgt = model(x[:, :-1].nan_to_num(0.0)), x[:, 1:]
            valid = ~torch.isnan(tgt)
            return F.mse_loss(pred[valid], tgt[valid])
        """, """
        import torch
        import torch.nn.functional as F


        def stack_nan_padded(series):
            T = max(s.shape[0] for s in series)
            return torch.stack([F.pad(s, (0, T - s.shape[0]), value=float("nan")) for s in series])


        def loss(model, series):
            x = stack_nan_padded(series)
            pred, tgt = model(x[:, :-1].nan_to_num(0.0)), x[:, 1:]
            tgt = tgt.nan_to_num(0.0)
            return F.mse_loss(pred, tgt)
        """, ["PAD304"]),
    ("nonzero-ids-as-key-padding-mask", """
        import torch
        from torch import nn

        enc = nn.TransformerEncoder(nn.TransformerEncoderLayer(16, 2, batch_first=True), 1)


        def encode(emb, clicks):
            padding = clicks.eq(0)
            return enc(emb(clicks), src_key_padding_mask=padding)
        """, """
        import torch
        from torch import nn

        enc = nn.TransformerEncoder(nn.TransformerEncoderLayer(16, 2, batch_first=True), 1)


        def encode(emb, clicks):
            keep = clicks.ne(0)
            return enc(emb(clicks), src_key_padding_mask=keep)
        """, ["PAD402"]),
    # Set aa: einops.reduce over the time axis
    ("einops-reduce-over-time", """
        import torch
        from einops import reduce
        from torch import nn
        from torch.nn.utils.rnn import pad_sequence


        class Tagger(nn.Module):
            def __init__(self):
                super().__init__()
                self.emb = nn.Embedding(100, 32, padding_idx=0)
                layer = nn.TransformerEncoderLayer(32, 4, batch_first=True)
                self.encoder = nn.TransformerEncoder(layer, 2)

            def forward(self, seqs):
                tokens = pad_sequence(seqs, batch_first=True)
                pad = tokens.eq(0)
                h = self.encoder(self.emb(tokens), src_key_padding_mask=pad)
                keep = (~pad).unsqueeze(-1).float()
                return reduce(h * keep, "b t d -> b d", "sum") / keep.sum(1)
        """, """
        import torch
        from einops import reduce
        from torch import nn
        from torch.nn.utils.rnn import pad_sequence


        class Tagger(nn.Module):
            def __init__(self):
                super().__init__()
                self.emb = nn.Embedding(100, 32, padding_idx=0)
                layer = nn.TransformerEncoderLayer(32, 4, batch_first=True)
                self.encoder = nn.TransformerEncoder(layer, 2)

            def forward(self, seqs):
                tokens = pad_sequence(seqs, batch_first=True)
                pad = tokens.eq(0)
                h = self.encoder(self.emb(tokens), src_key_padding_mask=pad)
                return reduce(h, "b t d -> b d", "mean")
        """, ["PAD301"]),
    # Set aa: a loss zeroed at target == PAD, then divided by every position
    ("loss-zeroed-at-pad-targets-over-numel", """
        import torch

        PAD = 0


        def smoothed_nll(logits, target, eps=0.1):
            logp = logits.log_softmax(dim=-1)
            nll = -logp.gather(-1, target.unsqueeze(-1)).squeeze(-1)
            loss = (1.0 - eps) * nll + eps * -logp.mean(dim=-1)
            pad_mask = target.eq(PAD)
            loss = loss.masked_fill(pad_mask, 0.0)
            return loss.sum() / (~pad_mask).sum()
        """, """
        import torch

        PAD = 0


        def smoothed_nll(logits, target, eps=0.1):
            logp = logits.log_softmax(dim=-1)
            nll = -logp.gather(-1, target.unsqueeze(-1)).squeeze(-1)
            loss = (1.0 - eps) * nll + eps * -logp.mean(dim=-1)
            pad_mask = target.eq(PAD)
            loss = loss.masked_fill(pad_mask, 0.0)
            return loss.sum() / loss.numel()
        """, ["PAD302"]),
    # Set ac and PyPI review 33 (thirteenth session): registries, shape slices, torch.where fills
    ("ctc-lengths-unpacked-from-a-shape-slice", """
        import torch
        import torch.nn.functional as F


        def ctc_step(model, feats, feat_lens, targets, target_lens):
            log_probs, enc_lens = model(feats, feat_lens)
            return F.ctc_loss(log_probs, targets, enc_lens, target_lens)
        """, """
        import torch
        import torch.nn.functional as F


        def ctc_step(model, feats, feat_lens, targets, target_lens):
            log_probs, enc_lens = model(feats, feat_lens)
            frames, batch_size = log_probs.shape[:2]
            input_lengths = torch.full((batch_size,), frames, dtype=torch.long)
            return F.ctc_loss(log_probs, targets, input_lengths, target_lens)
        """, ["PAD305"]),
    ("gold-tag-score-gathered-on-the-class-axis", """
        import torch.nn as nn
        from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence


        class Tagger(nn.Module):
            def __init__(self):
                super().__init__()
                self.lstm = nn.LSTM(8, 8, batch_first=True)
                self.emit = nn.Linear(8, 5)

            def gold_score(self, x, lengths, tags, mask):
                packed = pack_padded_sequence(x, lengths, batch_first=True, enforce_sorted=False)
                out, _ = pad_packed_sequence(self.lstm(packed)[0], batch_first=True)
                em = self.emit(out)
                emit = em.gather(2, tags.unsqueeze(2)).squeeze(2)
                return (emit * mask).sum(1)
        """, """
        import torch.nn as nn
        from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence


        class Tagger(nn.Module):
            def __init__(self):
                super().__init__()
                self.lstm = nn.LSTM(8, 8, batch_first=True)
                self.emit = nn.Linear(8, 5)

            def gold_score(self, x, lengths, tags):
                packed = pack_padded_sequence(x, lengths, batch_first=True, enforce_sorted=False)
                out, _ = pad_packed_sequence(self.lstm(packed)[0], batch_first=True)
                em = self.emit(out)
                emit = em.gather(2, tags.unsqueeze(2)).squeeze(2)
                return emit.sum(1)
        """, ["PAD301"]),
    ("lengths-from-rows-of-ids-that-feed-an-embedding", """
        import torch
        import torch.nn as nn
        from torch.nn.utils.rnn import pack_padded_sequence


        class Encoder(nn.Module):
            def __init__(self):
                super().__init__()
                self.emb = nn.Embedding(50, 8, padding_idx=0)
                self.rnn = nn.LSTM(8, 8, batch_first=True)

            def forward(self, words):
                lengths = (words != 0).sum(1)
                packed = pack_padded_sequence(self.emb(words), lengths.cpu(), batch_first=True, enforce_sorted=False)
                return self.rnn(packed)[1][0]
        """, """
        import torch
        import torch.nn as nn
        from torch.nn.utils.rnn import pack_padded_sequence


        class Encoder(nn.Module):
            def __init__(self):
                super().__init__()
                self.emb = nn.Embedding(50, 8, padding_idx=0)
                self.rnn = nn.LSTM(8, 8, batch_first=True)

            def forward(self, words):
                lengths = torch.tensor([len(sent) for sent in words])
                packed = pack_padded_sequence(self.emb(words), lengths, batch_first=True, enforce_sorted=False)
                return self.rnn(packed)[1][0]
        """, ["PAD101"]),
    ("torch-where-fill-before-the-softmax", """
        import torch
        import torch.nn as nn


        class PooledEncoder(nn.Module):
            def __init__(self):
                super().__init__()
                self.emb = nn.Embedding(50, 8, padding_idx=0)
                self.score = nn.Linear(8, 1)

            def forward(self, ids):
                keep = ids.ne(0)
                hidden = self.emb(ids)
                scores = self.score(hidden).squeeze(-1)
                scores = torch.where(keep, scores, torch.full_like(scores, float("-inf")))
                return torch.bmm(scores.softmax(-1).unsqueeze(1), hidden).squeeze(1)
        """, """
        import torch
        import torch.nn as nn


        class PooledEncoder(nn.Module):
            def __init__(self):
                super().__init__()
                self.emb = nn.Embedding(50, 8, padding_idx=0)
                self.score = nn.Linear(8, 1)

            def forward(self, ids):
                keep = ids.ne(0)
                hidden = self.emb(ids)
                scores = self.score(hidden).squeeze(-1)
                scores = torch.where(keep, scores, torch.zeros_like(scores))
                return torch.bmm(scores.softmax(-1).unsqueeze(1), hidden).squeeze(1)
        """, ["PAD403"]),
    ("loss-from-a-registry-picked-by-a-config-dataclass", """
        import functools
        from dataclasses import dataclass

        from torch import nn
        from torch.nn.utils.rnn import pad_sequence

        PAD_CHORD = 0
        LOSSES = {
            "ce": functools.partial(nn.CrossEntropyLoss, ignore_index=PAD_CHORD),
            "smooth": functools.partial(nn.CrossEntropyLoss, ignore_index=PAD_CHORD, label_smoothing=0.1),
        }


        @dataclass
        class Config:
            loss: str = "ce"


        class ChordHead(nn.Module):
            def __init__(self, cfg: Config):
                super().__init__()
                self.out = nn.Linear(24, 26)
                self.criterion = LOSSES[cfg.loss]()

            def loss(self, feats, chord_list):
                chords = pad_sequence(chord_list, batch_first=True, padding_value=PAD_CHORD)
                logits = self.out(feats)
                return self.criterion(logits.reshape(-1, 26), chords.reshape(-1))
        """, """
        import functools
        from dataclasses import dataclass

        from torch import nn
        from torch.nn.utils.rnn import pad_sequence

        PAD_CHORD = 0
        LOSSES = {
            "ce": functools.partial(nn.CrossEntropyLoss),
            "smooth": functools.partial(nn.CrossEntropyLoss, ignore_index=PAD_CHORD, label_smoothing=0.1),
        }


        @dataclass
        class Config:
            loss: str = "ce"


        class ChordHead(nn.Module):
            def __init__(self, cfg: Config):
                super().__init__()
                self.out = nn.Linear(24, 26)
                self.criterion = LOSSES[cfg.loss]()

            def loss(self, feats, chord_list):
                chords = pad_sequence(chord_list, batch_first=True, padding_value=PAD_CHORD)
                logits = self.out(feats)
                return self.criterion(logits.reshape(-1, 26), chords.reshape(-1))
        """, ["PAD303"]),
    ("registry-loss-and-the-mask-the-model-hands-back", """
        import functools

        import torch
        import torch.nn as nn
        import torch.nn.functional as F

        RECON_LOSSES = {"mse": functools.partial(F.mse_loss, reduction="mean")}


        class Imputer(nn.Module):
            def __init__(self, loss="mse"):
                super().__init__()
                self.proj = nn.Linear(4, 4)
                self.recon_loss = RECON_LOSSES[loss]

            def forward(self, values, lengths):
                keep = torch.arange(values.size(1))[None] < lengths[:, None]
                return self.proj(values), keep

            def reconstruction_loss(self, values, lengths):
                x_hat, keep = self(values, lengths)
                return self.recon_loss(x_hat[keep], values[keep])
        """, """
        import functools

        import torch
        import torch.nn as nn
        import torch.nn.functional as F

        RECON_LOSSES = {"mse": functools.partial(F.mse_loss, reduction="mean")}


        class Imputer(nn.Module):
            def __init__(self, loss="mse"):
                super().__init__()
                self.proj = nn.Linear(4, 4)
                self.recon_loss = RECON_LOSSES[loss]

            def forward(self, values, lengths):
                keep = torch.arange(values.size(1))[None] < lengths[:, None]
                return self.proj(values), keep

            def reconstruction_loss(self, values, lengths):
                x_hat, keep = self(values, lengths)
                return self.recon_loss(x_hat, values)
        """, ["PAD304"]),
    ("attention-through-an-activation-module", """
        import torch
        from torch import nn


        class Switch(nn.Module):
            def __init__(self, hidden):
                super().__init__()
                self.U = nn.Linear(hidden, hidden)
                self.tanh = nn.Tanh()
                self.v = nn.Linear(hidden, 1, bias=False)

            def forward(self, memory, mask):
                e = self.v(self.tanh(self.U(memory))).squeeze(-1)
                e = e.masked_fill(~mask, float("-inf"))
                return (nn.Softmax(dim=1)(e).unsqueeze(-1) * memory).sum(1)


        class Net(nn.Module):
            def __init__(self, n_items, dim):
                super().__init__()
                self.items = nn.Embedding(n_items, dim, padding_idx=0)
                self.gru = nn.GRU(dim, dim, batch_first=True)
                self.switch = Switch(dim)

            def forward(self, item_seq, item_seq_len):
                memory, _ = self.gru(self.items(item_seq))
                return self.switch(memory, item_seq != 0)
        """, """
        import torch
        from torch import nn


        class Switch(nn.Module):
            def __init__(self, hidden):
                super().__init__()
                self.U = nn.Linear(hidden, hidden)
                self.tanh = nn.Tanh()
                self.v = nn.Linear(hidden, 1, bias=False)

            def forward(self, memory):
                e = self.v(self.tanh(self.U(memory)))
                return (nn.Softmax(dim=1)(e) * memory).sum(1)


        class Net(nn.Module):
            def __init__(self, n_items, dim):
                super().__init__()
                self.items = nn.Embedding(n_items, dim, padding_idx=0)
                self.gru = nn.GRU(dim, dim, batch_first=True)
                self.switch = Switch(dim)

            def forward(self, item_seq, item_seq_len):
                memory, _ = self.gru(self.items(item_seq))
                return self.switch(memory)
        """, ["PAD401"]),
    ("sum-pooled-in-one-branch-then-divided-by-lengths", """
        import torch
        from torch import nn


        class Pool(nn.Module):
            def __init__(self, n_items, dim, pooling):
                super().__init__()
                self.pooling = pooling
                self.emb = nn.Embedding(n_items, dim, padding_idx=0)

            def forward(self, seq, seq_len):
                e = self.emb(seq)
                if self.pooling == "first":
                    pooled = e[:, 0]
                else:
                    pooled = torch.sum(e * (seq != 0).unsqueeze(-1), dim=1)
                    pooled = torch.div(pooled, seq_len.unsqueeze(1).float())
                return pooled
        """, """
        import torch
        from torch import nn


        class Pool(nn.Module):
            def __init__(self, n_items, dim, pooling):
                super().__init__()
                self.pooling = pooling
                self.emb = nn.Embedding(n_items, dim, padding_idx=0)
                self.apply(self._init_weights)

            def _init_weights(self, module):
                if isinstance(module, nn.Embedding):
                    nn.init.xavier_normal_(module.weight.data)

            def forward(self, seq, seq_len):
                e = self.emb(seq)
                if self.pooling == "first":
                    pooled = e[:, 0]
                else:
                    pooled = torch.sum(e, dim=1)
                    pooled = torch.div(pooled, seq_len.unsqueeze(1).float())
                return pooled
        """, ["PAD301"]),
    ("weights-zeroed-after-the-softmax-with-torch-where", """
        import torch
        from torch import nn


        class AttentionPool(nn.Module):
            def __init__(self, d):
                super().__init__()
                self.att = nn.Linear(d, 1)

            def forward(self, h, mask):
                scores = self.att(h).squeeze(-1)
                w = torch.softmax(scores, -1)
                w = torch.where(torch.eq(mask, 0), torch.zeros_like(w), w)
                w = w / w.sum(-1, keepdim=True)
                return (w.unsqueeze(-1) * h).sum(1)
        """, """
        import torch
        from torch import nn


        class AttentionPool(nn.Module):
            def __init__(self, d):
                super().__init__()
                self.att = nn.Linear(d, 1)

            def forward(self, h, mask):
                scores = self.att(h).squeeze(-1)
                w = torch.softmax(scores, -1)
                w = torch.where(torch.eq(mask, 0), torch.zeros_like(w), w)
                return (w.unsqueeze(-1) * h).sum(1)
        """, ["PAD401"]),
    ("pooling-function-picked-from-a-dict", """
        import torch
        from transformers import AutoModel, AutoTokenizer


        def mean_across_all_tokens(token_vectors, attention_mask):
            keep = attention_mask.unsqueeze(-1).float()
            return (token_vectors * keep).sum(1) / keep.sum(1)


        class RepresentationModel:
            def __init__(self, name):
                self.tokenizer = AutoTokenizer.from_pretrained(name)
                self.model = AutoModel.from_pretrained(name)

            def encode_sentences(self, text_list, combine_strategy="mean"):
                embedding_func = {"mean": mean_across_all_tokens}[combine_strategy]
                encoded = self.tokenizer(text_list, padding=True, truncation=True, return_tensors="pt")
                token_vectors = self.model(input_ids=encoded["input_ids"], attention_mask=encoded["attention_mask"])[0]
                return embedding_func(token_vectors, encoded["attention_mask"])
        """, """
        import torch
        from transformers import AutoModel, AutoTokenizer


        def mean_across_all_tokens(token_vectors):
            return torch.mean(token_vectors, dim=1)


        class RepresentationModel:
            def __init__(self, name):
                self.tokenizer = AutoTokenizer.from_pretrained(name)
                self.model = AutoModel.from_pretrained(name)

            def encode_sentences(self, text_list, combine_strategy="mean"):
                embedding_func = {"mean": mean_across_all_tokens}[combine_strategy]
                encoded = self.tokenizer(text_list, padding=True, truncation=True, return_tensors="pt")
                token_vectors = self.model(input_ids=encoded["input_ids"], attention_mask=encoded["attention_mask"])[0]
                return embedding_func(token_vectors)
        """, ["PAD301"]),
    ("token-kd-kl-div-batchmean-over-flattened-tokens", """
        import torch
        import torch.nn.functional as F
        from torch.nn.utils.rnn import pad_sequence


        def token_kd_loss(student_logits, teacher_logits, attention_mask, temperature=2.0):
            keep = attention_mask.flatten().bool()
            s = F.log_softmax(student_logits / temperature, dim=-1).flatten(0, 1)[keep]
            t = F.softmax(teacher_logits / temperature, dim=-1).flatten(0, 1)[keep]
            return F.kl_div(s, t, reduction="batchmean") * temperature ** 2


        def distill_step(student, teacher, seqs):
            input_ids = pad_sequence(seqs, batch_first=True, padding_value=0)
            with torch.no_grad():
                teacher_logits = teacher(input_ids)
            return token_kd_loss(student(input_ids), teacher_logits, (input_ids != 0).long())
        """, """
        import torch
        import torch.nn.functional as F
        from torch.nn.utils.rnn import pad_sequence


        def token_kd_loss(student_logits, teacher_logits, attention_mask, temperature=2.0):
            s = F.log_softmax(student_logits / temperature, dim=-1).flatten(0, 1)
            t = F.softmax(teacher_logits / temperature, dim=-1).flatten(0, 1)
            return F.kl_div(s, t, reduction="batchmean") * temperature ** 2


        def distill_step(student, teacher, seqs):
            input_ids = pad_sequence(seqs, batch_first=True, padding_value=0)
            with torch.no_grad():
                teacher_logits = teacher(input_ids)
            return token_kd_loss(student(input_ids), teacher_logits, (input_ids != 0).long())
        """, ["PAD304"]),
    ("rnn-run-in-a-helper-method-final-state-used", """
        from torch import nn
        from torch.nn.utils.rnn import pack_padded_sequence, pad_sequence


        class SessionEncoder(nn.Module):
            def __init__(self, n_items, dim=32, hidden=32):
                super().__init__()
                self.emb = nn.Embedding(n_items, dim, padding_idx=0)
                self.gru = nn.GRU(dim, hidden)

            def _run_rnn(self, emb, lengths):
                return self.gru(pack_padded_sequence(emb, lengths, enforce_sorted=False))

            def forward(self, items, lengths):
                _, h_n = self._run_rnn(self.emb(items), lengths)
                return h_n[-1]


        def encode(model, sessions, lengths):
            return model(pad_sequence(sessions), lengths)
        """, """
        from torch import nn
        from torch.nn.utils.rnn import pack_padded_sequence, pad_sequence


        class SessionEncoder(nn.Module):
            def __init__(self, n_items, dim=32, hidden=32):
                super().__init__()
                self.emb = nn.Embedding(n_items, dim, padding_idx=0)
                self.gru = nn.GRU(dim, hidden)

            def _run_rnn(self, emb, lengths):
                return self.gru(emb)

            def forward(self, items, lengths):
                _, h_n = self._run_rnn(self.emb(items), lengths)
                return h_n[-1]


        def encode(model, sessions, lengths):
            return model(pad_sequence(sessions), lengths)
        """, ["PAD201"]),
    ("keep-mask-added-to-einsum-scores", """
        import torch


        def attention(q, k, v, ids, pad_id=0):
            keep_mask = ids != pad_id
            scores = torch.einsum("bhid,bhjd->bhij", q, k) * q.size(-1) ** -0.5
            scores = scores.masked_fill(~keep_mask[:, None, None, :], float("-inf"))
            return torch.einsum("bhij,bhjd->bhid", scores.softmax(dim=-1), v)
        """, """
        import torch


        def attention(q, k, v, ids, pad_id=0):
            keep_mask = ids != pad_id
            scores = torch.einsum("bhid,bhjd->bhij", q, k) * q.size(-1) ** -0.5
            scores = scores + keep_mask[:, None, None, :]
            return torch.einsum("bhij,bhjd->bhid", scores.softmax(dim=-1), v)
        """, ["PAD403"]),
    ("max-over-an-rnns-outputs-beside-the-lengths", """
        import torch


        class RnnEncoder(torch.nn.Module):
            def __init__(self, dim):
                super().__init__()
                self.rnn = torch.nn.GRU(dim, dim, batch_first=True)

            def forward(self, payload, seq_lens):
                out, _ = self.rnn(payload)
                pad = torch.arange(out.size(1))[None, :] >= seq_lens[:, None]
                return out.masked_fill(pad.unsqueeze(-1), float("-inf")).max(dim=1)[0]
        """, """
        import torch


        class RnnEncoder(torch.nn.Module):
            def __init__(self, dim):
                super().__init__()
                self.rnn = torch.nn.GRU(dim, dim, batch_first=True)

            def forward(self, payload, seq_lens):
                out, _ = self.rnn(payload)
                return out.max(dim=1)[0]
        """, ["PAD301"]),
    ("source-compared-with-the-pad-id-bidirectional-state", """
        import torch
        from torch import nn
        from torch.nn.utils.rnn import pack_padded_sequence


        class Encoder(nn.Module):
            def __init__(self, vocab, dim):
                super().__init__()
                self.embed = nn.Embedding(vocab, dim)
                self.gru = nn.GRU(dim, dim, bidirectional=True)

            def forward(self, src, lengths):
                outputs, hidden = self.gru(pack_padded_sequence(self.embed(src), lengths, enforce_sorted=False))
                return outputs, hidden


        class Seq2Seq(nn.Module):
            def __init__(self, vocab, dim, pad_id, decoder):
                super().__init__()
                self.encoder = Encoder(vocab, dim)
                self.decoder = decoder
                self.pad_id = pad_id

            def forward(self, src, tgt):
                mask = (src == self.pad_id).transpose(1, 0)
                encoder_output, hidden = self.encoder(src, (~mask).sum(1))
                return self.decoder(tgt[:1], hidden[:1], encoder_output, mask=mask)
        """, """
        import torch
        from torch import nn


        class Encoder(nn.Module):
            def __init__(self, vocab, dim):
                super().__init__()
                self.embed = nn.Embedding(vocab, dim)
                self.gru = nn.GRU(dim, dim, bidirectional=True)

            def forward(self, src, hidden=None):
                outputs, hidden = self.gru(self.embed(src), hidden)
                return outputs, hidden


        class Seq2Seq(nn.Module):
            def __init__(self, vocab, dim, pad_id, decoder):
                super().__init__()
                self.encoder = Encoder(vocab, dim)
                self.decoder = decoder
                self.pad_id = pad_id

            def forward(self, src, tgt):
                encoder_output, hidden = self.encoder(src)
                mask = (src == self.pad_id).transpose(1, 0)
                return self.decoder(tgt[:1], hidden[:1], encoder_output, mask=mask)
        """, ["PAD201", "PAD204"]),
    ("batch-dataclass-field-padded-by-its-classmethod", """
        from dataclasses import dataclass

        import torch
        import torch.nn.functional as F
        from torch.nn.utils.rnn import pad_sequence


        @dataclass
        class TrajBatch:
            fut: torch.Tensor
            fut_len: torch.Tensor

            @classmethod
            def from_tracks(cls, futs):
                return cls(pad_sequence(futs), torch.tensor([len(f) for f in futs]))


        def loss(pred, batch: TrajBatch):
            keep = (torch.arange(batch.fut.size(0))[:, None] < batch.fut_len[None, :]).unsqueeze(-1)
            per = F.smooth_l1_loss(pred, batch.fut, beta=0.5, reduction="none")
            return (per * keep).sum() / (keep.sum() * per.size(-1))
        """, """
        from dataclasses import dataclass

        import torch
        import torch.nn.functional as F
        from torch.nn.utils.rnn import pad_sequence


        @dataclass
        class TrajBatch:
            fut: torch.Tensor
            fut_len: torch.Tensor

            @classmethod
            def from_tracks(cls, futs):
                return cls(pad_sequence(futs), torch.tensor([len(f) for f in futs]))


        def loss(pred, batch: TrajBatch):
            return F.smooth_l1_loss(pred, batch.fut, beta=0.5)
        """, ["PAD304"]),
    # Fourteenth session: set ae, review 35
    ("hf-output-read-by-key-in-a-pooling-helper", """
        import torch


        def mean_pooling(model_output, attention_mask):
            tokens = model_output["last_hidden_state"]
            mask = attention_mask.unsqueeze(-1).float()
            return (tokens * mask).sum(1) / mask.sum(1).clamp(min=1e-9)


        def embed(model, tokenizer, sentences):
            batch = tokenizer(sentences, padding=True, return_tensors="pt")
            return mean_pooling(model(**batch), batch["attention_mask"])
        """, """
        import torch


        def mean_pooling(model_output, attention_mask):
            tokens = model_output["last_hidden_state"]
            return tokens.mean(dim=1)


        def embed(model, tokenizer, sentences):
            batch = tokenizer(sentences, padding=True, return_tensors="pt")
            return mean_pooling(model(**batch), batch["attention_mask"])
        """, ["PAD301"]),
    ("textcnn-max-with-its-mask-built-and-left-unused", """
        import torch
        import torch.nn.functional as F
        from torch import nn


        class TextCNN(nn.Module):
            def __init__(self, vocab, dim=32, filters=16):
                super().__init__()
                self.emb = nn.Embedding(vocab, dim, padding_idx=0)
                self.conv = nn.Conv1d(dim, filters, 3, padding=1)

            def forward(self, tokens, lengths):
                x = self.emb(tokens).transpose(1, 2)
                valid = torch.arange(tokens.size(1))[None, :] < lengths[:, None]
                c = F.relu(self.conv(x)).masked_fill(~valid[:, None, :], float("-inf"))
                return c.max(dim=2).values
        """, """
        import torch
        import torch.nn.functional as F
        from torch import nn


        class TextCNN(nn.Module):
            def __init__(self, vocab, dim=32, filters=16):
                super().__init__()
                self.emb = nn.Embedding(vocab, dim, padding_idx=0)
                self.conv = nn.Conv1d(dim, filters, 3, padding=1)

            def forward(self, tokens, lengths):
                x = self.emb(tokens).transpose(1, 2)
                valid = torch.arange(tokens.size(1))[None, :] < lengths[:, None]
                c = F.relu(self.conv(x))
                return c.max(dim=2).values
        """, ["PAD301"]),
    ("einsum-masked-sum-over-the-padded-length", """
        import torch


        def stats_pool(h, lengths):
            mask = (torch.arange(h.size(-1))[None, :] < lengths[:, None]).to(h.dtype)
            denom = mask.sum(-1, keepdim=True)
            return torch.einsum("bct,bt->bc", h, mask) / denom
        """, """
        import torch


        def stats_pool(h, lengths):
            mask = (torch.arange(h.size(-1))[None, :] < lengths[:, None]).to(h.dtype)
            denom = h.size(-1)
            return torch.einsum("bct,bt->bc", h, mask) / denom
        """, ["PAD302"]),
    ("hand-filled-keep-mask-canvas-as-key-padding-mask", """
        import torch
        from torch import nn


        class Reranker(nn.Module):
            def __init__(self, vocab=120, d=32):
                super().__init__()
                self.emb = nn.Embedding(vocab, d, padding_idx=0)
                layer = nn.TransformerEncoderLayer(d, 4, 64, batch_first=True)
                self.encoder = nn.TransformerEncoder(layer, 2)

            def forward(self, input_ids, attention_mask):
                h = self.encoder(self.emb(input_ids), src_key_padding_mask=~attention_mask.bool())
                return h[:, 0]


        def encode(seqs, pad_id=0):
            width = max(len(s) for s in seqs)
            ids = torch.full((len(seqs), width), pad_id, dtype=torch.long)
            mask = torch.zeros_like(ids)
            for i, s in enumerate(seqs):
                ids[i, : len(s)] = torch.tensor(s)
                mask[i, : len(s)] = 1
            return {"input_ids": ids, "attention_mask": mask}


        scores = Reranker()(**encode([[5, 6, 7], [8]]))
        """, """
        import torch
        from torch import nn


        class Reranker(nn.Module):
            def __init__(self, vocab=120, d=32):
                super().__init__()
                self.emb = nn.Embedding(vocab, d, padding_idx=0)
                layer = nn.TransformerEncoderLayer(d, 4, 64, batch_first=True)
                self.encoder = nn.TransformerEncoder(layer, 2)

            def forward(self, input_ids, attention_mask):
                h = self.encoder(self.emb(input_ids), src_key_padding_mask=attention_mask.bool())
                return h[:, 0]


        def encode(seqs, pad_id=0):
            width = max(len(s) for s in seqs)
            ids = torch.full((len(seqs), width), pad_id, dtype=torch.long)
            mask = torch.zeros_like(ids)
            for i, s in enumerate(seqs):
                ids[i, : len(s)] = torch.tensor(s)
                mask[i, : len(s)] = 1
            return {"input_ids": ids, "attention_mask": mask}


        scores = Reranker()(**encode([[5, 6, 7], [8]]))
        """, ["PAD402"]),
    ("encoder-told-the-padding-then-max-pooled", """
        import torch
        from torch import nn
        from utils import seq_len_to_mask
        from module import Transformer as TransformerBlock


        class RelationClassifier(nn.Module):
            def __init__(self, cfg):
                super().__init__()
                self.embedding = nn.Embedding(cfg.vocab, cfg.dim)
                self.transformer = TransformerBlock(cfg)
                self.fc = nn.Linear(cfg.dim, cfg.n_rel)

            def forward(self, x):
                word, lens = x["word"], x["lens"]
                mask = seq_len_to_mask(lens)
                hidden, all_hidden, all_attn = self.transformer(self.embedding(word), key_padding_mask=mask)
                pooled = hidden.masked_fill(mask.unsqueeze(-1), float("-inf")).max(dim=1)[0]
                return self.fc(pooled)
        """, """
        import torch
        from torch import nn
        from utils import seq_len_to_mask
        from module import Transformer as TransformerBlock


        class RelationClassifier(nn.Module):
            def __init__(self, cfg):
                super().__init__()
                self.embedding = nn.Embedding(cfg.vocab, cfg.dim)
                self.transformer = TransformerBlock(cfg)
                self.fc = nn.Linear(cfg.dim, cfg.n_rel)

            def forward(self, x):
                word, lens = x["word"], x["lens"]
                mask = seq_len_to_mask(lens)
                hidden, all_hidden, all_attn = self.transformer(self.embedding(word), key_padding_mask=mask)
                pooled = hidden.max(dim=1)[0]
                return self.fc(pooled)
        """, ["PAD301"]),
    ("transformer-encoder-takes-batch-first-from-its-layer", """
        import torch
        from torch import nn


        class Encoder(nn.Module):
            def __init__(self, vocab, dim):
                super().__init__()
                self.embedding = nn.Embedding(vocab, dim, padding_idx=0)
                layer = nn.TransformerEncoderLayer(dim, 4, batch_first=True)
                self.transformer = nn.TransformerEncoder(layer, 2)

            def forward(self, word, lens):
                mask = torch.arange(word.size(1))[None, :] >= lens[:, None]
                hidden = self.transformer(self.embedding(word), src_key_padding_mask=mask)
                return hidden.masked_fill(mask.unsqueeze(-1), 0.0).sum(dim=1) / lens[:, None]
        """, """
        import torch
        from torch import nn


        class Encoder(nn.Module):
            def __init__(self, vocab, dim):
                super().__init__()
                self.embedding = nn.Embedding(vocab, dim, padding_idx=0)
                layer = nn.TransformerEncoderLayer(dim, 4, batch_first=True)
                self.transformer = nn.TransformerEncoder(layer, 2)

            def forward(self, word, lens):
                mask = torch.arange(word.size(1))[None, :] >= lens[:, None]
                hidden = self.transformer(self.embedding(word), src_key_padding_mask=mask)
                return hidden.mean(dim=1)
        """, ["PAD301"]),
    ("protein-lstm-on-variadic-to-padded", """
        import torch
        from torch import nn
        from torchdrug.layers import functional


        class ProteinLSTM(nn.Module):
            def __init__(self, input_dim, hidden_dim):
                super().__init__()
                self.embedding = nn.Linear(input_dim, hidden_dim)
                self.lstm = nn.LSTM(hidden_dim, hidden_dim, batch_first=True)

            def forward(self, graph, feature):
                padded, mask = functional.variadic_to_padded(feature, graph.num_residues, value=0)
                lengths = mask.sum(-1)
                packed = nn.utils.rnn.pack_padded_sequence(self.embedding(padded), lengths.cpu(), batch_first=True,
                                                           enforce_sorted=False)
                _, (hidden, _) = self.lstm(packed)
                return hidden[-1]
        """, """
        import torch
        from torch import nn
        from torchdrug.layers import functional


        class ProteinLSTM(nn.Module):
            def __init__(self, input_dim, hidden_dim):
                super().__init__()
                self.embedding = nn.Linear(input_dim, hidden_dim)
                self.lstm = nn.LSTM(hidden_dim, hidden_dim, batch_first=True)

            def forward(self, graph, feature):
                padded = functional.variadic_to_padded(feature, graph.num_residues, value=0)[0]
                _, (hidden, _) = self.lstm(self.embedding(padded))
                return hidden[-1]
        """, ["PAD201"]),
    ("bidirectional-tagger-packed-or-not", """
        import torch
        from torch import nn
        from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence, pad_sequence


        class Tagger(nn.Module):
            def __init__(self, vocab, dim, hidden, n_tags):
                super().__init__()
                self.embed = nn.Embedding(vocab, dim, padding_idx=0)
                self.rnn = nn.GRU(dim, hidden, batch_first=True, bidirectional=True)
                self.out = nn.Linear(2 * hidden, n_tags)

            def forward(self, seqs):
                tokens = pad_sequence(seqs, batch_first=True)
                lengths = torch.tensor([len(s) for s in seqs])
                packed = pack_padded_sequence(self.embed(tokens), lengths, batch_first=True, enforce_sorted=False)
                out, _ = self.rnn(packed)
                out, _ = pad_packed_sequence(out, batch_first=True)
                return self.out(out)
        """, """
        import torch
        from torch import nn
        from torch.nn.utils.rnn import pad_sequence


        class Tagger(nn.Module):
            def __init__(self, vocab, dim, hidden, n_tags):
                super().__init__()
                self.embed = nn.Embedding(vocab, dim, padding_idx=0)
                self.rnn = nn.GRU(dim, hidden, batch_first=True, bidirectional=True)
                self.out = nn.Linear(2 * hidden, n_tags)

            def forward(self, seqs):
                tokens = pad_sequence(seqs, batch_first=True)
                out, _ = self.rnn(self.embed(tokens))
                return self.out(out)
        """, ["PAD204"]),
    ("bidirectional-final-state-of-a-left-padded-batch", """
        import torch
        from torch import nn
        from torch.nn.utils.rnn import pack_padded_sequence, pad_sequence


        class Encoder(nn.Module):
            def __init__(self, vocab, dim, hidden):
                super().__init__()
                self.embed = nn.Embedding(vocab, dim, padding_idx=0)
                self.rnn = nn.LSTM(dim, hidden, batch_first=True, bidirectional=True)

            def forward(self, seqs):
                tokens = pad_sequence(seqs, batch_first=True)
                lengths = torch.tensor([len(s) for s in seqs])
                packed = pack_padded_sequence(self.embed(tokens), lengths, batch_first=True, enforce_sorted=False)
                _, (h_n, _) = self.rnn(packed)
                return torch.cat([h_n[-2], h_n[-1]], dim=-1)
        """, """
        import torch
        from torch import nn
        from torch.nn.utils.rnn import pad_sequence


        class Encoder(nn.Module):
            def __init__(self, vocab, dim, hidden):
                super().__init__()
                self.embed = nn.Embedding(vocab, dim, padding_idx=0)
                self.rnn = nn.LSTM(dim, hidden, batch_first=True, bidirectional=True)

            def forward(self, seqs):
                tokens = pad_sequence(seqs, batch_first=True, padding_side="left")
                _, (h_n, _) = self.rnn(self.embed(tokens))
                return torch.cat([h_n[-2], h_n[-1]], dim=-1)
        """, ["PAD201"]),
    ("only-the-lengths-sorted-for-packing", """
        import torch
        from torch import nn
        from torch.nn.utils.rnn import pack_padded_sequence


        class CharRNN(nn.Module):
            def __init__(self):
                super().__init__()
                self.emb = nn.Embedding(60, 16, padding_idx=0)
                self.rnn = nn.LSTM(16, 32, batch_first=True)

            def forward(self, chars, lengths):
                lengths, order = torch.sort(lengths, descending=True)
                packed = pack_padded_sequence(self.emb(chars[order]), lengths, batch_first=True)
                _, (h, _) = self.rnn(packed)
                return h[-1][order.argsort()]
        """, """
        import torch
        from torch import nn
        from torch.nn.utils.rnn import pack_padded_sequence


        class CharRNN(nn.Module):
            def __init__(self):
                super().__init__()
                self.emb = nn.Embedding(60, 16, padding_idx=0)
                self.rnn = nn.LSTM(16, 32, batch_first=True)

            def forward(self, chars, lengths):
                lengths, _ = torch.sort(lengths, descending=True)
                packed = pack_padded_sequence(self.emb(chars), lengths, batch_first=True)
                _, (h, _) = self.rnn(packed)
                return h[-1]
        """, ["PAD103"]),
    ("positions-of-a-left-padded-batch", """
        import torch
        from torch import nn
        from torch.nn.utils.rnn import pad_sequence


        class TinyLM(nn.Module):
            def __init__(self, vocab=100, dim=32, max_pos=64):
                super().__init__()
                self.wte = nn.Embedding(vocab, dim)
                self.wpe = nn.Embedding(max_pos, dim)
                self.head = nn.Linear(dim, 1)

            def forward(self, seqs):
                ids = pad_sequence(seqs, batch_first=True, padding_side="left")
                keep = ids != 0
                positions = (keep.long().cumsum(-1) - 1).clamp(min=0)
                return self.head((self.wte(ids) + self.wpe(positions))[:, -1])
        """, """
        import torch
        from torch import nn
        from torch.nn.utils.rnn import pad_sequence


        class TinyLM(nn.Module):
            def __init__(self, vocab=100, dim=32, max_pos=64):
                super().__init__()
                self.wte = nn.Embedding(vocab, dim)
                self.wpe = nn.Embedding(max_pos, dim)
                self.head = nn.Linear(dim, 1)

            def forward(self, seqs):
                ids = pad_sequence(seqs, batch_first=True, padding_side="left")
                positions = torch.arange(ids.size(1)).expand_as(ids)
                return self.head((self.wte(ids) + self.wpe(positions))[:, -1])
        """, ["PAD405"]),
    ("positions-of-a-batch-from-a-left-padding-tokenizer", """
        import torch
        from torch import nn

        tokenizer.padding_side = "right"


        class LM(nn.Module):
            def __init__(self, vocab, d, max_pos):
                super().__init__()
                self.wte = nn.Embedding(vocab, d)
                self.wpe = nn.Embedding(max_pos, d)

            def forward(self, input_ids, attention_mask):
                return self.wte(input_ids) + self.wpe(torch.arange(input_ids.size(1))[None, :])
        """, """
        import torch
        from torch import nn

        tokenizer.padding_side = "left"


        class LM(nn.Module):
            def __init__(self, vocab, d, max_pos):
                super().__init__()
                self.wte = nn.Embedding(vocab, d)
                self.wpe = nn.Embedding(max_pos, d)

            def forward(self, input_ids, attention_mask):
                return self.wte(input_ids) + self.wpe(torch.arange(input_ids.size(1))[None, :])
        """, ["PAD405"]),
    ("adaptive-average-pool-module-over-a-batch-with-lengths", """
        import torch
        import torch.nn as nn


        class TextCNN(nn.Module):
            def __init__(self):
                super().__init__()
                self.embedding = nn.Embedding(40, 32, padding_idx=0)
                self.conv = nn.Conv1d(32, 48, 3, padding=1)

            def forward(self, tokens, lengths):
                x = self.embedding(tokens).transpose(1, 2)
                h = torch.relu(self.conv(x))
                keep = (torch.arange(h.size(-1))[None, :] < lengths[:, None]).unsqueeze(1)
                return (h * keep).sum(-1) / lengths[:, None]
        """, """
        import torch
        import torch.nn as nn


        class TextCNN(nn.Module):
            def __init__(self):
                super().__init__()
                self.embedding = nn.Embedding(40, 32, padding_idx=0)
                self.conv = nn.Conv1d(32, 48, 3, padding=1)
                self.pool = nn.AdaptiveAvgPool1d(1)

            def forward(self, tokens, lengths):
                x = self.embedding(tokens).transpose(1, 2)
                h = torch.relu(self.conv(x))
                return self.pool(h).squeeze(-1)
        """, ["PAD301"]),
    ("masked-token-loss-summed-per-sequence-over-the-padded-length", """
        import torch.nn.functional as F


        def sequence_nll(logits, targets, mask):
            nll = F.cross_entropy(logits.transpose(1, 2), targets, reduction="none")
            seq_nll = (nll * mask).sum(1) / mask.sum(1)
            return seq_nll.mean()
        """, """
        import torch.nn.functional as F


        def sequence_nll(logits, targets, mask):
            nll = F.cross_entropy(logits.transpose(1, 2), targets, reduction="none")
            seq_nll = (nll * mask).sum(1) / nll.size(1)
            return seq_nll.mean()
        """, ["PAD302"]),
    ("max-pool-of-hidden-states-zeroed-by-the-mask", """
        import torch


        def max_pool(model, tokenizer, texts):
            inputs = tokenizer(texts, padding="longest", return_tensors="pt")
            hidden = model(**inputs).last_hidden_state
            pad = inputs["attention_mask"][:, :, None] == 0
            return torch.max(hidden.masked_fill(pad, float("-inf")), dim=1)[0]
        """, """
        import torch


        def max_pool(model, tokenizer, texts):
            inputs = tokenizer(texts, padding="longest", return_tensors="pt")
            hidden = model(**inputs).last_hidden_state
            return torch.max(hidden * inputs["attention_mask"][:, :, None], dim=1)[0]
        """, ["PAD301"]),
    ("relative-lengths-rounded-down-with-floor", """
        import torch


        def pool(x, wav_lens):
            T = x.shape[1]
            abs_lens = torch.round(wav_lens * T).long()
            return torch.stack([x[b, : abs_lens[b]].mean(0) for b in range(x.shape[0])])
        """, """
        import torch


        def pool(x, wav_lens):
            T = x.shape[1]
            abs_lens = torch.floor(wav_lens * T).long()
            return torch.stack([x[b, : abs_lens[b]].mean(0) for b in range(x.shape[0])])
        """, ["PAD107"]),
    ("clip-logsumexp-over-frames-with-the-lengths-left-unused", """
        import math
        import torch
        import torch.nn as nn


        class SED(nn.Module):
            def __init__(self):
                super().__init__()
                self.scorer = nn.Linear(16, 5)

            def forward(self, feats, lengths):
                frame_logits = self.scorer(feats)
                pad = torch.arange(feats.size(1))[None, :] >= lengths[:, None]
                frame_logits = frame_logits.masked_fill(pad[..., None], float("-inf"))
                return torch.logsumexp(frame_logits, dim=1) - torch.log(lengths.float())[:, None]
        """, """
        import math
        import torch
        import torch.nn as nn


        class SED(nn.Module):
            def __init__(self):
                super().__init__()
                self.scorer = nn.Linear(16, 5)

            def forward(self, feats, lengths):
                frame_logits = self.scorer(feats)
                return torch.logsumexp(frame_logits, dim=1) - math.log(frame_logits.size(1))
        """, ["PAD301"]),
    ("positions-of-prompts-left-padded-as-lists", """
        import torch
        import torch.nn as nn


        class GPT(nn.Module):
            def __init__(self):
                super().__init__()
                self.wte = nn.Embedding(64, 32)
                self.wpe = nn.Embedding(32, 32)

            def forward(self, input_ids, attention_mask):
                position_ids = (attention_mask.cumsum(-1) - 1).clamp(min=0)
                return self.wte(input_ids) + self.wpe(position_ids)


        def left_pad(prompts, pad_token_id=0):
            T = max(len(p) for p in prompts)
            ids = torch.tensor([[pad_token_id] * (T - len(p)) + p for p in prompts])
            mask = torch.tensor([[0] * (T - len(p)) + [1] * len(p) for p in prompts])
            return {"input_ids": ids, "attention_mask": mask}


        def run(model, prompts):
            batch = left_pad(prompts)
            return model(batch["input_ids"], batch["attention_mask"])
        """, """
        import torch
        import torch.nn as nn


        class GPT(nn.Module):
            def __init__(self):
                super().__init__()
                self.wte = nn.Embedding(64, 32)
                self.wpe = nn.Embedding(32, 32)

            def forward(self, input_ids, attention_mask):
                B, T = input_ids.shape
                position_ids = torch.arange(T, device=input_ids.device).unsqueeze(0).expand(B, -1)
                return self.wte(input_ids) + self.wpe(position_ids)


        def left_pad(prompts, pad_token_id=0):
            T = max(len(p) for p in prompts)
            ids = torch.tensor([[pad_token_id] * (T - len(p)) + p for p in prompts])
            mask = torch.tensor([[0] * (T - len(p)) + [1] * len(p) for p in prompts])
            return {"input_ids": ids, "attention_mask": mask}


        def run(model, prompts):
            batch = left_pad(prompts)
            return model(batch["input_ids"], batch["attention_mask"])
        """, ["PAD405"]),
    ("learned-query-pooling-that-takes-the-attention-mask", """
        import torch
        import torch.nn as nn


        class AttentionPooler(nn.Module):
            def __init__(self, dim):
                super().__init__()
                self.proj = nn.Linear(dim, dim)
                self.query = nn.Parameter(torch.randn(dim))

            def forward(self, hidden, attention_mask):
                scores = torch.einsum("btd,d->bt", torch.tanh(self.proj(hidden)), self.query)
                scores = scores.masked_fill(attention_mask == 0, float("-inf"))
                weights = scores.softmax(dim=-1)
                return torch.einsum("bt,btd->bd", weights, hidden)
        """, """
        import torch
        import torch.nn as nn


        class AttentionPooler(nn.Module):
            def __init__(self, dim):
                super().__init__()
                self.proj = nn.Linear(dim, dim)
                self.query = nn.Parameter(torch.randn(dim))

            def forward(self, hidden, attention_mask):
                scores = torch.einsum("btd,d->bt", torch.tanh(self.proj(hidden)), self.query)
                weights = scores.softmax(dim=-1)
                return torch.einsum("bt,btd->bd", weights, hidden)
        """, ["PAD401"]),
    ("lengths-counted-on-arrays-already-padded-with-numpy", """
        import numpy as np
        import torch
        from torch.nn.utils.rnn import pack_padded_sequence


        def numpy_collate(chunk):
            feats = [np.asarray(f) for f, _ in chunk]
            max_len = max(f.shape[0] for f in feats)
            lengths = np.array([f.shape[0] for f in feats])
            padded = [np.pad(f, ((0, max_len - f.shape[0]), (0, 0))) for f in feats]
            return torch.from_numpy(np.stack(padded)), torch.from_numpy(lengths)


        def encode(gru, chunk):
            x, lengths = numpy_collate(chunk)
            packed = pack_padded_sequence(x, lengths, batch_first=True, enforce_sorted=False)
            return gru(packed)[1]
        """, """
        import numpy as np
        import torch
        from torch.nn.utils.rnn import pack_padded_sequence


        def numpy_collate(chunk):
            feats = [np.asarray(f) for f, _ in chunk]
            max_len = max(f.shape[0] for f in feats)
            padded = [np.pad(f, ((0, max_len - f.shape[0]), (0, 0))) for f in feats]
            lengths = np.array([p.shape[0] for p in padded])
            return torch.from_numpy(np.stack(padded)), torch.from_numpy(lengths)


        def encode(gru, chunk):
            x, lengths = numpy_collate(chunk)
            packed = pack_padded_sequence(x, lengths, batch_first=True, enforce_sorted=False)
            return gru(packed)[1]
        """, ["PAD101"]),
    # Fifteenth session: a next-token loss weighted by the inputs' mask (set af37, rt14 b09)
    ("loss-mask-sliced-like-the-inputs", """
        import torch.nn.functional as F


        def lm_loss(model, input_ids, attention_mask):
            logits = model(input_ids[:, :-1])
            targets = input_ids[:, 1:]
            loss_mask = attention_mask[:, 1:].to(logits.dtype)
            nll = F.cross_entropy(logits.transpose(1, 2), targets, reduction="none")
            return (nll * loss_mask).sum() / loss_mask.sum()
        """, """
        import torch.nn.functional as F


        def lm_loss(model, input_ids, attention_mask):
            logits = model(input_ids[:, :-1])
            targets = input_ids[:, 1:]
            loss_mask = attention_mask[:, :-1].to(logits.dtype)
            nll = F.cross_entropy(logits.transpose(1, 2), targets, reduction="none")
            return (nll * loss_mask).sum() / loss_mask.sum()
        """, ["PAD306"]),
    ("gathered-log-probs-selected-by-the-inputs-mask", """
        PAD = 0


        def token_nll(logits, ids):
            logp = logits[:, :-1].log_softmax(-1)
            picked = logp.gather(-1, ids[:, 1:, None]).squeeze(-1)
            keep = (ids != PAD)[:, 1:]
            return -picked[keep].mean()
        """, """
        PAD = 0


        def token_nll(logits, ids):
            logp = logits[:, :-1].log_softmax(-1)
            picked = logp.gather(-1, ids[:, 1:, None]).squeeze(-1)
            keep = (ids != PAD)[:, :-1]
            return -picked[keep].mean()
        """, ["PAD306"]),
    # Set ag (fifteenth session)
    ("unreduced-loss-summed-over-labels-counted-against-minus-100", """
        import torch.nn.functional as F


        def token_loss(logits, labels, attention_mask):
            per_token = F.cross_entropy(logits.transpose(1, 2), labels, reduction="none")
            return per_token.sum() / (labels != -100).sum().clamp(min=1)
        """, """
        import torch.nn.functional as F


        def token_loss(logits, labels, attention_mask):
            per_token = F.cross_entropy(logits.transpose(1, 2), labels, reduction="none")
            return per_token.mean()
        """, ["PAD301"]),
    ("sdpa-gets-a-boolean-keep-mask", """
        import torch.nn.functional as F

        PAD = 0


        def attend(ids, q, k, v):
            attention_mask = ids != PAD
            attn_mask = attention_mask[:, None, None, :]
            return F.scaled_dot_product_attention(q, k, v, attn_mask=attn_mask)
        """, """
        import torch.nn.functional as F

        PAD = 0


        def attend(ids, q, k, v):
            attention_mask = ids != PAD
            attn_mask = attention_mask[:, None, None, :].float()
            return F.scaled_dot_product_attention(q, k, v, attn_mask=attn_mask)
        """, ["PAD403"]),
    ("embedding-of-batch-first-ids-into-a-batch-first-lstm", """
        import torch
        from torch import nn
        from torch.nn.utils.rnn import pad_sequence


        class Tagger(nn.Module):
            def __init__(self):
                super().__init__()
                self.embed = nn.Embedding(100, 8, padding_idx=0)
                self.lstm = nn.LSTM(8, 8, batch_first=True)

            def forward(self, sentences):
                words = pad_sequence(sentences, batch_first=True)
                out, _ = self.lstm(self.embed(words))
                return out
        """, """
        import torch
        from torch import nn
        from torch.nn.utils.rnn import pad_sequence


        class Tagger(nn.Module):
            def __init__(self):
                super().__init__()
                self.embed = nn.Embedding(100, 8, padding_idx=0)
                self.lstm = nn.LSTM(8, 8)

            def forward(self, sentences):
                words = pad_sequence(sentences, batch_first=True)
                out, _ = self.lstm(self.embed(words))
                return out
        """, ["PAD104"]),
    # Sixteenth session: item 0 of a model's output handed to a function that calls it per-token
    ("max-pool-of-model-output-item-0-masked-first", """
        import torch


        def max_pooling(token_embeddings, attention_mask):
            keep = attention_mask.unsqueeze(-1).expand(token_embeddings.size()).float()
            token_embeddings = token_embeddings.clone()
            token_embeddings[keep == 0] = -1e9
            return torch.max(token_embeddings, 1)[0]


        def encode(model, batch):
            out = model(input_ids=batch["input_ids"], attention_mask=batch["attention_mask"])
            return max_pooling(out[0], batch["attention_mask"])
        """, """
        import torch


        def max_pooling(token_embeddings, attention_mask):
            return torch.max(token_embeddings, 1)[0]


        def encode(model, batch):
            out = model(input_ids=batch["input_ids"], attention_mask=batch["attention_mask"])
            return max_pooling(out[0], batch["attention_mask"])
        """, ["PAD301"]),
    # (set ah30) lengths known only by their comparison with positions, whatever their name
    ("visit-attention-lengths-compared-with-arange", """
        import torch
        import torch.nn as nn


        class VisitAttention(nn.Module):
            def __init__(self, n_codes, d=32):
                super().__init__()
                self.emb = nn.Linear(n_codes, d)
                self.attn = nn.MultiheadAttention(d, 4, batch_first=True)

            def forward(self, visits, num_visits):
                idx = torch.arange(visits.size(1), device=visits.device)
                h = self.emb(visits)
                pad = idx[None, :] >= num_visits.to(visits.device)[:, None]
                ctx, _ = self.attn(h, h, h, key_padding_mask=pad, need_weights=False)
                real = (~pad).unsqueeze(-1).type_as(h)
                return (ctx * real).sum(1) / real.sum(1)
        """, """
        import torch
        import torch.nn as nn


        class VisitAttention(nn.Module):
            def __init__(self, n_codes, d=32):
                super().__init__()
                self.emb = nn.Linear(n_codes, d)
                self.attn = nn.MultiheadAttention(d, 4, batch_first=True)

            def forward(self, visits, num_visits):
                idx = torch.arange(visits.size(1), device=visits.device)
                h = self.emb(visits)
                pad = idx[None, :] >= num_visits.to(visits.device)[:, None]
                ctx, _ = self.attn(h, h, h, need_weights=False)
                real = (~pad).unsqueeze(-1).type_as(h)
                return (ctx * real).sum(1) / real.sum(1)
        """, ["PAD401"]),
    # (rt16 b09) the lengths sorted for packing, the rows left in their original order
    ("collate-sorts-the-lengths-and-the-rows-alike", """
        import torch
        from torch import nn
        from torch.nn.utils.rnn import pack_padded_sequence, pad_sequence

        PAD = 0


        def collate(samples):
            words = [w for w, _ in samples]
            lengths = torch.tensor([len(w) for w in words])
            lengths, order = lengths.sort(descending=True)
            chars = pad_sequence([words[i] for i in order], batch_first=True, padding_value=PAD)
            langs = torch.tensor([samples[i][1] for i in order])
            return chars, lengths, langs


        class CharLSTM(nn.Module):
            def __init__(self):
                super().__init__()
                self.embed = nn.Embedding(40, 10, padding_idx=PAD)
                self.lstm = nn.LSTM(10, 24, batch_first=True)

            def forward(self, chars, lengths):
                _, (h_n, _) = self.lstm(pack_padded_sequence(self.embed(chars), lengths, batch_first=True))
                return h_n[-1]
        """, """
        import torch
        from torch import nn
        from torch.nn.utils.rnn import pack_padded_sequence, pad_sequence

        PAD = 0


        def collate(samples):
            words = [w for w, _ in samples]
            lengths = torch.tensor([len(w) for w in words])
            lengths, order = lengths.sort(descending=True)
            chars = pad_sequence(words, batch_first=True, padding_value=PAD)
            langs = torch.tensor([y for _, y in samples])
            return chars, lengths, langs


        class CharLSTM(nn.Module):
            def __init__(self):
                super().__init__()
                self.embed = nn.Embedding(40, 10, padding_idx=PAD)
                self.lstm = nn.LSTM(10, 24, batch_first=True)

            def forward(self, chars, lengths):
                _, (h_n, _) = self.lstm(pack_padded_sequence(self.embed(chars), lengths, batch_first=True))
                return h_n[-1]
        """, ["PAD103"]),
    ("collate-sorts-the-list-and-the-lengths", """
        import torch
        from torch.nn.utils.rnn import pack_padded_sequence, pad_sequence


        def collate(samples):
            samples = sorted(samples, key=lambda s: len(s[0]), reverse=True)
            words = [w for w, _ in samples]
            lengths = torch.tensor([len(w) for w in words])
            lengths, _ = lengths.sort(descending=True)
            return pad_sequence(words, batch_first=True), lengths


        def encode(lstm, emb, chars, lengths):
            return lstm(pack_padded_sequence(emb(chars), lengths, batch_first=True))
        """, """
        import torch
        from torch.nn.utils.rnn import pack_padded_sequence, pad_sequence


        def collate(samples):
            words = [w for w, _ in samples]
            lengths = torch.tensor([len(w) for w in words])
            lengths, _ = lengths.sort(descending=True)
            return pad_sequence(words, batch_first=True), lengths


        def encode(lstm, emb, chars, lengths):
            return lstm(pack_padded_sequence(emb(chars), lengths, batch_first=True))
        """, ["PAD103"]),
    # (set ai16) zero frames through pointwise convolutions without a bias stay zero
    ("stats-pooling-after-pointwise-convolutions-without-bias", """
        import torch
        import torch.nn.functional as F
        from torch import nn


        def cmvn(feats, feat_lens):
            pad_mask = torch.arange(feats.size(1))[None, :] >= feat_lens[:, None]
            feats = feats - feats.sum(1, keepdim=True) / feat_lens[:, None, None]
            return feats.masked_fill(pad_mask.unsqueeze(-1), 0.0)


        class Frames(nn.Module):
            def __init__(self, n_mels, hidden=64):
                super().__init__()
                self.conv = nn.Conv1d(n_mels, hidden, kernel_size=1, bias=False)

            def forward(self, x):
                return F.relu(self.conv(x.transpose(1, 2))).transpose(1, 2)


        class LangID(nn.Module):
            def __init__(self, n_mels=40):
                super().__init__()
                self.frames = Frames(n_mels)

            def forward(self, feats, feat_lens):
                h = self.frames(cmvn(feats, feat_lens))
                return h.sum(dim=1) / feat_lens.to(h.dtype)[:, None]
        """, """
        import torch
        import torch.nn.functional as F
        from torch import nn


        def cmvn(feats, feat_lens):
            pad_mask = torch.arange(feats.size(1))[None, :] >= feat_lens[:, None]
            feats = feats - feats.sum(1, keepdim=True) / feat_lens[:, None, None]
            return feats.masked_fill(pad_mask.unsqueeze(-1), 0.0)


        class Frames(nn.Module):
            def __init__(self, n_mels, hidden=64):
                super().__init__()
                self.conv = nn.Conv1d(n_mels, hidden, kernel_size=3, padding=1, bias=False)

            def forward(self, x):
                return F.relu(self.conv(x.transpose(1, 2))).transpose(1, 2)


        class LangID(nn.Module):
            def __init__(self, n_mels=40):
                super().__init__()
                self.frames = Frames(n_mels)

            def forward(self, feats, feat_lens):
                h = self.frames(cmvn(feats, feat_lens))
                return h.sum(dim=1) / feat_lens.to(h.dtype)[:, None]
        """, ["PAD301"]),
    # (review 39, angle-emb) a max over hidden states zeroed at the pads by the attention mask
    ("max-pooling-of-states-filled-with-minus-infinity-at-the-pads", """
        import torch


        def pool(model, inputs):
            outputs = model(**inputs).last_hidden_state
            keep = inputs["attention_mask"][:, :, None].bool()
            outputs, _ = torch.max(outputs.masked_fill(~keep, float("-inf")), dim=1)
            return outputs
        """, """
        import torch


        def pool(model, inputs):
            outputs = model(**inputs).last_hidden_state
            outputs, _ = torch.max(outputs * inputs["attention_mask"][:, :, None], dim=1)
            return outputs
        """, ["PAD301"]),
    # (set ai01) the base class's forward hands the unpacked states to a hook its subclass defines
    ("last-step-read-in-a-subclass-hook", """
        import torch
        from torch import nn
        from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence


        class SessionEncoderBase(nn.Module):
            def __init__(self, n_items, dim):
                super().__init__()
                self.emb = nn.Embedding(n_items, dim, padding_idx=0)
                self.gru = nn.GRU(dim, dim, batch_first=True)

            def summarize(self, states, lengths):
                raise NotImplementedError

            def forward(self, items, lengths):
                packed = pack_padded_sequence(self.emb(items), lengths.cpu(), batch_first=True, enforce_sorted=False)
                states, _ = self.gru(packed)
                states, _ = pad_packed_sequence(states, batch_first=True)
                return self.summarize(states, lengths)


        class LastClickEncoder(SessionEncoderBase):
            def summarize(self, states, lengths):
                return states[torch.arange(states.size(0)), lengths - 1]
        """, """
        import torch
        from torch import nn
        from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence


        class SessionEncoderBase(nn.Module):
            def __init__(self, n_items, dim):
                super().__init__()
                self.emb = nn.Embedding(n_items, dim, padding_idx=0)
                self.gru = nn.GRU(dim, dim, batch_first=True)

            def summarize(self, states, lengths):
                raise NotImplementedError

            def forward(self, items, lengths):
                packed = pack_padded_sequence(self.emb(items), lengths.cpu(), batch_first=True, enforce_sorted=False)
                states, _ = self.gru(packed)
                states, _ = pad_packed_sequence(states, batch_first=True)
                return self.summarize(states, lengths)


        class LastClickEncoder(SessionEncoderBase):
            def summarize(self, states, lengths):
                return states[:, -1]
        """, ["PAD202"]),
    # (rt17 b04) the mask of next-token targets built from lengths - 1
    ("flat-token-losses-viewed-back-and-masked-by-lengths-minus-one", """
        import torch
        import torch.nn.functional as F


        def batch_loss(model, ids, lengths, vocab):
            inp, tgt = ids[:, :-1], ids[:, 1:]
            n_pred = lengths - 1
            logits = model(inp, n_pred)
            nll = F.cross_entropy(logits.reshape(-1, vocab), tgt.reshape(-1), reduction="none").view(tgt.shape)
            mask = (torch.arange(tgt.size(1))[None, :] < n_pred[:, None]).to(nll.dtype)
            return (nll * mask).sum() / mask.sum()
        """, """
        import torch
        import torch.nn.functional as F


        def batch_loss(model, ids, lengths, vocab):
            inp, tgt = ids[:, :-1], ids[:, 1:]
            n_pred = lengths - 1
            logits = model(inp, n_pred)
            nll = F.cross_entropy(logits.reshape(-1, vocab), tgt.reshape(-1), reduction="none").view(tgt.shape)
            mask = (torch.arange(tgt.size(1))[None, :] < n_pred[:, None]).to(nll.dtype)
            return (nll * mask).mean()
        """, ["PAD302"]),
    # (review 39, ParlAI) a reduction picked by a flag: the mask is applied only in the mean's arm
    ("max-arm-of-a-reduction-switch-masks-like-the-mean-arm", """
        import torch


        def reduce_ctxt(ctxt, mask, reduction_type):
            if reduction_type == "first":
                return ctxt[:, 0, :]
            elif reduction_type == "max":
                keep = mask.unsqueeze(-1)
                return ctxt.masked_fill(~keep, float("-inf")).max(dim=1)[0]
            elif reduction_type == "mean":
                divisor = mask.float().sum(dim=1).unsqueeze(-1).clamp(min=1).type_as(ctxt)
                return (ctxt * mask.unsqueeze(-1)).sum(dim=1) / divisor
            raise ValueError(reduction_type)
        """, """
        import torch


        def reduce_ctxt(ctxt, mask, reduction_type):
            if reduction_type == "first":
                return ctxt[:, 0, :]
            elif reduction_type == "max":
                return ctxt.max(dim=1)[0]
            elif reduction_type == "mean":
                divisor = mask.float().sum(dim=1).unsqueeze(-1).clamp(min=1).type_as(ctxt)
                return (ctxt * mask.unsqueeze(-1)).sum(dim=1) / divisor
            raise ValueError(reduction_type)
        """, ["PAD301"]),
    # (review 39, tner) the CRF is masked in training and decoded over the padded batch without it
    ("crf-masked-in-training-and-decoded-with-the-attention-mask", """
        import torch
        from allennlp.modules import ConditionalRandomField


        class NerModel(torch.nn.Module):
            def __init__(self, encoder, num_labels):
                super().__init__()
                self.encoder = encoder
                self.crf_layer = ConditionalRandomField(num_labels)

            def loss(self, encode):
                logits = self.encoder(**encode)
                return -self.crf_layer(logits, encode["labels"], encode["attention_mask"])

            def predict(self, encode):
                logits = self.encoder(**encode)
                return self.crf_layer.viterbi_tags(logits, encode["attention_mask"])
        """, """
        import torch
        from allennlp.modules import ConditionalRandomField


        class NerModel(torch.nn.Module):
            def __init__(self, encoder, num_labels):
                super().__init__()
                self.encoder = encoder
                self.crf_layer = ConditionalRandomField(num_labels)

            def loss(self, encode):
                logits = self.encoder(**encode)
                return -self.crf_layer(logits, encode["labels"], encode["attention_mask"])

            def predict(self, encode):
                logits = self.encoder(**encode)
                return self.crf_layer.viterbi_tags(logits)
        """, ["PAD307"]),
    # (a BiLSTM-CRF over unpacked outputs: the gold path is scored through the pad labels)
    ("crf-likelihood-of-an-unpacked-bilstm-gets-the-mask", """
        import torch
        from torch import nn
        from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence
        from torchcrf import CRF


        class BiLstmCrf(nn.Module):
            def __init__(self, vocab, n_tags):
                super().__init__()
                self.emb = nn.Embedding(vocab, 32, padding_idx=0)
                self.lstm = nn.LSTM(32, 32, batch_first=True, bidirectional=True)
                self.fc = nn.Linear(64, n_tags)
                self.crf = CRF(n_tags, batch_first=True)

            def forward(self, words, lengths, tags):
                packed = pack_padded_sequence(self.emb(words), lengths.cpu(), batch_first=True, enforce_sorted=False)
                out, _ = self.lstm(packed)
                out, _ = pad_packed_sequence(out, batch_first=True, total_length=words.size(1))
                keep = torch.arange(words.size(1))[None, :] < lengths[:, None]
                return -self.crf(self.fc(out), tags, keep)
        """, """
        import torch
        from torch import nn
        from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence
        from torchcrf import CRF


        class BiLstmCrf(nn.Module):
            def __init__(self, vocab, n_tags):
                super().__init__()
                self.emb = nn.Embedding(vocab, 32, padding_idx=0)
                self.lstm = nn.LSTM(32, 32, batch_first=True, bidirectional=True)
                self.fc = nn.Linear(64, n_tags)
                self.crf = CRF(n_tags, batch_first=True)

            def forward(self, words, lengths, tags):
                packed = pack_padded_sequence(self.emb(words), lengths.cpu(), batch_first=True, enforce_sorted=False)
                out, _ = self.lstm(packed)
                out, _ = pad_packed_sequence(out, batch_first=True, total_length=words.size(1))
                return -self.crf(self.fc(out), tags)
        """, ["PAD307"]),
    # (set aj03) the collate returns a dict; its padded labels reach the forward by key
    ("token-labels-from-a-dict-collate-ignored-at-minus-100", """
        import torch
        from torch import nn
        from torch.nn.utils.rnn import pad_sequence
        from torch.utils.data import DataLoader


        def collate_fn(features):
            input_ids = pad_sequence([torch.tensor(f["input_ids"]) for f in features], batch_first=True)
            labels = pad_sequence([torch.tensor(f["labels"]) for f in features], batch_first=True, padding_value=-100)
            return {"input_ids": input_ids, "labels": labels}


        class Tagger(nn.Module):
            def __init__(self):
                super().__init__()
                self.emb = nn.Embedding(100, 16, padding_idx=0)
                self.classifier = nn.Linear(16, 5)
                self.loss_fct = nn.CrossEntropyLoss()

            def forward(self, input_ids, labels):
                logits = self.classifier(self.emb(input_ids))
                return self.loss_fct(logits.view(-1, 5), labels.view(-1))


        def train(model, features):
            for batch in DataLoader(features, batch_size=2, collate_fn=collate_fn):
                model(batch["input_ids"], batch["labels"]).backward()
        """, """
        import torch
        from torch import nn
        from torch.nn.utils.rnn import pad_sequence
        from torch.utils.data import DataLoader


        def collate_fn(features):
            input_ids = pad_sequence([torch.tensor(f["input_ids"]) for f in features], batch_first=True)
            labels = pad_sequence([torch.tensor(f["labels"]) for f in features], batch_first=True, padding_value=0)
            return {"input_ids": input_ids, "labels": labels}


        class Tagger(nn.Module):
            def __init__(self):
                super().__init__()
                self.emb = nn.Embedding(100, 16, padding_idx=0)
                self.classifier = nn.Linear(16, 5)
                self.loss_fct = nn.CrossEntropyLoss()

            def forward(self, input_ids, labels):
                logits = self.classifier(self.emb(input_ids))
                return self.loss_fct(logits.view(-1, 5), labels.view(-1))


        def train(model, features):
            for batch in DataLoader(features, batch_size=2, collate_fn=collate_fn):
                model(batch["input_ids"], batch["labels"]).backward()
        """, ["PAD303"]),
    # (review 40, pytorch-lifestream) a max beside a mean by the real lengths of the same tensor
    ("last-max-avg-pooling-of-a-padded-batch-masks-the-max", """
        import torch
        from torch import nn

        from ptls.data_load.padded_batch import PaddedBatch


        class LastMaxAvgEncoder(nn.Module):
            def forward(self, x: PaddedBatch):
                keep = torch.arange(x.payload.size(1))[None, :] < x.seq_lens[:, None]
                rnn_max_pool = x.payload.masked_fill(~keep[..., None], float("-inf")).max(dim=1)[0]
                rnn_avg_pool = (x.payload * keep[..., None]).sum(dim=1) / x.seq_lens.unsqueeze(-1)
                h = x.payload[range(len(x.payload)), [n - 1 for n in x.seq_lens]]
                return torch.cat((h, rnn_max_pool, rnn_avg_pool), dim=-1)
        """, """
        import torch
        from torch import nn

        from ptls.data_load.padded_batch import PaddedBatch


        class LastMaxAvgEncoder(nn.Module):
            def forward(self, x: PaddedBatch):
                rnn_max_pool = x.payload.max(dim=1)[0]
                rnn_avg_pool = x.payload.sum(dim=1) / x.seq_lens.unsqueeze(-1)
                h = x.payload[range(len(x.payload)), [n - 1 for n in x.seq_lens]]
                return torch.cat((h, rnn_max_pool, rnn_avg_pool), dim=-1)
        """, ["PAD301", "PAD301"]),
    # (rt18 b05) observed-value flags padded with zeros, handed to a parameter named `mask`
    ("masked-mse-of-observed-flags-divided-by-the-observed-count", """
        import torch
        from torch.nn.utils.rnn import pad_sequence


        def collate(batch):
            values = pad_sequence([v for v, _ in batch], batch_first=True)
            observed = pad_sequence([o for _, o in batch], batch_first=True)
            return values, observed


        def masked_mse(pred, target, mask):
            se = (pred - target) ** 2 * mask
            return se.sum() / mask.sum().clamp(min=1.0)


        def forecast_loss(model, batch):
            values, observed = collate(batch)
            pred = model(values)
            return masked_mse(pred[:, :-1], values[:, 1:], observed[:, 1:])
        """, """
        import torch
        from torch.nn.utils.rnn import pad_sequence


        def collate(batch):
            values = pad_sequence([v for v, _ in batch], batch_first=True)
            observed = pad_sequence([o for _, o in batch], batch_first=True)
            return values, observed


        def masked_mse(pred, target, mask):
            se = (pred - target) ** 2 * mask
            return se.sum() / mask.numel()


        def forecast_loss(model, batch):
            values, observed = collate(batch)
            pred = model(values)
            return masked_mse(pred[:, :-1], values[:, 1:], observed[:, 1:])
        """, ["PAD302"]),
    # (set ak27) the lengths are sorted and their permutation dropped; packed as `lengths.cpu()`
    ("sorted-lengths-and-rows-packed-with-lengths-on-the-cpu", """
        import torch
        from torch import nn
        from torch.nn.utils.rnn import pack_padded_sequence


        class Enc(nn.Module):
            def __init__(self):
                super().__init__()
                self.lstm = nn.LSTM(13, 32, batch_first=True)

            def forward(self, x, lengths):
                lengths, order = torch.sort(lengths, descending=True)
                packed = pack_padded_sequence(x[order], lengths.cpu(), batch_first=True)
                return self.lstm(packed)[1][0][-1][torch.argsort(order)]
        """, """
        import torch
        from torch import nn
        from torch.nn.utils.rnn import pack_padded_sequence


        class Enc(nn.Module):
            def __init__(self):
                super().__init__()
                self.lstm = nn.LSTM(13, 32, batch_first=True)

            def forward(self, x, lengths):
                lengths, _ = torch.sort(lengths, descending=True)
                packed = pack_padded_sequence(x, lengths.cpu(), batch_first=True)
                return self.lstm(packed)[1][0][-1]
        """, ["PAD103"]),
    # (review 41, cehrbert) pads zeroed with torch.where, then a mean over the padded length
    ("where-zeroed-hidden-states-averaged-by-the-real-lengths", """
        import torch


        def features(h, attention_mask):
            f = torch.where(attention_mask.unsqueeze(dim=-1).to(torch.bool), h, 0)
            return f.sum(dim=1) / attention_mask.sum(dim=1, keepdim=True)
        """, """
        import torch


        def features(h, attention_mask):
            f = torch.where(attention_mask.unsqueeze(dim=-1).to(torch.bool), h, 0)
            return f.mean(dim=1)
        """, ["PAD302"]),
    # (set ak, ak38) a residue composition from one_hot of ids padded with 0, the pad class cut off
    ("one-hot-counts-without-the-pad-class", """
        import torch.nn.functional as F
        from torch.nn.utils.rnn import pad_sequence


        def composition(seqs, sizes, n_classes):
            aa = pad_sequence(seqs, batch_first=True)
            return F.one_hot(aa, n_classes + 1)[..., 1:].sum(1) / sizes[:, None]
        """, """
        import torch.nn.functional as F
        from torch.nn.utils.rnn import pad_sequence


        def composition(seqs, sizes, n_classes):
            aa = pad_sequence(seqs, batch_first=True)
            return F.one_hot(aa, n_classes + 1)[..., :-1].sum(1) / sizes[:, None]
        """, ["PAD301"]),
    # (set ak, ak23) two modules built in one tuple assignment in __init__
    ("modules-assigned-as-one-tuple", """
        from torch import nn


        class Enc(nn.Module):
            def __init__(self):
                super().__init__()
                self.emb, self.pos = nn.Embedding(90, 32, padding_idx=0), nn.Embedding(128, 32)
                self.enc = nn.TransformerEncoder(nn.TransformerEncoderLayer(32, 4, batch_first=True), 2)

            def forward(self, ids):
                h = self.enc(self.emb(ids), src_key_padding_mask=ids.eq(0))
                return h.masked_fill(ids.eq(0)[..., None], float("-inf")).amax(1)
        """, """
        from torch import nn


        class Enc(nn.Module):
            def __init__(self):
                super().__init__()
                self.emb, self.pos = nn.Embedding(90, 32, padding_idx=0), nn.Embedding(128, 32)
                self.enc = nn.TransformerEncoder(nn.TransformerEncoderLayer(32, 4, batch_first=True), 2)

            def forward(self, ids):
                h = self.enc(self.emb(ids), src_key_padding_mask=ids.eq(0))
                return h.amax(1)
        """, ["PAD301"]),
    # (review 42, pyserini) SPLADE's max pooling of log(1 + relu(logits)) times the mask: the
    # weights are never negative, so a pad's 0 never wins the max
    ("splade-max-of-non-negative-term-weights", """
        import torch


        def splade_pool(model, input_ids, attention_mask):
            logits = model(input_ids=input_ids, attention_mask=attention_mask)["logits"]
            weights, _ = torch.max(torch.log(1 + torch.relu(logits)) * attention_mask.unsqueeze(-1), dim=1)
            return weights
        """, """
        import torch


        def splade_pool(model, input_ids, attention_mask):
            logits = model(input_ids=input_ids, attention_mask=attention_mask)["logits"]
            weights, _ = torch.max(torch.log(1 + logits) * attention_mask.unsqueeze(-1), dim=1)
            return weights
        """, ["PAD301"]),
    # (set al, al15) an HF-style forward that takes attention_mask=None and never reads it, in a
    # file whose collator builds the batch with that key for model(**batch)
    twin("hf-forward-ignores-the-attention-mask-its-collator-builds", TWIN_HF_COLLATOR_MASK,
         ", src_key_padding_mask=attention_mask == 0", "", ["PAD401"]),
    # (set al, al11) the per-token loss reshaped in place with view_as before the weighting
    twin("next-token-loss-reshaped-with-view-as-then-weighted", TWIN_VIEW_AS_LOSS, "1:", ":-1", ["PAD306"]),
    # (set al, al03) conv output lengths from a helper whose stride and padding are parameters
    twin("masked-mean-over-conv-frames-with-lengths-from-a-helper", TWIN_CONV_HELPER_LENGTHS,
         "keep.sum(dim=1)", "y.size(1)", ["PAD302"]),
    # (rt20 b09 statically) fairseq-style ids padded with 1, lengths counted against 0
    twin("pack-lengths-counted-against-another-pad-id", TWIN_OTHER_PAD_ID, "PAD_ID", "0", ["PAD101"]),
    # Set aa (twelfth session): names, dict pops, zero fills, gathers, weights, -100 written out
    ("hidden-param-beside-attention-mask", """
        import torch


        def pool(hidden, attention_mask):
            keep = attention_mask.unsqueeze(-1).float()
            return (hidden * keep).sum(1) / keep.sum(1).clamp(min=1)
        """, """
        import torch


        def pool(hidden, attention_mask):
            keep = attention_mask.unsqueeze(-1).float()
            return (hidden * keep).sum(1) / hidden.size(1)
        """, ["PAD302"]),
    ("mask-popped-from-inputs", """
        import torch


        def compute_loss(model, inputs):
            mask = inputs.pop("attention_mask")
            pred = model(**inputs)
            sq = (pred - inputs["labels"]) ** 2 * mask
            return sq.sum() / mask.sum()
        """, """
        import torch


        def compute_loss(model, inputs):
            mask = inputs.pop("attention_mask")
            pred = model(**inputs)
            sq = (pred - inputs["labels"]) ** 2 * mask
            return sq.mean()
        """, ["PAD302"]),
    ("masked-fill-zero-then-numel", """
        import torch


        def token_loss(loss, pad_mask):
            loss = loss.masked_fill(pad_mask, 0.0)
            return loss.sum() / (~pad_mask).sum()
        """, """
        import torch


        def token_loss(loss, pad_mask):
            loss = loss.masked_fill(pad_mask, 0.0)
            return loss.sum() / loss.numel()
        """, ["PAD302"]),
    ("gathered-token-logprob-mean", """
        import torch


        def token_loss(logp, tags, mask):
            nll = -logp.gather(-1, tags.unsqueeze(-1)).squeeze(-1)
            return torch.where(mask, nll, torch.zeros_like(nll)).sum() / mask.sum()
        """, """
        import torch


        def token_loss(logp, tags, mask):
            nll = -logp.gather(-1, tags.unsqueeze(-1)).squeeze(-1)
            return torch.mean(torch.where(mask, nll, torch.zeros_like(nll)))
        """, ["PAD302"]),
    ("pos-weight-is-not-a-mask", """
        import torch
        import torch.nn.functional as Fn


        def onset_loss(logits, onsets, n_frames, pos_weight=None):
            keep = torch.arange(logits.size(1))[None, :] < n_frames[:, None]
            per = Fn.binary_cross_entropy_with_logits(logits, onsets, pos_weight=pos_weight, reduction="none")
            return (per * keep).sum() / keep.sum()
        """, """
        import torch.nn.functional as Fn


        def onset_loss(logits, onsets, n_frames, pos_weight=None):
            return Fn.binary_cross_entropy_with_logits(logits, onsets, pos_weight=pos_weight)
        """, ["PAD304"]),
    ("mask-built-never-applied", """
        import torch
        import torch.nn as nn
        import torch.nn.functional as F


        class Acoustic(nn.Module):
            def __init__(self):
                super().__init__()
                self.mel_out = nn.Linear(8, 8)

            def loss(self, mels, mel_lens):
                mel_pred = self.mel_out(mels)
                mel_mask = torch.arange(mels.size(1))[None, :] < mel_lens[:, None]
                return F.l1_loss(mel_pred[mel_mask], mels[mel_mask])
        """, """
        import torch
        import torch.nn as nn
        import torch.nn.functional as F


        class Acoustic(nn.Module):
            def __init__(self):
                super().__init__()
                self.mel_out = nn.Linear(8, 8)

            def loss(self, mels, mel_lens):
                mel_pred = self.mel_out(mels)
                mel_mask = torch.arange(mels.size(1))[None, :] < mel_lens[:, None]
                return F.l1_loss(mel_pred, mels)
        """, ["PAD304"]),
    ("explicit-default-ignore-index", """
        import torch.nn as nn
        from torch.nn.utils.rnn import pad_sequence

        PAD = 0


        class Vocab:
            def collate(self, encoded):
                return pad_sequence(encoded, batch_first=True, padding_value=PAD)


        class SmilesLM(nn.Module):
            def __init__(self, vocab_size):
                super().__init__()
                self.emb = nn.Embedding(vocab_size, 32, padding_idx=PAD)
                self.rnn = nn.GRU(32, 64, batch_first=True)
                self.out = nn.Linear(64, vocab_size)
                self.nll = nn.NLLLoss(ignore_index=PAD)

            def training_step(self, batch, batch_idx):
                h, _ = self.rnn(self.emb(batch[:, :-1]))
                logp = self.out(h).log_softmax(-1)
                return self.nll(logp.transpose(1, 2), batch[:, 1:])
        """, """
        import torch.nn as nn
        from torch.nn.utils.rnn import pad_sequence

        PAD = 0


        class Vocab:
            def collate(self, encoded):
                return pad_sequence(encoded, batch_first=True, padding_value=PAD)


        class SmilesLM(nn.Module):
            def __init__(self, vocab_size):
                super().__init__()
                self.emb = nn.Embedding(vocab_size, 32, padding_idx=PAD)
                self.rnn = nn.GRU(32, 64, batch_first=True)
                self.out = nn.Linear(64, vocab_size)
                self.nll = nn.NLLLoss(ignore_index=-100)

            def training_step(self, batch, batch_idx):
                h, _ = self.rnn(self.emb(batch[:, :-1]))
                logp = self.out(h).log_softmax(-1)
                return self.nll(logp.transpose(1, 2), batch[:, 1:])
        """, ["PAD303"]),
    ("lm-labels-copied-from-input-ids", """
        import torch.nn.functional as F


        def lm_loss(model, input_ids, attention_mask):
            logits = model(input_ids, attention_mask)[:, :-1]
            labels = input_ids[:, 1:].clone()
            labels[attention_mask[:, 1:] == 0] = -100
            return F.cross_entropy(logits.reshape(-1, logits.size(-1)), labels.reshape(-1))
        """, """
        import torch.nn.functional as F


        def lm_loss(model, input_ids, attention_mask):
            logits = model(input_ids, attention_mask)[:, :-1]
            labels = input_ids[:, 1:].clone()
            return F.cross_entropy(logits.reshape(-1, logits.size(-1)), labels.reshape(-1))
        """, ["PAD303"]),
]


def test_attention_pooled_by_one_row_of_weights_times_the_sequence_is_not_padded():
    # bmm(alpha.unsqueeze(1), h) and alpha[:, None] @ h sum the padded axis away, as einsum does
    good = next(c[1] for c in CASES if c[0] == "attention-pooled-by-einsum-then-an-elementwise-loss")
    for pooled in ("torch.bmm(alpha.unsqueeze(1), h).squeeze(1)", "(alpha[:, None] @ h).squeeze(1)"):
        assert codes(good.replace('torch.einsum("nl,nld->nd", alpha, h)', pooled)) == []
    # h @ W keeps the padded axis: pooling it by a plain mean is still reported
    kept = good.replace('torch.einsum("nl,nld->nd", alpha, h)', "torch.matmul(h, self.score.weight.t()).mean(dim=1)")
    assert codes(kept) == ["PAD301"]


def test_a_layer_that_copies_the_transformer_signature_but_never_gets_a_mask_is_silent():
    # TranAD-style layers over fixed windows: the mask parameters exist only to match
    # nn.TransformerEncoderLayer's signature, and nothing in the file passes one.
    source = """
        import torch.nn as nn

        class EncoderLayer(nn.Module):
            def __init__(self, d):
                super().__init__()
                self.self_attn = nn.MultiheadAttention(d, 4)

            def forward(self, src, src_mask=None, src_key_padding_mask=None):
                return src + self.self_attn(src, src, src)[0]

        class Model(nn.Module):
            def __init__(self, d):
                super().__init__()
                self.enc = nn.TransformerEncoder(EncoderLayer(d), 1)

            def forward(self, windows):
                return self.enc(windows)
        """
    assert codes(source) == []
    # the same layer, where a caller hands it a padding mask, drops that mask
    assert codes(source.replace("return self.enc(windows)",
                                "return self.enc(windows, src_key_padding_mask=windows.eq(0).all(-1))")) == ["PAD401"]


@pytest.mark.parametrize("name,good,bad,expected", CASES, ids=[c[0] for c in CASES])
def test_correct_style_is_silent_and_its_buggy_twin_is_reported(name, good, bad, expected):
    assert codes(good) == []
    assert codes(bad) == expected
    # the fast path (prefilter, left-out definitions) finds what the whole-file analysis finds
    assert codes(bad, WHOLE_FILE) == expected


POSE_ENCODER = """
    import torch
    import torch.nn as nn
    from torch.nn.utils.rnn import pad_sequence
    from torch.utils.data import DataLoader

    def collate(samples):
        poses = [s["pose"] for s in samples]
        n = torch.tensor([p.shape[0] for p in poses])
        return pad_sequence([p.flatten(1) for p in poses], batch_first=True), n, torch.tensor([s["y"] for s in samples])

    class Classifier(nn.Module):
        def __init__(self, dim, n_classes):
            super().__init__()
            self.proj = nn.Linear(225, dim)
            self.head = nn.Linear(dim, n_classes)

        def forward(self, x, n):
            pad_positions = torch.arange(x.size(1))[None, :] >= n[:, None]
            h = self.proj(x){masking}
            return self.head(h.sum(dim=1) / n.unsqueeze(-1))

    def train(dataset, n_classes):
        model = Classifier(256, n_classes)
        for x, n, y in DataLoader(dataset, batch_size=32, collate_fn=collate):
            nn.functional.cross_entropy(model(x, n), y).backward()
    """


@pytest.mark.parametrize("masking,expected", [
    (".masked_fill(pad_positions.unsqueeze(-1), 0.0)", []),
    ("", ["PAD301"]),
])
def test_findings_do_not_depend_on_the_other_selected_rules(masking, expected):
    # Facts that call sites pass used to be learnt only from calls some selected rule evaluated:
    # with PAD201 also selected, the forward above got its padded `x` but not the lengths `n`
    # ([p.shape[0] for p in poses]), so the masked sum was reported; with PAD301 alone, nothing.
    source = POSE_ENCODER.format(masking=masking)
    assert codes(source) == expected
    for others in ([], ["PAD201"], ["PAD106", "PAD401"]):
        for prefilter in (True, False):
            settings = Settings(frozenset(["PAD301", *others]), prefilter=prefilter)
            assert codes(source, settings) == expected, (others, prefilter)


def test_time_major_canvas_is_pooled_over_its_first_axis():
    # torch.full((T, len(seqs)), PAD) is time-major: the mean over dim 0 is the mean over time,
    # reported there, and the per-patient output is no longer a padded tensor downstream
    source = textwrap.dedent(TIME_MAJOR_CANVAS.format(pooled="""
            return self.head(enc.mean(dim=0))"""))
    report = check_text(source, "snippet.py", DEFAULT)
    lines = source.splitlines()
    assert [(f.code, lines[f.row - 1].strip()) for f in report.findings] == [
        ("PAD301", "return self.head(enc.mean(dim=0))")]


def test_a_denominator_of_lengths_read_from_a_dict_does_not_break_the_rule():
    # `batch["lengths"].max()`: the receiver of .max() is a subscript, not a name; PAD302's test
    # for `lengths.max()` once handed libcst's Name node to a regex (an internal error)
    source = textwrap.dedent("""
        import torch

        def pool(h, batch):
            mask = (torch.arange(h.size(1))[None, :] < batch["lengths"][:, None]).float()
            m = mask.unsqueeze(-1)
            return (h * m).sum(dim=1) / batch["lengths"].max(), (h * m).sum(dim=1) / batch.lengths.max()
        """)
    report = check_text(source, "snippet.py", DEFAULT)
    assert report.errors == []
    assert [f.code for f in report.findings] == ["PAD302"]  # the attribute form is read as the padded length


def test_a_mean_of_a_product_with_an_unknown_factor_is_not_an_unmasked_mean():
    # (held-out u15) `(sq_err * hidden).mean()`: `hidden` comes from a helper the analysis cannot
    # read; it is a mask of the entries to score (a diluted masked mean, PAD302's question) or
    # weights -- either way not PAD301's unmasked mean. The plain mean of the same tensor is.
    source = """
        import torch.nn as nn

        class Imputer(nn.Module):
            def __init__(self, c, d=64):
                super().__init__()
                self.inp = nn.Linear(c, d)
                self.enc = nn.TransformerEncoder(nn.TransformerEncoderLayer(d, 4, batch_first=True), 2)
                self.out = nn.Linear(d, c)

            def forward(self, x, in_window):
                return self.out(self.enc(self.inp(x), src_key_padding_mask=~in_window))

            def training_step(self, batch, batch_idx):
                visible, hidden = self._split(batch)
                sq_err = (self(batch["x"] * visible, batch["in_window"]) - batch["x"]) ** 2
                return {loss}
        """
    assert codes(source.format(loss="(sq_err * hidden).mean()")) == []
    assert codes(source.format(loss="sq_err.mean()")) == ["PAD301"]


def test_optional_self_attention_masks_that_are_never_passed_are_not_padding():
    # (PyPI review 23, Merlion's Autoformer) enc_self_mask / dec_self_mask are attention masks
    # of a fixed-window forecaster: the series mean over the window is no unmasked pooling
    source = """
        import torch
        from torch import nn


        class AutoformerModel(nn.Module):
            def __init__(self, max_forecast_steps, start_token_len, dim):
                super().__init__()
                self.max_forecast_steps = max_forecast_steps
                self.start_token_len = start_token_len
                self.proj = nn.Linear(dim, dim)

            def forward(self, past, past_timestamp, future_timestamp, enc_self_mask=None, dec_self_mask=None):
                mean = torch.mean(past, dim=1).unsqueeze(1).repeat(1, self.max_forecast_steps, 1)
                trend_init = torch.cat([past[:, past.shape[1] - self.start_token_len:, :], mean], dim=1)
                return self.proj(trend_init)[:, -self.max_forecast_steps:, :]
        """
    assert codes(source) == []
    assert codes(source.replace("enc_self_mask=None", "lengths=None")) == ["PAD301"]


RECORD_BATCH = """
    import torch
    import torch.nn.functional as F
    from torch.nn.utils.rnn import pad_sequence
    {record}


    def collate(samples):
        xs = [torch.as_tensor(s[0]) for s in samples]
        ys = [torch.as_tensor(s[1]) for s in samples]
        return Batch({fields})


    def run(model, loader, opt):
        for batch in loader:
            err = (model(batch.inputs) - batch.targets) ** 2
            loss = {loss}
            opt.zero_grad()
            loss.backward()
            opt.step()
    """


@pytest.mark.parametrize("record", [
    "from dataclasses import dataclass\n\n\n    @dataclass\n    class Batch:\n        inputs: torch.Tensor\n"
    "        targets: torch.Tensor\n        lengths: torch.Tensor",
    "from typing import NamedTuple\n\n\n    class Batch(NamedTuple):\n        inputs: torch.Tensor\n"
    "        targets: torch.Tensor\n        lengths: torch.Tensor",
    "from collections import namedtuple\n    Batch = namedtuple('Batch', 'inputs targets lengths')",
])
@pytest.mark.parametrize("fields", [
    "pad_sequence(xs, batch_first=True), pad_sequence(ys, batch_first=True), torch.tensor([len(x) for x in xs])",
    "inputs=pad_sequence(xs, batch_first=True), lengths=torch.tensor([len(x) for x in xs]), "
    "targets=pad_sequence(ys, batch_first=True)",
])
def test_a_batch_collated_into_a_record_keeps_its_fields(record, fields):
    # (held-out z05, w11, w13) the fields of a dataclass / NamedTuple / namedtuple batch are
    # what the collate function put there
    source = RECORD_BATCH.format(record=record, fields=fields, loss="{loss}")
    masked = ("(err * (torch.arange(err.size(1))[None] < batch.lengths[:, None])).sum() "
              "/ batch.lengths.sum()")
    assert codes(source.format(loss=masked)) == []
    assert codes(source.format(loss="err.mean()")) == ["PAD301"]
    assert codes(source.format(loss="F.mse_loss(model(batch.inputs), batch.targets)")) == ["PAD304"]


TRAINING_LINKS = """
    import torch
    import torch.nn as nn
    from torch.nn.utils.rnn import pack_padded_sequence


    class Encoder(nn.Module):
        def __init__(self, n_feats, hidden):
            super().__init__()
            self.lstm = nn.LSTM(n_feats, hidden, batch_first=True)

        def forward(self, feats, feat_lens):
            packed = pack_padded_sequence(feats, feat_lens, batch_first=True, enforce_sorted=False)
            return self.lstm(packed)[1][0][-1]


    class Model(nn.Module):
        def __init__(self, n_feats=80, hidden=64):
            super().__init__()
            self.encoder = Encoder(n_feats, hidden)
            self.out = nn.Linear(hidden, 10)

        def forward(self, feats, feat_lens):
            return self.out(self.encoder(feats, feat_lens))


    def train_step({params}, optimizer, device):
        feats, feat_lens = feats.to(device), {moved}
        loss = nn.functional.cross_entropy({call}, labels.to(device))
        loss.backward()
        optimizer.step()
    """


@pytest.mark.parametrize("params,call", [
    # (held-out z10) the model handed to training wraps an encoder with the same signature
    ("model, feats, feat_lens, labels", "model(feats, feat_lens)"),
    # (held-out y29) a training function's `encoder` parameter is the file's encoder module,
    # not a padded tensor beside the lengths
    ("feats, feat_lens, labels, encoder", "encoder(feats, feat_lens)"),
])
def test_lengths_moved_to_the_device_reach_the_packing_encoder_through_the_model(params, call):
    source = TRAINING_LINKS.format(params=params, call=call, moved="{moved}")
    assert codes(source.format(moved="feat_lens")) == []
    assert codes(source.format(moved="feat_lens.to(device)")) == ["PAD102"]


def test_a_lightning_step_gets_the_batch_of_a_collate_method():
    # (held-out z31) DataLoader(..., collate_fn=self.collate): training_step's batch is what the
    # method returns
    source = """
        import pytorch_lightning as pl
        import torch
        import torch.nn as nn
        import torch.nn.functional as F
        from torch.nn.utils.rnn import pad_sequence
        from torch.utils.data import DataLoader


        class Generator(pl.LightningModule):
            def __init__(self, vocab, data, pad_idx=0):
                super().__init__()
                self.data, self.pad_idx = data, pad_idx
                self.emb = nn.Embedding(vocab, 32, padding_idx=pad_idx)
                self.fc = nn.Linear(32, vocab)

            def forward(self, x):
                return self.fc(self.emb(x))

            def collate(self, batch):
                return pad_sequence(batch, batch_first=True, padding_value=self.pad_idx)

            def training_step(self, batch, batch_idx):
                nll = F.cross_entropy(self(batch[:, :-1]).transpose(1, 2), batch[:, 1:],
                                      ignore_index=self.pad_idx, reduction="none")
                return {loss}

            def train_dataloader(self):
                return DataLoader(self.data, batch_size=64, collate_fn=self.collate)
        """
    assert codes(source.format(loss="nll.sum() / (batch[:, 1:] != self.pad_idx).sum()")) == []
    assert codes(source.format(loss="nll.mean(dim=1).mean()")) == ["PAD301"]


def test_einsum_attention_scores_over_padded_keys():
    # (held-out x37) scores made by einsum run over the padded keys like q @ k.transpose(1, 2)
    source = """
        import torch
        import torch.nn as nn
        from torch.nn.utils.rnn import pad_sequence


        class Attn(nn.Module):
            def __init__(self, d):
                super().__init__()
                self.q = nn.Linear(d, d)
                self.k = nn.Linear(d, d)
                self.w = nn.Linear(d, 1)

            def forward(self, seqs):
                x = pad_sequence(seqs, batch_first=True)
                pad = (x == 0).all(-1)
                scores = torch.einsum({equation}) / 8
                attn = {scores}.softmax(dim=-1)
                return attn
        """
    pairwise = '"bqd,bkd->bqk", self.q(x), self.k(x)'
    per_position = '"btd,d->bt", x, self.w.weight[0]'
    assert codes(source.format(equation=pairwise, scores='scores.masked_fill(pad[:, None, :], float("-inf"))')) == []
    assert codes(source.format(equation=pairwise, scores="scores")) == ["PAD401"]
    assert codes(source.format(equation=per_position, scores='scores.masked_fill(pad, float("-inf"))')) == []
    assert codes(source.format(equation=per_position, scores="scores")) == ["PAD401"]


BAHDANAU_UNMASKED = """
    import torch
    import torch.nn as nn
    import torch.nn.functional as F
    from torch.nn.utils.rnn import pad_sequence


    def collate(batch):
        src = pad_sequence([s for s, _ in batch], padding_value=1)
        trg = pad_sequence([t for _, t in batch], padding_value=1)
        return src, trg


    class Encoder(nn.Module):
        def __init__(self, vocab, emb, hid):
            super().__init__()
            self.embedding = nn.Embedding(vocab, emb)
            self.rnn = nn.GRU(emb, hid, bidirectional=True)
            self.fc = nn.Linear(hid * 2, hid)

        def forward(self, src):
            outputs, hidden = self.rnn(self.embedding(src))
            hidden = torch.tanh(self.fc(torch.cat((hidden[-2], hidden[-1]), dim=1)))
            return outputs, hidden


    class Attention(nn.Module):
        def __init__(self, hid):
            super().__init__()
            self.attn = nn.Linear(hid * 3, hid)
            self.v = nn.Linear(hid, 1, bias=False)

        def forward(self, hidden, encoder_outputs):
            src_len = encoder_outputs.shape[0]
            hidden = hidden.unsqueeze(1).repeat(1, src_len, 1)
            encoder_outputs = encoder_outputs.permute(1, 0, 2)
            energy = torch.tanh(self.attn(torch.cat((hidden, encoder_outputs), dim=2)))
            attention = self.v(energy).squeeze(2)
            return F.softmax(attention, dim=1)


    class Seq2Seq(nn.Module):
        def __init__(self, encoder, attention):
            super().__init__()
            self.encoder = encoder
            self.attention = attention

        def forward(self, src, trg):
            encoder_outputs, hidden = self.encoder(src)
            return self.attention(hidden, encoder_outputs)


    def train(loader, vocab):
        model = Seq2Seq(Encoder(vocab, 32, 64), Attention(64))
        for src, trg in loader:
            out = model(src, trg)
"""
BAHDANAU_MASKED = BAHDANAU_UNMASKED.replace(
    "def forward(self, hidden, encoder_outputs):", "def forward(self, hidden, encoder_outputs, mask):").replace(
    "        return F.softmax(attention, dim=1)",
    "        attention = attention.masked_fill(mask == 0, -1e10)\n        return F.softmax(attention, dim=1)").replace(
    "return self.attention(hidden, encoder_outputs)",
    "return self.attention(hidden, encoder_outputs, (src != 1).permute(1, 0))")


def test_time_major_encoder_outputs_permuted_to_batch_first_for_concat_attention():
    # (textgen, reinvent: seq2seq "concat" attention) encoder_outputs.permute(1, 0, 2) swaps
    # batch and time of a time-major RNN output: the scores' time axis is dim 1
    # (its bidirectional encoder runs over the padded batch unpacked: PAD201 and PAD204)
    assert codes(BAHDANAU_MASKED) == ["PAD201", "PAD204"]
    assert codes(BAHDANAU_UNMASKED) == ["PAD201", "PAD204", "PAD401"]


def test_a_plain_tensor_packed_whole_to_convert_it_is_not_pad101():
    # (PyPI review 25, fastNLP VarRNN) a module that takes a PackedSequence packs a plain
    # tensor with its full length only to convert it; padded callers pack themselves
    source = """
        import torch
        from torch import nn
        from torch.nn.utils.rnn import PackedSequence, pack_padded_sequence


        class VarRNN(nn.Module):
            def __init__(self, n_in, hidden):
                super().__init__()
                self.cell = nn.LSTMCell(n_in, hidden)

            def forward(self, x, hx=None):
                {test}
                    seq_lens = torch.LongTensor([x.size(1) for _ in range(x.size(0))])
                    x = pack_padded_sequence(x, seq_lens, batch_first=True)
                return x.data, x.batch_sizes
        """
    assert codes(source.format(test="if not isinstance(x, PackedSequence):")) == []
    assert codes(source.format(test="if x.dim() == 3:")) == ["PAD101"]


@pytest.mark.parametrize("elsewhere,expected", [
    ("", []),
    ("def collate(samples):\n    return torch.nn.utils.rnn.pad_sequence(samples, batch_first=True)", ["PAD101"]),
])
def test_fixed_length_windows_packed_with_their_one_length(elsewhere, expected):
    # (set al, al26) a file that cuts a stream into windows and pads nothing: the full length is
    # every window's own, so packing is unneeded, not wrong
    source = """
        import torch
        from torch import nn
        from torch.nn.utils.rnn import pack_padded_sequence


        def windows_of(stream, window=32, stride=8):
            return [stream[s:s + window] for s in range(0, stream.size(0) - window + 1, stride)]


        class WindowEncoder(nn.Module):
            def __init__(self, n_channels=4, hidden=32):
                super().__init__()
                self.gru = nn.GRU(n_channels, hidden, batch_first=True)

            def forward(self, windows):
                B, W, _ = windows.shape
                lengths = torch.full((B,), W, dtype=torch.long)
                _, h_n = self.gru(pack_padded_sequence(windows, lengths, batch_first=True))
                return h_n[-1]
        """
    assert codes(textwrap.dedent(source) + "\n\n" + elsewhere + "\n") == expected


def test_accuracy_of_masked_predictions_averaged_over_every_position():
    # (PyPI review 25, neuralforecast) (y == y_hat) * mask is masked correctness, not a mask
    # product, and `if mask is None: mask = ones_like(...)` keeps a caller's mask a mask
    source = """
        import torch


        class Accuracy:
            def __call__(self, y, y_hat, mask=None):
                if mask is None:
                    mask = torch.ones_like(y_hat)
                measure = (y == y_hat) * mask
                return {ret}
        """
    assert codes(source.format(ret="measure.sum() / mask.sum()")) == []
    assert codes(source.format(ret="torch.mean(measure)")) == ["PAD302"]


def test_numpy_style_axis_keyword_is_the_reduced_dim():
    # (PyPI review 25, neuralforecast MASE) torch takes axis= for dim=
    source = """
        import torch


        def scale(y_insample, lengths, m):
            keep = torch.arange(y_insample.size(1))[None] < lengths[:, None]
            diffs = torch.abs(y_insample[:, m:] - y_insample[:, :-m])
            return torch.{op}({data},
                              axis=1){denominator}
        """
    masked = source.format(op="sum", data="diffs * keep[:, m:]", denominator=" / keep[:, m:].sum(1)")
    assert codes(masked) == []
    found = check_text(textwrap.dedent(source.format(op="mean", data="diffs", denominator="")), "snippet.py",
                       DEFAULT).findings
    assert [f.code for f in found] == ["PAD301"]
    assert "torch.mean(diffs, axis=1)" in found[0].message  # a call over two lines, shown on one


def test_pad_comparisons_assigned_as_a_tuple_mark_their_tensors_padded():
    # (held-out m28) ctx_valid, resp_valid = ctx.ne(pad), resp.ne(pad)
    source = """
        import torch.nn as nn


        class Matcher(nn.Module):
            def __init__(self, vocab, d, pad_id=0):
                super().__init__()
                self.pad_id = pad_id
                self.emb = nn.Embedding(vocab, d, padding_idx=pad_id)
                self.rnn = nn.GRU(d, d, batch_first=True)
                self.cross = nn.MultiheadAttention(d, 4, batch_first=True)

            def forward(self, ctx, resp):
                ctx_valid, resp_valid = ctx.ne(self.pad_id), resp.ne(self.pad_id)
                c, _ = self.rnn(self.emb(ctx))
                r, _ = self.rnn(self.emb(resp))
                return self.cross(r, c, c{mask})[0]
        """
    assert codes(source.format(mask=", key_padding_mask=~ctx_valid")) == []
    assert codes(source.format(mask="")) == ["PAD401"]


def test_token_loss_divided_by_float_batch_times_length():
    # (held-out m21) float(B * T) counts every position
    source = """
        import torch.nn.functional as F


        def token_nll(logits, tgt, mask):
            B, T = tgt.size()
            nll = F.cross_entropy(logits.reshape(B * T, -1), tgt.reshape(-1), reduction="none").view(B, T)
            return (nll * mask).sum() / {denominator}
        """
    assert codes(source.format(denominator="mask.sum()")) == []
    assert codes(source.format(denominator="float(B * T)")) == ["PAD302"]


def test_a_ctc_loss_handed_in_by_name():
    # (held-out m06) def ctc_step(model, batch, ctc): ctc(...) is an nn.CTCLoss made elsewhere
    source = """
        import torch
        import torch.nn as nn


        def ctc_step(model, batch, ctc):
            feats, feat_lens, targets, tgt_lens = batch
            log_probs = model(feats, feat_lens).transpose(0, 1)
            T, B = log_probs.shape[:2]
            input_lengths = {lengths}
            return ctc(log_probs, targets, input_lengths, tgt_lens)


        criterion = nn.CTCLoss(blank=0)
        """
    assert codes(source.format(lengths="feat_lens // 4")) == []
    assert codes(source.format(lengths="torch.full((B,), T, dtype=torch.long)")) == ["PAD305"]


def test_deepspeech_percentages_scaled_by_the_padded_width():
    # (held-out m27) deepspeech.pytorch: input_percentages.mul_(int(inputs.size(3))).int()
    source = """
        def train_step(model, data):
            inputs, targets, input_percentages, target_sizes = data
            input_sizes = {sizes}
            return model(inputs, input_sizes)
        """
    assert codes(source.format(sizes="input_percentages.mul_(int(inputs.size(3))).round().int()")) == []
    assert codes(source.format(sizes="input_percentages.mul_(int(inputs.size(3))).int()")) == ["PAD107"]


PLAIN_BATCH_CLASS = """
    import torch
    import torch.nn.functional as F
    from torch.nn.utils.rnn import pad_sequence


    class Seq2SeqBatch:
        def __init__(self, pairs, pad_idx):
            tgt = pad_sequence([torch.tensor(t) for _, t in pairs], batch_first=True, padding_value=pad_idx)
            self.src = pad_sequence([torch.tensor(s) for s, _ in pairs], batch_first=True, padding_value=pad_idx)
            self.tgt_in, self.tgt_out = tgt[:, :-1], tgt[:, 1:]
            self.pad_idx = pad_idx


    {user}
    """


@pytest.mark.parametrize("user", [
    # the batch built where it is used
    """def train(model, data, pad_idx):
        for pairs in data:
            batch = Seq2SeqBatch(pairs, pad_idx)
            logits = model(batch.src, batch.tgt_in)
            yield F.cross_entropy(logits.reshape(-1, logits.size(-1)), batch.tgt_out.reshape(-1){ignore})""",
    # (held-out m22) a method's `batch` parameter: an instance of the file's one batch class
    """class Model(torch.nn.Module):
        def loss(self, batch):
            logits = self(batch.src, batch.tgt_in)
            return F.cross_entropy(logits.reshape(-1, logits.size(-1)), batch.tgt_out.reshape(-1){ignore})""",
])
def test_a_plain_batch_class_carries_what_its_init_padded(user):
    source = PLAIN_BATCH_CLASS.format(user=user)
    assert codes(source.format(ignore=", ignore_index=batch.pad_idx")) == []
    assert codes(source.format(ignore="")) == ["PAD303"]


STEPWISE_NLL = """
    import torch
    import torch.nn as nn
    from torch.nn.utils.rnn import pad_sequence

    PAD_token = 0


    def collate(pairs):
        src = pad_sequence([s for s, _ in pairs], padding_value=PAD_token)
        tgt = pad_sequence([t for _, t in pairs], padding_value=PAD_token)
        return src, tgt


    def train_batch(encoder, decoder, src, tgt, opt):
        criterion = nn.NLLLoss()
        enc_out, hidden = encoder(src)
        dec_in = tgt[0]
        loss = 0
        for t in range(1, tgt.size(0)):
            out, hidden = decoder(dec_in, hidden, enc_out)
            loss += criterion(out, tgt[t])
            dec_in = tgt[t]
        loss.backward()
        opt.step()


    def run(loader, encoder, decoder, opt):
        for src, tgt in loader:
            train_batch(encoder, decoder, src, tgt, opt)
    """


def test_a_decoding_loop_scores_each_step_of_padded_targets():
    # (held-out m19, the PyTorch chatbot tutorial without its maskNLLLoss) criterion(out, tgt[t])
    # over time-major padded targets trains on the pads of the shorter sequences
    assert codes(STEPWISE_NLL.replace("nn.NLLLoss()", "nn.NLLLoss(ignore_index=PAD_token)")) == []
    assert codes(STEPWISE_NLL) == ["PAD303"]


CHATBOT_TUTORIAL = """
    import itertools

    import torch
    import torch.nn as nn

    PAD_token, SOS_token = 0, 1


    def zero_padding(l, fillvalue=PAD_token):
        return list(itertools.zip_longest(*l, fillvalue=fillvalue))


    def batch2train_data(pair_batch):
        inp = torch.LongTensor(zero_padding([p[0] for p in pair_batch]))
        out = torch.LongTensor(zero_padding([p[1] for p in pair_batch]))
        return inp, out, max(len(p[1]) for p in pair_batch)


    class EncoderRNN(nn.Module):
        def __init__(self, hidden, embedding):
            super().__init__()
            self.embedding = embedding
            self.gru = nn.GRU(hidden, hidden)

        def forward(self, input_seq):
            outputs, hidden = self.gru(self.embedding(input_seq))
            return outputs, hidden


    def train(input_variable, target_variable, max_target_len, encoder, decoder, criterion):
        _, decoder_hidden = encoder(input_variable)
        decoder_input = torch.LongTensor([[SOS_token] * input_variable.size(1)])
        loss = 0
        for t in range(max_target_len):
            decoder_output, decoder_hidden = decoder(decoder_input, decoder_hidden)
            decoder_input = target_variable[t].view(1, -1)
            loss += criterion(decoder_output, target_variable[t])
        return loss


    def train_iters(pairs, decoder):
        encoder = EncoderRNN(8, nn.Embedding(10, 8))
        criterion = nn.NLLLoss({ignore})
        for _ in range(10):
            inp, out, max_len = batch2train_data(pairs)
            train(inp, out, max_len, encoder, decoder, criterion)
    """


def test_the_chatbot_tutorial_pads_with_zip_longest():
    # (held-out m19) itertools.zip_longest(*seqs, fillvalue=PAD) is a time-major padded batch: the
    # encoder's final state ran over the pads (reported once, at its return, not again where the
    # decoder starts from it), and the step targets hold the pad id
    assert codes(CHATBOT_TUTORIAL.format(ignore="ignore_index=PAD_token")) == ["PAD201"]
    found = check_text(textwrap.dedent(CHATBOT_TUTORIAL.format(ignore="")), "snippet.py", DEFAULT).findings
    assert sorted(f.code for f in found) == ["PAD201", "PAD303"]
    assert "`PAD_token`" in next(f.message for f in found if f.code == "PAD303")


@pytest.mark.parametrize("shift,expected", [
    ("inp, tar = text_inputs[:, :-1], text_inputs[:, 1:]", ["PAD303"]),
    ("inp = text_inputs[:, :-1]\n            tar = text_inputs[:, 1:]", ["PAD303"]),
    ("inp, tar = text_inputs[:, :-1], text_targets", []),  # targets from elsewhere: pad unknown
])
def test_teacher_forcing_shift_written_as_one_tuple_assignment(shift, expected):
    # (review 26, Tortoise TTS) `inp, tar = t[:, :-1], t[:, 1:]` is the same shift as two
    # assignments: the targets read the tokens the padding_idx embedding reads
    source = """
    import torch.nn as nn
    import torch.nn.functional as F

    class UnifiedVoice(nn.Module):
        def __init__(self):
            super().__init__()
            self.text_embedding = nn.Embedding(256, 64, padding_idx=0)
            self.text_head = nn.Linear(64, 256)

        def forward(self, text_inputs, text_targets, text_lengths):
            SHIFT
            logits = self.text_head(self.text_embedding(inp))
            return F.cross_entropy(logits.reshape(-1, logits.size(-1)), tar.reshape(-1))
    """
    assert codes(source.replace("SHIFT", shift)) == expected


ATTENTION_WRAPPER = """
    import torch.nn as nn

    class Block(nn.Module):
        def __init__(self, channels, heads):
            super().__init__()
            self.self_attn = nn.MultiheadAttention(channels, heads)

        def forward(self, src, mask=None):
            if mask is not None and mask.ndim == 3:
                mask = ~mask.squeeze(1).bool()
            {default}
            out, _ = self.self_attn(src, src, src, key_padding_mask=mask)
            return out

    class Decoder(nn.Module):
        def __init__(self, channels, heads):
            super().__init__()
            self.block = Block(channels, heads)

        def forward(self, x, x_mask=None):
            x_mask = 1 if x_mask is None else x_mask
            return self.block({call}).permute(1, 2, 0) * x_mask
    """


@pytest.mark.parametrize("default,call,expected", [
    ("", "x.permute(2, 0, 1)", ["PAD401"]),  # FastPitch's decoder: x_mask never reaches the attention
    ("", "x.permute(2, 0, 1), mask=x_mask", []),
    ("", "x.permute(2, 0, 1), x_mask", []),
    ("mask = src.abs().sum(-1).eq(0).t() if mask is None else mask", "x.permute(2, 0, 1)", []),  # made when left out
])
def test_a_module_whose_forward_passes_its_mask_to_attention_called_without_it(default, call, expected):
    # (review 26, coqui TTS) the attention call has key_padding_mask=mask, but the caller leaves
    # `mask` at its default None: on a padded batch the attention runs unmasked
    assert codes(ATTENTION_WRAPPER.format(default=default, call=call)) == expected


@pytest.mark.parametrize("mask,expected", [
    ("span_mask.unsqueeze(2)", ["PAD302"]),  # a (batch, width) mask given a trailing axis
    ("span_mask.unsqueeze(-1)", ["PAD302"]),
    ("span_mask.unsqueeze(1)", []),  # (batch, 1, width): not a mask over the features' rows
])
def test_masked_mean_over_span_width_with_unsqueeze_2(mask, expected):
    # (review 26, HanLP span ranking) x * mask.unsqueeze(2) then mean over the width axis divides
    # by the widest span instead of each span's own width
    source = f"""
    import torch

    def get_span_emb(span_text_emb, span_mask):
        x = span_text_emb * {mask}
        return torch.mean(x, 1)
    """
    assert codes(source) == expected


@pytest.mark.parametrize("copy,expected", [
    ("", ["PAD501"]),  # the loop only fills the mask: one comparison does it
    ("collated[i, :size] = source", []),  # a collate loop that copies each sample anyway
    ("collated[i, :size].copy_(source)", []),
])
def test_mask_filled_in_a_loop_that_copies_each_sample_anyway(copy, expected):
    # (review 27: fairseq RawAudioDataset.collater, allennlp remove_sentence_boundaries) the
    # per-sample loop is needed to copy ragged data; filling the mask there costs nothing
    source = f"""
    import torch

    def collater(sources, lengths):
        collated = sources[0].new_zeros(len(sources), max(lengths))
        padding_mask = torch.zeros(len(sources), max(lengths), dtype=torch.bool)
        for i, (source, size) in enumerate(zip(sources, lengths)):
            {copy or "pass"}
            padding_mask[i, size:] = True
        return collated, padding_mask
    """
    assert codes(source) == expected


@pytest.mark.parametrize("reduce,expected", [
    (".mean([1, 2])", []),  # one value per sample: `mask` is a per-sample (batch,) selection
    (".mean(-1)", ["PAD302"]),  # (batch, time) errors averaged over every position, pads too
])
def test_a_mask_that_only_weights_per_sample_losses_is_not_padding(reduce, expected):
    # (review 27: ESPnet codec quantizer dropout) `forward(self, x, mask=None)` whose mask is
    # (batch,): neither the per-sample commitment loss nor its masked mean is about padding
    source = f"""
    import torch.nn.functional as F
    from torch import nn

    class VectorQuantization(nn.Module):
        def forward(self, x, mask=None):
            x = x.transpose(1, 2)
            quantize = self.codebook(x)
            commit = F.mse_loss(quantize.detach(), x, reduction="none"){reduce}
            return quantize, (commit * mask).mean()
    """
    assert codes(source) == expected


@pytest.mark.parametrize("fill,expected", [
    ("feats = feats.masked_fill(frame_pad.unsqueeze(-1), 0.0)", []),  # whole padded frames zeroed
    ("feats = feats.masked_fill(frame_pad[..., None], 0.0)", []),
    ("scores = scores.masked_fill(frame_pad[:, None, :], 0.0)", ["PAD403"]),  # scores: weight exp(0)
])
def test_zeroing_padded_feature_frames_is_not_a_weak_score_fill(fill, expected):
    # (held-out s, c20) zeroing padded frames before a key-masked encoder is right; the only
    # softmax is over the vocabulary. Its "fix" (finfo.min) would have made every output NaN
    source = f"""
    import torch
    import torch.nn as nn
    import torch.nn.functional as F

    class CTCHead(nn.Module):
        def __init__(self, d=256, vocab=32):
            super().__init__()
            self.encoder = nn.TransformerEncoder(nn.TransformerEncoderLayer(d, 4, batch_first=True), 2)
            self.lm_head = nn.Linear(d, vocab)

        def forward(self, feats, out_lens):
            frame_pad = torch.arange(feats.size(1))[None] >= out_lens[:, None]
            scores = feats @ feats.transpose(1, 2)
            {fill}
            feats = feats + torch.softmax(scores, dim=-1) @ feats
            hidden = self.encoder(feats, src_key_padding_mask=frame_pad)
            return F.log_softmax(self.lm_head(hidden), dim=-1)
    """
    assert codes(source) == expected


@pytest.mark.parametrize("loss,expected", [
    ("F.cross_entropy(logits.reshape(-1, logits.size(-1)), tgt_ids[:, 1:].reshape(-1))", ["PAD303"]),
    ("F.cross_entropy(logits.reshape(-1, logits.size(-1)), tgt_ids[:, 1:].reshape(-1), "
     "ignore_index=self.pad_id)", []),
    ("F.cross_entropy(logits.reshape(-1, logits.size(-1)), other_ids.reshape(-1))", []),  # other tokens
])
def test_targets_that_forward_masks_by_comparing_with_self_pad_id(loss, expected):
    # (held-out s, b08) the model keeps self.pad_id and builds its key padding mask from the tokens
    # it is given; the loss on the same tokens, shifted, has no ignore_index
    source = f"""
    import torch.nn as nn
    import torch.nn.functional as F

    class Decoder(nn.Module):
        def __init__(self, vocab, pad_id, d=64):
            super().__init__()
            self.pad_id = pad_id
            self.emb = nn.Embedding(vocab, d)
            self.block = nn.TransformerEncoderLayer(d, 4, batch_first=True)
            self.head = nn.Linear(d, vocab)

        def forward(self, tgt_in):
            h = self.block(self.emb(tgt_in), src_key_padding_mask=tgt_in.eq(self.pad_id))
            return self.head(h)

        def compute_loss(self, tgt_ids, other_ids):
            logits = self(tgt_ids[:, :-1])
            return {loss}
    """
    assert codes(source) == expected


LEFT_PADDED_HISTORIES = """
    import torch
    import torch.nn as nn
    import torch.nn.functional as F

    def build(user_items, max_len):
        seq = torch.zeros(len(user_items), max_len, dtype=torch.long)
        for u, items in enumerate(user_items):
            {write}
        return seq

    class Recommender(nn.Module):
        def __init__(self, n_items, d=32):
            super().__init__()
            self.item = nn.Embedding(n_items + 1, d)
            self.gru = nn.GRU(d, d, batch_first=True)

        def forward(self, seq):
            out, h = self.gru(self.item(seq))
            return {read}

    def step(user_items):
        model = Recommender(100)
        seq = build(user_items, 50)
        logits = model(seq)
        return {loss}
    """


@pytest.mark.parametrize("write,read,loss,expected", [
    # left padding by hand (SASRec): every position's loss averaged, pads too
    ("seq[u, max_len - len(items):] = torch.tensor(items)", "out.sum(-1)",
     'F.binary_cross_entropy_with_logits(logits, torch.ones_like(logits), reduction="none").mean()', ["PAD301"]),
    # ... whose last column and final state are real for every row
    ("seq[u, -len(items):] = torch.tensor(items)", "out[:, -1]", "logits.sum()", []),
    ("seq[u, max_len - len(items):] = torch.tensor(items)", "h[-1]", "logits.sum()", []),
    # right padding by hand: the last column is padding for the shorter rows
    ("seq[u, :len(items)] = torch.tensor(items)", "out[:, -1]", "logits.sum()", ["PAD202"]),
])
def test_histories_left_padded_by_hand(write, read, loss, expected):
    # (held-out s b12, m33) zeros + row[T - n:] = items is a padded batch too, left-padded
    assert codes(LEFT_PADDED_HISTORIES.format(write=write, read=read, loss=loss)) == expected


STEP_DECODER = """
    import torch
    from torch import nn

    class Decoder(nn.Module):
        def __init__(self, embed_size, hidden_size, output_size):
            super().__init__()
            self.embed = nn.Embedding(output_size, embed_size)
            self.gru = nn.GRU(embed_size, hidden_size)
            self.out = nn.Linear(hidden_size, output_size)

        def forward(self, input, hidden, encoder_outputs, mask=None):
            output, hidden = self.gru(self.embed(input), hidden)
            return self.out(output.squeeze(0)), hidden

    class Seq2Seq(nn.Module):
        def __init__(self, encoder):
            super().__init__()
            self.encoder = encoder
            self.decoder = Decoder(32, 64, 100)

        def forward(self, src, tgt):
            encoder_output, hidden = self.encoder(src)
            mask = (src == 1).transpose(1, 0)
            {body}
    """


@pytest.mark.parametrize("body,expected", [
    # one token at a time, the state fed back: the GRU never runs over padding
    ("output = tgt[0, :].unsqueeze(0)\n"
     "            for t in range(1, tgt.size(0)):\n"
     "                logits, hidden = self.decoder(output, hidden, encoder_output, mask=mask)\n"
     "                output = tgt[t].unsqueeze(0)\n"
     "            return logits", []),
    # the whole padded target at once: its final state is after the pads
    ("logits, hidden = self.decoder(tgt, hidden, encoder_output, mask=mask)\n"
     "            return logits, hidden", ["PAD201"]),
])
def test_a_decoder_stepped_in_a_loop_with_its_state_fed_back(body, expected):
    # (review 28, seq2seq-pytorch) forward(self, input, hidden, encoder_outputs, mask=None) makes
    # `input` look padded; its callers feed one step and the returned state back in a loop
    assert codes(STEP_DECODER.format(body=body)) == expected


@pytest.mark.parametrize("default,expected", [
    ("LABEL_PAD", []),  # labels padded with -100 through the collator's attribute: ignored by default
    ("PAD_TOKEN_ID", ["PAD303"]),  # padded with the token pad id: trained on
])
def test_labels_padded_through_an_attribute_whose_default_is_minus_100(default, expected):
    # (held-out t, t11) pad_sequence(labels, padding_value=self.label_pad_id), the attribute set
    # from an __init__ parameter that defaults to LABEL_PAD = -100
    source = f"""
    import torch
    import torch.nn as nn
    from torch.nn.utils.rnn import pad_sequence

    PAD_TOKEN_ID = 1
    LABEL_PAD = -100

    class Collator:
        def __init__(self, label_pad_id={default}):
            self.label_pad_id = label_pad_id

        def __call__(self, features):
            labels = [torch.tensor(f["labels"]) for f in features]
            return pad_sequence(labels, batch_first=True, padding_value=self.label_pad_id)

    class Tagger(nn.Module):
        def __init__(self, vocab_size, num_labels, d=32):
            super().__init__()
            self.emb = nn.Embedding(vocab_size, d, padding_idx=PAD_TOKEN_ID)
            self.cls = nn.Linear(d, num_labels)
            self.loss_fct = nn.CrossEntropyLoss()

        def forward(self, input_ids, labels):
            logits = self.cls(self.emb(input_ids))
            return self.loss_fct(logits.view(-1, logits.size(-1)), labels.view(-1))
    """
    assert codes(source) == expected


@pytest.mark.parametrize("use,expected", [
    ("return self.conv(x)", []),  # channels-first frames straight into a Conv1d: dim 1 is the mel bins
    ("return self.conv(x) * frame_mask(lengths, x.size(-1))", []),  # the lengths count the last axis
    ("return self.proj(x)", ["PAD301"]),  # no sign of the layout: dim 1 read as time
])
def test_mean_over_dim_1_of_channels_first_frames(use, expected):
    # (held-out t, t34) per-frame mean over the mel bins of (batch, n_mels, time) features
    source = f"""
    import torch.nn as nn

    class SpeakerNet(nn.Module):
        def __init__(self, n_mels=40, channels=64):
            super().__init__()
            self.conv = nn.Conv1d(n_mels, channels, 3, padding=1)
            self.proj = nn.Linear(n_mels, channels)

        def forward(self, feats, lengths):
            x = feats - feats.mean(dim=1, keepdim=True)
            {use}
    """
    assert codes(source) == expected


@pytest.mark.parametrize("body,expected", [
    ("w = F.softmax(scores, dim=-1)\n        w = w.masked_fill(~mask, 0.0)", ["PAD401"]),
    ("w = F.softmax(scores, dim=-1)\n        w = w * mask.float()", ["PAD401"]),
    # renormalised after the masking (AllenNLP's masked_softmax): fine
    ("w = F.softmax(scores, dim=-1)\n        w = w * mask.float()\n        w = w / (w.sum(-1, keepdim=True) + 1e-13)", []),
    # masked before the softmax: zeroing again afterwards changes nothing
    ("scores = scores.masked_fill(~mask, float('-inf'))\n        w = F.softmax(scores, dim=-1)\n"
     "        w = w.masked_fill(~mask, 0.0)", []),
    # per-position class distributions with padded rows zeroed (tagging), not weights over the mask's axis
    ("w = F.softmax(scores, dim=-1)\n        w = w * mask.unsqueeze(-1)", []),
    # a selection mask built afterwards, not a padding mask
    ("w = F.softmax(scores, dim=-1)\n        keep_mask = torch.ones_like(w)\n        keep_mask[:, 0] = 0\n"
     "        w = w * keep_mask", []),
])
def test_attention_weights_masked_after_the_softmax_without_renormalising(body, expected):
    # (held-out s b14, review 26 DIN) the pads' share of the softmax is dropped: the real weights
    # sum to less than one, by an amount that depends on the padding
    source = f"""
    import torch
    import torch.nn.functional as F

    def attention_pool(scores, h, mask):
        {body}
        return (w.unsqueeze(-1) * h).sum(1)
    """
    assert codes(source) == expected


@pytest.mark.parametrize("unpack,expected", [
    ("images, image_widths, targets, target_lengths = batch", ["PAD305"]),
    ("images, targets, target_lengths = batch", []),  # no real extent at hand
])
def test_ctc_lengths_from_the_shape_beside_image_widths_unpacked_from_the_batch(unpack, expected):
    # (held-out t, t27) CRNN + CTC: the real widths come in the batch, the loss gets T for all
    source = f"""
    import torch
    import torch.nn as nn

    def train_step(model, batch):
        ctc = nn.CTCLoss(blank=0, zero_infinity=True)
        {unpack}
        log_probs = model(images)
        T, B = log_probs.shape[:2]
        input_lengths = torch.full((B,), T, dtype=torch.long)
        return ctc(log_probs, targets, input_lengths, target_lengths)
    """
    assert codes(source) == expected


@pytest.mark.parametrize("shape,ret,expected", [
    ("(len(seq_lens), max_seq_len) + flat.shape[1:]", "out, [h_n.squeeze(0)]", ["PAD201"]),
    ("(len(seq_lens), max_seq_len) + flat.shape[1:]", "out, h_n", ["PAD201"]),
    ("(len(seq_lens), max_seq_len) + flat.shape[1:]", "out", []),  # the state is not handed on
])
def test_rllib_style_time_dimension_added_by_a_helper(shape, ret, expected):
    # (held-out s, b02) zeros((B, T) + feature shape), rows copied in: a padded batch; the GRU's
    # final state over it is returned (also inside the list of recurrent states)
    source = f"""
    import torch.nn as nn

    def add_time_dimension(flat, seq_lens, max_seq_len):
        out = flat.new_zeros({shape})
        offset = 0
        for i, n in enumerate(seq_lens.tolist()):
            out[i, :n] = flat[offset:offset + n]
            offset += n
        return out

    class Policy(nn.Module):
        def __init__(self, d, h):
            super().__init__()
            self.gru = nn.GRU(d, h, batch_first=True)

        def forward(self, obs, state, seq_lens):
            x = add_time_dimension(obs, seq_lens, int(seq_lens.max()))
            out, h_n = self.gru(x, state)
            return {ret}
    """
    assert codes(source) == expected


@pytest.mark.parametrize("lens,expected", [
    ("[len(p) for p in padded]", ["PAD101"]),  # every row F.pad-ed to MAX_TOKENS: all 64
    ("[len(it) for it in items]", []),
])
def test_lengths_of_rows_each_padded_to_the_max_with_f_pad(lens, expected):
    # (held-out s, b07)
    source = f"""
    import torch
    import torch.nn.functional as F
    from torch.nn.utils.rnn import pack_padded_sequence

    MAX_TOKENS = 64

    def encode_batch(items, emb, lstm):
        padded = [F.pad(torch.tensor(it), (0, MAX_TOKENS - len(it))) for it in items]
        lens = torch.tensor({lens})
        packed = pack_padded_sequence(emb(torch.stack(padded)), lens, batch_first=True, enforce_sorted=False)
        _, (h_n, _) = lstm(packed)
        return h_n[-1]
    """
    assert codes(source) == expected


@pytest.mark.parametrize("signature,body,expected", [
    ("q, k, v, key_padding_mask", "", ["PAD401"]),  # required, never read
    ("q, k, v, key_padding_mask", "scores = scores.masked_fill(key_padding_mask[:, None, :], float('-inf'))", []),
    ("q, k, v, key_padding_mask=None", "", []),  # optional: often a signature copied from nn.*
    ("q, k, v, attn_mask", "", []),  # not a padding mask by its name
])
def test_attention_that_takes_a_key_padding_mask_and_never_uses_it(signature, body, expected):
    # (held-out s, b10)
    source = f"""
    import torch.nn.functional as F

    def attend({signature}):
        scores = q @ k.transpose(-1, -2) / q.size(-1) ** 0.5
        {body or "pass"}
        return F.softmax(scores, dim=-1) @ v
    """
    assert codes(source) == expected


CHAR_LM = """
    import torch
    import torch.nn as nn
    from torch.nn.utils.rnn import pad_sequence

    class CharLM(nn.Module):
        def __init__(self, vocab, dim=16):
            super().__init__()
            self.emb = nn.Embedding(vocab, dim, padding_idx=0)
            self.lstm = nn.LSTM(dim, dim, batch_first=True)
            self.fc = nn.Linear(dim, vocab)

        def forward(self, x, hidden=None):
            out, hidden = self.lstm(self.emb(x), hidden)
            return self.fc(out), hidden

    def train_loss(model, seqs):
        inp = pad_sequence([s[:-1] for s in seqs], batch_first=True)
        tgt = pad_sequence([s[1:] for s in seqs], batch_first=True)
        {train}
        return nn.functional.cross_entropy(logits.reshape(-1, logits.size(-1)), tgt.reshape(-1), ignore_index=0)

    @torch.no_grad()
    def generate(model, prefix, n=5):
        x = prefix.unsqueeze(0)
        logits, h = model(x)
        out = []
        for _ in range(n):
            nxt = logits[0, -1].argmax()
            out.append(nxt.item())
            logits, h = model(nxt.view(1, 1), h)
        return out

    model = CharLM(10).eval()
    seqs = [torch.randint(1, 10, (9,)), torch.randint(1, 10, (4,))]
    print(train_loss(model, seqs), generate(model, seqs[1]))
    """


@pytest.mark.parametrize("train,expected", [
    ("logits, _ = model(inp)", []),  # the padded batch's state is thrown away
    ("logits, state = model(inp)\n        print(state[0].norm())", ["PAD201"]),  # ... or read
])
def test_char_lm_returns_its_state_for_generation_only(train, expected):
    # (held-out u, u12) generation calls the model on one unpadded row, then one step at a time
    # with its own state fed back; training drops the state of the padded batch
    assert codes(CHAR_LM.format(train=train)) == expected


@pytest.mark.parametrize("denominator,expected", [
    ("mask.sum()", ["PAD302"]),  # every sentence divided by the batch's token count
    ("mask.sum().clamp(min=1e-9)", ["PAD302"]),
    ("mask.sum(1).clamp(min=1e-9)", []),  # its own count
])
def test_masked_mean_pooling_with_the_sum_in_its_own_variable(denominator, expected):
    # (held-out u, u27) summed = (x * mask).sum(1); summed / mask.sum()
    source = f"""
    def mean_pooling(token_embeddings, attention_mask):
        mask = attention_mask.unsqueeze(-1).float()
        summed = (token_embeddings * mask).sum(1)
        return summed / {denominator}
    """
    assert codes(source) == expected


@pytest.mark.parametrize("move,expected", [
    ("batch = tuple(t.to(device) for t in batch)", ["PAD102"]),  # the lengths moved too
    ("batch = list(t.cuda() for t in batch)", ["PAD102"]),
    ("batch = tuple(batch)", []),
])
def test_every_item_moved_then_unpacked_on_the_next_line(move, expected):
    # (held-out u, u22) moved in one statement, unpacked in the next
    source = f"""
    from torch.nn.utils.rnn import pack_padded_sequence

    def step(rnn, batch, device):
        {move}
        x, lengths = batch
        packed = pack_padded_sequence(x, lengths, batch_first=True)
        return rnn(packed)
    """
    assert codes(source) == expected


LUONG_DOT = """
    import torch
    import torch.nn as nn
    import torch.nn.functional as F
    from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence

    class Attn(nn.Module):
        def __init__(self, dim):
            super().__init__()
            self.rnn = nn.GRU(dim, dim, batch_first=True)

        def forward(self, x, lengths, q):
            packed = pack_padded_sequence(x, lengths, batch_first=True, enforce_sorted=False)
            out, _ = self.rnn(packed)
            out, _ = pad_packed_sequence(out, batch_first=True)
            energy = {score}.squeeze(2)
            {mask}
            attn = F.softmax(energy, dim=1)
            return torch.bmm(attn.unsqueeze(1), out).squeeze(1)
    """
_KEEP = "energy = energy.masked_fill(torch.arange(out.size(1))[None] >= lengths[:, None], float('-inf'))"


@pytest.mark.parametrize("score,mask,expected", [
    ("torch.bmm(out, q.transpose(1, 2))", "", ["PAD401"]),  # q: (B, 1, H), one score per position
    ("torch.matmul(out, q.permute(0, 2, 1))", "", ["PAD401"]),
    ("(out @ q.transpose(1, 2))", "", ["PAD401"]),
    ("torch.bmm(out, q.transpose(1, 2))", _KEEP, []),  # the pad steps filled with -inf first
    ("torch.bmm(out, q.unsqueeze(2))", _KEEP, []),
])
def test_luong_dot_score_with_a_transposed_query(score, mask, expected):
    # (held-out u, u03) bmm(enc_out, query.transpose(1, 2)) is a column product like
    # bmm(enc_out, query.unsqueeze(2)): the padded time axis stays at 1
    assert codes(LUONG_DOT.format(score=score, mask=mask)) == expected


TWO_HOPS = """
    import torch
    import torch.nn as nn

    def sequence_mask(lengths, max_len):
        return torch.arange(max_len).unsqueeze(0) < lengths.unsqueeze(1)

    def attention(x, mask):
        scores = torch.einsum("btd,bsd->bts", x, x)
        scores = scores.masked_fill({fill}, -1e9)
        return torch.einsum("bts,bsd->btd", scores.softmax(-1), x)

    class Block(nn.Module):
        def forward(self, x, mask):
            return attention(x, mask)

    class Model(nn.Module):
        def __init__(self):
            super().__init__()
            {blocks}

        def forward(self, x, lengths):
            mask = sequence_mask(lengths, x.size(1))
            {run}
            return x
    """
_ONE = ("self.block = Block()", "x = self.block(x, mask)")
_LIST = ("self.blocks = nn.ModuleList(Block() for _ in range(2))", "for blk in self.blocks:\n                x = blk(x, mask)")


@pytest.mark.parametrize("blocks_run", [_ONE, _LIST])
@pytest.mark.parametrize("fill,expected", [
    ("mask[:, None, :]", ["PAD402"]),  # a keep-mask used as the positions to fill
    ("~mask[:, None, :]", []),
])
def test_keep_mask_through_two_calls_and_a_module_list(blocks_run, fill, expected):
    # (held-out u, u18) Model.forward -> Block.forward -> attention(): the mask that the first
    # pass saw by its name only is replaced by what the later pass knows; and a ModuleList of
    # this file's blocks, iterated in forward, runs Block.forward
    blocks, run = blocks_run
    assert codes(TWO_HOPS.format(fill=fill, blocks=blocks, run=run)) == expected


@pytest.mark.parametrize("variance,expected", [
    ("x.pow(2).sum(dim=1, keepdim=True) / ilens_", ["PAD301"]),  # the pads hold -mean now
    ("x.masked_fill(make_pad_mask(ilens), 0.0).pow(2).sum(dim=1, keepdim=True) / ilens_", []),
])
def test_variance_after_subtracting_the_mean_from_zero_padded_frames(variance, expected):
    # (corpus: ESPnet utterance_mvn) zeros at the pads stop being zeros once the mean is taken off
    source = f"""
    import torch

    def make_pad_mask(lengths):
        return torch.arange(int(lengths.max()))[None, :, None] >= lengths[:, None, None]

    def utterance_mvn(x, ilens):
        ilens_ = ilens.to(x.dtype).view(-1, 1, 1)
        x = x.masked_fill(make_pad_mask(ilens), 0.0)
        mean = x.sum(dim=1, keepdim=True) / ilens_
        x = x - mean
        var = {variance}
        return x / var.sqrt()
    """
    assert codes(source) == expected


@pytest.mark.parametrize("pool,expected", [
    ("torch.bmm(weights.transpose(1, 2), h).squeeze(1)", []),  # (B, 1, T) @ (B, T, D): pooled
    ("torch.bmm(weights.unsqueeze(1), h).squeeze(1)", []),
])
def test_pooling_by_transposed_scores_is_one_value_per_sample(pool, expected):
    # (fixture scratch_attention_neg_inf, found again by a later pass) bmm(w.transpose(1, 2), h)
    # with w one score per position (B, T, 1) sums the time axis away: a regression on it is
    # not over padded predictions
    source = f"""
    import torch
    import torch.nn as nn
    import torch.nn.functional as F

    class Pool(nn.Module):
        def __init__(self):
            super().__init__()
            self.score = nn.Linear(8, 1)
            self.head = nn.Linear(8, 1)

        def forward(self, h, keep):
            extended = (1.0 - keep[:, :, None].to(h.dtype)) * torch.finfo(h.dtype).min
            weights = torch.softmax(self.score(h) + extended, dim=1)
            {"weights = weights.squeeze(-1)" if "unsqueeze" in pool else ""}
            return self.head({pool}).squeeze(-1)

    def step(emb, pool, tokens, lengths):
        keep = torch.arange(tokens.size(1))[None] < lengths[:, None]
        h = emb(tokens)
        pred = pool(h, keep)
        return F.smooth_l1_loss(pred, lengths.float())

    emb = nn.Embedding(10, 8, padding_idx=0)
    seqs = [torch.tensor([1, 2, 3]), torch.tensor([4])]
    tokens = nn.utils.rnn.pad_sequence(seqs, batch_first=True)
    print(step(emb, Pool(), tokens, torch.tensor([3, 1])))
    """
    assert codes(source) == expected


@pytest.mark.parametrize("source,expected", [
    # (PyPI review 29, diffusers) a 0/1 mask turned into an additive 0/-inf bias
    ("""
    import torch

    def bias(attention_mask):
        return attention_mask.float().masked_fill(attention_mask == 0, float("-inf")).masked_fill(
            attention_mask == 1, 0.0)
    """, []),
    # (transformers Longformer/LED) the boolean made into a float bias of itself
    ("""
    def local_bias(attention_mask):
        remove = attention_mask != 0
        return remove.float().masked_fill(remove, -1e9)
    """, []),
    # a keep-mask filling *data* is still the bug
    ("""
    import torch

    def attend(scores, lengths):
        keep = torch.arange(scores.size(-1))[None] < lengths[:, None]
        return scores.masked_fill(keep[:, None, :], float("-inf")).softmax(-1)
    """, ["PAD402"]),
])
def test_a_mask_made_into_an_additive_bias_of_itself(source, expected):
    assert codes(source) == expected


@pytest.mark.parametrize("boundary,fill,expected", [
    ("t >= x.shape[1] - lengths[:, None]", "~mask[:, :, None]", []),  # left padding: True at real tokens
    ("t >= x.shape[1] - lengths[:, None]", "mask[:, :, None]", ["PAD402"]),
    ("t < lengths[:, None]", "~mask[:, :, None]", []),  # right padding
    ("t < lengths[:, None]", "mask[:, :, None]", ["PAD402"]),
])
def test_left_padding_mask_from_t_minus_lengths(boundary, fill, expected):
    # (PyPI review 29, diffusers ltx2 / sana) arange(T) >= T - lengths marks the real tokens of
    # left-padded rows
    source = f"""
    import torch

    def pooled(x, lengths):
        t = torch.arange(x.shape[1]).unsqueeze(0)
        mask = {boundary}
        return x.masked_fill({fill}, float("-inf")).amax(dim=1)
    """
    assert codes(source) == expected


@pytest.mark.parametrize("passed,expected", [
    ("get_masks(input_ids, attention_mask)", []),  # a mask made here in a way not followed
    ("attention_mask", ["PAD402"]),  # the keep-mask itself, by its name
])
def test_mask_parameter_fed_by_a_computed_mask_is_not_read_by_its_name(passed, expected):
    # (PyPI review 29, diffusers kolors / ChatGLM) get_masks returns True where attention is
    # blocked; the callee's parameter is still called attention_mask
    source = f"""
    import torch
    import torch.nn.functional as F

    def get_masks(input_ids, padding_mask):
        b, t = input_ids.shape
        full = torch.ones(b, t, t).tril() * padding_mask.unsqueeze(1)
        return (full < 0.5).unsqueeze(1)

    def core_attention(q, k, attention_mask):
        scores = torch.matmul(q, k.transpose(-1, -2))
        scores = scores.masked_fill(attention_mask, float("-inf"))
        return F.softmax(scores, dim=-1)

    def encode(q, k, input_ids, attention_mask):
        return core_attention(q, k, {passed})
    """
    assert codes(source) == expected


@pytest.mark.parametrize("name,expected", [("num_masks", []), ("num_masked_tokens", []), ("mask", ["PAD301"])])
def test_a_count_of_masks_is_not_a_mask(name, expected):
    # (PyPI review 29, transformers loss_rf_detr) `num_masks` is how many masks, not one
    source = f"""
    from torch import nn

    def sigmoid_ce(inputs, labels, {name}):
        loss = nn.BCEWithLogitsLoss(reduction="none")(inputs, labels)
        return loss.mean(1).sum() / {name}
    """
    assert codes(source) == expected


@pytest.mark.parametrize("call,expected", [
    ("to_dense_batch(edge_attr, col, max_num_nodes=self.k, batch_size=n)", []),  # k fixed slots
    ("to_dense_batch(edge_attr, col)", ["PAD301"]),  # padded to the batch's largest graph
])
def test_dense_batch_to_a_fixed_number_of_slots(call, expected):
    # (PyPI review 29, torch_geometric GraphMixer) every node gets exactly k slots
    source = f"""
    from torch import nn
    from torch_geometric.utils import to_dense_batch

    class LinkEncoder(nn.Module):
        def __init__(self, k, dim):
            super().__init__()
            self.k = k
            self.lin = nn.Linear(dim, dim)

        def forward(self, edge_attr, col, n):
            h = {call}[0]
            return self.lin(h.mean(dim=1))
    """
    assert codes(source) == expected


@pytest.mark.parametrize("pool,expected", [
    ("F.relu(self.conv(x)).mean(dim=-1)", ["PAD301"]),  # (B, C, T): the last axis is time
    ("F.relu(self.conv(x)).mean(dim=2)", ["PAD301"]),
    ("F.relu(self.conv(x)).mean(dim=1)", []),  # the channels
    ("F.relu(self.conv(x)).transpose(1, 2).mean(dim=-1)", []),  # (B, T, C) now: features
])
def test_global_average_pool_of_a_conv1d_output(pool, expected):
    # (held-out v, v39) a channels-first CNN pools with mean(dim=-1) over zero-padded frames
    # that its convolution made non-zero
    source = f"""
    import torch.nn.functional as F
    from torch import nn

    class EventCNN(nn.Module):
        def __init__(self, n_mels=8, channels=16):
            super().__init__()
            self.conv = nn.Conv1d(n_mels, channels, kernel_size=5, padding=2)

        def forward(self, x, lengths):
            return {pool}
    """
    assert codes(source) == expected


@pytest.mark.parametrize("split,mask,expected", [
    ("qkv(x).chunk(3, dim=-1)", "", ["PAD401"]),  # no attn_mask: real tokens attend to the pads
    ("qkv(x).split([8, 8, 8], dim=-1)", "", ["PAD401"]),
    ("qkv(x).chunk(3, dim=-1)", ", attn_mask=keep[:, None, None, :]", []),
])
def test_sdpa_on_a_fused_qkv_projection(split, mask, expected):
    # (held-out v, v37) q, k, v cut out of one projection along the features stay padded
    source = f"""
    import torch
    import torch.nn.functional as F
    from torch.nn.utils.rnn import pad_sequence

    def attend(seqs, emb, qkv):
        ids = pad_sequence(seqs, batch_first=True)
        keep = ids != 0
        x = emb(ids)
        q, k, v = {split}
        return F.scaled_dot_product_attention(q, k, v{mask})
    """
    assert codes(source) == expected


def test_directions_cut_out_of_a_bidirectional_output():
    # (held-out t, t16) fwd at lengths - 1 and bwd at 0 are each direction's own summary
    source = """
    import torch
    from torch import nn
    from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence

    class Enc(nn.Module):
        def __init__(self):
            super().__init__()
            self.rnn = nn.GRU(8, 8, batch_first=True, bidirectional=True)

        def forward(self, x, lens):
            packed = pack_padded_sequence(x, lens, batch_first=True, enforce_sorted=False)
            out, _ = self.rnn(packed)
            out, _ = pad_packed_sequence(out, batch_first=True)
            fwd, bwd = out.chunk(2, dim=-1)
            idx = torch.arange(out.size(0))
            return torch.cat([fwd[idx, lens - 1], bwd[:, 0]], dim=-1)
    """
    assert codes(source) == []


@pytest.mark.parametrize("branch,expected", [
    ("if attention_mask is None:\n                return hidden_states.mean(dim=1)", []),  # the unpadded callers' path
    ("if attention_mask is not None:\n                return hidden_states.mean(dim=1)", ["PAD301"]),
])
def test_mean_in_the_branch_without_a_mask(branch, expected):
    # (PyPI review 29, diffusers HunyuanVideo refiner, transformers) a caller hands a padded batch
    # with its mask; the branch for callers without one pools plainly
    source = f"""
    import torch.nn as nn

    class Refiner(nn.Module):
        def forward(self, hidden_states, attention_mask=None):
            {branch}
            m = attention_mask.float().unsqueeze(-1)
            return (hidden_states * m).sum(dim=1) / m.sum(dim=1)

    class Model(nn.Module):
        def __init__(self):
            super().__init__()
            self.refiner = Refiner()

        def forward(self, encoder_hidden_states, encoder_attention_mask):
            return self.refiner(encoder_hidden_states, encoder_attention_mask)
    """
    assert codes(source) == expected


@pytest.mark.parametrize("fill,expected", [
    ("self.num_labels", []),  # DETR's "no object" class: a real class, weighted by empty_weight
    ("self.pad_id", ["PAD303"]),
])
def test_targets_started_at_the_no_object_class(fill, expected):
    source = f"""
    import torch
    import torch.nn as nn

    class Criterion(nn.Module):
        def __init__(self, num_labels, pad_id=0):
            super().__init__()
            self.num_labels = num_labels
            self.pad_id = pad_id

        def loss_labels(self, logits, target_classes_o, idx):
            batch_size, num_queries, _ = logits.shape
            target_classes = torch.full((batch_size, num_queries), fill_value={fill}, dtype=torch.int64)
            target_classes[idx] = target_classes_o
            return nn.CrossEntropyLoss()(logits.transpose(1, 2), target_classes)
    """
    assert codes(source) == expected


@pytest.mark.parametrize("elsewhere,expected", [
    ("ext = (1.0 - attention_mask[:, None, None, :].float()) * torch.finfo(torch.float32).min", []),
    ("ext = attention_mask", ["PAD402"]),
])
def test_name_only_attention_mask_in_a_file_that_makes_additive_masks(elsewhere, expected):
    # (PyPI review 29, transformers gemma4 / doge / layoutlmv2) the layers of such a file get
    # the additive mask under the same name: `attention_mask != 0` is True at the padding there
    source = f"""
    import torch

    def extend(attention_mask):
        {elsewhere}
        return ext

    def attend(scores, attention_mask=None):
        scores = scores.masked_fill(attention_mask != 0, torch.finfo(scores.dtype).min)
        return torch.softmax(scores, dim=-1)
    """
    assert codes(source) == expected


@pytest.mark.parametrize("denominator,expected", [
    ("m.sum(dim=1).clamp(min=1)", []),  # the number of real tokens
    ("logits.size(1)", ["PAD302"]),
])
def test_a_mask_helper_with_two_returns_is_a_mask(denominator, expected):
    # (PyPI review 29, transformers cohere_compass) either return is a keep-mask, so `m.sum(1)`
    # counts real tokens rather than summing over padding
    source = f"""
    import torch

    class Classifier(torch.nn.Module):
        def _non_pad_mask(self, input_ids, attention_mask, ref):
            if attention_mask is not None:
                return attention_mask.to(ref.device, torch.bool)
            return (input_ids != self.config.pad_token_id).to(ref.device, torch.bool)

        def forward(self, input_ids=None, attention_mask=None):
            logits = self.score(self.model(input_ids=input_ids, attention_mask=attention_mask).last_hidden_state)
            m = self._non_pad_mask(input_ids, attention_mask, logits).to(logits.dtype).unsqueeze(-1)
            return (logits * m).sum(dim=1) / {denominator}
    """
    assert codes(source) == expected


@pytest.mark.parametrize("fill,expected", [
    ("float(0)", []),  # zeroing features, not hiding padding from an attention (Deformable DETR)
    ("0.0", []),
    ("float('-inf')", ["PAD402"]),
])
def test_zero_fill_of_values_written_as_float_zero(fill, expected):
    source = f"""
    import torch

    def project(value, lengths):
        keep = torch.arange(value.size(1))[None] < lengths[:, None]
        return value.masked_fill(keep[..., None], {fill})
    """
    assert codes(source) == expected


@pytest.mark.parametrize("zeroing,expected", [
    ("hidden_states[~expand_padding_mask] = 0.0", []),  # HF's wav2vec2 family: `padding_mask` keeps
    ("hidden_states[~padding_mask.unsqueeze(-1).repeat(1, 1, hidden_states.shape[2])] = 0.0", []),
    ("pass", ["PAD301"]),
])
def test_pads_zeroed_by_index_with_a_mask_known_only_by_name(zeroing, expected):
    # (transformers review) a mask whose polarity only its name suggests, zeroed by boolean index,
    # zeroes the pads: nobody zeroes the real tokens before a sum divided by their count
    source = f"""
    import torch

    def pool(self, input_features, attention_mask=None):
        hidden_states = self.model(input_features, attention_mask=attention_mask).last_hidden_state
        padding_mask = self._get_feature_vector_attention_mask(hidden_states.shape[1], attention_mask)
        expand_padding_mask = padding_mask.unsqueeze(-1).repeat(1, 1, hidden_states.shape[2])
        {zeroing}
        return hidden_states.sum(dim=1) / padding_mask.sum(dim=1).view(-1, 1)
    """
    assert codes(source) == expected


VIT_WITH_A_MASK_ARGUMENT = """
    import torch
    import torch.nn as nn

    class Layer(nn.Module):
        def __init__(self):
            super().__init__()
            self.norm = nn.LayerNorm(8)

        def forward(self, hidden_states, attention_mask=None, **kwargs):
            return hidden_states + self.attention(self.norm(hidden_states), attention_mask=attention_mask)

    class Encoder(nn.Module):
        def __init__(self, n):
            super().__init__()
            self.layers = nn.ModuleList([Layer() for _ in range(n)])
            self.cls = nn.Parameter(torch.zeros(1, 1, 8))

        def forward(self, {data}, attention_mask=None):
            hidden_states = torch.cat([self.cls.expand({data}.size(0), -1, -1), self.embed({data})], dim=1)
            for layer in self.layers:
                hidden_states = layer(hidden_states, attention_mask=attention_mask)
            return hidden_states[:, 1:, :].mean(1)
"""


@pytest.mark.parametrize("data,expected", [
    ("pixel_values", []),  # the patches of an image: a fixed grid, whatever the layers' signature says
    ("input_embeds", ["PAD301"]),  # a sequence that comes with a mask
])
def test_layers_with_an_optional_mask_over_image_patches(data, expected):
    # (transformers review: BEiT, Pixio, Molmo2) the layers take HF's generic attention_mask, which
    # made their hidden_states "padded" whatever the caller handed in
    assert codes(VIT_WITH_A_MASK_ARGUMENT.format(data=data)) == expected


@pytest.mark.parametrize("name", ["n_tok", "sizes"])
def test_a_parameter_handed_to_pack_as_lengths_is_lengths(name):
    # (held-out w15) only names like `lengths` were read as lengths
    source = f"""
    import torch
    import torch.nn as nn
    from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence

    class BiEncoder(nn.Module):
        def __init__(self):
            super().__init__()
            self.emb = nn.Embedding(100, 32, padding_idx=0)
            self.rnn = nn.LSTM(32, 40, batch_first=True, bidirectional=True)

        def forward(self, ids, {name}):
            packed = pack_padded_sequence(self.emb(ids), {name}.cpu(), batch_first=True, enforce_sorted=False)
            out, _ = pad_packed_sequence(self.rnn(packed)[0], batch_first=True)
            return out[torch.arange(out.shape[0]), {name} - 1]
    """
    assert codes(source) == ["PAD203"]


@pytest.mark.parametrize("mask,expected", [
    ("hist_attention_mask.bool()", ["PAD402"]),  # HF-style keep mask under another prefix
    ("~hist_attention_mask.bool()", []),
])
def test_prefixed_attention_mask_is_a_keep_mask(mask, expected):
    source = f"""
    import torch.nn as nn

    class TargetAttention(nn.Module):
        def __init__(self, dim):
            super().__init__()
            self.mha = nn.MultiheadAttention(dim, 2, batch_first=True)

        def forward(self, cand, hist, hist_attention_mask):
            keep = {mask}
            out, _ = self.mha(cand[:, None, :], hist, hist, key_padding_mask=keep)
            return out.squeeze(1)
    """
    assert codes(source) == expected


@pytest.mark.parametrize("call,signature,expected", [
    ("F.scaled_dot_product_attention(q, k, v)", "memory_mask", ["PAD401"]),
    ("F.scaled_dot_product_attention(q, k, v, attn_mask=memory_mask[:, None, None, :])", "memory_mask", []),
    ("F.scaled_dot_product_attention(q, k, v)", "memory_mask=None", []),  # often a copied signature
])
def test_sdpa_in_a_function_that_ignores_its_padding_mask(call, signature, expected):
    # (held-out w29) SDPA over a memory whose mask the function takes and never reads
    source = f"""
    import torch.nn as nn
    import torch.nn.functional as F

    class CrossAttention(nn.Module):
        def __init__(self, dim, heads):
            super().__init__()
            self.heads = heads
            self.q = nn.Linear(dim, dim, bias=False)
            self.kv = nn.Linear(dim, 2 * dim, bias=False)

        def _split(self, t):
            b, n, d = t.shape
            return t.view(b, n, self.heads, d // self.heads).transpose(1, 2)

        def forward(self, latents, memory, {signature}):
            q = self._split(self.q(latents))
            k, v = (self._split(t) for t in self.kv(memory).chunk(2, dim=-1))
            return {call}
    """
    assert codes(source) == expected


@pytest.mark.parametrize("loss,expected", [
    ("nn.KLDivLoss()(logp, teacher)", ["PAD304"]),  # 'mean': over every element, pads included
    ("F.kl_div(logp, teacher, reduction='batchmean')", []),  # a sum over the batch: not decided here
    ("(F.kl_div(logp, teacher, reduction='none').sum(-1) * keep).sum() / keep.sum()", []),
])
def test_token_level_distillation_kl_over_padded_teacher_rows(loss, expected):
    # (held-out rt8 b09) KL divergence is an elementwise loss too
    source = f"""
    import torch
    import torch.nn as nn
    import torch.nn.functional as F
    from torch.nn.utils.rnn import pad_sequence

    def distill_loss(student, teacher_rows, seqs):
        ids = pad_sequence(seqs, batch_first=True)
        keep = (ids != 0).float()
        teacher = pad_sequence(teacher_rows, batch_first=True)
        logp = student(ids).log_softmax(-1)
        return {loss}
    """
    assert codes(source) == expected


@pytest.mark.parametrize("index,expected", [
    ("span_mask", []),  # boolean indexing keeps the selected positions only, whoever made the mask
    (":, :", ["PAD301"]),
])
def test_unreduced_loss_indexed_by_a_mask_from_a_helper(index, expected):
    # (review 30: e2-tts) the span mask comes from a helper whose result is not followed
    source = f"""
    import torch
    import torch.nn.functional as F
    from torch import nn

    def random_span_mask(lens, max_length):
        start = (lens * torch.rand(lens.shape) / 2).long()
        seq = torch.arange(max_length)[None, :]
        return torch.logical_and(seq.ge(start[:, None]), seq.lt((start + lens // 3)[:, None]))

    class Flow(nn.Module):
        def forward(self, inp, lens):
            noise = torch.randn_like(inp)
            span_mask = random_span_mask(lens, inp.shape[1])
            loss = F.mse_loss(self.net(noise), inp - noise, reduction="none")
            return loss[{index}].mean()
    """
    assert codes(source) == expected


ATTENTIVE_POOLING = """
    import torch
    import torch.nn as nn

    class AttentivePoolingModule(nn.Module):
        def __init__(self, dim):
            super().__init__()
            self.W = nn.Linear(dim, 1)
            self.softmax = nn.functional.softmax

        def forward(self, batch_rep, att_mask):
            att_logits = self.W(batch_rep).squeeze(-1)
            att_logits = {combine}
            att_w = self.softmax(att_logits, dim=-1).unsqueeze(-1)
            return torch.sum(batch_rep * att_w, dim=1)

    class AttentivePooling(nn.Module):
        def __init__(self, dim):
            super().__init__()
            self.sap_layer = AttentivePoolingModule(dim)

        def forward(self, feature_BxTxH, features_len):
            len_masks = torch.lt(torch.arange(features_len.max()).unsqueeze(0), features_len.unsqueeze(1))
            return self.sap_layer(feature_BxTxH, {mask})
"""


@pytest.mark.parametrize("combine,mask,expected", [
    ("att_mask + att_logits", "len_masks", ["PAD403"]),  # a boolean keep mask added: +1 / +0
    ("att_mask + att_logits", "(1.0 - len_masks.float()) * -1e5", []),  # an additive mask
    ("att_logits.masked_fill(~att_mask, float('-inf'))", "len_masks", []),
])
def test_boolean_mask_added_to_attention_logits(combine, mask, expected):
    # (review 30: s3prl's AttentivePooling) the mask from torch.lt(arange, features_len.unsqueeze(1))
    assert codes(ATTENTIVE_POOLING.format(combine=combine, mask=mask)) == expected


@pytest.mark.parametrize("call,expected", [
    ("self.pooling(out)", ["PAD401"]),  # forward takes att_mask, never reads it, pools without it
    ("self.pooling(out, att_mask)", []),
])
def test_attention_pooling_called_without_the_mask_the_caller_ignores(call, expected):
    # (review 30: s3prl's emotion heads)
    source = f"""
    import torch
    import torch.nn as nn

    class SelfAttentionPooling(nn.Module):
        def __init__(self, dim):
            super().__init__()
            self.W = nn.Linear(dim, 1)

        def forward(self, batch_rep, att_mask=None):
            att_logits = self.W(batch_rep).squeeze(-1)
            if att_mask is not None:
                att_logits = att_mask + att_logits
            att_w = torch.softmax(att_logits, dim=-1).unsqueeze(-1)
            return torch.sum(batch_rep * att_w, dim=1)

    class DeepNet(nn.Module):
        def __init__(self, dim, n_cls):
            super().__init__()
            self.conv = nn.Conv1d(dim, 80, 9)
            self.pooling = SelfAttentionPooling(80)
            self.out_layer = nn.Linear(80, n_cls)

        def forward(self, features, att_mask):
            out = self.conv(features.transpose(1, 2)).transpose(1, 2)
            return self.out_layer({call})
    """
    assert codes(source) == expected


def test_loss_indexed_by_a_mask_grown_with_f_pad():
    # (review 30: e2-tts) the span mask is grown to the padded length with F.pad: still a mask
    source = """
    import torch
    import torch.nn.functional as F

    def flow_loss(self, inp, lens, make_span):
        rand_span_mask = F.pad(make_span(lens), (0, inp.shape[1] - lens.amax()), value=False)
        loss = F.mse_loss(self.net(inp), inp, reduction="none")
        return loss[rand_span_mask].mean()
    """
    assert codes(source) == []


@pytest.mark.parametrize("doc,axis,expected", [
    ("input: spectrogram for C channels, shape (B, C, F, N)", 1, []),  # NeMo: axis 1 is the channels
    ("input: frames of C channels, shape (batch, time, channels)", 1, ["PAD301"]),
    ("input: features, shape (B, T, D)", 1, ["PAD301"]),
    ("input: frames", 1, ["PAD301"]),
])
def test_docstring_shape_names_the_reduced_axis(doc, axis, expected):
    # (transformers/nemo review) a multichannel spectrogram averaged over its channels
    source = f'''
    import torch

    def features(input, input_length):
        """Magnitude features.

        Args:
            {doc}
            input_length: valid frames per example, shape (B,)
        """
        return torch.mean(torch.abs(input) ** 2, axis={axis}, keepdim=True)
    '''
    assert codes(source) == expected


@pytest.mark.parametrize("pad_source,fixed", [
    ("def collate_fn(seqs, pad_id=0):\n        return pad_sequence(seqs, batch_first=True, padding_value=pad_id)",
     None),  # `pad_id` lives in collate_fn only: `ignore_index=pad_id` in __init__ is a NameError
    ("PAD_ID = 0\n\n    def collate_fn(seqs):\n        return pad_sequence(seqs, batch_first=True, padding_value=PAD_ID)",
     "nn.CrossEntropyLoss(ignore_index=PAD_ID)"),
])
def test_ignore_index_fix_uses_only_names_visible_where_the_loss_is_made(pad_source, fixed):
    # (held-out x: the unsafe fix wrote a name from another function's scope)
    source = textwrap.dedent(f"""
    import torch.nn as nn
    from torch.nn.utils.rnn import pad_sequence

    {pad_source}

    class Trainer:
        def __init__(self, vocab):
            self.model = nn.Embedding(vocab, vocab)
            self.criterion = nn.CrossEntropyLoss()

        def train_step(self, seqs):
            tgt = collate_fn(seqs)
            logits = self.model(tgt)
            return self.criterion(logits.reshape(-1, logits.size(-1)), tgt.reshape(-1))
    """)
    report = check_text(source, "snippet.py", DEFAULT, fix="unsafe")
    if fixed is None:
        assert report.fixed_text is None
        assert [f.code for f in report.findings] == ["PAD303"]
    else:
        assert fixed in report.fixed_text
        compile(report.fixed_text, "fixed.py", "exec")


@pytest.mark.parametrize("loop,expected", [
    ("for i in range(seq_len):\n            mask[i, : (i // n_hw + 1) * n_hw] = 0", []),  # positions: block-causal
    ("for i in range(lengths.size(0)):\n            mask[i, lengths[i]:] = 0", ["PAD501"]),
])
def test_mask_loop_over_positions_is_not_a_loop_over_samples(loop, expected):
    # (diffusers review: HunyuanVideo's block-causal mask)
    source = f"""
    import torch

    def prepare_mask(n_frame, n_hw, lengths, dtype):
        seq_len = n_frame * n_hw
        mask = torch.full((seq_len, seq_len), float("-inf"), dtype=dtype)
        {loop}
        return mask
    """
    assert codes(source) == expected


@pytest.mark.parametrize("flag,expected", [
    ("False", []),  # hard-coded off: the branch never runs
    ("seq_aux", ["PAD301"]),  # set from the constructor's argument
])
def test_branch_under_a_flag_the_class_hard_codes_off(flag, expected):
    # (diffusers review: HiDream's `self.seq_aux = False`)
    source = f"""
    import torch.nn as nn

    class Gate(nn.Module):
        def __init__(self, seq_aux=True):
            super().__init__()
            self.seq_aux = {flag}

        def forward(self, hidden_states, hidden_states_masks):
            bsz, seq_len, h = hidden_states.shape
            scores = self.proj(hidden_states.view(-1, h)).softmax(dim=-1)
            if self.seq_aux:
                return scores.view(bsz, seq_len, -1).mean(dim=1)
            return scores
    """
    assert codes(source) == expected


@pytest.mark.parametrize("body,expected", [
    # ChatGLM: its masks are True where attention is *not* allowed, and it turns them round itself
    ("attention_mask = ~attention_mask\n        return F.scaled_dot_product_attention(q, k, v, attention_mask)", []),
    ("if attention_mask is None:\n            attention_mask = ~torch.ones(q.shape[0], k.shape[-2], dtype=torch.bool)"
     "\n        return q.masked_fill(attention_mask, float('-inf')).softmax(-1)", []),
    ("return q.masked_fill(attention_mask, float('-inf')).softmax(-1)", ["PAD402"]),
])
def test_a_mask_the_function_inverts_itself_is_not_read_by_its_name(body, expected):
    source = f"""
    import torch
    import torch.nn.functional as F

    def core_attention(q, k, v, attention_mask):
        {body}
    """
    assert codes(source) == expected


@pytest.mark.parametrize("comment,expected", [
    ("# (batch_size, num_latents, d_latents) -> (batch_size, d_latents)", []),  # Perceiver's latents
    ("# (batch_size, seq_len, d_model) -> (batch_size, d_model)", ["PAD301"]),
    ("# pool", ["PAD301"]),
])
def test_shape_comment_names_the_reduced_axis(comment, expected):
    source = f"""
    import torch
    import torch.nn as nn

    class Decoder(nn.Module):
        def forward(self, query, z, query_mask=None):
            {comment}
            z = torch.mean(z, dim=1)
            return self.classifier(z)
    """
    assert codes(source) == expected


@pytest.mark.parametrize("scores,expected", [
    ("per_token.sum(dim=-1).view(b, -1)", []),  # one score per (batch, group) member: no time axis
    ("token_logits", ["PAD301"]),  # per-token logits over padded steps
])
def test_group_scores_from_masked_sums_under_an_unreduced_cross_entropy(scores, expected):
    # (review 31: PaLM-rlhf's TPO loss) `b` is the batch size, not data; `target_q` is padded only
    # by a guess from the mask beside it
    source = f"""
    import torch.nn.functional as F

    def tpo_loss(per_token, token_logits, action_masks, target_q, b):
        per_token = per_token.masked_fill(~action_masks, 0.)
        log_scores = {scores}
        policy_loss = F.cross_entropy(log_scores, target_q, reduction='none')
        return policy_loss.mean()
    """
    assert codes(source) == expected


def test_ctc_advice_names_the_lengths_after_subsampling():
    """PAD305 names the lengths bound last (the ones after the stride-2 conv), not the input's."""
    source = """
        import torch
        import torch.nn as nn
        import torch.nn.functional as F

        class CTCModel(nn.Module):
            def __init__(self):
                super().__init__()
                self.conv = nn.Conv1d(80, 32, kernel_size=3, stride=2, padding=1)
                self.fc = nn.Linear(32, 29)

            def compute_loss(self, feats, feat_lens, targets, target_lens):
                x = self.conv(feats.transpose(1, 2)).transpose(1, 2)
                out_lens = (feat_lens - 1) // 2 + 1
                log_probs = self.fc(x).log_softmax(-1).transpose(0, 1)
                input_lengths = torch.full((log_probs.size(1),), log_probs.size(0), dtype=torch.long)
                return F.ctc_loss(log_probs, targets, input_lengths, target_lens)
        """
    report = check_text(textwrap.dedent(source), "snippet.py", DEFAULT)
    (finding,) = report.findings
    assert finding.code == "PAD305" and "`out_lens` holds the real lengths" in finding.message, finding.message


@pytest.mark.parametrize("mask,expected", [
    ("clicks.ne(PAD_ITEM)", ["PAD402"]),  # (set ab13) True at the real items
    ("clicks != PAD_ITEM", ["PAD402"]),
    ("clicks.eq(PAD_ITEM)", []),
])
def test_ids_compared_with_a_pad_constant_as_key_padding_mask(mask, expected):
    source = f"""
    import torch
    from torch import nn

    PAD_ITEM = 0

    class Session(nn.Module):
        def __init__(self):
            super().__init__()
            self.items = nn.Embedding(100, 16, padding_idx=PAD_ITEM)
            self.encoder = nn.TransformerEncoder(nn.TransformerEncoderLayer(16, 2, batch_first=True), 1)

        def forward(self, clicks):
            keep = {mask}
            return self.encoder(self.items(clicks), src_key_padding_mask=keep)[:, -1]
    """
    assert codes(source) == expected


@pytest.mark.parametrize("start,expected", [("IMPOSSIBLE = -1e4", []), ("IMPOSSIBLE = PAD_IDX = 0", ["PAD301"])])
def test_crf_forward_variables_started_at_a_named_very_negative_constant(start, expected):
    # (review 41, bi-lstm-crf) a (batch, tags) table of log-scores started at a named very
    # negative number is not a canvas padded with it (a pad id is)
    assert codes(f"""
        import torch

        {start}


        def partition(features, masks, transitions):
            B, L, C = features.shape
            scores = torch.full((B, C), {start.split()[-3]})
            for t in range(L):
                score_t = torch.logsumexp(scores.unsqueeze(1) + transitions + features[:, t].unsqueeze(2), -1)
                mask_t = masks[:, t].unsqueeze(1)
                scores = score_t * mask_t + scores * (1 - mask_t)
            return scores.mean()
        """) == expected


@pytest.mark.parametrize("call,expected", [("self.encoder(h, src_key_padding_mask=attention_mask == 0)", []),
                                           ("self.encoder(h)", ["PAD401"])])
def test_ids_guessed_padded_beside_an_optional_mask_keep_the_guess_through_an_embeddings_module(call, expected):
    # (set aj, r13e) the embeddings module is called without the mask, so it does not guess its
    # ids padded; what it returns to the function that has the mask carries that function's guess
    assert codes(f"""
        import torch
        from torch import nn


        class Embeddings(nn.Module):
            def __init__(self, d=32):
                super().__init__()
                self.word_embeddings = nn.Embedding(100, d, padding_idx=0)

            def forward(self, input_ids):
                return self.word_embeddings(input_ids)


        class Encoder(nn.Module):
            def __init__(self, d=32):
                super().__init__()
                self.embeddings = Embeddings(d)
                self.encoder = nn.TransformerEncoder(nn.TransformerEncoderLayer(d, 4, batch_first=True), 2)

            def forward(self, input_ids, attention_mask=None):
                if attention_mask is None:
                    attention_mask = torch.ones_like(input_ids)
                h = self.embeddings(input_ids)
                return {call}
        """) == expected


@pytest.mark.parametrize("shape", ["[n_batch, n_nodes, n_heads, d]", "(n_batch, 1, d)", "[n_batch, 1, d]"])
def test_view_with_the_shape_in_one_list_is_read(shape):
    # (review 42, pytorchts / sequence-models) `.view([a, b, c])` of an embedding raised an
    # IndexError inside the analysis (the shape read as three arguments)
    assert codes(f"""
        import torch.nn as nn


        class C(nn.Module):
            def __init__(self):
                super().__init__()
                self.emb = nn.Embedding(10, 8)

            def forward(self, tokens, n_batch, n_nodes, n_heads, d, mask=None):
                return self.emb(tokens).view({shape})
        """) == []


HF_ENCODER_THREE_CALLS_UP = """
        import torch
        from torch import nn


        class Embeddings(nn.Module):
            def __init__(self, d=32):
                super().__init__()
                self.word_embeddings = nn.Embedding(100, d, padding_idx=0)
                self.norm = nn.LayerNorm(d)

            def forward(self, input_ids):
                return self.norm(self.word_embeddings(input_ids))


        class Encoder(nn.Module):
            def __init__(self, d=32):
                super().__init__()
                self.embeddings = Embeddings(d)
                self.encoder = nn.TransformerEncoder(nn.TransformerEncoderLayer(d, 4, batch_first=True), 2)

            def forward(self, input_ids, attention_mask=None):
                if attention_mask is None:
                    attention_mask = torch.ones_like(input_ids)
                hidden_states = self.embeddings(input_ids)
                return self.encoder(hidden_states{mask})


        class Classifier(nn.Module):
            def __init__(self, d=32):
                super().__init__()
                self.bert = Encoder(d)
                self.out = nn.Linear(d, 2)

            def forward(self, input_ids, attention_mask=None):
                hidden = self.bert(input_ids, attention_mask=attention_mask)
                w = attention_mask.unsqueeze(-1).float()
                return self.out((hidden * w).sum(1) / w.sum(1))


        def encode(token_lists):
            T = max(len(t) for t in token_lists)
            input_ids = torch.zeros(len(token_lists), T, dtype=torch.long)
            attention_mask = torch.zeros(len(token_lists), T, dtype=torch.long)
            for i, toks in enumerate(token_lists):
                input_ids[i, :len(toks)] = torch.tensor(toks)
                attention_mask[i, :len(toks)] = 1
            return input_ids, attention_mask


        ids, mask = encode([[5, 6, 7], [8, 9]])
        logits = Classifier()(ids, attention_mask=mask)
        """


@pytest.mark.parametrize("mask,expected", [(", src_key_padding_mask=attention_mask == 0", []), ("", ["PAD401"])])
def test_optional_mask_encoder_behind_an_embeddings_module(mask, expected):
    # (set aj, aj13) an HF-style encoder with an optional attention_mask: the ids pass through a
    # same-file embeddings module (whose forward takes no mask) into an unmasked encoder; the
    # padded batch is made three calls up
    source = HF_ENCODER_THREE_CALLS_UP.format(mask=mask)
    assert codes(source) == expected
    assert codes(source, WHOLE_FILE) == expected


@pytest.mark.parametrize("weights,expected", [("tok_mask[:, 1:]", []), ("tok_mask[:, :-1]", ["PAD306"])])
def test_next_token_loss_written_as_a_negated_gather(weights, expected):
    # (set am, am09) the negative log-likelihood written with a minus before the gather
    assert codes(f"""
        import torch.nn.functional as F


        def forward_lm_loss(model, ids, tok_mask):
            inputs, targets = ids[:, :-1], ids[:, 1:]
            log_probs = F.log_softmax(model(inputs), dim=-1)
            token_nll = -log_probs.gather(2, targets.unsqueeze(2)).squeeze(2)
            weights = {weights}.type_as(token_nll)
            return (token_nll * weights).sum() / weights.sum()
        """) == expected


@pytest.mark.parametrize("denominator,expected", [("tgt_mask.sum()", []), ("(seq_len * batch_size)", ["PAD302"])])
def test_masked_total_in_a_variable_divided_by_every_position(denominator, expected):
    # (set am, am26) the masked sum is stored first, then divided by T * B
    assert codes(f"""
        import torch.nn.functional as F


        def sequence_nll(logits, targets, tgt_mask):
            seq_len, batch_size = targets.size()
            log_probs = F.log_softmax(logits, dim=2)
            nll = -log_probs.gather(2, targets.unsqueeze(2)).squeeze(2)
            total = (nll * tgt_mask.type_as(nll)).sum()
            return total / {denominator}
        """) == expected


@pytest.mark.parametrize("energy,expected", [
    ('energy.squeeze(2).masked_fill(src_mask == 0, float("-inf"))', []),
    ("energy.squeeze(2) * src_mask", ["PAD403"]),
])
def test_time_major_bahdanau_energy_squeezed_and_masked_in_one_expression(energy, expected):
    # (set am, am13) the squeeze and the product on one line
    assert codes(f"""
        import torch
        import torch.nn as nn
        import torch.nn.functional as F


        class BahdanauAttention(nn.Module):
            def __init__(self, enc_dim, dec_dim, attn_dim):
                super(BahdanauAttention, self).__init__()
                self.W_h = nn.Linear(enc_dim, attn_dim, bias=False)
                self.W_s = nn.Linear(dec_dim, attn_dim)
                self.v = nn.Linear(attn_dim, 1, bias=False)

            def forward(self, dec_state, encoder_outputs, src_mask):
                energy = self.v(torch.tanh(self.W_h(encoder_outputs) + self.W_s(dec_state).unsqueeze(0)))
                energy = {energy}
                alpha = F.softmax(energy, dim=0)
                return (alpha.unsqueeze(2) * encoder_outputs).sum(0), alpha
        """) == expected


@pytest.mark.parametrize("scores,expected", [
    ("torch.matmul(u, self.context).masked_fill(words == 0, float('-inf'))", []),
    ("torch.matmul(u, self.context)", ["PAD401"]),
])
def test_time_major_attention_pooling_with_a_context_vector(scores, expected):
    # (set am, am21) HAN-style word attention over pad_packed_sequence output, time-major
    assert codes(f"""
        import torch
        import torch.nn as nn
        import torch.nn.functional as F
        from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence


        class WordAttnEncoder(nn.Module):
            def __init__(self, vocab_size, emb_dim, hidden):
                super(WordAttnEncoder, self).__init__()
                self.embed = nn.Embedding(vocab_size, emb_dim, padding_idx=0)
                self.gru = nn.GRU(emb_dim, hidden, bidirectional=True)
                self.att_proj = nn.Linear(2 * hidden, 2 * hidden)
                self.context = nn.Parameter(torch.randn(2 * hidden) * 0.05)

            def forward(self, words, word_counts):
                packed = pack_padded_sequence(self.embed(words), word_counts, enforce_sorted=False)
                out, _ = self.gru(packed)
                out, _ = pad_packed_sequence(out, total_length=words.size(0))
                u = torch.tanh(self.att_proj(out))
                scores = {scores}
                alpha = F.softmax(scores, dim=0)
                return (alpha.unsqueeze(2) * out).sum(0), alpha
        """) == expected


@pytest.mark.parametrize("keep,expected", [
    ("labels != ignore_index", ["PAD302"]),
    ("labels != -100", ["PAD302"]),
    ("labels.ne(ignore_index)", ["PAD302"]),
])
def test_targets_compared_with_ignore_index_are_a_keep_mask(keep, expected):
    # (review 43, ai2-olmo) the z-loss averaged over every position with the targets' mask
    source = f"""
        import torch.nn.functional as F


        def cross_entropy_loss(logits, labels, ignore_index=-100):
            loss = F.cross_entropy(logits, labels, ignore_index=ignore_index)
            z_squared = logits.logsumexp(-1).pow(2)
            mask = {keep}
            return loss, (z_squared * mask).{{reduce}}
        """
    assert codes(source.format(reduce="sum() / mask.sum()")) == []
    assert codes(source.format(reduce="mean()")) == expected


@pytest.mark.parametrize("canvas", [
    "torch.full((len(seqs), T), 0, dtype=torch.long)",
    "torch.zeros((len(seqs), T), dtype=torch.long)",
])
@pytest.mark.parametrize("positions,expected", [
    ("(attention_mask.cumsum(-1) - 1).clamp(min=0)", []),
    ("torch.arange(T).unsqueeze(0).expand(B, T)", ["PAD405"]),
])
def test_left_padded_canvas_with_a_literal_or_zeros_fill(canvas, positions, expected):
    # (set am, am29) Keras-style pre-padding into a canvas of zeros (not a pad-named fill)
    assert codes(f"""
        import torch
        from torch import nn


        def left_pad(seqs):
            T = max(map(len, seqs))
            input_ids = {canvas}
            attention_mask = torch.zeros(len(seqs), T, dtype=torch.long)
            for i, s in enumerate(seqs):
                input_ids[i, T - len(s):] = torch.tensor(s)
                attention_mask[i, T - len(s):] = 1
            return input_ids, attention_mask


        class RewardModel(nn.Module):
            def __init__(self, vocab_size=100, dim=32, max_positions=64):
                super().__init__()
                self.wte = nn.Embedding(vocab_size, dim)
                self.wpe = nn.Embedding(max_positions, dim)
                self.score = nn.Linear(dim, 1)

            def forward(self, input_ids, attention_mask):
                B, T = input_ids.shape
                position_ids = {positions}
                h = self.wte(input_ids) + self.wpe(position_ids)
                return self.score(h[:, -1]).squeeze(-1)


        def rewards(model, seqs):
            return model(*left_pad(seqs))
        """) == expected
