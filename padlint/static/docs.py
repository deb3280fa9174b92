"""Where the rule documents live (``rules/PADnnn-name.md`` at the top of the project)."""

from __future__ import annotations

from pathlib import Path

RULES_DIR = Path(__file__).resolve().parent.parent.parent / "rules"


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
