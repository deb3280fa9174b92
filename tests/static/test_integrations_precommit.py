"""The `padlint` pre-commit hook, run by the real pre-commit against a clone of this repository.

The hook repository is a clone of this project at its committed HEAD, kept at a fixed
place under the temporary folder together with PRE_COMMIT_HOME, so pre-commit builds the
hook environment (pip installs padlint with libcst and click) once per commit and later
runs reuse it.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
import textwrap
from pathlib import Path

import pytest

from tests.static.snippets import LAST_STEP as BUGGY

ROOT = Path(__file__).resolve().parents[2]
CACHE = Path(tempfile.gettempdir()) / "padlint-test-pre-commit"


CLEAN = textwrap.dedent("""\
    import torch
    from torch import nn
    from torch.nn.utils.rnn import pack_padded_sequence


    class Encoder(nn.Module):
        def __init__(self):
            super().__init__()
            self.lstm = nn.LSTM(8, 16, batch_first=True)

        def forward(self, x, lengths):
            packed = pack_padded_sequence(x, lengths.cpu(), batch_first=True, enforce_sorted=False)
            _, (h_n, _) = self.lstm(packed)
            return h_n[-1]
    """)


def _git(*args: str, cwd: Path) -> str:
    env = dict(os.environ, GIT_TERMINAL_PROMPT="0")
    return subprocess.run(["git", *args], cwd=cwd, env=env, check=True, capture_output=True, text=True).stdout.strip()


def _pre_commit() -> list[str]:
    exe = shutil.which("pre-commit")
    return [exe] if exe else [sys.executable, "-m", "pre_commit"]


@pytest.fixture(scope="module")
def hook_repo() -> tuple[Path, str]:
    """A clone of this repository at its committed HEAD (at a fixed path so pre-commit's cache hits)."""
    if shutil.which("git") is None:
        pytest.skip("git is not installed")
    rev = _git("rev-parse", "HEAD", cwd=ROOT)
    if not (ROOT / ".pre-commit-hooks.yaml").is_file() or not _git("ls-files", ".pre-commit-hooks.yaml", cwd=ROOT):
        pytest.fail(".pre-commit-hooks.yaml is not committed in this repository")
    clone = CACHE / "padlint-clone"
    CACHE.mkdir(parents=True, exist_ok=True)
    if not (clone / ".git").is_dir():
        shutil.rmtree(clone, ignore_errors=True)
        _git("clone", "--quiet", "--no-checkout", str(ROOT), str(clone), cwd=CACHE)
    _git("fetch", "--quiet", str(ROOT), "HEAD", cwd=clone)
    _git("checkout", "--quiet", "--force", rev, cwd=clone)
    return clone, rev


def _run_hook(repo: Path, hook_repo: tuple[Path, str]) -> subprocess.CompletedProcess[str]:
    clone, rev = hook_repo
    (repo / ".pre-commit-config.yaml").write_text(textwrap.dedent(f"""\
        repos:
          - repo: {clone}
            rev: {rev}
            hooks:
              - id: padlint
        """))
    _git("add", "-A", cwd=repo)
    env = dict(os.environ, PRE_COMMIT_HOME=str(CACHE / "home"), PRE_COMMIT_COLOR="never", NO_COLOR="1",
               GIT_TERMINAL_PROMPT="0", PIP_DISABLE_PIP_VERSION_CHECK="1")
    env.pop("FORCE_COLOR", None)
    env.pop("VIRTUAL_ENV", None)
    proc = subprocess.run([*_pre_commit(), "run", "--all-files"], cwd=repo, env=env, capture_output=True,
                          text=True, timeout=600)
    output = proc.stdout + proc.stderr
    if proc.returncode not in (0, 1) and any(sign in output for sign in _NO_NETWORK):
        pytest.skip("pre-commit could not install libcst/click from PyPI for the hook environment (no network)")
    return proc


_NO_NETWORK = ("NewConnectionError", "Temporary failure in name resolution", "Network is unreachable",
               "No matching distribution found for libcst", "No matching distribution found for setuptools")


@pytest.fixture()
def user_repo(tmp_path: Path) -> Path:
    repo = tmp_path / "project"
    repo.mkdir()
    _git("init", "--quiet", cwd=repo)
    (repo / "README.md").write_text("not python\n")
    return repo


def test_hook_definition_matches_the_cli():
    import yaml

    hooks = yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text())
    (hook,) = [h for h in hooks if h["id"] == "padlint"]
    assert hook["entry"] == "padlint check"
    assert hook.get("args") == ["--force-exclude"]
    assert hook["language"] == "python"
    assert hook["types"] == ["python"]
    assert hook["require_serial"] is False


def test_pre_commit_hook_fails_on_buggy_and_passes_on_clean(user_repo: Path, hook_repo):
    (user_repo / "model.py").write_text(BUGGY)
    failed = _run_hook(user_repo, hook_repo)
    output = failed.stdout + failed.stderr
    assert failed.returncode == 1, output
    assert "model.py:14:16: PAD202" in output, output
    assert "Failed" in output

    (user_repo / "model.py").write_text(CLEAN)
    # The project's own exclude applies to the files pre-commit names (the hook passes --force-exclude).
    (user_repo / "legacy").mkdir()
    (user_repo / "legacy" / "old_model.py").write_text(BUGGY)
    (user_repo / "pyproject.toml").write_text('[tool.padlint]\nextend-exclude = ["legacy"]\n')
    passed = _run_hook(user_repo, hook_repo)
    output = passed.stdout + passed.stderr
    assert passed.returncode == 0, output
    assert "Passed" in output

    # The hook environment holds padlint and its two dependencies, not torch.
    import sqlite3

    with sqlite3.connect(CACHE / "home" / "db.db") as db:  # pre-commit's own map of (repo, rev) -> folder
        (repo_dir,) = db.execute("SELECT path FROM repos WHERE ref = ?", (hook_repo[1],)).fetchone()
    envs = list(Path(repo_dir).glob("py_env-*"))
    assert envs, "pre-commit built no python environment"
    for env_dir in envs:
        python = env_dir / "bin" / "python"
        if not python.exists():
            python = env_dir / "Scripts" / "python.exe"
        probe = subprocess.run(
            [str(python), "-c", "import importlib.util as u; print(bool(u.find_spec('padlint')), "
                                "bool(u.find_spec('libcst')), bool(u.find_spec('torch')))"],
            capture_output=True, text=True, check=True)
        if probe.stdout.split()[0] == "True":
            assert probe.stdout.split() == ["True", "True", "False"]
            # A plain (non-editable) install carries the rule documents: `padlint rule` prints
            # one, and the `url` of a JSON finding names a file that exists.
            padlint_exe = python.parent / python.name.replace("python", "padlint")
            doc = subprocess.run([str(padlint_exe), "rule", "PAD202"], capture_output=True, text=True)
            assert doc.returncode == 0 and "## What it does" in doc.stdout, doc.stdout + doc.stderr
            found = subprocess.run([str(padlint_exe), "check", "--output-format", "json", "-"],
                                   input=BUGGY, capture_output=True, text=True)
            import json
            from urllib.parse import unquote, urlparse

            (finding,) = [f for f in json.loads(found.stdout) if f["code"] == "PAD202"]
            assert Path(unquote(urlparse(finding["url"]).path)).is_file(), finding["url"]
