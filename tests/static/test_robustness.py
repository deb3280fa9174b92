"""Bad input never stops padlint with a traceback (issue 6, static side).

Every test puts one kind of bad input next to a good file with a known finding (PAD202) in
the same run, and checks the exit code, the one-line message on stderr, and that the good
file was still checked.  Most tests run the command in-process (click's runner, one worker,
fast); ``test_all_bad_inputs_in_one_folder_subprocess`` runs the real command line with its
default worker processes over all of them at once.
"""

from __future__ import annotations

import ast
import json
import os
import random
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from padlint.cli import main

# The good file: one PAD202 at line 13, column 16 (`out[:, -1]`).
GOOD = textwrap.dedent('''\
    import torch.nn as nn
    from torch.nn.utils.rnn import pad_sequence


    class Classifier(nn.Module):
        def __init__(self):
            super().__init__()
            self.lstm = nn.LSTM(8, 16, batch_first=True)

        def forward(self, x, lengths):
            out, _ = self.lstm(x)
            # the last padded step
            return out[:, -1]
''')
GOOD_AT = (13, 16)


class Run:
    def __init__(self, code: int, stdout: str, stderr: str) -> None:
        self.code = code
        self.stdout = stdout
        self.stderr = stderr

    @property
    def findings(self) -> list[dict]:
        return json.loads(self.stdout) if self.stdout.strip() else []

    def codes_in(self, path: Path) -> list[tuple[str, int, int]]:
        return sorted((f["code"], f["location"]["row"], f["location"]["column"]) for f in self.findings
                      if Path(f["filename"]).name == path.name)

    @property
    def errors(self) -> list[str]:
        return [line for line in self.stderr.splitlines() if line.strip()]


def padlint(*args: str, cwd: Path | None = None) -> Run:
    """`padlint check --no-cache --output-format json --jobs 1 ARGS` in-process; fails on a traceback."""
    runner = CliRunner()
    old = Path.cwd()
    if cwd is not None:
        os.chdir(cwd)
    try:
        result = runner.invoke(main, ["check", "--no-cache", "--output-format", "json", "--jobs", "1", *args],
                               catch_exceptions=True)
    finally:
        os.chdir(old)
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        import traceback

        tb = "".join(traceback.format_exception(result.exception))
        pytest.fail(f"padlint raised {type(result.exception).__name__}:\n{tb}")
    assert "Traceback" not in result.stderr
    return Run(result.exit_code, result.stdout, result.stderr)


def write(folder: Path, name: str, content: str | bytes) -> Path:
    path = folder / name
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_bytes(content.encode("utf-8"))
    return path


def assert_good_checked(run: Run, good: Path) -> None:
    assert run.codes_in(good) == [("PAD202", *GOOD_AT)], run.stdout


def assert_one_message(run: Run, path: Path, *words: str) -> str:
    """Exactly one stderr line, about ``path``, containing ``words``; returns it."""
    lines = [line for line in run.errors if path.name in line]
    assert len(lines) == 1, run.stderr
    line = lines[0]
    assert line.startswith("padlint: error: "), line
    for word in words:
        assert word in line, line
    assert "internal error" not in line
    return line


@pytest.fixture
def good(tmp_path: Path) -> Path:
    return write(tmp_path, "good.py", GOOD)


# ----------------------------------------------------------------------------- syntax errors
BROKEN = {
    "unclosed_def": "import torch\n\nx = torch.zeros(3)\ndef f(:\n    pass\n",
    "no_trigger_words": "x = 1\ny = (2,\nz = 3\n",
    "trigger_words": "import torch\nmask = torch.ones(3)\nlengths = mask.sum(\n",
    "bad_indent": "import torch\ndef f(mask):\n    x = mask.sum()\n      return x\n",
    "tab_error": "import torch\ndef f(mask):\n    if mask:\n\tx = 1\n        return mask.sum()\n",
    "unterminated_string": "import torch\nmask = torch.ones(3)\ns = '''never closed\n",
    "too_many_parentheses": "mask = " + "(" * 201 + "1" + ")" * 201 + "\n",
    "too_deep_indentation": "".join("    " * i + "if mask:\n" for i in range(101)) + "    " * 101 + "pass\n",
    "py312_generic_def": "def f[T](mask: T) -> T:\n    return mask.sum()\n",
    "null_escape_in_name": "import torch\nmask\\u0000 = 1\n",
}


def _python_error(text: str) -> tuple[int, int]:
    try:
        ast.parse(text)
    except SyntaxError as exc:
        return exc.lineno, exc.offset
    raise AssertionError("the example parses")


# Code that libcst parses but this Python rejects (newer syntax, too many nested parentheses)
# is PAD000 too: Python's parser has the last word, whichever path the prefilter takes.
@pytest.mark.parametrize("name", sorted(BROKEN))
def test_syntax_error_is_pad000_at_pythons_position(tmp_path, good, name):
    text = BROKEN[name]
    bad = write(tmp_path, "bad.py", text)
    run = padlint(str(bad), str(good))
    assert run.code == 1, run.stderr
    assert run.errors == []
    row, column = _python_error(text)
    assert run.codes_in(bad) == [("PAD000", row, column)]
    assert_good_checked(run, good)
    # The message is one line and is Python's own.
    [finding] = [f for f in run.findings if f["code"] == "PAD000"]
    assert finding["message"].startswith("SyntaxError: ") and "\n" not in finding["message"]


@pytest.mark.parametrize("prefix", ["", "import torch\nmask = torch.ones(3).sum()\n"])
def test_newer_python_syntax_is_a_syntax_error_whatever_the_words(tmp_path, good, prefix):
    """`type X = ...` (Python 3.12) does not parse on 3.11: PAD000, with or without trigger words."""
    text = prefix + "type Lengths = list[int]\n"
    if sys.version_info >= (3, 12):
        pytest.skip("the type statement parses on this Python")
    bad = write(tmp_path, "bad.py", text)
    run = padlint("--select", "ALL", "--preview", str(bad), str(good))
    row, column = _python_error(text)
    assert run.codes_in(bad) == [("PAD000", row, column)]
    assert run.code == 1


# ----------------------------------------------------------------------------- encodings
def test_not_utf8_without_coding_line(tmp_path, good):
    # The bad byte well after the first two lines (where no coding line can be).
    bad = write(tmp_path, "latin.py", b"import torch\n\n\nname = 'caf\xe9'\n")
    run = padlint(str(bad), str(good))
    assert run.code == 2
    assert_one_message(run, bad, "utf-8", "coding")
    assert run.codes_in(bad) == []
    assert_good_checked(run, good)


def test_not_utf8_on_first_line_without_coding_line(tmp_path, good):
    bad = write(tmp_path, "latin.py", b"name = 'caf\xe9'\n")
    run = padlint(str(bad), str(good))
    assert run.code == 2
    assert_one_message(run, bad)
    assert_good_checked(run, good)


def test_latin1_with_coding_line_is_checked_normally(tmp_path, good):
    text = "# -*- coding: latin-1 -*-\n# Données: café\n" + GOOD
    bad = write(tmp_path, "latin.py", text.encode("latin-1"))
    run = padlint(str(bad), str(good))
    assert run.code == 1
    assert run.errors == []
    assert run.codes_in(bad) == [("PAD202", GOOD_AT[0] + 2, GOOD_AT[1])]
    assert_good_checked(run, good)


def test_latin1_fix_keeps_the_encoding(tmp_path):
    """--fix on a latin-1 file writes latin-1 back (the é survives)."""
    text = ("# -*- coding: latin-1 -*-\n# café\nimport torch\nfrom torch.nn.utils.rnn import pack_padded_sequence\n"
            "def f(x, lengths):\n    return pack_padded_sequence(x, lengths.cuda(), batch_first=True)\n")
    bad = write(tmp_path, "latin.py", text.encode("latin-1"))
    run = padlint("--fix", "--unsafe-fixes", "--select", "ALL", "--preview", str(bad))
    assert run.code in (0, 1)
    data = bad.read_bytes()
    assert b"caf\xe9" in data
    ast.parse(data)


def test_utf8_coding_line_with_latin1_bytes(tmp_path, good):
    bad = write(tmp_path, "lie.py", b"# -*- coding: utf-8 -*-\nimport torch\nname = 'caf\xe9'\n")
    run = padlint(str(bad), str(good))
    assert run.code == 2
    assert_one_message(run, bad, "utf-8")
    assert_good_checked(run, good)


def test_unknown_coding_line(tmp_path, good):
    bad = write(tmp_path, "klingon.py", b"# -*- coding: klingon -*-\nx = 1\n")
    run = padlint(str(bad), str(good))
    assert run.code == 2
    assert_one_message(run, bad, "klingon")
    assert_good_checked(run, good)


def test_bom_and_a_different_coding_line(tmp_path, good):
    bad = write(tmp_path, "bomlatin.py", b"\xef\xbb\xbf# -*- coding: latin-1 -*-\nx = 1\n")
    run = padlint(str(bad), str(good))
    assert run.code == 2
    assert_one_message(run, bad)
    assert_good_checked(run, good)


def test_utf16_file(tmp_path, good):
    bad = write(tmp_path, "utf16.py", GOOD.encode("utf-16"))
    run = padlint(str(bad), str(good))
    assert run.code == 2
    assert_one_message(run, bad)
    assert_good_checked(run, good)


# ----------------------------------------------------------------------------- binary and empty
def test_binary_file_named_py(tmp_path, good):
    bad = write(tmp_path, "blob.py", b"\x7fELF\x02\x01\x01\x00\x00\x00\x00\x00" + bytes(range(256)) * 8)
    run = padlint(str(bad), str(good))
    assert run.code == 2
    assert_one_message(run, bad, "binary")
    assert_good_checked(run, good)


def test_random_bytes_without_nul_named_py(tmp_path, good):
    data = random.Random(6).randbytes(4096).replace(b"\x00", b"\x01")
    bad = write(tmp_path, "noise.py", data)
    run = padlint(str(bad), str(good))
    assert run.code == 2
    assert_one_message(run, bad)
    assert_good_checked(run, good)


@pytest.mark.parametrize("content", [b"", b"\n", b"   \n\n", b"# just a comment", b"\xef\xbb\xbf", b"\x0c",
                                     b"\\\n", b"pass"])
def test_empty_and_nearly_empty_files(tmp_path, good, content):
    empty = write(tmp_path, "empty.py", content)
    run = padlint("--select", "ALL", "--preview", str(empty), str(good))
    assert run.errors == []
    expected = [] if content != b"\\\n" else [("PAD000", *_python_error("\\\n"))]
    assert run.codes_in(empty) == expected
    assert_good_checked(run, good)
    assert run.code == 1


# ----------------------------------------------------------------------------- size and depth
@pytest.mark.slow
def test_a_file_of_100k_lines(tmp_path, good):
    """100k lines in a file the prefilter lets through (its one bug is at the end), so libcst
    parses and the rules walk all of it: it finishes and reports the one bug on its line."""
    body = "".join(f"v_{i} = torch.ones({i % 7})\n" for i in range(100_000 - len(GOOD.splitlines())))
    big = write(tmp_path, "big.py", "import torch\n" + body + GOOD)
    lines = big.read_text().count("\n")
    assert lines >= 100_000 - 1
    start = time.perf_counter()
    run = padlint(str(big), str(good))
    seconds = time.perf_counter() - start
    assert run.code == 1
    assert run.errors == []
    assert [c for c, _, _ in run.codes_in(big)] == ["PAD202"]
    assert_good_checked(run, good)
    assert seconds < 120, f"100k lines took {seconds:.0f} s"  # ~75 s measured (19:27 UTC, 2 cores, loaded)


def test_a_very_long_line(tmp_path, good):
    line = "lengths = [" + ", ".join(str(i) for i in range(20_000)) + "]\n"
    bad = write(tmp_path, "long.py", "import torch\n" + line + "mask = torch.tensor(lengths).sum()\n")
    run = padlint(str(bad), str(good))
    assert run.errors == []
    assert run.code == 1
    assert_good_checked(run, good)


DEEP = {
    "200_parentheses": "import torch\nmask = torch.ones(3)\nx = " + "(" * 200 + "mask.sum()" + ")" * 200 + "\n",
    "199_parentheses": "import torch\nmask = torch.ones(3)\nx = " + "(" * 199 + "mask.sum()" + ")" * 199 + "\n",
    "99_nested_ifs": "import torch\nmask = torch.ones(3)\n" + "".join("    " * i + "if mask:\n" for i in range(99))
                     + "    " * 99 + "mask = mask.sum()\n",
    "long_sum_chain": "import torch\nmask = torch.ones(3)\nx = " + " + ".join(["mask.sum()"] * 400) + "\n",
    "nested_calls": "import torch\nmask = torch.ones(3)\nx = " + "f(" * 150 + "mask.sum()" + ")" * 150 + "\n",
    "nested_lists": "import torch\nmask = torch.ones(3)\nx = " + "[" * 150 + "mask.sum()" + "]" * 150 + "\n",
    "nested_lambdas": "import torch\nmask = torch.ones(3)\nx = " + "lambda: " * 150 + "mask.sum()\n",
    "nested_defs": "import torch\n" + "".join("    " * i + f"def f{i}(mask):\n" for i in range(90))
                   + "    " * 90 + "return mask.sum()\n",
    "attribute_chain": "import torch\nmask = torch.ones(3)\nx = mask" + ".sum()" * 400 + "\n",
    "subscript_chain": "import torch\nmask = torch.ones(3)\nx = mask" + "[0]" * 400 + ".sum()\n",
    "unary_chain": "import torch\nmask = torch.ones(3)\nx = " + "-" * 2000 + "mask.sum()\n",
    "not_chain": "import torch\nmask = torch.ones(3)\nx = " + "not " * 1000 + "mask.sum()\n",
    "comparison_chain": "import torch\nmask = torch.ones(3)\nx = " + " < ".join(["mask.sum()"] * 2000) + "\n",
    "elif_ladder": "import torch\nmask = torch.ones(3)\nif mask.sum() == 0:\n    pass\n"
                   + "".join(f"elif mask.sum() == {i}:\n    mask = mask.where(mask > {i}, 0)\n" for i in range(1, 1000)),
}


@pytest.mark.parametrize("name", sorted(DEEP))
@pytest.mark.parametrize("prefilter", [True, False])
def test_deep_nesting(tmp_path, good, name, prefilter):
    """Deep code is checked, or gets a PAD000 / a one-line "too deeply nested" message."""
    text = DEEP[name]
    bad = write(tmp_path, "deep.py", text)
    args = [] if prefilter else ["--no-prefilter"]
    start = time.perf_counter()
    run = padlint("--select", "ALL", "--preview", *args, str(bad), str(good))
    assert time.perf_counter() - start < 30
    try:
        ast.parse(text)
        python_parses = True
    except (SyntaxError, RecursionError, MemoryError):
        python_parses = False
    if run.errors:
        # read but beyond the analysis: one warning line, and the run's exit code is the findings'
        (line,) = [line for line in run.errors if bad.name in line]
        assert line.startswith("padlint: warning: ") and "too deeply nested" in line, line
        assert run.code == 1
    elif not python_parses:
        assert [c for c, _, _ in run.codes_in(bad)] == ["PAD000"]
        assert run.code == 1
    else:
        assert "PAD000" not in [c for c, _, _ in run.codes_in(bad)]
        assert run.code == 1
    assert_good_checked(run, good)


@pytest.mark.slow
@pytest.mark.parametrize("text", [
    "import torch\nmask = torch.ones(3)\nx = mask" + "[0]" * 2000 + ".sum()\n",
    "import torch\nmask = torch.ones(3)\nx = " + " + ".join(["mask.sum()"] * 2000) + "\n",
], ids=["subscripts", "additions"])
def test_long_chains_are_quick(tmp_path, text):
    """2000-long chains (once ~100 s each): quick, and checked or one clear message."""
    bad = write(tmp_path, "chain.py", text)
    proc = subprocess.run([sys.executable, "-m", "padlint.cli", "check", "--no-cache", "--select", "ALL", "--preview",
                           str(bad)], capture_output=True, text=True, timeout=30)
    assert proc.returncode in (0, 1, 2) and "Traceback" not in proc.stderr
    lines = [line for line in proc.stderr.splitlines() if line.strip()]
    assert len(lines) <= 1 and all("too deeply nested" in line for line in lines), proc.stderr


# ----------------------------------------------------------------------------- the file system
def test_symlink_loops_in_a_folder(tmp_path):
    folder = tmp_path / "pkg"
    folder.mkdir()
    good = write(folder, "good.py", GOOD)
    (folder / "again").symlink_to(folder, target_is_directory=True)   # a folder loop
    (folder / "up").symlink_to(tmp_path, target_is_directory=True)
    (folder / "loop_a.py").symlink_to(folder / "loop_b.py")           # a file loop
    (folder / "loop_b.py").symlink_to(folder / "loop_a.py")
    (folder / "self.py").symlink_to(folder / "self.py")
    start = time.perf_counter()
    run = padlint(str(folder))
    assert time.perf_counter() - start < 30
    assert run.code in (1, 2)
    assert_good_checked(run, good)
    assert len(run.findings) == 1  # the good file once, not once per loop
    for line in run.errors:
        assert line.startswith("padlint: error: ") and "symbolic link" in line and "internal" not in line
    if run.errors:
        assert run.code == 2


def test_symlink_loop_named_on_the_command_line(tmp_path, good):
    loop = tmp_path / "loop.py"
    loop.symlink_to(loop)
    run = padlint(str(loop), str(good))
    assert run.code == 2
    assert_one_message(run, loop)
    assert_good_checked(run, good)


def test_symlinked_file_is_checked_once(tmp_path, good):
    (tmp_path / "alias.py").symlink_to(good)
    run = padlint(str(tmp_path))
    assert run.code == 1
    assert run.errors == []
    assert {Path(f["filename"]).name for f in run.findings} <= {"good.py", "alias.py"}


@pytest.mark.skipif(hasattr(os, "geteuid") and os.geteuid() == 0,
                    reason="root reads a chmod 000 file; test_unreadable_file_as_root simulates it")
def test_unreadable_file_chmod_000(tmp_path, good):
    bad = write(tmp_path, "secret.py", "x = 1\n")
    bad.chmod(0)
    try:
        run = padlint(str(bad), str(good))
    finally:
        bad.chmod(0o644)
    assert run.code == 2
    assert_one_message(run, bad, "cannot read")
    assert_good_checked(run, good)


@pytest.mark.skipif(not Path("/proc/self/mem").exists(), reason="needs Linux /proc")
@pytest.mark.parametrize("how", ["named", "in_folder"])
def test_unreadable_file_as_root(tmp_path, how):
    """A regular file whose read fails even for root: /proc/self/mem (EIO at offset 0)."""
    folder = tmp_path / "pkg"
    folder.mkdir()
    good = write(folder, "good.py", GOOD)
    bad = folder / "unreadable.py"
    bad.symlink_to("/proc/self/mem")
    with pytest.raises(OSError):
        bad.read_bytes()
    run = padlint(*([str(bad), str(good)] if how == "named" else [str(folder)]))
    assert run.code == 2
    assert_one_message(run, bad, "cannot read")
    assert_good_checked(run, good)


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs named pipes")
def test_fifo_named_py_does_not_hang(tmp_path):
    folder = tmp_path / "pkg"
    folder.mkdir()
    good = write(folder, "good.py", GOOD)
    os.mkfifo(folder / "pipe.py")
    start = time.perf_counter()
    run = padlint(str(folder))
    assert time.perf_counter() - start < 30
    assert_good_checked(run, good)
    assert run.code == 1


def test_missing_path(tmp_path, good):
    missing = tmp_path / "nowhere.py"
    run = padlint(str(missing), str(good))
    assert run.code == 2
    assert_one_message(run, missing, "no such file")
    assert_good_checked(run, good)


def test_broken_symlink(tmp_path, good):
    dangling = tmp_path / "dangling.py"
    dangling.symlink_to(tmp_path / "gone.py")
    run = padlint(str(tmp_path))
    assert run.code == 2
    assert_one_message(run, dangling, "broken symbolic link")
    assert_good_checked(run, good)


def test_file_name_that_is_not_utf8(tmp_path, good):
    """A name with an undecodable byte: checked, reported in every output format."""
    name = os.fsdecode(b"caf\xe9.py")
    write(tmp_path, name, GOOD)
    for fmt in ("concise", "full", "json", "json-lines", "github", "sarif", "junit"):
        runner = CliRunner()
        result = runner.invoke(main, ["check", "--no-cache", "--jobs", "1", "--output-format", fmt, str(tmp_path)])
        assert result.exception is None or isinstance(result.exception, SystemExit), (fmt, repr(result.exception))
        assert result.exit_code == 1, (fmt, result.output)


# ----------------------------------------------------------------------------- configuration
@pytest.mark.parametrize("config", [
    "[tool.padlint\nselect = [\n",
    "[tool.padlint]\nselect = 'PAD2'\nselect = 'PAD3'\n",
    "[tool.padlint]\nselect = ['NOPE999']\n",
    "[tool.padlint]\nselect = 3\n",
    "[tool.padlint]\nunknown-key = true\n",
    "[tool.padlint]\npreview = 'yes'\n",
    "[tool]\npadlint = 3\n",
    b"[tool.padlint]\n# caf\xe9\n",
])
def test_broken_pyproject_toml(tmp_path, config):
    project = tmp_path / "project"
    project.mkdir()
    write(project, "pyproject.toml", config)
    write(project, "good.py", GOOD)
    run = padlint(".", cwd=project)
    assert run.code == 2
    assert len(run.errors) == 1, run.stderr
    assert run.errors[0].startswith("padlint: error: ") and "pyproject.toml" in run.errors[0]
    assert run.stdout.strip() in ("", "[]")


def test_broken_padlint_toml_and_config_option(tmp_path, good):
    broken = write(tmp_path, "padlint.toml", "select = [")
    run = padlint("--config", str(broken), str(good))
    assert run.code == 2
    assert len(run.errors) == 1 and "padlint.toml" in run.errors[0]
    run = padlint("--config", str(tmp_path / "absent.toml"), str(good))
    assert run.code == 2
    assert len(run.errors) == 1 and "absent.toml" in run.errors[0]


# ----------------------------------------------------------------------------- layout variants
def _variants() -> dict[str, bytes]:
    lines = GOOD.splitlines(keepends=True)
    return {
        "bom": b"\xef\xbb\xbf" + GOOD.encode(),
        "bom_and_utf8_coding": b"\xef\xbb\xbf# -*- coding: utf-8 -*-\n" + GOOD.encode(),
        "crlf": GOOD.replace("\n", "\r\n").encode(),
        "mixed_crlf": "".join(line.replace("\n", "\r\n") if i % 2 else line for i, line in enumerate(lines)).encode(),
        "no_final_newline": GOOD.rstrip("\n").encode(),
        "tabs": GOOD.replace("        ", "\t\t").replace("    ", "\t").encode(),
        "form_feed": GOOD.replace("\n\n\nclass", "\n\n\x0c\nclass").replace("    def forward", "\x0c    def forward")
                     .encode(),
        "trailing_whitespace": "".join(line.rstrip("\n") + " \t \n" for line in lines).encode(),
        "continuation_lines": GOOD.replace("out, _ = self.lstm(x)", "out, _ = \\\n            self.lstm(x)")
                              .replace("        # the last padded step\n", "").encode(),
        "non_ascii_identifiers": GOOD.replace("Classifier", "Klassifikatör").replace("out", "größe").encode(),
        "vertical_tab_in_comment": GOOD.replace("# the last padded step", "# the last\x0bpadded step").encode(),
    }


def _expected_row(name: str) -> int:
    return {"bom_and_utf8_coding": GOOD_AT[0] + 1, "continuation_lines": GOOD_AT[0]}.get(name, GOOD_AT[0])


@pytest.mark.parametrize("name", sorted(_variants()))
def test_layout_variants_find_the_same_bug(tmp_path, good, name):
    data = _variants()[name]
    variant = write(tmp_path, "variant.py", data)
    run = padlint(str(variant), str(good))
    assert run.errors == []
    assert run.code == 1
    found = run.codes_in(variant)
    assert [c for c, _, _ in found] == ["PAD202"], found
    assert found[0][1] == _expected_row(name)
    if name not in ("tabs", "form_feed"):
        assert found[0][2] == GOOD_AT[1]
    assert_good_checked(run, good)


PACK_ON_DEVICE = ("import torch\nfrom torch.nn.utils.rnn import pack_padded_sequence, pad_sequence\n\n\n"
                  "def encode(rnn, seqs):\n    x = pad_sequence(seqs, True)\n"
                  "    lengths = torch.tensor([len(s) for s in seqs])\n"
                  "    packed = pack_padded_sequence(x, lengths.cuda(), batch_first=True)\n"
                  "    return rnn(packed)\n")


def test_overlapping_fixes_are_all_applied_by_one_fix_run(tmp_path):
    path = write(tmp_path, "fixme.py", PACK_ON_DEVICE)
    before = padlint("--select", "ALL", "--preview", str(path))
    assert {f["code"] for f in before.findings if f.get("fix")} == {"PAD102", "PAD103"}
    padlint("--select", "ALL", "--preview", "--fix", "--unsafe-fixes", str(path))
    again = padlint("--select", "ALL", "--preview", str(path))
    assert not {f["code"] for f in again.findings} & {"PAD102", "PAD103"}, path.read_text()
    path.write_text(PACK_ON_DEVICE)
    summary = CliRunner().invoke(main, ["check", "--no-cache", "--select", "ALL", "--preview", "--fix", "--unsafe-fixes",
                                        str(path)])
    assert "(2 fixed, 0 remaining)" in summary.stdout, summary.stdout


@pytest.mark.parametrize("name", ["crlf", "bom", "tabs", "form_feed", "mixed_crlf"])
def test_fix_keeps_layout(tmp_path, name):
    """--fix --unsafe-fixes on unusual layouts writes code that parses and keeps CRLF / BOM."""
    source = PACK_ON_DEVICE.replace("batch_first=True)", "batch_first=True, enforce_sorted=False)")
    data = {"crlf": source.replace("\n", "\r\n").encode(),
            "bom": b"\xef\xbb\xbf" + source.encode(),
            "tabs": source.replace("    ", "\t").encode(),
            "form_feed": source.replace("\n\n\ndef", "\n\n\x0c\ndef").encode(),
            "mixed_crlf": source.replace("\n    return", "\r\n    return").encode()}[name]
    path = write(tmp_path, "fixme.py", data)
    before = padlint("--select", "ALL", "--preview", str(path))
    run = padlint("--select", "ALL", "--preview", "--fix", "--unsafe-fixes", str(path))
    assert run.errors == []
    after = path.read_bytes()
    ast.parse(after)
    if name == "crlf":
        assert b"\n" not in after.replace(b"\r\n", b"")
    if name == "bom":
        assert after.startswith(b"\xef\xbb\xbf") or before.findings == []
    again = padlint("--select", "ALL", "--preview", str(path))
    fixable = {f["code"] for f in before.findings if f.get("fix")}
    assert not fixable & {f["code"] for f in again.findings}


# ----------------------------------------------------------------------------- stdin
@pytest.mark.parametrize("data", [b"\x00\x01\x02", b"x = '\xe9'\n", b"", b"def f(:\n", GOOD.encode(),
                                  b"\xef\xbb\xbf" + GOOD.replace("\n", "\r\n").encode()])
def test_stdin(data):
    runner = CliRunner()
    result = runner.invoke(main, ["check", "--no-cache", "--output-format", "json", "-"], input=data)
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(result.exception)
    assert result.exit_code in (0, 1, 2)
    assert "Traceback" not in result.stderr
    if result.exit_code == 2:
        assert len([line for line in result.stderr.splitlines() if line.strip()]) == 1


def test_suppression_comments_that_are_odd(tmp_path, good):
    text = ("import torch\n# padlint: ignore[\n# padlint: file-ignore[]\n# noqa:\n# noqa: ,,,\n"
            "mask = torch.ones(3).sum()  # padlint: ignore[PAD999, ???]\nx = 1  # noqa: PAD\n"
            "s = '# noqa: PAD202'\n")
    odd = write(tmp_path, "odd.py", text)
    run = padlint("--select", "ALL", "--preview", str(odd), str(good))
    assert run.errors == []
    assert_good_checked(run, good)


# ----------------------------------------------------------------------------- all at once, real processes
def test_all_bad_inputs_in_one_folder_subprocess(tmp_path):
    """Every kind of bad input in one folder, the real command, worker processes: no traceback."""
    folder = tmp_path / "mess"
    folder.mkdir()
    for i, text in enumerate(BROKEN.values()):
        write(folder, f"broken_{i}.py", text)
    for name, data in _variants().items():
        write(folder, f"variant_{name}.py", data)
    for name, text in DEEP.items():
        write(folder, f"deep_{name}.py", text)
    write(folder, "latin.py", b"import torch\n\n\nname = 'caf\xe9'\n")
    write(folder, "blob.py", b"\x00\x01\x02ELF")
    write(folder, "empty.py", b"")
    (folder / "loop.py").symlink_to(folder / "loop.py")
    (folder / "again").symlink_to(folder, target_is_directory=True)
    good = write(folder, "good.py", GOOD)
    proc = subprocess.run([sys.executable, "-m", "padlint.cli", "check", "--no-cache", "--select", "ALL", "--preview",
                           "--output-format", "json", "--jobs", "2", str(folder)],
                          capture_output=True, text=True, timeout=300)
    assert "Traceback" not in proc.stderr, proc.stderr
    assert proc.returncode == 2, proc.stderr
    lines = [line for line in proc.stderr.splitlines() if line.strip()]
    assert all(line.startswith(("padlint: error: ", "padlint: warning: ")) for line in lines), proc.stderr
    assert not [line for line in lines if "internal error" in line], proc.stderr
    findings = json.loads(proc.stdout)
    assert ("PAD202", *GOOD_AT) in [(f["code"], f["location"]["row"], f["location"]["column"]) for f in findings
                                    if Path(f["filename"]).name == good.name]
    variants = {Path(f["filename"]).name for f in findings if f["code"] == "PAD202"}
    assert {f"variant_{name}.py" for name in _variants()} <= variants
