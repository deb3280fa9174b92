"""Worker for test_ddp.py (spawned; kept apart from the test module)."""

from __future__ import annotations

import datetime
import json
import os


def _train(rank, world, mode):
    import torch
    import torch.distributed as dist
    import torch.nn.functional as F
    from torch.nn.parallel import DistributedDataParallel as DDP

    import padlint
    from models import Classifier, token_batch

    result = {"rank": rank, "raised": False}
    torch.manual_seed(0)
    model = DDP(Classifier("h_n"))
    opt = torch.optim.SGD(model.parameters(), lr=0.1)
    lens = [5, 2, 4, 3] if rank == 0 else [5, 5, 5, 5]  # only rank 0 has padding
    g = padlint.guard(mode=mode, summary=False)
    try:
        with g:
            for _ in range(3):
                ids, lengths = token_batch(lens)
                loss = F.cross_entropy(model(ids, lengths), torch.tensor([0, 1, 2, 0]))
                loss.backward()
                opt.step()  # in raise mode under DDP the raise is deferred to check()/exit
                opt.zero_grad()
            g.check(all_reduce=True)  # collective: every rank gets every rank's findings
    except padlint.PaddingLeakError as e:
        result["raised"] = True
        result["error_codes"] = sorted({f.code for f in e.findings})
    result["own"] = sorted({f.code for f in g.findings})
    result["all"] = sorted({(f.rank, f.code) for f in (g.all_findings or [])})
    checksum = torch.tensor([sum(float(p.detach().sum()) for p in model.parameters())])
    gathered = [torch.zeros(1) for _ in range(world)]
    dist.all_gather(gathered, checksum)
    result["checksums"] = [float(t) for t in gathered]
    return result


def worker(rank: int, world: int, port: int, outdir: str) -> None:
    import torch
    import torch.distributed as dist

    torch.set_num_threads(1)
    dist.init_process_group(
        "gloo", init_method=f"tcp://127.0.0.1:{port}", rank=rank, world_size=world,
        timeout=datetime.timedelta(seconds=60),
    )
    try:
        results = {mode: _train(rank, world, mode) for mode in ("record", "raise")}
        path = os.path.join(outdir, f"rank{rank}.json")
        with open(path + ".tmp", "w") as fh:  # written whole, then renamed: never half a file
            json.dump(results, fh)
        os.replace(path + ".tmp", path)
        dist.barrier()
    finally:
        dist.destroy_process_group()
    # Gloo's background threads can abort the process in C++ static destructors at interpreter
    # exit ("terminate called without an active exception", seen once in CI under load). The
    # work is done and written: leave without running those destructors.
    os._exit(0)
