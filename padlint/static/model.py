"""What the runner and the engine hand each other: settings, reports, and reading source bytes.

Kept apart from the engine so that a run served from the cache imports neither libcst nor
the rules.
"""

from __future__ import annotations

import io
import re
import tokenize
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # pragma: no cover
    from padlint.static.findings import Finding
    from padlint.static.rule import Rule


@dataclass
class Settings:
    select: frozenset[str]
    options: dict[str, dict[str, Any]] = field(default_factory=dict)
    ignore_noqa: bool = False
    prefilter: bool = True

    def rules(self) -> list[Rule]:
        from padlint.static.registry import all_rules

        return [rule for rule in all_rules() if rule.code in self.select]

    def key(self) -> str:
        """A stable text of everything that changes findings (for the cache)."""
        return repr((sorted(self.select), sorted((k, sorted(v.items())) for k, v in self.options.items()),
                     self.ignore_noqa))


@dataclass
class FileError:
    filename: str
    message: str
    internal: bool = False  # a bug in padlint (exit 2), not in the user's file
    warning: bool = False  # read, but beyond what padlint can analyse: said, and the exit code is untouched


@dataclass
class FileReport:
    filename: str
    findings: list[Finding] = field(default_factory=list)
    errors: list[FileError] = field(default_factory=list)
    parsed: bool = False
    fixed_text: str | None = None  # with --fix: the new text when it changed
    fixes_applied: int = 0


# ----------------------------------------------------------------------------- reading
_CODING = re.compile(rb"^[ \t\f]*#.*?coding[:=][ \t]*([-\w.]+)")
def decode(data: bytes, filename: str) -> tuple[str | None, str | None]:
    """(text, None) or (None, why it cannot be read as Python source)."""
    if b"\x00" in data:
        return None, "binary file (contains NUL bytes), not Python source"
    try:
        encoding, _ = tokenize.detect_encoding(io.BytesIO(data).readline)
    except SyntaxError as exc:
        head = data.removeprefix(b"\xef\xbb\xbf").split(b"\n", 2)[:2]
        if any(_CODING.search(line) for line in head):
            return None, f"unknown or broken encoding declaration ({exc.msg if hasattr(exc, 'msg') else exc})"
        encoding = "utf-8"  # no declaration: the bytes are simply not UTF-8 (reported below)
    try:
        text = data.decode(encoding)
    except (UnicodeDecodeError, LookupError) as exc:
        detail = exc.reason if isinstance(exc, UnicodeDecodeError) else str(exc)
        where = f" at byte {exc.start}" if isinstance(exc, UnicodeDecodeError) else ""
        return None, (f"not valid {encoding} text{where} ({detail}); "
                      "add a PEP 263 coding line (e.g. `# -*- coding: latin-1 -*-`) or re-save the file as UTF-8")
    if text.startswith("\ufeff"):
        text = text[1:]
    return text, None
