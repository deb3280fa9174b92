"""`padlint check` as a command: stdin, --statistics, --exit-zero, --quiet, colour.

Most tests run the CLI in-process (click's runner); the stdin and colour ones run the
installed `padlint` executable, so real pipes and a real terminal (a pty) are involved.
"""

from __future__ import annotations

import json
import os
import pty
import shutil
import subprocess
import sys
import textwrap

import pytest
from click.testing import CliRunner

from padlint.cli import main
from tests.static.snippets import LAST_STEP

WEAK_FILLS = textwrap.dedent("""\
    import torch


    def attend(scores, mask):
        scores = scores.masked_fill(mask == 0, 1e-9)  # keep this comment
        return torch.softmax(scores, dim=-1)


    def attend_zero(scores, mask):
        return torch.softmax(scores.masked_fill(mask == 0, 0), dim=-1)
    """)

ANSI = "\x1b["


def padlint_cmd() -> list[str]:
    exe = shutil.which("padlint")
    return [exe] if exe else [sys.executable, "-m", "padlint.cli"]


def plain_env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("NO_COLOR", "FORCE_COLOR", "CLICOLOR_FORCE")}
    env.update(extra)
    return env


def cli(*args: str):
    return CliRunner().invoke(main, ["check", "--no-cache", "--isolated", *args], catch_exceptions=False)


@pytest.fixture()
def project(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("FORCE_COLOR", raising=False)
    monkeypatch.delenv("NO_COLOR", raising=False)
    (tmp_path / "enc.py").write_text(LAST_STEP)
    (tmp_path / "attend.py").write_text(WEAK_FILLS)
    (tmp_path / "clean.py").write_text("def f(x):\n    return x\n")
    return tmp_path


# ----------------------------------------------------------------------------- stdin
def test_stdin_reports_with_the_stdin_filename(project):
    result = subprocess.run([*padlint_cmd(), "check", "--isolated", "-", "--stdin-filename", "models/encoder.py"],
                            input=LAST_STEP, capture_output=True, text=True, env=plain_env(), cwd=project)
    assert result.returncode == 1, result.stderr
    assert result.stdout.startswith("models/encoder.py:14:16: PAD202 ")
    assert not (project / ".padlint_cache").exists()  # stdin is never cached
    unnamed = CliRunner().invoke(main, ["check", "--isolated", "-"], input=LAST_STEP)
    assert unnamed.stdout.startswith("-:14:16: PAD202 ")
    clean = CliRunner().invoke(main, ["check", "--isolated", "-", "--stdin-filename", "c.py"], input="x = 1\n")
    assert clean.exit_code == 0


def test_stdin_filename_drives_per_file_ignores_and_json(project):
    (project / "padlint.toml").write_text('[per-file-ignores]\n"legacy/*" = ["PAD202"]\n')
    result = CliRunner().invoke(main, ["check", "--no-cache", "--output-format", "json", "-",
                                       "--stdin-filename", "src/enc.py"], input=LAST_STEP)
    assert [f["filename"] for f in json.loads(result.stdout)] == ["src/enc.py"]
    result = CliRunner().invoke(main, ["check", "--no-cache", "-", "--stdin-filename", "legacy/enc.py"],
                                input=LAST_STEP)
    assert result.exit_code == 0, result.output


def test_stdin_fix_writes_the_fixed_source_to_stdout(project):
    result = subprocess.run([*padlint_cmd(), "check", "--isolated", "--fix", "-", "--stdin-filename", "attend.py"],
                            input=WEAK_FILLS, capture_output=True, text=True, env=plain_env(), cwd=project)
    assert result.returncode == 0, result.stderr
    assert result.stdout == WEAK_FILLS.replace("1e-9", "torch.finfo(scores.dtype).min").replace(
        "mask == 0, 0)", "mask == 0, torch.finfo(scores.dtype).min)")
    assert "# keep this comment" in result.stdout
    assert (project / "attend.py").read_text() == WEAK_FILLS  # no file of that name is touched

    # Nothing to fix: the source comes back unchanged; what is left is reported on stderr.
    result = subprocess.run([*padlint_cmd(), "check", "--isolated", "--fix", "-", "--stdin-filename", "enc.py"],
                            input=LAST_STEP, capture_output=True, text=True, env=plain_env(), cwd=project)
    assert result.stdout == LAST_STEP
    assert result.returncode == 1
    assert "enc.py:14:16: PAD202" in result.stderr


def test_stdin_diff_prints_a_diff(project):
    result = subprocess.run([*padlint_cmd(), "check", "--isolated", "--diff", "-", "--stdin-filename", "attend.py"],
                            input=WEAK_FILLS, capture_output=True, text=True, env=plain_env(), cwd=project)
    assert result.stdout.startswith("--- attend.py\n+++ attend.py\n"), result.stdout
    assert "+    scores = scores.masked_fill(mask == 0, torch.finfo(scores.dtype).min)  # keep this comment" \
        in result.stdout
    assert result.returncode == 1


# ----------------------------------------------------------------------------- summary flags
def test_statistics_counts_per_rule(project):
    result = cli("--statistics", ".")
    assert result.exit_code == 1
    rows = [line.split("\t") for line in result.stdout.splitlines() if "\t" in line]
    assert rows == [["    2", "PAD403", "[*] weak-mask-fill"], ["    1", "PAD202", "    last-step-of-padded-output"]]
    assert "attend.py:" not in result.stdout  # counts, not findings
    assert cli("--statistics", "clean.py").stdout.strip() in ("", "All checks passed!")
    assert cli("--statistics", "--exit-zero", ".").exit_code == 0


def test_exit_zero_and_exit_codes(project):
    assert cli(".").exit_code == 1
    result = cli("--exit-zero", ".")
    assert result.exit_code == 0
    assert "enc.py:14:16: PAD202" in result.stdout  # still reported
    assert cli("clean.py").exit_code == 0
    missing = cli("nope.py")
    assert missing.exit_code == 2 and "nope.py" in missing.stderr
    # --exit-zero does not hide usage errors
    assert cli("--exit-zero", "nope.py").exit_code == 2
    (project / "broken.py").write_text("def f(:\n")
    broken = cli("--output-format", "json", "broken.py")
    assert broken.exit_code == 1 and json.loads(broken.stdout)[0]["code"] == "PAD000"


def test_quiet_prints_findings_only(project):
    loud = cli(".").stdout
    quiet = cli("-q", ".").stdout
    assert "Found 3 errors." in loud and "fixable with the `--fix` option" in loud
    assert "Found" not in quiet and "fixable" not in quiet
    assert quiet.splitlines() == [line for line in loud.splitlines() if ": PAD" in line]
    assert cli("--quiet", "clean.py").stdout == ""
    assert "All checks passed!" in cli("clean.py").stdout


# ----------------------------------------------------------------------------- colour
def _run_on_pty(args: list[str], env: dict[str, str], cwd) -> str:
    """Run padlint with stdout on a pseudo-terminal and return what it wrote there."""
    leader, follower = pty.openpty()
    try:
        proc = subprocess.Popen([*padlint_cmd(), *args], stdout=follower, stderr=subprocess.PIPE,
                                stdin=subprocess.DEVNULL, env=env, cwd=cwd)
        os.close(follower)
        follower = -1
        chunks = []
        while True:
            try:
                data = os.read(leader, 65536)
            except OSError:  # EIO: the child closed the terminal
                break
            if not data:
                break
            chunks.append(data)
        proc.wait(timeout=60)
    finally:
        if follower != -1:
            os.close(follower)
        os.close(leader)
    return b"".join(chunks).decode()


@pytest.mark.skipif(sys.platform == "win32", reason="needs a pty")
def test_colour_only_on_a_terminal_no_color_and_force_color(project):
    args = ["check", "--no-cache", "--isolated", "enc.py"]
    on_tty = _run_on_pty(args, plain_env(), project)
    assert "PAD202" in on_tty and ANSI in on_tty
    assert ANSI not in _run_on_pty(args, plain_env(NO_COLOR="1"), project)
    piped = subprocess.run([*padlint_cmd(), *args], capture_output=True, text=True, env=plain_env(), cwd=project)
    assert "PAD202" in piped.stdout and ANSI not in piped.stdout
    forced = subprocess.run([*padlint_cmd(), *args], capture_output=True, text=True,
                            env=plain_env(FORCE_COLOR="1"), cwd=project)
    assert ANSI in forced.stdout
    # Machine-readable formats never carry colour, even when forced.
    for fmt in ("json", "json-lines", "github", "sarif", "junit"):
        out = CliRunner().invoke(main, [*args, "--output-format", fmt], env={"FORCE_COLOR": "1"}).stdout
        assert "PAD202" in out and ANSI not in out, fmt
    assert ANSI in CliRunner().invoke(main, [*args, "--output-format", "full"], env={"FORCE_COLOR": "1"}).stdout


def test_stdin_uses_the_configuration_of_the_named_file(tmp_path, monkeypatch):
    """An editor pipes a buffer from any folder: the config next to the named file applies."""
    (tmp_path / "proj" / "src").mkdir(parents=True)
    (tmp_path / "proj" / "padlint.toml").write_text('select = ["PAD403"]\n')
    (tmp_path / "elsewhere").mkdir()
    monkeypatch.chdir(tmp_path / "elsewhere")
    for name in ("../proj/src/enc.py", "../proj/src/not/saved/yet.py"):
        result = CliRunner().invoke(main, ["check", "--no-cache", "-", "--stdin-filename", name], input=LAST_STEP)
        assert result.exit_code == 0, result.output
    result = CliRunner().invoke(main, ["check", "--no-cache", "-"], input=LAST_STEP)
    assert result.exit_code == 1
