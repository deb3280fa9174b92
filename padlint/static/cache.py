"""The result cache: findings of a file, keyed by its content, padlint's version (and its
source files' sizes and times) and the settings.

One JSON table per (version, settings) under ``.padlint_cache/``; an unchanged file is
looked up by the SHA-256 of its bytes and never parsed again.  The folder carries a
``CACHEDIR.TAG`` so backup tools skip it.  A broken or unwritable cache is ignored.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import tempfile
from pathlib import Path
from typing import Any

from padlint import __version__

TAG = "Signature: 8a477f597d28d172789f06886806bc55\n# This file is a cache directory tag created by padlint.\n"


def digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _code_stamp() -> str:
    """Size and modification time of the checker's own source files: an editable install
    updated by `git pull` keeps its version number, and must not be served old findings."""
    root = Path(__file__).resolve().parent
    parts = []
    for path in sorted(root.rglob("*.py")):
        try:
            stat = path.stat()
        except OSError:
            continue
        parts.append(f"{path.relative_to(root)}:{stat.st_size}:{stat.st_mtime_ns}")
    return hashlib.sha256("\n".join(parts).encode()).hexdigest()[:16]


class Cache:
    def __init__(self, folder: Path, settings_key: str) -> None:
        self.folder = folder
        key = hashlib.sha256(f"{__version__}\0{_code_stamp()}\0{settings_key}".encode()).hexdigest()[:20]
        self.file = folder / __version__ / f"{key}.json"
        self.table: dict[str, Any] = {}
        self.dirty = False
        try:
            with open(self.file, encoding="utf-8") as handle:
                loaded = json.load(handle)
            if isinstance(loaded, dict):
                self.table = loaded
        except (OSError, ValueError):
            self.table = {}

    def get(self, path: str, sha: str) -> list[dict[str, Any]] | None:
        entry = self.table.get(path)
        if isinstance(entry, list) and len(entry) == 2 and entry[0] == sha:
            return entry[1]
        return None

    def put(self, path: str, sha: str, findings: list[dict[str, Any]]) -> None:
        self.table[path] = [sha, findings]
        self.dirty = True

    def save(self) -> None:
        if not self.dirty:
            return
        try:
            self.file.parent.mkdir(parents=True, exist_ok=True)
            tag = self.folder / "CACHEDIR.TAG"
            if not tag.exists():
                tag.write_text(TAG, encoding="utf-8")
            gitignore = self.folder / ".gitignore"
            if not gitignore.exists():
                gitignore.write_text("# Created by padlint.\n*\n", encoding="utf-8")
            fd, tmp = tempfile.mkstemp(dir=self.file.parent, suffix=".tmp")
            with os.fdopen(fd, "w", encoding="utf-8") as handle:
                json.dump(self.table, handle, separators=(",", ":"))
            os.replace(tmp, self.file)
        except OSError:
            pass  # a cache that cannot be written only costs time


def remove_cache(folder: Path) -> bool:
    if not folder.exists():
        return False
    if not (folder / "CACHEDIR.TAG").exists():
        raise SystemExit(f"padlint: error: {folder} has no CACHEDIR.TAG; not removing a folder padlint did not make")
    shutil.rmtree(folder, ignore_errors=True)
    return True
