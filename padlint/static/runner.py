"""Running a check over many files: discovery, cache, parallel workers, fixes, stable order."""

from __future__ import annotations

import fnmatch
import gc
import multiprocessing
import os
import sys
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from padlint.static.cache import Cache, digest
from padlint.static.discovery import discover
from padlint.static.model import FileReport, Settings, decode
from padlint.static.findings import Finding

# Below this many files to parse, worker processes cost more than they save.
PARALLEL_THRESHOLD = 6


@dataclass
class Job:
    paths: list[str]
    selected: frozenset[str]
    per_file_ignores: dict[str, set[str]] = field(default_factory=dict)
    exclude: list[str] = field(default_factory=list)
    extend_exclude: list[str] = field(default_factory=list)
    root: Path = field(default_factory=Path.cwd)
    options: dict[str, Any] = field(default_factory=dict)
    ignore_noqa: bool = False
    prefilter: bool = True
    fix: str | None = None
    write_fixes: bool = False
    jobs: int | None = None
    cache_dir: str | None = None
    stdin_filename: str | None = None
    force_exclude: bool = False  # apply exclude/extend-exclude to files named on the command line too


@dataclass
class RunResult:
    findings: list[Finding] = field(default_factory=list)
    messages: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)  # files read but not analysed (exit code untouched)
    files_checked: int = 0
    checked_files: list[str] = field(default_factory=list)
    files_parsed: int = 0
    usage_error: bool = False
    internal_error: bool = False
    unreadable: bool = False
    diffs: list[tuple[str, str, str]] = field(default_factory=list)
    fixed: int = 0
    fixed_stdin: str | None = None


@dataclass
class _Unit:
    display: str
    path: Path | None
    text: str
    encoding: str
    settings: Settings
    sha: str


def _settings_for(job: Job, display: str) -> Settings:
    select = set(job.selected)
    if not job.per_file_ignores:
        return Settings(frozenset(select), job.options, job.ignore_noqa, job.prefilter)
    rel = display.replace(os.sep, "/")
    # Globs are relative to the folder of the configuration file, wherever padlint runs from.
    try:
        from_root = Path(display).resolve().relative_to(job.root.resolve()).as_posix()
    except (ValueError, OSError):
        from_root = rel
    for glob, codes in job.per_file_ignores.items():
        if fnmatch.fnmatch(Path(rel).name, glob) or any(
                fnmatch.fnmatch(name, glob) or fnmatch.fnmatch(name, f"*/{glob}") for name in (rel, from_root)):
            select -= codes
    return Settings(frozenset(select), job.options, job.ignore_noqa, job.prefilter)


def _work(unit: tuple[str, str, Settings, str | None]) -> FileReport:
    from padlint.static.engine import check_text  # libcst and the rules: only when a file is parsed

    display, text, settings, fix = unit
    # The parse and the analysis allocate hundreds of thousands of short-lived objects, nearly
    # all freed by reference counting; Python's cyclic collector, run every 700 allocations,
    # rescans the survivors over and over (about a tenth of the CPU time).  So it pauses for
    # the file, and one young-generation pass afterwards frees whatever cycles the file made.
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        return check_text(text, display, settings, fix=fix)
    finally:
        gc.collect(0)
        if was_enabled:
            gc.enable()


def run(job: Job) -> RunResult:
    result = RunResult()
    units: list[_Unit] = []
    for raw in job.paths:
        if raw == "-":
            data = sys.stdin.buffer.read()
            display = job.stdin_filename or "-"
            _add_unit(job, result, units, display, None, data)
    file_paths = [p for p in job.paths if p != "-"]
    if file_paths:
        found = discover(file_paths, [*job.exclude, *job.extend_exclude], job.root)
        for missing in found.missing:
            result.messages.append(f"{missing}: no such file or folder")
            result.usage_error = True
        for where, why in found.errors:
            result.messages.append(f"{where}: {why}")
            result.unreadable = True
        files = found.files
        if job.force_exclude:
            globs = [*job.exclude, *job.extend_exclude]
            files = [p for p in files if not _force_excluded(p, globs, job.root)]
        for path in files:
            try:
                data = path.read_bytes()
            except OSError as exc:
                result.messages.append(f"{path}: cannot read: {exc.strerror or exc}")
                result.unreadable = True
                continue
            _add_unit(job, result, units, str(path), path, data)
    result.files_checked = len(units)
    result.checked_files = [u.display for u in units]

    cache = None
    if job.cache_dir is not None and job.fix is None and units:
        cache = Cache(Path(job.cache_dir), repr((sorted(job.selected), job.options, job.ignore_noqa,
                                                 sorted((k, sorted(v)) for k, v in job.per_file_ignores.items()))))
    todo: list[_Unit] = []
    for unit in units:
        hit = cache.get(str(unit.path.resolve()) if unit.path else unit.display, unit.sha) if cache else None
        if hit is not None:
            result.findings.extend(Finding.from_json(item) for item in hit)
        else:
            todo.append(unit)

    reports = _check_all(todo, job)
    result.files_parsed = sum(1 for r in reports if r.parsed)
    for unit, report in zip(todo, reports):
        result.findings.extend(report.findings)
        for error in report.errors:
            if error.warning:
                result.warnings.append(f"{error.filename}: {error.message}")
                continue
            result.messages.append(f"{error.filename}: {error.message}")
            if error.internal:
                result.internal_error = True
            else:
                result.unreadable = True
        if cache is not None and not report.errors:
            cache.put(str(unit.path.resolve()) if unit.path else unit.display, unit.sha,
                      [dict(f.to_json(), hint=f.hint, source_line=f.source_line) for f in report.findings])
        if report.fixed_text is not None and report.fixed_text != unit.text:
            result.fixed += report.fixes_applied
            if unit.path is None and job.write_fixes:
                result.fixed_stdin = report.fixed_text
            elif job.write_fixes:
                try:
                    unit.path.write_bytes(report.fixed_text.encode(unit.encoding))
                except OSError as exc:
                    result.messages.append(f"{unit.display}: cannot write the fix: {exc.strerror or exc}")
                    result.unreadable = True
            else:
                result.diffs.append((unit.display, unit.text, report.fixed_text))
        elif unit.path is None and job.fix is not None and job.write_fixes:
            result.fixed_stdin = unit.text
    if cache is not None:
        cache.save()
    result.findings.sort(key=Finding.sort_key)
    return result


def _force_excluded(path: Path, globs: list[str], root: Path) -> bool:
    """Whether ``path`` or a folder above it (up to ``root``) matches an exclude glob."""
    if not globs:
        return False
    from padlint.static.discovery import matches_any

    root = root.resolve()
    candidate = path.resolve()
    while True:
        if matches_any(candidate, globs, root):
            return True
        if candidate == root or candidate.parent == candidate or root not in candidate.parents:
            return False
        candidate = candidate.parent


def _add_unit(job: Job, result: RunResult, units: list[_Unit], display: str, path: Path | None, data: bytes) -> None:
    text, why = decode(data, display)
    if text is None:
        result.messages.append(f"{display}: {why}")
        result.unreadable = True
        return
    encoding = "utf-8"
    if path is not None:
        import io
        import tokenize

        try:
            encoding, _ = tokenize.detect_encoding(io.BytesIO(data).readline)
        except SyntaxError:
            encoding = "utf-8"
    units.append(_Unit(display, path, text, encoding, _settings_for(job, display), digest(data)))


def _check_all(units: list[_Unit], job: Job) -> list[FileReport]:
    work = [(u.display, u.text, u.settings, job.fix) for u in units]
    jobs = job.jobs if job.jobs is not None else (os.cpu_count() or 1)
    if jobs <= 1 or len(work) < PARALLEL_THRESHOLD:
        return [_work(w) for w in work]
    # Fork keeps the already-imported rules; elsewhere spawn re-imports them.
    method = "fork" if sys.platform.startswith("linux") else None
    context = multiprocessing.get_context(method)
    # Big files first so no worker is left with a long tail.
    order = sorted(range(len(work)), key=lambda i: -len(work[i][1]))
    with ProcessPoolExecutor(max_workers=jobs, mp_context=context) as pool:
        done = list(pool.map(_work, [work[i] for i in order], chunksize=max(1, len(work) // (jobs * 8))))
    reports: list[FileReport | None] = [None] * len(work)
    for index, report in zip(order, done):
        reports[index] = report
    return reports  # type: ignore[return-value]
