"""Writing findings: concise, full, json (ruff's keys), and the CI formats."""

from __future__ import annotations

import json
import os
import re
import sys
from collections import Counter
from typing import IO

from padlint.static.findings import Finding

_SURROGATE = re.compile("[\ud800-\udfff]")
FORMATS = ("concise", "full", "json", "json-lines", "github", "sarif", "junit")


def use_color(stream: IO[str]) -> bool:
    if os.environ.get("NO_COLOR"):
        return False
    if os.environ.get("FORCE_COLOR", "") not in ("", "0", "false", "no"):
        return True
    return hasattr(stream, "isatty") and stream.isatty()


def _c(text: str, code: str, color: bool) -> str:
    return f"\x1b[{code}m{text}\x1b[0m" if color else text


def concise(findings: list[Finding], color: bool) -> str:
    lines = []
    for f in findings:
        fixable = " [*]" if f.edits and f.fix_applicability == "safe" else ""
        lines.append(f"{_c(f.filename, '1', color)}:{f.row}:{f.column}: {_c(f.code, '1;31', color)}{fixable} {f.message}")
    return "\n".join(lines)


def full(findings: list[Finding], color: bool) -> str:
    blocks = []
    for f in findings:
        fixable = " [*]" if f.edits and f.fix_applicability == "safe" else ""
        head = f"{_c(f.filename, '1', color)}:{f.row}:{f.column}: {_c(f.code, '1;31', color)}{fixable} {f.message}"
        block = [head]
        if f.source_line:
            gutter = str(f.row)
            pad = " " * len(gutter)
            line = f.source_line.expandtabs(4)
            start = max(f.column - 1, 0)
            end = f.end_column - 1 if f.end_row == f.row else len(f.source_line.rstrip())
            width = max(end - start, 1)
            block.append(f"{pad} |")
            block.append(f"{gutter} | {line}")
            block.append(f"{pad} | {' ' * start}{_c('^' * width, '31', color)}")
        hint = f.fix_message if f.edits else f.hint
        if hint:
            block.append(f"  = help: {hint}")
        blocks.append("\n".join(block))
    return "\n\n".join(blocks)


def as_json(findings: list[Finding]) -> str:
    return json.dumps([f.to_json() for f in findings], indent=2)


def json_lines(findings: list[Finding]) -> str:
    return "\n".join(json.dumps(f.to_json()) for f in findings)


def _gh_escape(text: str, prop: bool = False) -> str:
    text = text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")
    if prop:
        text = text.replace(":", "%3A").replace(",", "%2C")
    return text


def github(findings: list[Finding]) -> str:
    lines = []
    for f in findings:
        level = "warning" if f.severity == "warning" else "error"
        props = (f"file={_gh_escape(f.filename, True)},line={f.row},col={f.column},"
                 f"endLine={f.end_row},endColumn={f.end_column},title={_gh_escape(f'padlint ({f.code})', True)}")
        lines.append(f"::{level} {props}::{_gh_escape(f'{f.code} {f.message}')}")
    return "\n".join(lines)


def statistics(findings: list[Finding]) -> str:
    counts = Counter((f.code, f.name) for f in findings)
    fixable = Counter(f.code for f in findings if f.edits and f.fix_applicability == "safe")
    rows = []
    for (code, name), count in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])):
        mark = "[*]" if fixable.get(code) else "   "
        rows.append(f"{count:>5}\t{code}\t{mark} {name}")
    return "\n".join(rows)


def write(findings: list[Finding], fmt: str, stream: IO[str] | None = None, files_checked: int = 0,
          checked_files: list[str] | None = None) -> None:
    stream = stream or sys.stdout
    color = use_color(stream)
    if fmt == "concise":
        text = concise(findings, color)
    elif fmt == "full":
        text = full(findings, color)
    elif fmt == "json":
        text = as_json(findings)
    elif fmt == "json-lines":
        text = json_lines(findings)
    elif fmt == "github":
        text = github(findings)
    elif fmt == "sarif":
        from padlint.static.sarif import sarif

        text = sarif(findings)
    elif fmt == "junit":
        from padlint.static.junit import junit

        text = junit(findings, checked_files if checked_files is not None else files_checked)
    else:  # pragma: no cover - click validates the choice
        raise ValueError(fmt)
    if text:
        stream.write(_printable(text) + "\n")


def _printable(text: str) -> str:
    """``text`` with lone surrogates (file names that are not valid UTF-8) shown as U+FFFD."""
    return _SURROGATE.sub("\ufffd", text)
