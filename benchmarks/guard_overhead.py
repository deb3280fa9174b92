"""Overhead of padlint.guard() on correct training steps (CPU).

Three workloads, all correct (no findings expected):
  * lstm:        Embedding -> LSTM on *packed* batches -> Linear tagger, CE(ignore_index)
  * transformer: Embedding -> TransformerEncoder(src_key_padding_mask) -> masked mean -> Linear
  * lstm padded: the same tagger run on the padded batch (correct for a unidirectional tagger
                 with a masked loss); here the guard's packed oracle runs on sampled steps, so
                 guard_every1 shows what checking every step costs

Variants, interleaved in shuffled rounds in one process (the machine is noisy; ratios within
one run are what count), medians of the per-step times.  Both the process CPU time (robust on
a shared machine, where wall time also counts waiting for a core) and the wall time are
printed; with --threads 1 they agree on an idle machine:
  base          no guard
  guard         padlint.guard() with its defaults (oracles on steps 0-2 and every 100th step,
                gradient probes every step); one guard object re-entered every round, so its
                step counter runs on and the sampled steps are included in proportion
  guard_every1  padlint.guard(every=1): probes + oracles on every step
  anomaly       torch.autograd.detect_anomaly() (the anchor)

On a GPU (--device cuda) the model and the batches live on the GPU (lengths stay on the CPU,
as pack_padded_sequence wants them), each step ends with torch.cuda.synchronize(), and the wall
ratio is the one to read: CPU time then counts the host thread only (kernel launches and the
time spent waiting in synchronize).

With --sync round the script synchronizes only at the end of each round and reports the mean
step of each round: a training loop that never waits for the GPU, so any host-device
synchronization the guard adds (reading a mask's values on the host) costs its full latency.

Run:  python benchmarks/guard_overhead.py [--rounds 30] [--steps 10] [--threads 1] [--device cuda]
                                          [--sync step|round] [--batch 32] [--seq 40]
"""

from __future__ import annotations

import argparse
import math
import os
import random
import statistics
import sys
import time
import warnings

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

import torch  # noqa: E402
import torch.nn as nn  # noqa: E402
import torch.nn.functional as F  # noqa: E402
from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence, pad_sequence  # noqa: E402

import padlint  # noqa: E402

VOCAB, TAGS, PAD = 1000, 20, 0


def make_batches(n, B, T, gen):
    out = []
    for _ in range(n):
        lens = torch.randint(T // 3, T + 1, (B,), generator=gen)
        lens[0] = T
        ids = pad_sequence([torch.randint(1, VOCAB, (int(n_),), generator=gen) for n_ in lens], batch_first=True)
        tags = pad_sequence([torch.randint(1, TAGS, (int(n_),), generator=gen) for n_ in lens], batch_first=True)
        out.append((ids, lens, tags))
    return out


class LSTMTagger(nn.Module):
    def __init__(self, E=64, H=128):
        super().__init__()
        self.emb = nn.Embedding(VOCAB, E, padding_idx=PAD)
        self.rnn = nn.LSTM(E, H, batch_first=True)
        self.fc = nn.Linear(H, TAGS)

    def forward(self, ids, lens):
        p = pack_padded_sequence(self.emb(ids), lens, batch_first=True, enforce_sorted=False)
        o, _ = self.rnn(p)
        o, _ = pad_packed_sequence(o, batch_first=True, total_length=ids.shape[1])
        return self.fc(o)


class PaddedLSTMTagger(LSTMTagger):
    """Unidirectional LSTM on the padded batch (correct for per-token tagging with a masked
    loss): the guard's packed oracle runs on it at the sampled steps."""

    def forward(self, ids, lens):
        o, _ = self.rnn(self.emb(ids))
        return self.fc(o)


class Encoder(nn.Module):
    def __init__(self, d=64, layers=2):
        super().__init__()
        self.d = d
        self.emb = nn.Embedding(VOCAB, d, padding_idx=PAD)
        layer = nn.TransformerEncoderLayer(d, 4, 4 * d, dropout=0.1, batch_first=True)
        self.enc = nn.TransformerEncoder(layer, layers, enable_nested_tensor=False)
        self.fc = nn.Linear(d, TAGS)

    def forward(self, ids):
        pad = ids == PAD
        h = self.enc(self.emb(ids) * math.sqrt(self.d), src_key_padding_mask=pad)
        keep = (~pad).unsqueeze(-1).to(h.dtype)
        return self.fc((h * keep).sum(1) / keep.sum(1))


def lstm_step(model, opt, batch):
    ids, lens, tags = batch
    loss = F.cross_entropy(model(ids, lens).transpose(1, 2), tags, ignore_index=PAD)
    loss.backward()
    opt.step()
    opt.zero_grad(set_to_none=True)


def enc_step(model, opt, batch):
    ids, lens, tags = batch
    loss = F.cross_entropy(model(ids), tags[:, 0])
    loss.backward()
    opt.step()
    opt.zero_grad(set_to_none=True)


def bench(name, model, step, batches, rounds, steps, device="cpu", per_round=False):
    model = model.to(device)
    batches = [(ids.to(device), lens, tags.to(device)) for ids, lens, tags in batches]
    sync = torch.cuda.synchronize if device.startswith("cuda") else (lambda: None)
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    g_default = padlint.guard(mode="raise", summary=False)
    g_every1 = padlint.guard(mode="raise", every=1, summary=False)
    variants = {
        "base": lambda: _null(),
        "guard": lambda: g_default,
        "guard_every1": lambda: g_every1,
        "anomaly": lambda: torch.autograd.detect_anomaly(check_nan=True),
    }
    times = {k: [] for k in variants}  # process CPU time per step
    walls = {k: [] for k in variants}  # wall-clock time per step
    it = [0]

    def run(ctx_factory, n, k=None):
        with ctx_factory():
            sync()
            r0, rw0 = time.process_time(), time.perf_counter()
            for _ in range(n):
                b = batches[it[0] % len(batches)]
                it[0] += 1
                c0, t0 = time.process_time(), time.perf_counter()
                step(model, opt, b)
                if not per_round:
                    sync()
                    if k is not None:
                        times[k].append(time.process_time() - c0)
                        walls[k].append(time.perf_counter() - t0)
            if per_round:  # one sample per round: the mean step, as a pipelined training loop sees it
                sync()
                if k is not None:
                    times[k].append((time.process_time() - r0) / n)
                    walls[k].append((time.perf_counter() - rw0) / n)

    for k in variants:  # warm-up
        run(variants[k], 3)
    order = list(variants)
    rng = random.Random(0)
    for _ in range(rounds):
        rng.shuffle(order)
        for k in order:
            run(variants[k], steps, k)
    med = {k: statistics.median(v) for k, v in times.items()}
    wmed = {k: statistics.median(v) for k, v in walls.items()}
    base, wbase = med["base"], wmed["base"]
    print(f"\n{name}: base step median {base * 1e3:.2f} ms CPU, {wbase * 1e3:.2f} ms wall "
          f"({rounds} rounds x {steps} steps per variant)")
    print(f"  {'variant':<13} {'CPU ms':>8} {'ratio':>6}   {'wall ms':>8} {'ratio':>6}")
    for k in variants:
        print(f"  {k:<13} {med[k] * 1e3:8.2f} {med[k] / base:5.2f}x   {wmed[k] * 1e3:8.2f} {wmed[k] / wbase:5.2f}x")
    for label, g in (("guard", g_default), ("guard_every1", g_every1)):
        print(f"  {label}: {g.steps_checked} steps, {g.oracle_runs} oracle runs, findings={len(g.findings)}")
    return med


class _null:
    def __enter__(self):
        return self

    def __exit__(self, *a):
        return False


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--rounds", type=int, default=30)
    ap.add_argument("--steps", type=int, default=10)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--batch", type=int, default=32)
    ap.add_argument("--seq", type=int, default=40)
    ap.add_argument("--device", default="cpu", help="cpu (default) or cuda")
    ap.add_argument("--sync", choices=("step", "round"), default="step",
                    help="on a GPU: synchronize after every step (default; per-step medians) or only "
                         "at the end of each round (the mean step of a pipelined loop, where any "
                         "host-device synchronization the guard adds shows up)")
    args = ap.parse_args(argv)
    torch.set_num_threads(args.threads)
    warnings.simplefilter("ignore")  # detect_anomaly announces itself
    torch.manual_seed(0)
    gen = torch.Generator().manual_seed(0)
    batches = make_batches(16, args.batch, args.seq, gen)
    if args.device.startswith("cuda") and not torch.cuda.is_available():
        ap.error("--device cuda: torch.cuda.is_available() is False on this machine")
    where = torch.cuda.get_device_name(args.device) if args.device.startswith("cuda") else "CPU"
    print(f"torch {torch.__version__}, device={args.device} ({where}), threads={args.threads}, "
          f"B={args.batch}, T={args.seq}, sync={args.sync}")
    d, pr = args.device, args.sync == "round"
    bench("LSTM tagger, packed batches", LSTMTagger(), lstm_step, batches, args.rounds, args.steps, d, pr)
    bench("Transformer encoder, key padding mask", Encoder(), enc_step, batches, args.rounds, args.steps, d, pr)
    bench("LSTM tagger, padded batches (the packed oracle runs)", PaddedLSTMTagger(), lstm_step, batches,
          args.rounds, args.steps, d, pr)


if __name__ == "__main__":
    main()
