"""Run padlint over a large corpus of real code and report crashes (issue 6, static side).

    python benchmarks/robustness_corpus.py                  # stdlib + every site-packages
    python benchmarks/robustness_corpus.py --root some/dir  # any folders instead
    python benchmarks/robustness_corpus.py --json report.json

Every .py/.pyi file of each root is checked by ``padlint check --select ALL --preview
--no-cache --output-format json <files>`` subprocesses (``--chunk`` files each, so a
traceback cannot hide behind the Python API and the command line stays short), timed with a
wall clock (the sum over the chunks, process start-up included).  The files are named
explicitly because padlint's folder discovery honours .gitignore files above the folder
(pyenv's repository ignores ``/versions``, so ``padlint check <stdlib>`` checks nothing).
The report gives the files and lines checked, the seconds, the findings by code, and every
error message on stderr, split into

* internal errors: padlint's fault (a rule crashed, libcst rejected code Python accepts,
  a fix produced invalid code, or a traceback / an exit code other than 0, 1, 2), and
* input errors: legitimately unreadable input (not UTF-8, NUL bytes, a bad coding line,
  too deeply nested, unreadable files or folders, broken symlinks).

A run that dies with a traceback is bisected over its files, down to the file that
crashes, so a crash is always reported with the file that causes it.

Exit status: 0 when there were no internal errors, 1 otherwise.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import site
import subprocess
import sys
import sysconfig
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

COMMAND = ["check", "--select", "ALL", "--preview", "--no-cache", "--output-format", "json"]

# stderr lines look like "padlint: error: <file>: <message>".
_INTERNAL = (
    re.compile(r"internal error"),
    re.compile(r"libcst could not parse this file"),
    re.compile(r"libcst failed on this file"),
    re.compile(r"an automatic fix produced invalid code"),
)
_INPUT = (
    re.compile(r"binary file \(contains NUL bytes\)"),
    re.compile(r"not valid \S+ text"),
    re.compile(r"cannot read the encoding declaration"),
    re.compile(r"unknown or broken encoding declaration"),
    re.compile(r"too deeply nested to analyse"),
    re.compile(r"cannot read: "),
    re.compile(r"cannot list folder"),
    re.compile(r"broken symbolic link"),
)


@dataclass
class RootReport:
    root: str
    files: int = 0
    lines: int = 0
    seconds: float = 0.0
    exit_code: int | None = None
    findings: Counter = field(default_factory=Counter)
    internal: list[str] = field(default_factory=list)
    input_errors: list[str] = field(default_factory=list)
    other_stderr: list[str] = field(default_factory=list)
    crashes: list[dict] = field(default_factory=list)  # {"path", "exit_code", "traceback"}
    timed_out: bool = False


def padlint_command() -> list[str]:
    return [sys.executable, "-m", "padlint.cli"]


def default_roots() -> list[Path]:
    roots = [Path(sysconfig.get_paths()["stdlib"])]
    candidates = [*site.getsitepackages(), site.getusersitepackages(), sysconfig.get_paths()["purelib"],
                  sysconfig.get_paths()["platlib"]]
    for candidate in candidates:
        path = Path(candidate)
        if path.is_dir() and path.resolve() not in {r.resolve() for r in roots}:
            roots.append(path)
    return roots


def corpus_files(root: Path, skip: set[Path] = frozenset()) -> list[Path]:
    """Every .py/.pyi file under ``root``, sorted, without following folder symlinks.

    Not padlint's discovery: that honours .gitignore files above the root, and pyenv's
    ``/versions`` entry would hide the whole interpreter.  The files are passed to padlint
    explicitly, which it always checks.  ``skip``: folders to leave out (site-packages
    inside the stdlib, which is its own root).
    """
    out: list[Path] = []
    for folder, dirs, names in os.walk(root):
        dirs[:] = sorted(d for d in dirs if d != "__pycache__" and Path(folder, d).resolve() not in skip)
        for name in sorted(names):
            if name.endswith((".py", ".pyi")):
                path = Path(folder, name)
                if path.is_file():
                    out.append(path)
    return out


def count_lines(path: Path) -> int:
    try:
        data = path.read_bytes()
    except OSError:
        return 0
    return data.count(b"\n") + (1 if data and not data.endswith(b"\n") else 0)


def classify(line: str) -> str:
    if any(p.search(line) for p in _INTERNAL):
        return "internal"
    if any(p.search(line) for p in _INPUT):
        return "input"
    return "other"


def run_padlint(paths: list[str], timeout: float, jobs: int | None, cwd: str) -> tuple[int | None, str, str, float]:
    cmd = [*padlint_command(), *COMMAND]
    if jobs is not None:
        cmd += ["--jobs", str(jobs)]
    cmd += paths
    start = time.perf_counter()
    try:
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, cwd=cwd,
                              errors="replace")
    except subprocess.TimeoutExpired as exc:
        out = exc.stdout.decode(errors="replace") if isinstance(exc.stdout, bytes) else (exc.stdout or "")
        err = exc.stderr.decode(errors="replace") if isinstance(exc.stderr, bytes) else (exc.stderr or "")
        return None, out, err, time.perf_counter() - start
    return proc.returncode, proc.stdout, proc.stderr, time.perf_counter() - start


def crashed(code: int | None, stdout: str, stderr: str) -> bool:
    if code is None:
        return False
    if "Traceback (most recent call last)" in stderr or code not in (0, 1, 2):
        return True
    try:
        json.loads(stdout or "[]")
    except ValueError:
        return True
    return False


def bisect_crash(files: list[Path], timeout: float, jobs: int | None, cwd: str, out: list[dict]) -> None:
    """Find the files among ``files`` whose check crashes, by checking halves."""
    code, stdout, stderr, _ = run_padlint([str(f) for f in files], timeout, jobs, cwd)
    if not crashed(code, stdout, stderr):
        return
    if len(files) > 1:
        before = len(out)
        half = len(files) // 2
        bisect_crash(files[:half], timeout, jobs, cwd, out)
        bisect_crash(files[half:], timeout, jobs, cwd, out)
        if len(out) > before:
            return
    out.append({"path": ", ".join(map(str, files)) if len(files) < 4 else f"{len(files)} files together",
                "exit_code": code, "traceback": "\n".join(stderr.strip().splitlines()[-15:])})


def check_root(root: Path, timeout: float, jobs: int | None, bisect: bool, chunk: int,
               skip: set[Path] = frozenset()) -> RootReport:
    report = RootReport(str(root))
    files = corpus_files(root, skip)
    report.files = len(files)
    report.lines = sum(count_lines(f) for f in files)
    cwd = os.path.abspath(os.sep)
    deadline = time.perf_counter() + timeout
    for start in range(0, len(files), chunk):
        part = files[start:start + chunk]
        left = deadline - time.perf_counter()
        if left <= 0:
            report.timed_out = True
            break
        code, stdout, stderr, seconds = run_padlint([str(f) for f in part], left, jobs, cwd)
        report.seconds += seconds
        report.exit_code = code if report.exit_code in (None, 0) or code in (None, 2) else report.exit_code
        if code is None:
            report.timed_out = True
        for line in stderr.splitlines():
            if not line.strip() or not line.startswith("padlint:"):
                continue
            kind = classify(line)
            if kind == "internal":
                report.internal.append(line)
            elif kind == "input":
                report.input_errors.append(line)
            else:
                report.other_stderr.append(line)
        if crashed(code, stdout, stderr):
            report.crashes.append({"path": f"files {start}..{start + len(part) - 1} of {root}", "exit_code": code,
                                   "traceback": "\n".join(stderr.strip().splitlines()[-15:])})
            if bisect:
                bisect_crash(part, timeout, jobs, cwd, report.crashes)
            continue
        try:
            findings = json.loads(stdout or "[]")
        except ValueError:
            findings = []
        report.findings.update(item["code"] for item in findings)
        if code is None:
            break
    return report


def print_report(reports: list[RootReport]) -> None:
    total_files = sum(r.files for r in reports)
    total_lines = sum(r.lines for r in reports)
    total_seconds = sum(r.seconds for r in reports)
    total_findings: Counter = Counter()
    for r in reports:
        total_findings.update(r.findings)
    for r in reports:
        print(f"== {r.root}")
        print(f"   files {r.files}  lines {r.lines}  seconds {r.seconds:.1f}  exit {r.exit_code}"
              f"{'  TIMED OUT' if r.timed_out else ''}")
        rate = r.lines / r.seconds if r.seconds else 0.0
        print(f"   {rate:,.0f} lines/s; findings {sum(r.findings.values())}: "
              + ", ".join(f"{c} {n}" for c, n in sorted(r.findings.items())))
        print(f"   internal errors: {len(r.internal)}; input errors: {len(r.input_errors)}; "
              f"other stderr lines: {len(r.other_stderr)}; crashes: {len(r.crashes)}")
        for line in r.internal:
            print(f"   INTERNAL {line}")
        for line in r.input_errors:
            print(f"   input    {line}")
        for line in r.other_stderr[:20]:
            print(f"   other    {line}")
        for crash in r.crashes:
            print(f"   CRASH    {crash['path']} (exit {crash['exit_code']})")
            for tb in crash["traceback"].splitlines():
                print(f"            {tb}")
    print("== total")
    print(f"   files {total_files}  lines {total_lines}  seconds {total_seconds:.1f}")
    print("   findings by code: " + (", ".join(f"{c} {n}" for c, n in sorted(total_findings.items())) or "none"))
    print(f"   internal errors {sum(len(r.internal) for r in reports)}  crashes {sum(len(r.crashes) for r in reports)}"
          f"  input errors {sum(len(r.input_errors) for r in reports)}"
          f"  timeouts {sum(r.timed_out for r in reports)}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--root", action="append", type=Path,
                        help="A folder to check (repeatable; default: the stdlib and every site-packages).")
    parser.add_argument("--timeout", type=float, default=3600.0, help="Seconds allowed per root.")
    parser.add_argument("--jobs", type=int, default=None, help="padlint --jobs (default: padlint's own).")
    parser.add_argument("--chunk", type=int, default=1000, help="Files per padlint process.")
    parser.add_argument("--no-bisect", action="store_true", help="Do not look for the file behind a crash.")
    parser.add_argument("--json", type=Path, default=None, help="Also write the report as JSON here.")
    args = parser.parse_args(argv)
    roots = args.root or default_roots()
    resolved = {r.resolve() for r in roots}
    reports = []
    for root in roots:
        print(f"checking {root} ...", flush=True)
        # A root inside another root (site-packages inside the stdlib) is checked once, on its own.
        skip = {r for r in resolved if r != root.resolve() and root.resolve() in r.parents}
        reports.append(check_root(root, args.timeout, args.jobs, not args.no_bisect, args.chunk, skip))
        print(f"   {reports[-1].files} files, {reports[-1].seconds:.1f} s", flush=True)
    print_report(reports)
    if args.json is not None:
        args.json.write_text(json.dumps([
            {**{k: v for k, v in vars(r).items() if k != "findings"}, "findings": dict(r.findings)} for r in reports
        ], indent=2))
    bad = any(r.internal or r.crashes or r.timed_out for r in reports)
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
