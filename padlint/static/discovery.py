"""Which files to check: walking folders like git would, skipping what it ignores."""

from __future__ import annotations

import fnmatch
import os
import re
from dataclasses import dataclass, field
from pathlib import Path

ALWAYS_SKIPPED = {
    ".git", ".hg", ".svn", ".bzr", "__pycache__", ".venv", "venv", ".tox", ".nox", ".mypy_cache",
    ".pytest_cache", ".ruff_cache", ".padlint_cache", "node_modules", "build", "dist", ".eggs",
    "site-packages", "__pypackages__", ".ipynb_checkpoints",
}


@dataclass
class _Pattern:
    regex: re.Pattern[str]
    negated: bool
    dir_only: bool
    base: Path  # the folder of the .gitignore (or config file)


def _translate(pattern: str) -> str:
    """A gitignore glob as a regex over a '/'-separated relative path."""
    out = []
    i = 0
    while i < len(pattern):
        c = pattern[i]
        if pattern.startswith("**/", i):
            out.append("(?:.*/)?")
            i += 3
        elif pattern.startswith("/**", i) and i + 3 == len(pattern):
            out.append("/.*")
            i += 3
        elif pattern.startswith("**", i):
            out.append(".*")
            i += 2
        elif c == "*":
            out.append("[^/]*")
            i += 1
        elif c == "?":
            out.append("[^/]")
            i += 1
        elif c == "[":
            end = pattern.find("]", i + 1)
            if end == -1:
                out.append(re.escape(c))
                i += 1
            else:
                body = pattern[i + 1 : end].replace("\\", "\\\\")
                if body.startswith("!"):
                    body = "^" + body[1:]
                out.append(f"[{body}]")
                i = end + 1
        else:
            out.append(re.escape(c))
            i += 1
    return "".join(out)


def parse_patterns(lines: list[str], base: Path) -> list[_Pattern]:
    patterns: list[_Pattern] = []
    for raw in lines:
        line = raw.rstrip("\n").rstrip()
        if not line or line.startswith("#"):
            continue
        negated = line.startswith("!")
        if negated:
            line = line[1:]
        dir_only = line.endswith("/")
        line = line.rstrip("/")
        if not line:
            continue
        anchored = "/" in line
        line = line.lstrip("/")
        body = _translate(line)
        regex = f"^{body}(?:/.*)?$" if anchored else f"^(?:.*/)?{body}(?:/.*)?$"
        patterns.append(_Pattern(re.compile(regex), negated, dir_only, base))
    return patterns


@dataclass
class Ignorer:
    patterns: list[_Pattern] = field(default_factory=list)

    def ignored(self, path: Path, is_dir: bool) -> bool:
        result = False
        for pattern in self.patterns:
            try:
                rel = path.relative_to(pattern.base).as_posix()
            except ValueError:
                continue
            if pattern.dir_only and not is_dir and "/" not in rel:
                continue
            if pattern.regex.match(rel):
                result = not pattern.negated
        return result

    def with_gitignore(self, folder: Path) -> Ignorer:
        gitignore = folder / ".gitignore"
        if not gitignore.is_file():
            return self
        try:
            lines = gitignore.read_text(encoding="utf-8", errors="replace").splitlines()
        except OSError:
            return self
        return Ignorer(self.patterns + parse_patterns(lines, folder))


def _git_root(start: Path) -> Path | None:
    for folder in (start, *start.parents):
        if (folder / ".git").exists():
            return folder
    return None


def _initial_ignorer(folder: Path) -> Ignorer:
    ignorer = Ignorer()
    root = _git_root(folder)
    if root is None:
        return ignorer
    chain = [folder, *folder.parents]
    for parent in reversed(chain[1:]):  # the .gitignore files above `folder`, root first
        if parent == root or root in parent.parents:
            ignorer = ignorer.with_gitignore(parent)
    return ignorer


def matches_any(path: Path, globs: list[str], root: Path) -> bool:
    try:
        rel = path.resolve().relative_to(root).as_posix()
    except ValueError:
        rel = path.as_posix()
    name = path.name
    for glob in globs:
        glob = glob.rstrip("/")
        if fnmatch.fnmatch(rel, glob) or fnmatch.fnmatch(name, glob) or fnmatch.fnmatch(rel, glob + "/*") \
                or rel.startswith(glob.strip("./") + "/"):
            return True
    return False


def is_virtualenv(folder: Path) -> bool:
    return (folder / "pyvenv.cfg").is_file()


@dataclass
class Discovery:
    files: list[Path]
    missing: list[str]
    errors: list[tuple[str, str]]


def discover(paths: list[str], exclude: list[str], root: Path) -> Discovery:
    """The .py files under ``paths``; explicitly named files are always taken."""
    files: list[Path] = []
    missing: list[str] = []
    errors: list[tuple[str, str]] = []
    seen: set[Path] = set()

    def add(path: Path) -> None:
        key = path.absolute()
        if key not in seen:
            seen.add(key)
            files.append(path)

    for raw in paths:
        path = Path(raw)
        if path.is_symlink() and not path.exists():
            errors.append((raw, "broken symbolic link"))
            continue
        if not path.exists():
            missing.append(raw)
            continue
        if path.is_file():
            add(path)
            continue
        ignorer = _initial_ignorer(path.resolve())
        if ignorer.ignored(path.resolve(), True):
            # The folder asked for is itself git-ignored (a virtualenv, pyenv's `versions/`):
            # the user named it, so only the .gitignore files inside it apply.
            ignorer = Ignorer()
        stack: list[tuple[Path, Ignorer]] = [(path, ignorer.with_gitignore(path.resolve()))]
        while stack:
            folder, ign = stack.pop()
            try:
                entries = sorted(os.scandir(folder), key=lambda e: e.name)
            except OSError as exc:
                errors.append((str(folder), f"cannot list folder: {exc.strerror or exc}"))
                continue
            subfolders = []
            for entry in entries:
                entry_path = Path(entry.path)
                try:
                    is_dir = entry.is_dir(follow_symlinks=False)
                    is_file = entry.is_file()  # follows a symlinked file
                except OSError:
                    continue
                absolute = entry_path.resolve()
                if is_dir:
                    if entry.name in ALWAYS_SKIPPED or is_virtualenv(entry_path):
                        continue
                    if ign.ignored(absolute, True) or matches_any(entry_path, exclude, root):
                        continue
                    subfolders.append(entry_path)
                elif entry.name.endswith((".py", ".pyi")):
                    if entry.is_symlink() and not entry_path.exists():
                        errors.append((str(entry_path), "broken symbolic link"))
                        continue
                    if not is_file:
                        continue
                    if ign.ignored(absolute, False) or matches_any(entry_path, exclude, root):
                        continue
                    add(entry_path)
            for sub in reversed(subfolders):
                stack.append((sub, ign.with_gitignore(sub.resolve())))
    return Discovery(files, missing, errors)
