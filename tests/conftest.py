"""Shared test helpers."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def run_padlint(*args: str, cwd: Path | None = None, stdin: str | None = None, env: dict | None = None):
    """Run the real command line (a fresh interpreter, as users do)."""
    return subprocess.run(
        [sys.executable, "-m", "padlint.cli", *args],
        cwd=cwd or ROOT, input=stdin, capture_output=True, text=True, env=env, timeout=300,
    )


def findings_json(*args: str, cwd: Path | None = None) -> list[dict]:
    proc = run_padlint("check", "--output-format", "json", "--no-cache", *args, cwd=cwd)
    assert proc.returncode in (0, 1), proc.stderr
    return json.loads(proc.stdout)


@pytest.fixture
def padlint_cli():
    return run_padlint
