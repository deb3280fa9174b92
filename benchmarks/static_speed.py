"""How fast is ``padlint check`` on real PyTorch NLP code, next to ruff and TorchFix (issue 5)?

    python benchmarks/static_speed.py                        # downloads into ~/.cache/padlint-bench
    python benchmarks/static_speed.py --cache /work/corpus   # reuse <cache>/wheels/ already there
    python benchmarks/static_speed.py --rounds 5 --torchfix-rounds 1 --profile --json out.json

What it does, in one process:

1. Packages.  A fixed list of released PyTorch NLP packages (``PACKAGES``) is fetched with
   ``pip download --no-deps`` into ``<cache>/wheels/`` -- only those not there yet, and it
   says so for each one it downloads.  Wheels are zip files; fairseq is an sdist (tar.gz).
   Only their ``.py``/``.pyi`` members are extracted, to ``<cache>/sources/<archive>/``.
2. TorchFix.  ``pip install torchfix`` into a throwaway venv, ``<cache>/torchfix-venv``
   (made with ``python -m venv``; an existing one is reused).  If it cannot be installed
   the script says so and goes on without it.
3. Timing.  Every measured command is a fresh subprocess with stdout thrown away.  All of
   them run in every round, in a new random order each round, and the report gives the
   medians (the machine is shared: interleaving spreads other people's load over all
   tools alike, and the ratios within one run count more than the absolute seconds):

   * padlint cold:  ``padlint check --isolated --no-cache --exit-zero -q DIRS``
   * padlint warm:  ``padlint check --isolated --cache-dir TMP --exit-zero -q DIRS``, the
                    cache primed once before the first round
   * ruff:          ``ruff check --select ALL --no-cache --exit-zero -q DIRS``
   * TorchFix:      ``torchfix DIRS`` (its default rules; "three" set only, and only in
                    the first ``--torchfix-rounds`` rounds, since it is slow)

   on the sets "three" (flair, allennlp, OpenNMT-py) and "six" (those plus fairseq,
   speechbrain, torchtext), and padlint cold on the growing prefixes 1..6 of the package
   list, to see how its time grows with the lines it has to parse.

   Per command: wall seconds (``time.perf_counter``), CPU seconds (user + system, the
   delta of ``getrusage(RUSAGE_CHILDREN)`` around the command, worker processes
   included once they are reaped), the peak RSS of the largest single process (the
   ``ru_maxrss`` that ``os.wait4`` returns for that one child) and the peak of the summed
   RSS of the whole process tree (sampled from ``/proc`` every 0.1 s; it counts shared
   pages of forked workers once per process, so it is an upper bound).
   padlint's own modules are compiled to bytecode first (``python -m compileall``), as a
   regular install has them; with ``PYTHONDONTWRITEBYTECODE=1`` an editable install would
   otherwise recompile padlint's source on every run.
4. Start-up: ``padlint check small.py`` against ``python -c pass``; the import time of
   ``python -X importtime -m padlint.cli check small.py`` (sum and top 5); and a check
   that importing padlint's command line and checker does not import torch.
5. ``--profile``: one cold in-process run of ``padlint.static.runner.run`` with jobs=1 on
   the "three" set under cProfile, top entries by cumulative time.

"Lines parsed" are the non-blank lines libcst parses: of the files that pass padlint's
text prefilter (the others are only checked for syntax by Python's parser), those not in
the definitions that ``padlint.static.segments`` leaves out.  padlint does not print this,
so it is computed here the way the engine does it, with the default rule selection;
"prefilter files / lines" are the files that pass and all their lines.

Bars from issue 5 (checked on the "three" set and printed as PASS/MISS): padlint cold
<= 3 s, >= 50x faster than TorchFix, <= 5x ruff's time, warm <= 0.5 s, memory < 500 MB.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import random
import re
import resource
import shutil
import statistics
import subprocess
import sys
import tarfile
import tempfile
import threading
import time
import zipfile
from dataclasses import asdict, dataclass, field
from pathlib import Path

# (name, version) -- the order is the growth order (prefix 1..6).
PACKAGES = [
    ("flair", "0.15.1"),
    ("allennlp", "2.10.1"),
    ("OpenNMT-py", "3.5.1"),
    ("fairseq", "0.12.2"),
    ("speechbrain", "1.1.2"),
    ("torchtext", "0.18.0"),
]
SETS = {"three": 3, "six": 6}
SOURCE_SUFFIXES = (".py", ".pyi")
BARS = {"cold_s": 3.0, "vs_torchfix": 50.0, "vs_ruff": 5.0, "warm_s": 0.5, "memory_mb": 500.0}

SMALL_FILE = '''\
import torch
from torch.nn.utils.rnn import pad_sequence


def batch(seqs, pad_id=0):
    padded = pad_sequence(seqs, batch_first=True, padding_value=pad_id)
    mask = padded != pad_id
    return padded, mask
'''


def say(*parts: object) -> None:
    print(*parts, flush=True)


# ----------------------------------------------------------------------------- packages
def _norm(name: str) -> str:
    return re.sub(r"[-_.]+", "_", name).lower()


def _archive(wheels: Path, name: str, version: str) -> Path | None:
    prefix = f"{_norm(name)}-{version}"
    if not wheels.is_dir():
        return None
    for path in sorted(wheels.iterdir()):
        if path.name.endswith((".whl", ".tar.gz", ".zip")) and _norm(path.name).startswith(_norm(prefix)):
            return path
    return None


def fetch(cache: Path, name: str, version: str) -> Path:
    wheels = cache / "wheels"
    found = _archive(wheels, name, version)
    if found is not None:
        return found
    wheels.mkdir(parents=True, exist_ok=True)
    say(f"downloading {name}=={version} with `pip download --no-deps` into {wheels} ...")
    cmd = [sys.executable, "-m", "pip", "download", "--no-deps", "--dest", str(wheels), f"{name}=={version}"]
    done = subprocess.run(cmd, capture_output=True, text=True)
    found = _archive(wheels, name, version)
    if done.returncode != 0 or found is None:
        sys.exit(f"static_speed: `{' '.join(cmd)}` failed (exit {done.returncode}):\n{done.stderr[-2000:]}")
    return found


def _stem(archive: Path) -> str:
    for suffix in (".tar.gz", ".whl", ".zip"):
        if archive.name.endswith(suffix):
            return archive.name[: -len(suffix)]
    return archive.name


def _safe(parts: list[str]) -> bool:
    return bool(parts) and not any(p in ("", "..") for p in parts)


def extract(cache: Path, archive: Path) -> Path:
    """The .py/.pyi files of one archive, under <cache>/sources/<archive stem>/ (done once)."""
    target = cache / "sources" / _stem(archive)
    marker = target / ".padlint-bench-complete"
    if marker.exists():
        return target
    if target.exists():
        shutil.rmtree(target)
    target.mkdir(parents=True)
    if archive.name.endswith(".tar.gz"):
        with tarfile.open(archive) as tar:
            for member in tar.getmembers():
                parts = member.name.split("/")[1:]  # sdists have one top folder: drop it
                if member.isfile() and member.name.endswith(SOURCE_SUFFIXES) and _safe(parts):
                    out = target.joinpath(*parts)
                    out.parent.mkdir(parents=True, exist_ok=True)
                    out.write_bytes(tar.extractfile(member).read())  # type: ignore[union-attr]
    else:
        with zipfile.ZipFile(archive) as zf:
            for info in zf.infolist():
                parts = info.filename.split("/")
                if not info.is_dir() and info.filename.endswith(SOURCE_SUFFIXES) and _safe(parts):
                    out = target.joinpath(*parts)
                    out.parent.mkdir(parents=True, exist_ok=True)
                    out.write_bytes(zf.read(info))
    marker.write_text("extracted by benchmarks/static_speed.py\n")
    return target


def source_files(folders: list[Path]) -> list[Path]:
    return sorted(p for folder in folders for p in folder.rglob("*") if p.suffix in SOURCE_SUFFIXES and p.is_file())


@dataclass
class Corpus:
    files: int = 0
    lines: int = 0
    parsed_files: int = 0
    prefilter_lines: int = 0
    parsed_lines: int = 0
    padlint_discovers: int = 0


def describe(folders: list[Path]) -> Corpus:
    """Files and lines, and those that pass padlint's prefilter (its default rules)."""
    from padlint.static import segments
    from padlint.static.discovery import discover
    from padlint.static.engine import Settings, _triggered, decode, left_out
    from padlint.static.registry import resolve_selection

    rules = Settings(frozenset(resolve_selection(None))).rules()
    out = Corpus()
    for path in source_files(folders):
        text, _ = decode(path.read_bytes(), str(path))
        if text is None:
            continue
        n = len(text.splitlines())
        out.files += 1
        out.lines += n
        active = _triggered(text, rules)
        if active:
            out.parsed_files += 1
            out.prefilter_lines += n
            tree = segments.parse(text)
            reduced = None if tree is None else left_out(text, tree, active)
            out.parsed_lines += sum(1 for line in (reduced or text).splitlines() if line.strip())
    out.padlint_discovers = len(discover([str(f) for f in folders], [], Path.cwd()).files)
    return out


# ----------------------------------------------------------------------------- TorchFix
def torchfix(cache: Path) -> Path | None:
    venv = cache / "torchfix-venv"
    exe = venv / "bin" / "torchfix"
    if exe.exists():
        return exe
    say(f"installing TorchFix (`pip install torchfix`) into a throwaway venv {venv} ...")
    try:
        if not (venv / "bin" / "python").exists():
            subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, capture_output=True, timeout=600)
        subprocess.run([str(venv / "bin" / "python"), "-m", "pip", "install", "-q", "torchfix"],
                       check=True, capture_output=True, text=True, timeout=900)
    except (subprocess.CalledProcessError, subprocess.TimeoutExpired, OSError) as exc:
        detail = getattr(exc, "stderr", None) or exc
        say(f"TorchFix could not be installed; it is skipped ({str(detail).strip()[-500:]})")
        return None
    if not exe.exists():
        say("TorchFix installed but has no `torchfix` command; it is skipped")
        return None
    return exe


# ----------------------------------------------------------------------------- measuring
_PAGE = os.sysconf("SC_PAGE_SIZE")


class TreeRSS(threading.Thread):
    """Peak of the summed RSS of a process and its descendants, sampled from /proc."""

    def __init__(self, root: int, every: float = 0.1) -> None:
        super().__init__(daemon=True)
        self.root, self.every, self.peak = root, every, 0
        self.halt = threading.Event()

    def sample(self) -> None:
        parent: dict[int, int] = {}
        for entry in os.listdir("/proc"):
            if entry.isdigit():
                try:
                    with open(f"/proc/{entry}/stat", "rb") as fh:
                        stat = fh.read()
                    parent[int(entry)] = int(stat[stat.rindex(b")") + 2:].split()[1])
                except (OSError, ValueError, IndexError):
                    pass
        tree, grew = {self.root}, True
        while grew:
            more = {pid for pid, ppid in parent.items() if ppid in tree} - tree
            tree |= more
            grew = bool(more)
        total = 0
        for pid in tree:
            try:
                with open(f"/proc/{pid}/statm", "rb") as fh:
                    total += int(fh.read().split()[1]) * _PAGE
            except (OSError, ValueError, IndexError):
                pass
        self.peak = max(self.peak, total)

    def run(self) -> None:
        while not self.halt.is_set():
            self.sample()
            self.halt.wait(self.every)


@dataclass
class Sample:
    wall: float
    cpu: float
    maxrss_mb: float  # the largest single process (wait4)
    tree_mb: float  # summed RSS of the process tree (sampled)
    rc: int


def measure(cmd: list[str], ok: tuple[int, ...] = (0,), cwd: str | None = None) -> Sample:
    err = tempfile.TemporaryFile()
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=err, cwd=cwd)
    sampler = TreeRSS(proc.pid)
    sampler.start()
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    sampler.halt.set()
    sampler.join()
    proc.returncode = os.waitstatus_to_exitcode(status)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    if proc.returncode not in ok:
        err.seek(0)
        tail = err.read().decode(errors="replace")[-1500:]
        say(f"  warning: `{' '.join(cmd[:4])} ...` exited {proc.returncode}:\n{tail}")
    err.close()
    return Sample(wall, cpu, usage.ru_maxrss / 1024, sampler.peak / 2**20, proc.returncode)


def median(values: list[float]) -> float:
    return statistics.median(values) if values else float("nan")


def tool_path(name: str) -> str:
    """The program next to this interpreter (not a pyenv shim, which costs ~0.1 s a call)."""
    here = Path(sys.executable).parent / name
    if here.exists():
        return str(here)
    found = shutil.which(name)
    if found is None:
        sys.exit(f"static_speed: `{name}` not found")
    return found


# ----------------------------------------------------------------------------- start-up
def startup(tmp: Path, padlint: str, reps: int) -> dict[str, object]:
    small = tmp / "one_small_file.py"
    small.write_text(SMALL_FILE)
    runs: dict[str, list[float]] = {"python -c pass": [], "padlint check one_small_file.py": []}
    cmds = {"python -c pass": [sys.executable, "-c", "pass"],
            "padlint check one_small_file.py": [padlint, "check", "--isolated", "--no-cache", "-q", str(small)]}
    for _ in range(reps):
        order = list(cmds)
        random.shuffle(order)
        for key in order:
            runs[key].append(measure(cmds[key], ok=(0, 1)).wall)

    done = subprocess.run([sys.executable, "-X", "importtime", "-m", "padlint.cli", "check", "--isolated",
                           "--no-cache", "-q", str(small)], capture_output=True, text=True)
    rows = []
    for line in done.stderr.splitlines():
        m = re.match(r"import time:\s+(\d+) \|\s+(\d+) \|( *)(\S+)", line)
        if m:
            rows.append((int(m.group(1)), int(m.group(2)), len(m.group(3)) // 2, m.group(4)))
    total_us = sum(r[0] for r in rows)
    top_level = sorted((r for r in rows if r[2] == 0), key=lambda r: -r[1])[:5]
    top_self = sorted(rows, key=lambda r: -r[0])[:5]
    torch_in_importtime = [r[3] for r in rows if r[3] == "torch" or r[3].startswith("torch.")]

    probe = ("import sys, padlint, padlint.cli, padlint.static.runner, padlint.static.engine\n"
             "from padlint.static.registry import all_rules\n"
             "n = len(all_rules())\n"
             "print(n, 'torch' in sys.modules, len(sys.modules))\n")
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True).stdout.split()
    return {
        "wall_python_pass_s": median(runs["python -c pass"]),
        "wall_padlint_small_s": median(runs["padlint check one_small_file.py"]),
        "importtime_total_s": total_us / 1e6,
        "importtime_top5": [{"module": r[3], "cumulative_s": r[1] / 1e6} for r in top_level],
        "importtime_top5_self": [{"module": r[3], "self_s": r[0] / 1e6} for r in top_self],
        "imports": len(rows),
        "torch_in_importtime": torch_in_importtime,
        "torch_in_sys_modules": out[1] == "True",
        "rules_loaded": int(out[0]),
        "modules_after_import": int(out[2]),
    }


# ----------------------------------------------------------------------------- profile
def profile(folders: list[Path], top: int) -> str:
    """cProfile of one cold in-process run (jobs=1), then the same run unprofiled next to
    libcst's parse alone over the files that pass the prefilter, in CPU seconds of this process."""
    import cProfile
    import pstats

    import libcst as cst

    from padlint.static.engine import Settings, _triggered, decode
    from padlint.static.registry import resolve_selection
    from padlint.static.runner import Job, run

    selected = frozenset(resolve_selection(None))

    def job() -> Job:
        return Job(paths=[str(f) for f in folders], selected=selected,
                   options={"names": {"lengths": [], "mask": []}}, jobs=1, cache_dir=None)

    prof = cProfile.Profile()
    start = time.perf_counter()
    prof.enable()
    result = run(job())
    prof.disable()
    wall = time.perf_counter() - start
    out = [f"in-process runner.run(jobs=1) under cProfile: {wall:.1f} s wall, {result.files_checked} files, "
           f"{result.files_parsed} parsed by libcst, {len(result.findings)} findings"]
    for order in ("cumulative", "tottime"):
        buf = io.StringIO()
        pstats.Stats(prof, stream=buf).sort_stats(order).print_stats(top)
        body = buf.getvalue()
        out.append(f"top {top} by {order}:")
        out.append(body[body.find("   ncalls"):].rstrip() if "   ncalls" in body else body.rstrip())

    cpu0 = time.process_time()
    run(job())
    full = time.process_time() - cpu0
    rules = Settings(selected).rules()
    texts = []
    for path in source_files(folders):
        text, _ = decode(path.read_bytes(), str(path))
        if text is not None and _triggered(text, rules):
            texts.append(text)
    cpu0 = time.process_time()
    for text in texts:
        try:
            cst.parse_module(text)
        except Exception:
            pass
    parse = time.process_time() - cpu0
    out.append(f"unprofiled, CPU of this process: runner.run(jobs=1) {full:.1f} s; libcst.parse_module alone on the "
               f"{len(texts)} prefiltered files {parse:.1f} s ({100 * parse / full:.0f}%); the rest (rules, walker, "
               f"positions, reading, suppressions) {full - parse:.1f} s")
    return "\n".join(out)


# ----------------------------------------------------------------------------- main
@dataclass
class Task:
    key: str  # e.g. "three/padlint-cold", "grow/4"
    cmd: list[str]
    ok: tuple[int, ...] = (0,)
    rounds: int | None = None  # run in the first N rounds only (None: all)
    samples: list[Sample] = field(default_factory=list)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--cache", type=Path, default=Path.home() / ".cache" / "padlint-bench",
                    help="where wheels, extracted sources and the TorchFix venv live (default: %(default)s)")
    ap.add_argument("--rounds", type=int, default=3, help="shuffled rounds (default: 3)")
    ap.add_argument("--torchfix-rounds", type=int, default=None,
                    help="run TorchFix only in the first N rounds (default: every round)")
    ap.add_argument("--no-torchfix", action="store_true", help="do not install or run TorchFix")
    ap.add_argument("--no-growth", action="store_true", help="skip the 1..6-package prefixes")
    ap.add_argument("--startup-reps", type=int, default=7, help="repetitions of the start-up pair (default: 7)")
    ap.add_argument("--jobs", type=int, default=None, help="pass --jobs to padlint (default: its own, all cores)")
    ap.add_argument("--profile", action="store_true", help="also profile one cold in-process run (jobs=1)")
    ap.add_argument("--seed", type=int, default=None, help="seed of the shuffles")
    ap.add_argument("--json", type=Path, default=None, help="write every sample and the summary here")
    args = ap.parse_args()
    random.seed(args.seed)
    cache = args.cache.expanduser().resolve()

    import padlint

    say(f"padlint {padlint.__version__}, Python {sys.version.split()[0]}, {os.cpu_count()} cores, "
        f"load average {' '.join(f'{x:.2f}' for x in os.getloadavg())}, "
        f"{time.strftime('%Y-%m-%d %H:%M:%S UTC', time.gmtime())}")
    folders = []
    for name, version in PACKAGES:
        archive = fetch(cache, name, version)
        folders.append(extract(cache, archive))
    say(f"sources: {cache / 'sources'}")

    padlint_exe = tool_path("padlint")
    # Bytecode: an installed padlint has its .pyc files (pip compiles them), as ruff is a binary
    # and TorchFix's venv is compiled.  An editable install under PYTHONDONTWRITEBYTECODE=1 has
    # none, and every run would recompile padlint's source first (~0.08 s), so compile it here.
    package = Path(padlint.__file__).parent
    if not any(package.glob("__pycache__/*.pyc")):
        say(f"compiling padlint's bytecode (python -m compileall {package}), as an installed package has it")
    subprocess.run([sys.executable, "-m", "compileall", "-q", str(package)], check=False, capture_output=True)
    ruff_exe = tool_path("ruff")
    ruff_version = subprocess.run([ruff_exe, "--version"], capture_output=True, text=True).stdout.strip()
    tf_exe = None if args.no_torchfix else torchfix(cache)
    tf_version = ""
    if tf_exe is not None:
        tf_version = subprocess.run([str(tf_exe), "--version"], capture_output=True, text=True).stdout.strip()
    say(f"tools: {padlint_exe}; {ruff_exe} ({ruff_version}); "
        f"TorchFix: {f'{tf_exe} ({tf_version})' if tf_exe else 'skipped'}")

    corpora: dict[str, Corpus] = {}
    for n in range(1, len(PACKAGES) + 1):
        corpora[f"grow/{n}"] = describe(folders[:n])
    for set_name, n in SETS.items():
        corpora[set_name] = corpora[f"grow/{n}"]

    jobs_opt = ["--jobs", str(args.jobs)] if args.jobs is not None else []
    tmp = Path(tempfile.mkdtemp(prefix="padlint-bench-"))
    tasks: list[Task] = []
    for set_name, n in SETS.items():
        dirs = [str(f) for f in folders[:n]]
        cache_dir = tmp / f"cache-{set_name}"
        prime = [padlint_exe, "check", "--isolated", "--cache-dir", str(cache_dir), "--exit-zero", "-q", *jobs_opt,
                 *dirs]
        sample = measure(prime)
        say(f"primed padlint's cache for {set_name!r} in {sample.wall:.1f} s")
        tasks.append(Task(f"{set_name}/padlint-cold",
                          [padlint_exe, "check", "--isolated", "--no-cache", "--exit-zero", "-q", *jobs_opt, *dirs]))
        tasks.append(Task(f"{set_name}/padlint-warm", prime))
        tasks.append(Task(f"{set_name}/ruff",
                          [ruff_exe, "check", "--select", "ALL", "--no-cache", "--exit-zero", "-q", *dirs]))
        if tf_exe is not None and set_name == "three":
            # TorchFix exits 1 when it finds something.
            tasks.append(Task(f"{set_name}/torchfix", [str(tf_exe), *dirs], ok=(0, 1), rounds=args.torchfix_rounds))
    if not args.no_growth:
        for n in range(1, len(PACKAGES) + 1):
            if n in SETS.values():
                continue  # the "three"/"six" cold runs are these points
            dirs = [str(f) for f in folders[:n]]
            tasks.append(Task(f"grow/{n}",
                              [padlint_exe, "check", "--isolated", "--no-cache", "--exit-zero", "-q", *jobs_opt,
                               *dirs]))

    for r in range(args.rounds):
        order = [t for t in tasks if t.rounds is None or r < t.rounds]
        random.shuffle(order)
        say(f"round {r + 1}/{args.rounds}: {', '.join(t.key for t in order)}")
        for task in order:
            s = measure(task.cmd, ok=task.ok)
            task.samples.append(s)
            say(f"  {task.key:<20} wall {s.wall:7.2f} s  cpu {s.cpu:7.2f} s  rss {s.maxrss_mb:6.0f} MB  "
                f"tree {s.tree_mb:6.0f} MB  load {os.getloadavg()[0]:.2f}")

    by_key = {t.key: t for t in tasks}

    def med(key: str, what: str) -> float:
        task = by_key.get(key)
        return median([getattr(s, what) for s in task.samples]) if task else float("nan")

    def ratio(top: str, bottom: str, what: str) -> float:
        """Median over the rounds of top / bottom measured in the same round (load changes between rounds)."""
        a, b = by_key.get(top), by_key.get(bottom)
        if a is None or b is None:
            return float("nan")
        return median([getattr(x, what) / getattr(y, what) for x, y in zip(a.samples, b.samples)])

    def peak(key: str, what: str) -> float:
        task = by_key.get(key)
        return max((getattr(s, what) for s in task.samples), default=float("nan")) if task else float("nan")

    summary: dict[str, object] = {"date_utc": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
                                  "load_after": os.getloadavg(), "rounds": args.rounds, "tools": {
                                      "ruff": ruff_version, "torchfix": tf_version}}
    say("")
    tf_runs = len(by_key["three/torchfix"].samples) if "three/torchfix" in by_key else 0
    say(f"medians of {args.rounds} rounds (TorchFix: {tf_runs} run(s)); ratios are medians of "
        "same-round ratios; 'x ruff' = tool / ruff, 'TorchFix /' = TorchFix / tool")
    header = (f"{'set':<6} {'tool':<13} {'files':>6} {'lines':>8} {'wall s':>8} {'cpu s':>8} {'rss MB':>7} "
              f"{'tree MB':>8} {'wall x ruff':>11} {'cpu x ruff':>10} {'TorchFix / wall':>15} {'TorchFix / cpu':>14}")
    say(header)
    say("-" * len(header))
    table = []
    for set_name in SETS:
        corpus = corpora[set_name]
        for tool in ("padlint-cold", "padlint-warm", "ruff", "torchfix"):
            key = f"{set_name}/{tool}"
            if key not in by_key:
                continue
            wall, cpu = med(key, "wall"), med(key, "cpu")
            row = {
                "set": set_name, "tool": tool, "files": corpus.files, "lines": corpus.lines,
                "wall_s": wall, "cpu_s": cpu, "maxrss_mb": peak(key, "maxrss_mb"), "tree_mb": peak(key, "tree_mb"),
                "wall_vs_ruff": ratio(key, f"{set_name}/ruff", "wall"),
                "cpu_vs_ruff": ratio(key, f"{set_name}/ruff", "cpu"),
                "torchfix_wall_over": ratio(f"{set_name}/torchfix", key, "wall"),
                "torchfix_cpu_over": ratio(f"{set_name}/torchfix", key, "cpu"),
                "walls": [s.wall for s in by_key[key].samples], "cpus": [s.cpu for s in by_key[key].samples],
            }
            table.append(row)
            say(f"{set_name:<6} {tool:<13} {corpus.files:>6} {corpus.lines:>8} {wall:>8.2f} {cpu:>8.2f} "
                f"{row['maxrss_mb']:>7.0f} {row['tree_mb']:>8.0f} {row['wall_vs_ruff']:>11.1f} "
                f"{row['cpu_vs_ruff']:>10.1f} {row['torchfix_wall_over']:>15.1f} {row['torchfix_cpu_over']:>14.1f}")
    summary["table"] = table
    say("(rss MB: the largest single process; tree MB: summed RSS of the process tree, sampled every 0.1 s)")
    for set_name in SETS:
        c = corpora[set_name]
        say(f"{set_name}: {c.files} files, {c.lines} lines; {c.parsed_files} files / {c.prefilter_lines} lines pass "
            f"padlint's prefilter, of which libcst parses {c.parsed_lines} non-blank lines; "
            f"padlint's discovery finds {c.padlint_discovers} files")

    # Bars (issue 5), on the "three" set.
    cold, warm = med("three/padlint-cold", "wall"), med("three/padlint-warm", "wall")
    memory = max(peak("three/padlint-cold", "tree_mb"), peak("three/padlint-warm", "tree_mb"))
    vs_tf = ratio("three/torchfix", "three/padlint-cold", "wall")
    vs_tf_cpu = ratio("three/torchfix", "three/padlint-cold", "cpu")
    vs_ruff = ratio("three/padlint-cold", "three/ruff", "wall")
    vs_ruff_cpu = ratio("three/padlint-cold", "three/ruff", "cpu")
    checks = [
        (f"padlint cold <= {BARS['cold_s']} s (wall)", cold, cold <= BARS["cold_s"]),
        (f"TorchFix / padlint cold >= {BARS['vs_torchfix']}x (wall)", vs_tf, vs_tf >= BARS["vs_torchfix"]),
        (f"TorchFix / padlint cold >= {BARS['vs_torchfix']}x (cpu)", vs_tf_cpu, vs_tf_cpu >= BARS["vs_torchfix"]),
        (f"padlint cold <= {BARS['vs_ruff']}x ruff (wall)", vs_ruff, vs_ruff <= BARS["vs_ruff"]),
        (f"padlint cold <= {BARS['vs_ruff']}x ruff (cpu)", vs_ruff_cpu, vs_ruff_cpu <= BARS["vs_ruff"]),
        (f"padlint warm <= {BARS['warm_s']} s (wall)", warm, warm <= BARS["warm_s"]),
        (f"padlint memory < {BARS['memory_mb']:.0f} MB (tree peak)", memory, memory < BARS["memory_mb"]),
    ]
    say("\nbars of issue 5 on the \"three\" set:")
    for text, value, passed in checks:
        state = "n/a " if value != value else ("PASS" if passed else "MISS")  # NaN: tool skipped
        say(f"  {state}  {text}: {value:.2f}")
    summary["bars"] = [{"bar": t, "value": v, "pass": bool(p)} for t, v, p in checks]

    if not args.no_growth:
        say("\ngrowth, padlint cold on the first N packages (median wall and cpu):")
        say(f"{'N':>2} {'files':>6} {'lines':>8} {'parsed files':>12} {'parsed lines':>12} {'wall s':>8} {'cpu s':>8} "
            f"{'cpu ms / 1k parsed lines':>24}")
        points = []
        for n in range(1, len(PACKAGES) + 1):
            key = f"grow/{n}" if f"grow/{n}" in by_key else next(f"{s}/padlint-cold" for s, k in SETS.items() if k == n)
            c = corpora[f"grow/{n}"]
            wall, cpu = med(key, "wall"), med(key, "cpu")
            points.append({"n": n, **asdict(c), "wall_s": wall, "cpu_s": cpu})
            say(f"{n:>2} {c.files:>6} {c.lines:>8} {c.parsed_files:>12} {c.parsed_lines:>12} {wall:>8.2f} {cpu:>8.2f} "
                f"{1000 * cpu / max(1, c.parsed_lines) * 1000:>24.1f}")
        for xname in ("parsed_lines", "lines"):
            xs = [p[xname] for p in points]
            ys = [p["cpu_s"] for p in points]
            fit = statistics.linear_regression(xs, ys)
            r = statistics.correlation(xs, ys)
            say(f"  cpu s = {fit.intercept:.2f} + {fit.slope * 1000:.3f} * ({xname} / 1000);  R^2 = {r * r:.3f}")
        summary["growth"] = points

    say("\nstart-up:")
    st = startup(tmp, padlint_exe, args.startup_reps)
    say(f"  python -c pass:                   {st['wall_python_pass_s'] * 1000:6.0f} ms "
        f"(median of {args.startup_reps})")
    say(f"  padlint check one_small_file.py:  {st['wall_padlint_small_s'] * 1000:6.0f} ms "
        f"(+{(st['wall_padlint_small_s'] - st['wall_python_pass_s']) * 1000:.0f} ms)")
    say(f"  -X importtime: {st['imports']} imports, {st['importtime_total_s'] * 1000:.0f} ms in all (sum of 'self'); "
        "top 5 top-level imports by cumulative time:")
    for item in st["importtime_top5"]:
        say(f"    {item['cumulative_s'] * 1000:7.1f} ms  {item['module']}")
    say("  top 5 imports by their own ('self') time:")
    for item in st["importtime_top5_self"]:
        say(f"    {item['self_s'] * 1000:7.1f} ms  {item['module']}")
    clean = not st["torch_in_sys_modules"] and not st["torch_in_importtime"]
    say(f"  {'PASS' if clean else 'FAIL'}  torch not in sys.modules after importing padlint.cli/runner/engine and "
        f"loading its {st['rules_loaded']} rules ({st['modules_after_import']} modules), none in -X importtime")
    summary["startup"] = st

    if args.profile:
        say("\nprofile (\"three\" set):")
        say(profile(folders[:SETS["three"]], 10))

    if args.json is not None:
        samples = {t.key: [asdict(s) for s in t.samples] for t in tasks}
        args.json.write_text(json.dumps({"summary": summary, "samples": samples,
                                         "corpora": {k: asdict(v) for k, v in corpora.items()}}, indent=1))
        say(f"wrote {args.json}")
    shutil.rmtree(tmp, ignore_errors=True)
    return 0 if clean else 1


if __name__ == "__main__":
    sys.exit(main())
