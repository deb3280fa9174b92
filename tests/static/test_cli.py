"""The command line as users meet it: exit codes, formats, selection, bad input."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

from tests.conftest import ROOT, run_padlint

BUGGY = textwrap.dedent('''
    import torch.nn as nn
    from torch.nn.utils.rnn import pad_sequence


    class Classifier(nn.Module):
        def __init__(self):
            super().__init__()
            self.lstm = nn.LSTM(8, 16, batch_first=True)

        def forward(self, x, lengths):
            out, _ = self.lstm(x)
            return out[:, -1]
''')
CLEAN = "import torch\n\nx = torch.zeros(3, 4)\nprint(x[:, -1].mean())\n"


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_exit_codes_and_concise_format(tmp_path):
    bad = write(tmp_path, "bad.py", BUGGY)
    good = write(tmp_path, "good.py", CLEAN)
    proc = run_padlint("check", "--no-cache", str(bad), str(good))
    assert proc.returncode == 1
    first = proc.stdout.splitlines()[0]
    assert first.startswith(f"{bad}:13:16: PAD202 ")
    assert "Found 1 error." in proc.stdout
    assert run_padlint("check", "--no-cache", str(good)).returncode == 0
    assert run_padlint("check", "--no-cache", "--exit-zero", str(bad)).returncode == 0


def test_json_has_ruffs_keys(tmp_path):
    bad = write(tmp_path, "bad.py", BUGGY)
    proc = run_padlint("check", "--no-cache", "--output-format", "json", str(bad))
    (item,) = json.loads(proc.stdout)
    assert {"filename", "code", "name", "message", "location", "end_location", "fix", "url", "severity"} <= set(item)
    assert item["code"] == "PAD202" and item["name"] == "last-step-of-padded-output"
    assert item["location"] == {"row": 13, "column": 16}
    assert item["end_location"] == {"row": 13, "column": 26}
    assert item["fix"] is None


def test_full_format_shows_source_and_caret(tmp_path):
    bad = write(tmp_path, "bad.py", BUGGY)
    proc = run_padlint("check", "--no-cache", "--output-format", "full", str(bad))
    lines = proc.stdout.splitlines()
    assert any(line.endswith("return out[:, -1]") for line in lines)
    caret = next(line for line in lines if "^" in line)
    assert caret.index("^") == lines[lines.index(caret) - 1].index("out[")
    assert "help:" in proc.stdout


def test_select_and_ignore_with_prefixes(tmp_path):
    bad = write(tmp_path, "bad.py", BUGGY)
    assert run_padlint("check", "--no-cache", "--select", "PAD1", str(bad)).returncode == 0
    assert run_padlint("check", "--no-cache", "--select", "PAD2", str(bad)).returncode == 1
    assert run_padlint("check", "--no-cache", "--ignore", "PAD202", str(bad)).returncode == 0
    assert run_padlint("check", "--no-cache", "--ignore", "last-step-of-padded-output", str(bad)).returncode == 0
    proc = run_padlint("check", "--no-cache", "--select", "PAD9", str(bad))
    assert proc.returncode == 2 and "unknown rule selector 'PAD9'" in proc.stderr


def test_syntax_error_is_pad000_and_other_files_still_checked(tmp_path):
    write(tmp_path, "broken.py", "def f(:\n    pass\n")
    write(tmp_path, "bad.py", BUGGY)
    data = json.loads(run_padlint("check", "--no-cache", "--output-format", "json", str(tmp_path)).stdout)
    codes = {(Path(f["filename"]).name, f["code"]) for f in data}
    assert codes == {("broken.py", "PAD000"), ("bad.py", "PAD202")}
    pad000 = next(f for f in data if f["code"] == "PAD000")
    assert pad000["location"]["row"] == 1


def test_missing_path_is_a_usage_error(tmp_path):
    proc = run_padlint("check", str(tmp_path / "nope.py"))
    assert proc.returncode == 2
    assert "nope.py: no such file or folder" in proc.stderr
    assert "Traceback" not in proc.stderr


def test_unreadable_input_is_exit_2_with_one_line_and_the_rest_checked(tmp_path):
    (tmp_path / "binary.py").write_bytes(b"\x00\x01\x02import torch")
    (tmp_path / "latin.py").write_bytes("x = 'caf\xe9'\n".encode("latin-1"))
    bad = write(tmp_path, "bad.py", BUGGY)
    proc = run_padlint("check", "--no-cache", str(tmp_path))
    assert proc.returncode == 2
    assert "binary.py: binary file" in proc.stderr
    assert "latin.py: not valid utf-8 text" in proc.stderr and "coding" in proc.stderr
    assert f"{bad}:13:16: PAD202" in proc.stdout
    assert "Traceback" not in proc.stderr


def test_discovery_skips_venvs_build_and_gitignored(tmp_path):
    subprocess.run(["git", "init", "-q", str(tmp_path)], check=True)
    write(tmp_path, ".gitignore", "generated/\n*_ignored.py\n")
    for rel in ("generated/a.py", "build/b.py", "venv/c.py", "pkg/d_ignored.py", "pkg/e.py"):
        path = tmp_path / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(BUGGY, encoding="utf-8")
    (tmp_path / "venv" / "pyvenv.cfg").write_text("home = /usr\n")
    data = json.loads(run_padlint("check", "--no-cache", "--output-format", "json", ".", cwd=tmp_path).stdout)
    assert {Path(f["filename"]).as_posix() for f in data} == {"pkg/e.py"}


def test_check_never_imports_torch(tmp_path):
    bad = write(tmp_path, "bad.py", BUGGY)
    code = ("import sys, padlint.cli\n"
            "try:\n    padlint.cli.main(['check', '--no-cache', sys.argv[1]])\n"
            "except SystemExit:\n    pass\n"
            "assert 'torch' not in sys.modules, 'torch was imported'\nprint('ok')\n")
    proc = subprocess.run([sys.executable, "-c", code, str(bad)], capture_output=True, text=True, cwd=ROOT)
    assert proc.stdout.strip().endswith("ok"), proc.stderr


def test_python_dash_m_padlint_is_the_padlint_command(tmp_path):
    bad = write(tmp_path, "bad.py", BUGGY)
    proc = subprocess.run([sys.executable, "-m", "padlint", "check", "--no-cache", "--output-format", "json",
                           str(bad)], capture_output=True, text=True, cwd=ROOT)
    assert proc.returncode == 1, proc.stderr
    assert [f["code"] for f in json.loads(proc.stdout)] and "Traceback" not in proc.stderr
    usage = subprocess.run([sys.executable, "-m", "padlint", "check", "--no-such-option"],
                           capture_output=True, text=True, cwd=ROOT)
    assert usage.returncode == 2 and "Usage: padlint" in usage.stderr


def test_internal_rule_error_is_reported_and_exit_2(tmp_path, monkeypatch):
    from padlint.static.engine import Settings, check_text
    from padlint.static.registry import resolve_selection
    from padlint.static.rules.pad202_last_step_of_padded_output import LastStepOfPaddedOutput

    def boom(self, node, ctx):
        raise ValueError("boom")

    monkeypatch.setattr(LastStepOfPaddedOutput, "on_subscript", boom)
    report = check_text(BUGGY, "x.py", Settings(frozenset(resolve_selection(None))))
    assert any("internal error in rule PAD202" in e.message and e.internal for e in report.errors)


def test_stdin(tmp_path):
    proc = run_padlint("check", "--no-cache", "-", "--stdin-filename", "model.py", stdin=BUGGY)
    assert proc.returncode == 1
    assert proc.stdout.startswith("model.py:13:16: PAD202")


def test_a_folder_named_explicitly_is_checked_even_if_git_ignores_it(tmp_path):
    subprocess.run(["git", "init", "-q", str(tmp_path)], check=True)
    write(tmp_path, ".gitignore", "/vendor\n")
    (tmp_path / "vendor" / "pkg").mkdir(parents=True)
    write(tmp_path / "vendor" / "pkg", "model.py", BUGGY)
    write(tmp_path / "vendor", ".gitignore", "generated_*.py\n")
    write(tmp_path / "vendor" / "pkg", "generated_model.py", BUGGY)
    named = json.loads(run_padlint("check", "--no-cache", "--output-format", "json", "vendor", cwd=tmp_path).stdout)
    assert {Path(f["filename"]).name for f in named} == {"model.py"}
    walked = run_padlint("check", "--no-cache", "--output-format", "json", ".", cwd=tmp_path)
    assert json.loads(walked.stdout) == []
