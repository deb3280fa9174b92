"""SARIF 2.1.0 output (``--output-format sarif``), as GitHub code scanning reads it.

One run; the driver lists every rule of the catalogue (so ``ruleIndex`` points into a
stable table), each result carries ``ruleId``, ``ruleIndex``, ``level`` (``error``,
``warning`` or ``note``), the message, one physical location with 1-based lines and
columns (``endColumn`` is the column after the last character, as SARIF defines it),
a ``partialFingerprints`` entry that survives unrelated edits above the finding, and,
where padlint has an automatic fix, a SARIF ``fixes`` entry.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
from pathlib import Path
from typing import Any
from urllib.parse import quote

from padlint import __version__
from padlint.static.findings import Finding

SARIF_VERSION = "2.1.0"
SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
FINGERPRINT_KEY = "padlint/v1"
_LEVELS = {"error": "error", "warning": "warning", "note": "note", "info": "note"}


def _level(severity: str | None) -> str:
    return _LEVELS.get((severity or "error").lower(), "error")


def artifact_uri(filename: str) -> str:
    """A URI reference for a reported file name.

    Relative names stay relative (GitHub resolves them against the repository root),
    with forward slashes and percent-escapes; absolute names under the current folder
    are made relative to it; any other absolute name becomes a ``file://`` URI.
    """
    if filename == "-":
        return "stdin"
    path = Path(filename)
    if path.is_absolute():
        try:
            path = path.resolve().relative_to(Path.cwd().resolve())
        except (ValueError, OSError):
            return "file://" + quote(os.fsencode(path.as_posix()), safe="/-._~")
    text = path.as_posix()
    while text.startswith("./"):
        text = text[2:]
    # The file name's own bytes, percent-escaped (a name that is not UTF-8 keeps its bytes).
    return quote(os.fsencode(text), safe="/-._~")


def _information_uri() -> str | None:
    """The project's home page from the installed metadata, when it declares one."""
    try:
        from importlib.metadata import PackageNotFoundError, metadata

        meta = metadata("padlint")
    except (ImportError, PackageNotFoundError):  # pragma: no cover - always installed in practice
        return None
    home = meta.get("Home-page")
    if home and re.match(r"https?://", home):
        return home
    for entry in meta.get_all("Project-URL") or []:
        _, _, url = entry.partition(",")
        url = url.strip()
        if re.match(r"https?://", url):
            return url
    return None


def _doc_parts(code: str, name: str) -> tuple[str | None, str | None]:
    """(the "What it does" paragraph as one line, the whole Markdown document) of a rule."""
    from padlint.static.docs import read_doc

    doc = read_doc(code, name)
    if not doc:
        return None, None
    match = re.search(r"^## What it does\s*\n(.*?)(?=^## |\Z)", doc, re.S | re.M)
    what = " ".join(match.group(1).split()) if match else None
    return what or None, doc


def _rule_table() -> list[dict[str, Any]]:
    from padlint.static.docs import doc_url
    from padlint.static.registry import all_rules, catalogue

    severities = {rule.code: rule.severity for rule in all_rules()}
    severities.setdefault("PAD100", "warning")
    rows: list[dict[str, Any]] = []
    for code, name, summary, opt_in in catalogue():
        what, doc = _doc_parts(code, name)
        descriptor: dict[str, Any] = {
            "id": code,
            "name": name,
            "shortDescription": {"text": summary},
            "fullDescription": {"text": what or summary},
            "helpUri": doc_url(code, name),
            "defaultConfiguration": {"level": _level(severities.get(code, "error")), "enabled": not opt_in},
            "properties": {"tags": ["padding", "pytorch"]},
        }
        if doc:
            # `text` is required next to `markdown`; the short form keeps the log small.
            descriptor["help"] = {"text": what or summary, "markdown": doc}
        rows.append(descriptor)
    return rows


def _region(row: int, column: int, end_row: int, end_column: int) -> dict[str, int]:
    row = max(row, 1)
    column = max(column, 1)
    end_row = max(end_row, row)
    end_column = max(end_column, 1)
    if end_row == row and end_column < column:
        end_column = column
    return {"startLine": row, "startColumn": column, "endLine": end_row, "endColumn": end_column}


def _fingerprint(finding: Finding, uri: str, seen: dict[str, int]) -> str:
    """A hash of the rule, the file and the stripped source line, plus which repeat it is.

    It does not contain the line number, so adding lines above a finding keeps it.
    """
    base = "\0".join((finding.code, uri, " ".join(finding.source_line.split())))
    occurrence = seen.get(base, 0)
    seen[base] = occurrence + 1
    return hashlib.sha256(f"{base}\0{occurrence}".encode()).hexdigest()[:32]


def _fixes(finding: Finding, uri: str) -> list[dict[str, Any]]:
    if not finding.edits:
        return []
    replacements = [
        {
            "deletedRegion": _region(e.row, e.column, e.end_row, e.end_column),
            "insertedContent": {"text": e.content},
        }
        for e in finding.edits
    ]
    fix: dict[str, Any] = {
        "description": {"text": finding.fix_message or "Apply padlint's automatic fix"},
        "artifactChanges": [{"artifactLocation": {"uri": uri}, "replacements": replacements}],
    }
    if finding.fix_applicability:
        fix["properties"] = {"applicability": finding.fix_applicability}
    return [fix]


def sarif_log(findings: list[Finding]) -> dict[str, Any]:
    """The SARIF log as a dict (see :func:`sarif` for the text)."""
    rules = _rule_table()
    index = {rule["id"]: i for i, rule in enumerate(rules)}
    seen: dict[str, int] = {}
    results: list[dict[str, Any]] = []
    for f in findings:
        uri = artifact_uri(f.filename)
        result: dict[str, Any] = {
            "ruleId": f.code,
            "level": _level(f.severity),
            "message": {"text": f.message},
            "locations": [{
                "physicalLocation": {
                    "artifactLocation": {"uri": uri},
                    "region": _region(f.row, f.column, f.end_row, f.end_column),
                },
            }],
            "partialFingerprints": {FINGERPRINT_KEY: _fingerprint(f, uri, seen)},
        }
        if f.code in index:
            result["ruleIndex"] = index[f.code]
        fixes = _fixes(f, uri)
        if fixes:
            result["fixes"] = fixes
        results.append(result)
    driver: dict[str, Any] = {"name": "padlint", "version": __version__, "semanticVersion": __version__}
    info = _information_uri()
    if info:
        driver["informationUri"] = info
    driver["rules"] = rules
    return {
        "$schema": SARIF_SCHEMA,
        "version": SARIF_VERSION,
        "runs": [{
            "tool": {"driver": driver},
            # libcst counts columns in characters (code points), not UTF-16 units.
            "columnKind": "unicodeCodePoints",
            "results": results,
        }],
    }


def sarif(findings: list[Finding]) -> str:
    """The SARIF 2.1.0 log of ``findings`` as JSON text."""
    return json.dumps(sarif_log(findings), indent=2, ensure_ascii=False)
