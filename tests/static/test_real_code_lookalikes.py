"""Correct code from released packages that once drew findings (espnet, torchaudio,
pytorch-crf, transformers, trl, fastNLP), cut down; each next to the buggy variant the rule
must still report."""

from __future__ import annotations

import textwrap

import pytest

from padlint.static.engine import Settings, check_text
from padlint.static.registry import resolve_selection

DEFAULT = Settings(frozenset(resolve_selection(None)))


def codes(source: str) -> list[str]:
    report = check_text(textwrap.dedent(source), "snippet.py", DEFAULT)
    assert not report.errors, report.errors
    return sorted(f.code for f in report.findings)


# (name, correct code, the same code with the bug, the code the bug must draw)
CASES = [
    ("decoding-length-bounds", """
        def bounds(x, maxlenratio: float, minlenratio: float):
            maxlen = max(1, int(maxlenratio * x.size(0)))
            minlen = int(minlenratio * x.size(0))
            return minlen, maxlen
        """, """
        def frames(x, wav_lens):
            return (wav_lens * x.size(1)).long()
        """, "PAD107"),
    ("in-place-masked-fill-before-sum", """
        import torch
        import torch.nn.functional as F

        def loss(y, t, lengths):
            out = F.cross_entropy(y.view(-1, y.size(-1)), t.view(-1), reduction="none")
            pad = torch.arange(t.size(1))[None, :] >= lengths[:, None]
            out.masked_fill_(pad.view(-1), 0.0)
            return out.sum() / lengths.sum()
        """, """
        import torch
        import torch.nn.functional as F

        def loss(y, t, lengths):
            out = F.cross_entropy(y.view(-1, y.size(-1)), t.view(-1), reduction="none")
            return out.sum() / lengths.sum()
        """, "PAD301"),
    ("attention-weighted-context", """
        import torch
        import torch.nn.functional as F

        def context(enc_hs_pad, enc_hs_len, e, att_prev, make_pad_mask):
            e = e.masked_fill(make_pad_mask(enc_hs_len), -float("inf"))
            w = F.softmax(e, dim=1)
            w = F.normalize(torch.clamp(w * att_prev, 1e-6), p=1, dim=1)
            return torch.sum(enc_hs_pad * w.unsqueeze(-1), dim=1)
        """, """
        import torch
        from torch.nn.utils.rnn import pad_sequence

        def context(seqs):
            enc_hs_pad = pad_sequence(seqs, batch_first=True)
            return torch.mean(enc_hs_pad, dim=1)
        """, "PAD301"),
    ("fill-after-softmax-in-one-branch", """
        import torch

        def pool(x, mask):
            score = x.mean(-1, keepdim=True).transpose(1, 2)
            if mask is not None:
                score = score.masked_fill(mask.eq(0), -1e30)
                score = torch.softmax(score, dim=-1).masked_fill(mask.eq(0), 0.0)
            else:
                score = torch.softmax(score, dim=-1)
            return torch.matmul(score, x).squeeze(1)
        """, """
        import torch

        def pool(x, mask):
            score = x.mean(-1, keepdim=True).transpose(1, 2)
            if mask is not None:
                score = score.masked_fill(mask.eq(0), 0.0)
            score = torch.softmax(score, dim=-1)
            return torch.matmul(score, x).squeeze(1)
        """, "PAD403"),
    ("masked-mean-per-sequence-then-batch-mean", """
        def policy_loss(per_token_loss, completion_mask):
            loss = (per_token_loss * completion_mask).sum(-1) / completion_mask.sum(-1).clamp(min=1.0)
            return loss.mean()
        """, """
        def policy_loss(per_token_loss, completion_mask):
            loss = per_token_loss * completion_mask
            return loss.mean()
        """, "PAD302"),
    ("re-masked-softmax", """
        import torch
        import torch.nn.functional as F

        def masked_attn(q, k, mask):
            scores = torch.bmm(q, k.transpose(1, 2))
            mask = mask.unsqueeze(1).float()
            result = F.softmax(scores * mask, dim=-1)
            result = result * mask
            return result / (result.sum(dim=-1, keepdim=True) + 1e-13)
        """, """
        import torch
        import torch.nn.functional as F

        def masked_attn(q, k, mask):
            scores = torch.bmm(q, k.transpose(1, 2))
            mask = mask.unsqueeze(1).float()
            return F.softmax(scores * mask, dim=-1)
        """, "PAD403"),
    ("lengths-given-or-packed", """
        from torch import nn
        from torch.nn.utils import rnn

        class Enc(nn.Module):
            def __init__(self):
                super().__init__()
                self.lstm = nn.LSTM(8, 8, batch_first=True)

            def forward(self, x, seq_len=None):
                if seq_len is not None and not isinstance(x, rnn.PackedSequence):
                    x = rnn.pack_padded_sequence(x, seq_len.cpu(), batch_first=True, enforce_sorted=False)
                    output, hx = self.lstm(x)
                else:
                    output, hx = self.lstm(x)
                return output, hx
        """, """
        from torch import nn

        class Enc(nn.Module):
            def __init__(self):
                super().__init__()
                self.lstm = nn.LSTM(8, 8, batch_first=True)

            def forward(self, x, seq_len):
                output, hx = self.lstm(x)
                return output, hx
        """, "PAD201"),
    ("equal-lengths-are-sorted", """
        import torch
        from torch.nn.utils.rnn import PackedSequence, pack_padded_sequence

        def to_packed(x):
            if isinstance(x, PackedSequence):
                return x
            seq_lens = torch.LongTensor([x.size(1) for _ in range(x.size(0))])
            return pack_padded_sequence(x, seq_lens, batch_first=True)  # noqa: PAD101
        """, """
        import torch
        from torch.nn.utils.rnn import pack_padded_sequence, pad_sequence

        def to_packed(seqs):
            x = pad_sequence(seqs, batch_first=True)
            seq_lens = torch.tensor([len(s) for s in seqs])
            return pack_padded_sequence(x, seq_lens, batch_first=True)
        """, "PAD103"),
    ("one-dimensional-target-mask", """
        import torch

        def drop_targets(targets, target_lens, keep):
            target_mask = torch.ones(targets.size(0), dtype=torch.bool)
            s = 0
            for ind, le in enumerate(target_lens):
                if not keep[ind]:
                    target_mask[s : s + le] = 0
                s += le
            return targets[target_mask]
        """, """
        import torch

        def make_mask(target_lens, T):
            mask = torch.zeros(len(target_lens), T)
            for i, le in enumerate(target_lens):
                mask[i, :le] = 1
            return mask
        """, "PAD501"),
    ("one-step-decoding-loop", """
        import torch
        from torch import nn

        class AR(nn.Module):
            def __init__(self):
                super().__init__()
                self.rnn = nn.GRU(8, 8, batch_first=True)

            def infer(self, feats, lengths):
                h = torch.zeros(1, feats.size(0), 8)
                out = []
                for i in range(feats.size(1)):
                    _, h = self.rnn(feats[:, i].unsqueeze(1), h)
                    out.append(h[0])
                return torch.stack(out, 1), lengths
        """, """
        import torch
        from torch import nn

        class AR(nn.Module):
            def __init__(self):
                super().__init__()
                self.rnn = nn.GRU(8, 8, batch_first=True)

            def infer(self, feats, lengths):
                _, h = self.rnn(feats)
                return h[0], lengths
        """, "PAD201"),
    ("crf-forward-algorithm", """
        import torch

        def log_partition(emissions, mask, transitions):
            score = emissions[0]
            for i in range(1, emissions.size(0)):
                nxt = score.unsqueeze(2) + transitions + emissions[i].unsqueeze(1)
                nxt = torch.logsumexp(nxt, dim=1)
                score = torch.where(mask[i].unsqueeze(1), nxt, score)
            return torch.logsumexp(score, dim=1)
        """, """
        import torch
        from torch.nn.utils.rnn import pad_sequence

        def pooled(seqs):
            x = pad_sequence(seqs, batch_first=True, padding_value=-1e4)
            return torch.logsumexp(x, dim=1)
        """, "PAD301"),
]


@pytest.mark.parametrize("name,good,bad,code", CASES, ids=[c[0] for c in CASES])
def test_correct_code_is_silent_and_its_buggy_twin_is_not(name, good, bad, code):
    assert codes(good) == []
    assert code in codes(bad)


def test_messages_quote_multi_line_code_on_one_line():
    source = textwrap.dedent("""
        from torch.nn.utils.rnn import pad_sequence

        def block_context(seqs, hop, size):
            xs_pad = pad_sequence(seqs, batch_first=True)
            return xs_pad.narrow(
                1, hop, size
            ).mean(1)
        """)
    report = check_text(source, "snippet.py", DEFAULT)
    assert [f.code for f in report.findings] == ["PAD301"]
    assert "\n" not in report.findings[0].message
    assert "xs_pad.narrow(1, hop, size).mean(1)" in report.findings[0].message


def test_a_position_named_after_the_pad_token_is_not_a_pad_id():
    """transformers' GPT2ForSequenceClassification: `last_non_pad_token` is where the last
    real token is, and the loss is one label per sequence."""
    good = """
        import torch
        from torch.nn import CrossEntropyLoss

        def classify(logits, labels, num_labels):
            last_non_pad_token = -1
            pooled = logits[torch.arange(logits.size(0)), last_non_pad_token]
            loss_fct = CrossEntropyLoss()
            return loss_fct(pooled.view(-1, num_labels), labels.view(-1))
        """
    bad = """
        from torch import nn
        from torch.nn.utils.rnn import pad_sequence

        def train_step(model, batch, src_pad_idx):
            src = pad_sequence([b[0] for b in batch], batch_first=True, padding_value=src_pad_idx)
            tgt = pad_sequence([b[1] for b in batch], batch_first=True, padding_value=src_pad_idx)
            logits = model(src)
            return nn.CrossEntropyLoss()(logits.view(-1, logits.size(-1)), tgt.view(-1))
        """
    assert codes(good) == []
    assert codes(bad) == ["PAD303"]


# PyPI review 32: correct code that drew findings, cut down (each once reported, now silent)
REVIEW32_LOOKALIKES = [
    ("targets-built-from-codes-beside-a-pad-id", """
        import torch
        import torch.nn as nn
        import torch.nn.functional as F

        class Generator(nn.Module):
            pad_token_id = 0

            def __init__(self, t5, code_ids):
                super().__init__()
                self.t5 = t5
                self.register_buffer("code_ids", code_ids)

            def forward(self, enc_tokens, enc_mask, sids):
                codes = self.code_ids[torch.arange(sids.size(-1)), sids]
                eos = codes.new_full((codes.size(0), 1), 1)
                labels = torch.cat((codes, eos), dim=1)
                start = labels.new_full((labels.size(0), 1), self.pad_token_id)
                logits = self.t5(enc_tokens, enc_mask, torch.cat((start, labels[:, :-1]), dim=1))
                return F.cross_entropy(logits.reshape(-1, logits.size(-1)), labels.reshape(-1))
        """),
    ("stft-framing-pad-utility-with-modes", """
        import torch
        import torch.nn.functional as F

        def pad1d(x, paddings, mode="constant", value=0.0):
            left, right = paddings
            if mode == "reflect":
                max_pad = max(left, right)
                if x.shape[-1] <= max_pad:
                    extra_pad = max_pad - x.shape[-1] + 1
                    extra_pad_right = min(right, extra_pad)
                    extra_pad_left = extra_pad - extra_pad_right
                    paddings = (left - extra_pad_left, right - extra_pad_right)
                    x = F.pad(x, (extra_pad_left, extra_pad_right))
            return F.pad(x, paddings, mode, value)

        class Separator:
            hop = 1024

            def spec(self, x):
                frames = -(-x.shape[-1] // self.hop)
                x = pad1d(x, (self.hop, self.hop + frames * self.hop - x.shape[-1]), mode="reflect")
                z = torch.stft(x.reshape(-1, x.shape[-1]), 4 * self.hop, self.hop, return_complex=True)
                return z[..., 2:2 + frames]

            def forward(self, mix):
                x = self.spec(mix).abs()
                return (x - x.mean(dim=(1, 2, 3), keepdim=True)) / x.std(dim=(1, 2, 3), keepdim=True)
        """),
    ("forecast-branch-without-the-optional-mask", """
        import torch
        import torch.nn as nn

        class Backbone(nn.Module):
            def __init__(self, task):
                super().__init__()
                self.task = task
                self.proj = nn.Linear(4, 4)

            def impute(self, x, mask):
                return self.proj(x - (x * mask).sum(1, keepdim=True) / mask.sum(1, keepdim=True))

            def forecast(self, x):
                means = x.mean(1, keepdim=True).detach()
                return self.proj(x - means) + means

            def forward(self, x, mask=None):
                if self.task == "forecast":
                    return self.forecast(x)
                return self.impute(x, mask)
        """),
    ("per-sample-classifier-loss-averaged-over-the-batch", """
        import torch

        class Trainer:
            def __init__(self, regression):
                if regression:
                    self.loss_fct = torch.nn.MSELoss(reduction="none")
                else:
                    self.loss_fct = torch.nn.CrossEntropyLoss(reduction="none")

            def step(self, model, tokenizer, texts, targets, weights):
                enc = tokenizer(texts, padding=True, return_tensors="pt")
                logits = model(**enc)[0]
                loss = self.loss_fct(logits, targets) * weights
                return torch.mean(loss)
        """),
    ("bool-mask-from-kwargs-true-where-blocked", """
        import torch
        import torch.nn as nn

        class Attention(nn.Module):
            def attend(self, q, k, v, **kwargs):
                scores = torch.matmul(q, k.transpose(-2, -1))
                attention_mask = kwargs.get("attention_mask", None)
                if attention_mask is not None:
                    scores = scores.masked_fill(attention_mask, torch.finfo(scores.dtype).min)
                return torch.matmul(scores.softmax(-1), v)
        """),
    ("optional-mask-made-boolean-by-the-caller", """
        import torch.nn as nn

        class Block(nn.Module):
            def __init__(self, d):
                super().__init__()
                self.mha = nn.MultiheadAttention(d, 4)

            def forward(self, hidden_states, attention_mask=None):
                x = hidden_states.transpose(0, 1)
                out, _ = self.mha(x, x, x, key_padding_mask=attention_mask)
                return out.transpose(0, 1)
        """),
]


REVIEW32_LOOKALIKES.append(("group-scores-against-per-sample-targets-from-a-loader", """
        import torch.nn.functional as F
        from einops import rearrange

        def train(model, dataloader, b):
            for sequence, mask, target_q in dataloader:
                token_log_probs = model(sequence, mask)
                log_scores = rearrange((token_log_probs * mask).sum(dim=-1), "(b k) -> b k", b=b)
                policy_loss = F.cross_entropy(log_scores, target_q, reduction="none")
                loss = policy_loss.mean()
                loss.backward()
        """))  # (PaLM-rlhf's TPO, review 31: its targets come from a loader, not a parameter)


@pytest.mark.parametrize("name,source", REVIEW32_LOOKALIKES, ids=[c[0] for c in REVIEW32_LOOKALIKES])
def test_review32_lookalikes_are_silent(name, source):
    assert codes(source) == []


# PyPI reviews 33 and 34 (thirteenth session): correct code that looked like a padding bug
REVIEW33_LOOKALIKES = [
    ("masked-loss-selected-by-the-mask-then-averaged", """
        import torch.nn.functional as F
        from torch import nn


        class XValWrapper(nn.Module):
            def __init__(self, net, ignore_index=-100):
                super().__init__()
                self.net = net
                self.ignore_index = ignore_index

            def forward(self, x, x_num, **kwargs):
                target, x_num_target = x[:, 1:], x_num[:, 1:]
                target_mask = target != self.ignore_index
                mask = kwargs.get("mask", None)
                if mask is not None:
                    target_mask &= mask[:, 1:]
                pred = self.net(x[:, :-1], x_num[:, :-1], **kwargs)
                loss = F.mse_loss(pred, x_num_target, reduction="none")
                loss = loss * target_mask
                loss = loss[target_mask]
                return loss.mean()
        """),  # (x-transformers' xval: the boolean index keeps the real positions only)
    ("power-of-zero-padded-waveforms-summed-over-the-lengths", """
        import torch


        def compute_amplitude(waveforms, lengths=None, amp_type="avg"):
            if amp_type == "avg":
                if lengths is None:
                    out = torch.mean(torch.abs(waveforms), dim=1, keepdim=True)
                else:
                    wav_sum = torch.sum(input=torch.abs(waveforms), dim=1, keepdim=True)
                    out = wav_sum / lengths
            else:
                if lengths is None:
                    out = torch.sqrt(torch.mean(waveforms ** 2, dim=1, keepdim=True))
                else:
                    wav_sum = torch.sum(input=torch.pow(waveforms, 2), dim=1, keepdim=True)
                    out = torch.sqrt(wav_sum / lengths)
            return out
        """),  # (speechbrain: raw waveforms are padded with zeros, and 0 ** 2 is 0)
    ("smoother-over-windows-that-come-with-an-observation-mask", """
        import torch
        import torch.nn.functional as F
        from torch import nn


        class NOPScaler(nn.Module):
            def forward(self, data, observed_indicator=None):
                scale = torch.ones_like(data).mean(dim=1, keepdim=True)
                loc = torch.zeros_like(data).mean(dim=1, keepdim=True)
                return data, loc, scale


        def robust_smooth(x):
            B, T, C = x.shape
            k = torch.ones(1, 1, 5) / 5
            y = F.conv1d(F.pad(x.permute(0, 2, 1).reshape(B * C, 1, T), (2, 2), mode="reflect"), k)
            trend = y.view(B, C, T).permute(0, 2, 1)
            return trend - trend.mean(dim=1, keepdim=True) + x.mean(dim=1, keepdim=True)


        class Decomposer(nn.Module):
            def __init__(self):
                super().__init__()
                self.scaler = NOPScaler()

            def forward(self, past_values, past_observed_mask):
                scaled, loc, scale = self.scaler(past_values, past_observed_mask)
                return robust_smooth(scaled)
        """),  # (granite-tsfm TinyTimeMixer: missing values in fixed-length windows, no padding)
    ("random-share-of-positions-to-mask-for-pretraining", """
        import torch


        def hybrid_masking(tensor, mask_percentage):
            B, T, C = tensor.shape
            sampled_mask_percentages = torch.rand(B) * mask_percentage
            total_masks = (sampled_mask_percentages * T).long()
            ranks = torch.rand(B, T).argsort(dim=1).argsort(dim=1)
            mask = ranks < total_masks[:, None]
            return tensor.masked_fill(mask[..., None], 0.0), mask
        """),  # (granite-tsfm TSPulse: how many positions to hide, not a relative length)
    ("one-recording-standardised-with-its-missing-value-mask", """
        import numpy as np


        class Dataset:
            def __init__(self, df):
                self.df = df.fillna(0.0)
                self.mask = (self.df.values != 0.0).astype("uint8")[..., None]

            def compute_similarity(self, trainlen=None):
                mask = self.mask
                train = np.asarray(self.df)
                if trainlen is not None:
                    train, mask = train[:trainlen], mask[:trainlen]
                x = train * mask[..., -1]
                x = (x - x.mean()) / x.std()
                return x @ x.T
        """),  # (torch-spatiotemporal: a whole table, not a padded batch)
    ("attention-mask-beside-its-own-padding-mask", """
        import torch


        class EmformerAttention(torch.nn.Module):
            def _gen_attention_probs(self, attention_weights, attention_mask, padding_mask):
                w = attention_weights.float()
                w = w.masked_fill(attention_mask.unsqueeze(0), -1e8)
                if padding_mask is not None:
                    w = w.masked_fill(padding_mask.unsqueeze(1), -1e8)
                return torch.nn.functional.softmax(w, dim=-1)

            def forward(self, q, k, lengths, attention_mask):
                weights = torch.bmm(q, k.transpose(1, 2))
                padding_mask = torch.arange(k.size(1))[None, :] >= lengths[:, None]
                return self._gen_attention_probs(weights, attention_mask, padding_mask)
        """),  # (torchaudio Emformer: attention_mask is True where attention is not allowed)
    ("visual-prefix-of-ones-joined-to-an-additive-text-mask", """
        import math
        import torch
        from torch import nn


        def extended_mask(attention_mask):
            ext = attention_mask[:, None, None, :].to(dtype=torch.long)
            return (1.0 - ext) * -10000.0


        class SelfAttention(nn.Module):
            def forward(self, query, key, attention_mask=None, past_key_values=None):
                key = torch.cat([past_key_values[0], key], dim=2)
                scores = torch.matmul(query, key.transpose(-1, -2)) / math.sqrt(query.size(-1))
                if attention_mask is not None:
                    bsz, nheads, length, dsize = past_key_values[0].size()
                    visual_attention_mask = torch.ones((bsz, 1, 1, length)).to(attention_mask.device)
                    attention_mask = torch.cat((visual_attention_mask, attention_mask), dim=-1)
                    scores = scores + attention_mask
                return nn.Softmax(dim=-1)(scores)


        def run(layer, q, k, past, mask):
            return layer(q, k, attention_mask=extended_mask(mask), past_key_values=past)
        """),  # (deepke's IFA: the text part is already an additive -10000 mask)
    ("unmasked-branch-of-a-mask-that-is-never-none", """
        import torch
        from einops import rearrange


        def exists(val):
            return val is not None


        @torch.no_grad()
        def bert_embed(model, token_ids, eps=1e-8, pad_id=0.0):
            mask = token_ids != pad_id
            outputs = model(input_ids=token_ids, attention_mask=mask, output_hidden_states=True)
            hidden_state = outputs.hidden_states[-1]
            if not exists(mask):
                return hidden_state.mean(dim=1)
            mask = mask[:, 1:]
            mask = rearrange(mask, "b n -> b n 1")
            numer = (hidden_state[:, 1:] * mask).sum(dim=1)
            return numer / (mask.sum(dim=1) + eps)
        """),  # (retro-pytorch: `mask` is a comparison, so the `not exists(mask)` branch is dead)
    ("grid-padded-to-a-window-multiple-on-two-axes-into-a-bilstm", """
        import math
        import torch.nn.functional as F
        from torch import nn


        class GridBlock(nn.Module):
            def __init__(self, channels, hidden, ks=4, hs=1):
                super().__init__()
                self.ks, self.hs = ks, hs
                self.norm = nn.LayerNorm(channels)
                self.rnn = nn.LSTM(channels * ks, hidden, batch_first=True, bidirectional=True)

            def forward(self, x):
                B, C, old_T, old_Q = x.shape
                T = math.ceil((old_T - self.ks) / self.hs) * self.hs + self.ks
                Q = math.ceil((old_Q - self.ks) / self.hs) * self.hs + self.ks
                x = F.pad(x, (0, Q - old_Q, 0, T - old_T))
                h = x.transpose(1, 2).contiguous().view(B * T, C, Q)
                h = F.unfold(h[..., None], (self.ks, 1), stride=(self.hs, 1)).transpose(1, 2)
                h, _ = self.rnn(h)
                return h
        """),  # (espnet's TF-GridNet: every sample grown alike, not a batch padded to its longest)
    ("bidirectional-gru-over-inputs-times-a-missing-value-mask", """
        import torch
        from torch import nn


        class Discriminator(nn.Module):
            def __init__(self, n_features, hidden):
                super().__init__()
                self.rnn = nn.GRU(2 * n_features, hidden, batch_first=True, bidirectional=True)
                self.read_out = nn.Linear(2 * hidden, n_features)

            def forward(self, imputed_x, missing_mask):
                hint = (torch.rand_like(missing_mask, dtype=torch.float) < 0.9).int()
                h = hint * missing_mask + (1 - hint) * 0.5
                out, _ = self.rnn(torch.cat([imputed_x, h], dim=-1))
                return self.read_out(out)
        """),  # (pypots' USGAN: fixed-length windows with missing values, no padding)
    ("final-state-of-a-left-padded-batch", """
        import torch
        from torch import nn
        from torch.nn.utils.rnn import pad_sequence


        class Encoder(nn.Module):
            def __init__(self, vocab, dim, hidden):
                super().__init__()
                self.embed = nn.Embedding(vocab, dim, padding_idx=0)
                self.rnn = nn.LSTM(dim, hidden, batch_first=True)

            def forward(self, seqs):
                tokens = pad_sequence(seqs, batch_first=True, padding_side="left")
                _, (h_n, _) = self.rnn(self.embed(tokens))
                return h_n[-1]
        """),  # (torch >= 2.6's padding_side="left": the last step is real for every row)
    ("word-pad-constant-beside-a-named-tag-pad-of-minus-100", """
        import torch
        import torch.nn.functional as F

        PAD = 0
        TAG_PAD = -100


        def collate_time_major(batch):
            max_len = max(len(words) for words, _ in batch)
            words = [[PAD] * max_len for _ in batch]
            tags = [[TAG_PAD] * max_len for _ in batch]
            for b, (w, t) in enumerate(batch):
                words[b][: len(w)] = w
                tags[b][: len(t)] = t
            return torch.tensor(words).t(), torch.tensor(tags).t()


        def loss(model, batch):
            words, tags = collate_time_major(batch)
            emissions = model(words)
            return F.cross_entropy(emissions.view(-1, emissions.size(-1)), tags.view(-1), ignore_index=TAG_PAD)
        """),  # (set af: the targets are padded with TAG_PAD, which the loss ignores)
    ("real-atom-count-from-the-padding-mask", """
        import torch
        from torch import nn


        class UniMol(nn.Module):
            def __init__(self, n_tokens, dim, encoder, padding_idx=0):
                super().__init__()
                self.padding_idx = padding_idx
                self.embed_tokens = nn.Embedding(n_tokens, dim, padding_idx=padding_idx)
                self.encoder = encoder

            def forward(self, src_tokens, src_coord):
                padding_mask = src_tokens.eq(self.padding_idx)
                if not padding_mask.any():
                    padding_mask = None
                x = self.embed_tokens(src_tokens)
                rep, pair = self.encoder(x, padding_mask=padding_mask)
                if padding_mask is not None:
                    atom_num = torch.sum(1 - padding_mask.type_as(x), dim=1).view(-1, 1, 1, 1)
                else:
                    atom_num = src_coord.shape[1]
                delta_pos = src_coord.unsqueeze(1) - src_coord.unsqueeze(2)
                return src_coord + torch.sum(delta_pos / atom_num * pair, dim=2)
        """),  # (unimol-tools: `type_as(x)` lends x's dtype, not its padding)
    ("bidirectional-lstm-over-fixed-windows-with-an-optional-mask", """
        import torch
        from torch import nn


        class DeepPunctuation(nn.Module):
            def __init__(self, backbone, hidden=768):
                super().__init__()
                self.bert_layer = backbone
                self.lstm = nn.LSTM(input_size=hidden, hidden_size=hidden, bidirectional=True)
                self.linear = nn.Linear(2 * hidden, 4)

            def forward(self, input_ids, attention_mask=None, labels=None):
                x = self.bert_layer(input_ids, attention_mask=attention_mask)[0]
                x = torch.transpose(x, 0, 1)
                x, (_, _) = self.lstm(x)
                return self.linear(torch.transpose(x, 0, 1))
        """),  # (wtpsplit: every window is block_size tokens; the mask is only handed on)
    ("softmax-over-vocabulary-of-logits-zeroed-by-the-mask", """
        import torch


        class SparseEmbed(torch.nn.Module):
            def __init__(self, model, tokenizer):
                super().__init__()
                self.model, self.tokenizer = model, tokenizer
                self.softmax = torch.nn.Softmax(dim=2)

            def forward(self, texts, k_tokens):
                enc = self.tokenizer(texts, padding=True, return_tensors="pt")
                out = self.model(**enc)
                mask = enc["attention_mask"].unsqueeze(-1)
                logits = torch.relu(out.logits) * mask
                embeddings = out.hidden_states[-1] * mask
                acts = torch.topk(logits.amax(dim=1), k=k_tokens, dim=1).indices
                attention = logits.gather(2, acts[:, None, :].expand(-1, logits.size(1), -1))
                attention = self.softmax(attention)
                return torch.bmm(attention.transpose(1, 2), embeddings)
        """),  # (neural-cherche: the softmax runs over k vocabulary slots, the mask is constant there)
    ("vision-eager-attention-with-an-optional-mask-in-its-interface", """
        import torch
        from torch import nn


        def eager_attention_forward(
            module: nn.Module,
            query: torch.Tensor,
            key: torch.Tensor,
            value: torch.Tensor,
            attention_mask: torch.Tensor | None,
            scaling: float,
            dropout: float = 0.0,
        ):
            attn_weights = torch.matmul(query, key.transpose(-1, -2)) * scaling
            attn_weights = nn.functional.softmax(attn_weights, dim=-1, dtype=torch.float32).to(query.dtype)
            attn_weights = nn.functional.dropout(attn_weights, p=dropout, training=module.training)
            return torch.matmul(attn_weights, value).transpose(1, 2).contiguous()
        """),  # (transformers' V-JEPA 2: video patches have no padding; the mask is the interface's)
    ("unpacked-time-major-then-swapped-back", """
        import torch
        from torch import nn
        from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence


        class Tagger(nn.Module):
            def __init__(self, vocab, dim, hidden, tags):
                super().__init__()
                self.embeds = nn.Embedding(vocab, dim, padding_idx=0)
                self.lstm = nn.LSTM(dim, hidden, batch_first=True, bidirectional=True)
                self.out = nn.Linear(2 * hidden, tags)

            def forward(self, words, lengths):
                b, t = words.shape
                packed = pack_padded_sequence(self.embeds(words), lengths, True)
                out, _ = self.lstm(packed)
                out, _ = pad_packed_sequence(out)
                out = out.transpose(0, 1)
                return self.out(out).contiguous().view(b * t, -1)
        """),  # (ChineseNER: the time-major unpack is transposed back by hand)
    ("next-token-loss-masked-on-left-padded-prompts", """
        import torch.nn.functional as F


        def policy_logprobs(model, tokenizer, prompts):
            tokenizer.padding_side = "left"
            enc = tokenizer(prompts, padding=True, return_tensors="pt")
            logits = model(**enc).logits[:, :-1]
            logp = logits.log_softmax(-1).gather(-1, enc.input_ids[:, 1:, None]).squeeze(-1)
            return (logp * enc.attention_mask[:, :-1]).sum(-1)
        """),  # (left padding: a real input is always followed by a real target)
    ("neighbouring-positions-both-real", """
        def bond_mask(mask):
            return mask[:, :-1] * mask[:, 1:]
        """),  # (igfold: a pair of neighbours counts when both are real)

    ("sdpa-gets-a-ready-additive-bias", """
        import torch
        import torch.nn.functional as F


        def attend(q, k, v, attention_mask):
            bias = (1.0 - attention_mask[:, None, None, :].float()) * torch.finfo(q.dtype).min
            return F.scaled_dot_product_attention(q, k, v, attn_mask=bias)


        def attend_4d(q, k, v, attention_mask):
            return F.scaled_dot_product_attention(q, k, v, attn_mask=attention_mask.to(q.dtype))
        """),  # (HF: a 4-D attention_mask handed to attention is already an additive bias)

    ("unpacked-run-on-the-branch-without-lengths", """
        import torch
        from torch import nn
        from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence, pad_sequence


        class G2P(nn.Module):
            def __init__(self, n, dim, hidden):
                super().__init__()
                self.emb = nn.Embedding(n, dim, padding_idx=0)
                self.lstm = nn.LSTM(dim, hidden, batch_first=True, bidirectional=True)

            def forward(self, char_ids, char_lengths=None):
                emb = self.emb(char_ids)
                if char_lengths is not None and not torch.onnx.is_in_onnx_export():
                    packed = pack_padded_sequence(emb, char_lengths.cpu(), batch_first=True, enforce_sorted=False)
                    out, _ = self.lstm(packed)
                    out, _ = pad_packed_sequence(out, batch_first=True)
                else:
                    out, _ = self.lstm(emb)
                return out


        def collate(batch):
            ids = [b["char_ids"] for b in batch]
            lengths = torch.tensor([len(c) for c in ids])
            return {"char_ids": pad_sequence(ids, batch_first=True), "char_lengths": lengths}
        """),  # (lectura_phonemiseur: the unpacked branch is for export and input without lengths)
    ("latent-repeated-at-every-step-through-a-shared-positional-module", """
        import math
        import torch
        from torch import nn


        class PositionalEncoding(nn.Module):
            def __init__(self, dim, max_len=512):
                super().__init__()
                self.register_buffer("pe", torch.randn(1, max_len, dim))

            def forward(self, x):
                return x + self.pe[:, : x.size(1)]


        class VAE(nn.Module):
            def __init__(self, vocab, dim, latent, pad_idx):
                super().__init__()
                self.embedding = nn.Embedding(vocab, dim, padding_idx=pad_idx)
                layer = nn.TransformerEncoderLayer(dim, 4, 4 * dim, batch_first=True)
                self.encoder = nn.TransformerEncoder(layer, 2)
                self.decoder = nn.TransformerEncoder(layer, 2)
                self.mu = nn.Linear(dim, latent)
                self.latent_to_hidden = nn.Linear(latent, dim)
                self.pos = PositionalEncoding(dim)
                self.pad_idx = pad_idx

            def encode(self, x):
                pad_mask = x == self.pad_idx
                h = self.encoder(self.pos(self.embedding(x)), src_key_padding_mask=pad_mask)
                keep = (~pad_mask).unsqueeze(-1).float()
                return self.mu((h * keep).sum(1) / keep.sum(1).clamp(min=1.0))

            def decode(self, z, seq_len):
                hidden = self.latent_to_hidden(z).unsqueeze(1).expand(-1, seq_len, -1)
                return self.decoder(self.pos(hidden))


        def importance_weights(batch_size, dataset_size):
            m = batch_size - 1
            weight = torch.full((batch_size, batch_size), 1 / m)
            weight.view(-1)[:: m + 1] = 1 / dataset_size
            return weight.log()


        def log_qz(mat, m):
            return torch.logsumexp(importance_weights(m, 10_000) + mat.sum(dim=2), dim=1)
        """),  # (molgen: no pad token reaches the decoder; a (B, B) weight table is no padded batch)
    ("packing-only-when-some-row-needs-it", """
        from torch import nn


        class GRU4Rec(nn.Module):
            def __init__(self, n, dim, pad_token):
                super().__init__()
                self.emb = nn.Embedding(n, dim, padding_idx=pad_token)
                self.rnn = nn.GRU(dim, dim, batch_first=True)
                self.pad_token = pad_token

            def forward(self, x, hidden):
                emb_x = self.emb(x)
                if (x == self.pad_token).any():
                    lengths = (x != self.pad_token).sum(axis=1)
                    packed = nn.utils.rnn.pack_padded_sequence(emb_x, lengths.cpu(), batch_first=True)
                    out, hidden = self.rnn(packed, hidden)
                    out, _ = nn.utils.rnn.pad_packed_sequence(out, batch_first=True)
                else:
                    out, hidden = self.rnn(emb_x, hidden)
                return out, hidden
        """),  # (recpack: the unpacked run is for batches without padding)

    ("crf-forward-algorithm-steps-through-time-of-unknown-layout", """
        import torch
        from torch import nn
        import torch.nn.functional as F
        from torch.nn.utils.rnn import pad_sequence

        PAD = 0


        def collate(samples, pad_to=None):
            words = pad_sequence([w for w, _ in samples], batch_first=True, padding_value=PAD)
            tags = pad_sequence([t for _, t in samples], batch_first=True, padding_value=0)
            if pad_to is not None and pad_to > words.size(1):
                words = F.pad(words, (0, pad_to - words.size(1)), value=PAD)
                tags = F.pad(tags, (0, pad_to - tags.size(1)), value=0)
            return words, tags, words != PAD


        class CRFTagger(nn.Module):
            def __init__(self, vocab, n_tags):
                super().__init__()
                self.embed = nn.Embedding(vocab, 16, padding_idx=PAD)
                self.emit = nn.Sequential(nn.Linear(16, 16), nn.Tanh(), nn.Linear(16, n_tags))
                self.transitions = nn.Parameter(torch.randn(n_tags, n_tags))
                self.start = nn.Parameter(torch.zeros(n_tags))

            def log_partition(self, em, mask):
                alpha = self.start + em[:, 0]
                for t in range(1, em.size(1)):
                    nxt = torch.logsumexp(alpha.unsqueeze(2) + self.transitions + em[:, t].unsqueeze(1), dim=1)
                    alpha = torch.where(mask[:, t].unsqueeze(1), nxt, alpha)
                return torch.logsumexp(alpha, dim=1)

            def neg_log_likelihood(self, words, tags, mask):
                em = self.emit(self.embed(words))
                return self.log_partition(em, mask).mean()


        def train(samples):
            model = CRFTagger(50, 5)
            words, tags, mask = collate(samples)
            return model.neg_log_likelihood(words, tags, mask)
        """),  # (rt16 c10: dim 1 of em[:, t] is the tags, a step of (batch, time, tags) emissions)
    ("multi-channel-encoder-output-averaged-over-its-channels", """
        from torch import nn


        class MultiChannelASR(nn.Module):
            def __init__(self, ctc):
                super().__init__()
                self.ctc = ctc

            def _calc_ctc_loss(self, encoder_out, encoder_out_lens, ys_pad, ys_pad_lens):
                if encoder_out.dim() == 4:
                    encoder_out = encoder_out.mean(1)
                return self.ctc(encoder_out, encoder_out_lens, ys_pad, ys_pad_lens)
        """),  # (review 39, FunASR's MFCCA: (batch, channels, time, features) averaged over the microphones)
    ("reduction-switch-whose-max-arm-runs-only-without-a-mask", """
        import torch


        def pool(states, mask, kind):
            if mask is None:
                return states.max(dim=1)[0]
            elif kind == "mean":
                return (states * mask.unsqueeze(-1)).sum(dim=1) / mask.sum(dim=1, keepdim=True)
            else:
                return states.masked_fill(~mask.unsqueeze(-1), float("-inf")).max(dim=1)[0]


        def pool_prefilled(states, mask, kind):
            states = states.masked_fill(~mask.unsqueeze(-1), float("-inf"))
            if kind == "max":
                return states.max(dim=1)[0]
            return torch.nan_to_num(states, neginf=0.0).sum(dim=1) / mask.sum(dim=1, keepdim=True)
        """),  # (the max's arm runs when there is no mask, or the mask was applied before the switch)
    ("crf-decoding-one-sentence-and-a-crf-that-takes-no-mask", """
        import torch
        from torch import nn
        from torchcrf import CRF


        class GreedyCRF(nn.Module):
            def __init__(self, n):
                super().__init__()
                self.transitions = nn.Parameter(torch.zeros(n, n))

            def decode(self, emissions):
                return emissions.argmax(-1)


        class Tagger(nn.Module):
            def __init__(self, vocab, n_tags):
                super().__init__()
                self.emb = nn.Embedding(vocab, 32, padding_idx=0)
                self.fc = nn.Linear(32, n_tags)
                self.crf = CRF(n_tags, batch_first=True)
                self.greedy_crf = GreedyCRF(n_tags)

            def loss(self, words, tags):
                return -self.crf(self.fc(self.emb(words)), tags, mask=words != 0)

            def tag_sentence(self, sentence):
                emissions = self.fc(self.emb(sentence.unsqueeze(0)))
                return self.crf.decode(emissions)[0]

            def greedy(self, words):
                return self.greedy_crf.decode(self.fc(self.emb(words)))

            def add_transitions(self, features):
                return self.crf(features)
        """),  # (a batch of one has no pads; a CRF class without a mask parameter; flair's `self.crf(features)`)
    ("unreduced-ctc-losses-are-one-per-utterance", """
        import torch
        import torch.nn.functional as F
        from torch import nn
        from torch.nn.utils.rnn import pad_sequence


        def collate(batch):
            feats = pad_sequence([b["feats"] for b in batch], batch_first=True)
            feat_lens = torch.tensor([b["feats"].size(0) for b in batch])
            targets = torch.cat([b["tokens"] for b in batch])
            target_lens = torch.tensor([b["tokens"].numel() for b in batch])
            return feats, feat_lens, targets, target_lens


        class Recognizer(nn.Module):
            def __init__(self):
                super().__init__()
                self.out = nn.Linear(20, 12)
                self.ctc = nn.CTCLoss(reduction="none", zero_infinity=True)

            def losses(self, batch):
                feats, feat_lens, targets, target_lens = batch
                log_probs = self.out(feats).log_softmax(dim=-1).transpose(0, 1)
                per_utt = self.ctc(log_probs, targets, feat_lens, target_lens)
                functional = F.ctc_loss(log_probs, targets, feat_lens, target_lens, reduction="none")
                return per_utt.mean() + (functional / target_lens).mean()
        """),  # (set aj06: CTC's unreduced loss has shape (B,), no time axis)
    ("left-padded-positions-shifted-by-each-rows-pad-count", """
        import torch
        from torch import nn
        from torch.nn.utils.rnn import pad_sequence


        def collate_left(prompts):
            input_ids = pad_sequence([torch.tensor(p) for p in prompts], batch_first=True, padding_side="left")
            return input_ids, (input_ids != 0).long()


        class LM(nn.Module):
            def __init__(self):
                super().__init__()
                self.wte = nn.Embedding(50, 8)
                self.wpe = nn.Embedding(64, 8)

            def forward(self, input_ids, attention_mask):
                T = input_ids.size(1)
                n_pads = T - attention_mask.sum(-1)
                position_ids = (torch.arange(T)[None, :] - n_pads[:, None]).clamp(min=0)
                return self.wte(input_ids) + self.wpe(position_ids)


        def run(model, prompts):
            return model(*collate_left(prompts))
        """),  # (set aj22: arange(T) less each row's own pad count is what cumsum of the mask gives)
    ("series-mask-from-lengths-minus-one-selects-the-real-steps", """
        from dataclasses import dataclass

        import torch
        import torch.nn.functional as F
        from torch import nn
        from torch.nn.utils.rnn import pad_sequence


        @dataclass
        class SeriesBatch:
            past: torch.Tensor
            future: torch.Tensor
            observed: torch.Tensor


        def collate(series):
            past = pad_sequence([s[:-1, None] for s in series], batch_first=True)
            future = pad_sequence([s[1:] for s in series], batch_first=True)
            steps = torch.tensor([s.numel() - 1 for s in series])
            observed = torch.arange(future.size(1))[None, :] < steps[:, None]
            return SeriesBatch(past=past, future=future, observed=observed)


        class Forecaster(nn.Module):
            def __init__(self):
                super().__init__()
                self.rnn = nn.LSTM(1, 8, batch_first=True)
                self.proj = nn.Linear(8, 1)

            def forward(self, past):
                out, _ = self.rnn(past)
                return self.proj(out).squeeze(-1)

            def training_step(self, batch: SeriesBatch, batch_idx):
                pred = self(batch.past)
                return F.mse_loss(pred[batch.observed], batch.future[batch.observed])
        """),  # (set aj26: `numel() - 1` per series is a length, whatever the name `steps`)
    ("decoder-lstm-step-fed-one-embedded-token-and-an-attention-context", """
        import torch
        from torch import nn
        from torch.nn.utils.rnn import pack_padded_sequence as pack, pad_packed_sequence as unpack


        class SCPN(nn.Module):
            def __init__(self):
                super().__init__()
                self.trans_embs = nn.Embedding(50, 8)
                self.encoder = nn.LSTM(8, 8, batch_first=True)
                self.decoder = nn.LSTM(16, 8, batch_first=True)

            def encode_batch(self, inputs, lengths):
                all_hids, _ = self.encoder(pack(self.trans_embs(inputs), lengths.tolist(), batch_first=True,
                                                enforce_sorted=False))
                return unpack(all_hids, batch_first=True)[0]

            def decode_step(self, prev_words, prev_hid, prev_cell, trans_embs, trans_weights, bsz):
                word_input = self.trans_embs(prev_words).view(bsz, 1, 8)
                trans_ctx = torch.sum(trans_weights.unsqueeze(2) * trans_embs, dim=1)
                decoder_input = torch.cat([word_input, trans_ctx.unsqueeze(1)], dim=2)
                _, (hn, cn) = self.decoder(decoder_input, (prev_hid, prev_cell))
                return hn, cn

            def forward(self, inputs, lengths, prev_words, h, c, w):
                return self.decode_step(prev_words, h, c, self.encode_batch(inputs, lengths), w, inputs.size(0))
        """),  # (review 40, OpenAttack's SCPN: the decoder LSTM runs one step, time length 1)
    ("crf-gold-score-and-partition-gated-one-step-at-a-time", """
        import torch
        from torch import nn


        class CRF(nn.Module):
            def __init__(self, num_tags):
                super().__init__()
                self.transitions = nn.Parameter(torch.randn(num_tags, num_tags))

            def forward(self, emissions, tags, mask):
                m = mask.to(emissions.dtype)
                score = emissions[:, 0].gather(1, tags[:, :1]).squeeze(1)
                for t in range(1, tags.size(1)):
                    score = score + self.transitions[tags[:, t - 1], tags[:, t]] * m[:, t]
                return score.mean()

            def partition(self, emissions, mask):
                alpha = emissions[:, 0]
                for t in range(1, emissions.size(1)):
                    nxt = torch.logsumexp(alpha[:, :, None] + self.transitions + emissions[:, t, None, :], dim=1)
                    alpha = torch.where(mask[:, t, None], nxt, alpha)
                return alpha.mean()
        """),  # (set ak02: one score per sequence, each step gated by its mask column; a mean over the batch)
    ("observed-flags-padded-with-false-select-the-squared-errors", """
        import torch
        from torch import nn
        from torch.nn.utils.rnn import pad_sequence


        def forecast_loss(model, x, obs):
            pred = model(x[:, :-1], obs[:, :-1])
            tgt, m = x[:, 1:], obs[:, 1:]
            return torch.where(m, (pred - tgt) ** 2, 0.0).sum((1, 2)) / m.sum((1, 2)).clamp(min=1)


        def per_sequence_means(seqs):
            rnn = nn.GRU(4, 4, batch_first=True)
            h, _ = rnn(pad_sequence(seqs, batch_first=True))
            keep = pad_sequence([torch.ones(len(s), 4, dtype=torch.bool) for s in seqs], batch_first=True)
            return torch.where(keep, h, 0.0).sum(1) / keep.sum(1)


        if __name__ == "__main__":
            stays = [torch.randn(t, 5) for t in (30, 12, 21)]
            x = pad_sequence(stays, batch_first=True)
            obs = pad_sequence([torch.rand(t, 5) > 0.3 for t in (30, 12, 21)], batch_first=True)
            forecast_loss(lambda a, b: a, x, obs)
        """),  # (set ak40: masks built with pad_sequence from rows of ones or flags, False at the pads)
    ("decoding-item-by-item-object-queries-and-head-pruning", """
        import torch
        from torch import nn


        class OrderDecoder(nn.Module):
            def __init__(self, d=32):
                super().__init__()
                self.enc = nn.TransformerEncoder(nn.TransformerEncoderLayer(d, 4, batch_first=True), 1)
                self.dec = nn.TransformerDecoder(nn.TransformerDecoderLayer(d, 4, batch_first=True), 1)
                self.query_feat = nn.Embedding(10, d)

            @torch.no_grad()
            def decode(self, x, mask):
                memory = self.enc(x, src_key_padding_mask=~mask)
                K = mask.sum(1)
                out = []
                for b in range(memory.shape[0]):
                    k = int(K[b].item())
                    mem = memory[b : b + 1, :k]
                    din = [self.query_feat.weight[0]]
                    for t in range(k):
                        step = torch.stack(din, 0).unsqueeze(0)
                        causal = torch.triu(torch.ones(t + 1, t + 1, dtype=torch.bool), 1)
                        h = self.dec(step, mem, tgt_mask=causal)
                        din.append(h[0, -1])
                    out.append(torch.stack(din))
                return out

            def detect(self, memory, mask_flatten):
                tgt = self.query_feat.weight.unsqueeze(0).repeat(memory.size(0), 1, 1)
                return self.dec(tgt, memory, memory_key_padding_mask=mask_flatten)


        def self_attention(query, key, value, head_mask=None):
            scores = query @ key.transpose(-1, -2) / query.size(-1) ** 0.5
            attention_probs = scores.softmax(dim=-1)
            if head_mask is not None:
                attention_probs = attention_probs * head_mask
            return attention_probs @ value
        """),  # (review 41, surya: one item cut to its length, DETR's object queries, a head-pruning mask)
    ("tolerance-checks-in-a-test-function", """
        import torch
        from einops import rearrange


        def attention_ref(q, k, v, query_padding_mask=None, key_padding_mask=None):
            scores = torch.einsum("bthd,bshd->bhts", q, k) / q.shape[-1] ** 0.5
            if key_padding_mask is not None:
                scores.masked_fill_(rearrange(~key_padding_mask, "b s -> b 1 1 s"), float("-inf"))
            attention = torch.softmax(scores, dim=-1)
            output = torch.einsum("bhts,bshd->bthd", attention, v)
            if query_padding_mask is not None:
                output.masked_fill_(rearrange(~query_padding_mask, "b s -> b s 1 1"), 0.0)
            return output, attention


        def test_flash_attn_output(q, k, v, fused):
            out = fused(q, k, v)
            out_ref, attn_ref = attention_ref(q, k, v, None, None)
            out_pt, attn_pt = attention_ref(q, k, v, None, None)
            print(f"Output mean diff: {(out - out_ref).abs().mean().item()}")
            print(f"Pytorch mean diff: {(out_pt - out_ref).abs().mean().item()}")
            assert (out - out_ref).abs().max().item() <= 2 * (out_pt - out_ref).abs().max().item()
        """),  # (review 42, flash-attn: a test's printed and asserted tolerances)
]


@pytest.mark.parametrize("name,source", REVIEW33_LOOKALIKES, ids=[c[0] for c in REVIEW33_LOOKALIKES])
def test_review33_lookalikes_are_silent(name, source):
    assert codes(source) == []
