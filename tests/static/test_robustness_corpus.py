"""A fast sample of the robustness corpus (benchmarks/robustness_corpus.py runs all of it).

150 standard-library files and 150 torch files, chosen deterministically (evenly spaced in
sorted order), checked with every rule: no traceback, no internal error.
"""

from __future__ import annotations

import importlib.util
import json
import os
import subprocess
import sys
import sysconfig
from pathlib import Path


SAMPLE = 150


def _py_files(root: Path, skip: tuple[str, ...] = ()) -> list[Path]:
    out = []
    for folder, dirs, names in os.walk(root):
        dirs[:] = sorted(d for d in dirs if d != "__pycache__" and d not in skip)
        out.extend(Path(folder, n) for n in sorted(names) if n.endswith(".py"))
    return out


def _spread(files: list[Path], count: int) -> list[Path]:
    if len(files) <= count:
        return files
    step = len(files) / count
    return [files[int(i * step)] for i in range(count)]


def _sample() -> list[Path]:
    stdlib = Path(sysconfig.get_paths()["stdlib"])
    files = _spread(_py_files(stdlib, skip=("site-packages", "dist-packages")), SAMPLE)
    spec = importlib.util.find_spec("torch")
    if spec is not None and spec.submodule_search_locations:
        files += _spread(_py_files(Path(list(spec.submodule_search_locations)[0])), SAMPLE)
    return files


def test_sample_of_stdlib_and_torch_has_no_internal_error():
    files = _sample()
    assert len(files) >= SAMPLE
    proc = subprocess.run(
        [sys.executable, "-m", "padlint.cli", "check", "--select", "ALL", "--preview", "--no-cache",
         "--output-format", "json", *map(str, files)],
        capture_output=True, text=True, timeout=600, cwd=os.path.abspath(os.sep),
    )
    assert "Traceback" not in proc.stderr, proc.stderr
    internal = [line for line in proc.stderr.splitlines()
                if "internal error" in line or "libcst could not parse" in line or "libcst failed" in line
                or "automatic fix" in line]
    assert internal == [], "\n".join(internal)
    assert proc.returncode in (0, 1, 2), proc.stderr
    if proc.returncode == 2:  # only legitimately unreadable input (the stdlib's deliberately bad files)
        for line in proc.stderr.splitlines():
            if line.strip():
                assert line.startswith("padlint: error: ") and "/test/" in line, line
    json.loads(proc.stdout)
