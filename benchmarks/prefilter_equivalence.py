"""Does the fast path (text prefilter + left-out definitions) ever change the findings?

    python benchmarks/prefilter_equivalence.py FOLDER [FOLDER...]
    python benchmarks/prefilter_equivalence.py --cache /work/corpus      # the static_speed corpus

Every ``.py`` file under the folders is checked twice with every rule selected (preview
ones included): once the way ``padlint check`` does it, once with ``--no-prefilter`` (libcst
parses the whole file and every rule walks it).  The script prints each file whose findings
differ, and exits 1 if any file differs.

Findings are rare in released code, so a second, finer comparison follows: the analysis is
run on the whole file and on the text with the left-out definitions blanked (with the rules
the prefilter let through), and a probe records what the analysis knows (the value of every
call, subscript, binary operation, return and assignment) in the final pass.  Everything
seen in the blanked text must be seen, with the same value, in the whole file: a kept
function whose facts changed because something was left out shows up here even when no
rule reports on it ("facts differ").

It downloads nothing: ``--cache`` only reads ``<cache>/sources/`` as
``benchmarks/static_speed.py`` left it.
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import sys
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import libcst as cst  # noqa: E402

from padlint.static import segments  # noqa: E402
from padlint.static.engine import (  # noqa: E402
    Settings, _run_rules, _triggered, check_text, decode, left_out, parse_module)
from padlint.static.model import FileReport  # noqa: E402
from padlint.static.names import code_of  # noqa: E402
from padlint.static.rule import Rule  # noqa: E402
from padlint.static.registry import resolve_selection  # noqa: E402

ALL = frozenset(resolve_selection(["ALL"], preview=True))


def _keyed(report) -> list[tuple]:
    return sorted((f.code, f.row, f.column, f.end_row, f.end_column, f.message) for f in report.findings)


class _Probe(Rule):
    """Records the value the analysis gives each expression it hands the rules."""

    code = "PROBE"
    name = "probe"
    summary = ""

    def __init__(self) -> None:
        self.passes: list[Counter] = [Counter()]

    def _note(self, event: str, node: cst.CSTNode, ctx) -> None:
        value = ctx.ev(node) if isinstance(node, cst.BaseExpression) else None
        self.passes[-1][(event, code_of(node)[:300], repr(value))] += 1

    def on_call(self, node, ctx):
        self._note("call", node, ctx)

    def on_subscript(self, node, ctx):
        self._note("subscript", node, ctx)

    def on_binop(self, node, ctx):
        self._note("binop", node, ctx)

    def on_return(self, node, ctx):
        if node.value is not None:
            self._note("return", node.value, ctx)

    def on_assign(self, node, value, ctx):
        self.passes[-1][("assign", code_of(node)[:300], repr(value))] += 1

    def on_module_end(self, node, ctx):
        self.passes.append(Counter())


def _facts(text: str, path: str) -> tuple[bool, int]:
    """(whether the blanked text's facts are all facts of the whole file, lines left out)."""
    settings = Settings(ALL, prefilter=True)
    active = _triggered(text, settings.rules())
    tree = segments.parse(text) if active else None
    if tree is None:
        return True, 0
    reduced = left_out(text, tree, active)
    if reduced is None:
        return True, 0
    seen = []
    for source in (text, reduced):
        probe = _Probe()
        try:
            module = parse_module(source)
        except Exception:
            return True, 0
        _run_rules(module, source, path, [*active, probe], settings, FileReport(path))
        seen.append(probe.passes[-2] if len(probe.passes) > 1 else probe.passes[-1])
    whole, blanked = seen
    blank = sum(1 for a, b in zip(text.splitlines(), reduced.splitlines()) if a.strip() and not b.strip())
    return not (blanked - whole), blank


def _both(path: str) -> tuple[str, int, list[tuple], list[tuple], float, float, bool, int]:
    text, error = decode(Path(path).read_bytes(), path)
    if text is None:
        return path, 0, [], [], 0.0, 0.0, True, 0
    start = time.process_time()
    fast = check_text(text, path, Settings(ALL, prefilter=True))
    middle = time.process_time()
    slow = check_text(text, path, Settings(ALL, prefilter=False))
    end = time.process_time()
    same_facts, blank = _facts(text, path)
    return path, len(text.splitlines()), _keyed(fast), _keyed(slow), middle - start, end - middle, same_facts, blank


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
    differ = facts_differ = 0
    fast_cpu = slow_cpu = 0.0
    lines = findings = blanked_lines = 0
    for path, n, fast, slow, t_fast, t_slow, same_facts, dropped in results:
        lines += n
        blanked_lines += dropped
        if not same_facts:
            facts_differ += 1
            print(f"FACTS DIFFER {path}")
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
    print(f"left out of the parse in files the prefilter passes: {blanked_lines} non-blank lines; "
          f"{facts_differ} files whose kept code saw other facts")
    print(f"CPU seconds: fast path {fast_cpu:.1f}, whole-file path {slow_cpu:.1f}")
    return 1 if differ or facts_differ else 0


if __name__ == "__main__":
    raise SystemExit(main())
