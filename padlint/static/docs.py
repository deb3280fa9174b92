"""Where the rule documents live.

In a checkout (and an editable install) they are ``rules/PADnnn-name.md`` at the top of the
project; a built wheel carries the same files as ``padlint/_rule_docs/`` (see pyproject.toml), so a
plain ``pip install`` -- pre-commit's environment, CI -- has them too.
"""

from __future__ import annotations

from pathlib import Path

_PACKAGE = Path(__file__).resolve().parent.parent
_CANDIDATES = (_PACKAGE / "_rule_docs", _PACKAGE.parent / "rules")


def _rules_dir() -> Path:
    for folder in _CANDIDATES:
        if folder.is_dir():
            return folder
    return _CANDIDATES[-1]


RULES_DIR = _rules_dir()


def doc_path(code: str, name: str) -> Path:
    return RULES_DIR / f"{code}-{name}.md"


def doc_url(code: str, name: str) -> str:
    return doc_path(code, name).as_uri()


def read_doc(code: str, name: str) -> str | None:
    path = doc_path(code, name)
    try:
        return path.read_text(encoding="utf-8")
    except OSError:
        return None
