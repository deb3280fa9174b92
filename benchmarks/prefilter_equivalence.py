"""Does the fast path (text prefilter + left-out definitions) ever change the findings?

    python benchmarks/prefilter_equivalence.py FOLDER [FOLDER...]
    python benchmarks/prefilter_equivalence.py --cache /work/corpus      # the static_speed corpus

Every ``.py`` file under the folders is checked twice with every rule selected (preview
ones included): once the way ``padlint check`` does it, once with ``--no-prefilter`` (libcst
parses the whole file and every rule walks it).  The script prints each file whose findings
differ, the lines each path parsed, and exits 1 if any file differs.  It downloads nothing:
``--cache`` only reads ``<cache>/sources/`` as ``benchmarks/static_speed.py`` left it.
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from padlint.static.engine import Settings, check_text, decode  # noqa: E402
from padlint.static.registry import resolve_selection  # noqa: E402

ALL = frozenset(resolve_selection(["ALL"], preview=True))


def _keyed(report) -> list[tuple]:
    return sorted((f.code, f.row, f.column, f.end_row, f.end_column, f.message) for f in report.findings)


def _both(path: str) -> tuple[str, int, list[tuple], list[tuple], float, float]:
    text, error = decode(Path(path).read_bytes(), path)
    if text is None:
        return path, 0, [], [], 0.0, 0.0
    start = time.process_time()
    fast = check_text(text, path, Settings(ALL, prefilter=True))
    middle = time.process_time()
    slow = check_text(text, path, Settings(ALL, prefilter=False))
    end = time.process_time()
    return path, len(text.splitlines()), _keyed(fast), _keyed(slow), middle - start, end - middle


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("folders", nargs="*", type=Path)
    parser.add_argument("--cache", type=Path, help="use <cache>/sources/* (from benchmarks/static_speed.py)")
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
    args = parser.parse_args()
    folders = list(args.folders)
    if args.cache is not None:
        folders += sorted(p for p in (args.cache / "sources").iterdir() if p.is_dir())
    if not folders:
        parser.error("give folders or --cache")
    files = sorted(str(p) for folder in folders for p in folder.rglob("*.py") if p.is_file())
    with multiprocessing.get_context("fork").Pool(args.jobs) as pool:
        results = pool.map(_both, files, chunksize=4)
    differ = 0
    fast_cpu = slow_cpu = 0.0
    lines = findings = 0
    for path, n, fast, slow, t_fast, t_slow in results:
        lines += n
        findings += len(slow)
        fast_cpu += t_fast
        slow_cpu += t_slow
        if fast != slow:
            differ += 1
            print(f"DIFFERS {path}")
            for item in sorted(set(slow) - set(fast)):
                print(f"  only without the prefilter: {item}")
            for item in sorted(set(fast) - set(slow)):
                print(f"  only with the prefilter:    {item}")
    print(f"{len(files)} files, {lines} lines, {findings} findings (every rule, preview included); "
          f"{differ} files differ")
    print(f"CPU seconds: fast path {fast_cpu:.1f}, whole-file path {slow_cpu:.1f}")
    return 1 if differ else 0


if __name__ == "__main__":
    raise SystemExit(main())
