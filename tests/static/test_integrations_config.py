"""Configuration: `[tool.padlint]` in the nearest pyproject.toml, padlint.toml, CLI overrides, errors."""

from __future__ import annotations

import json
import textwrap
from pathlib import Path

import pytest
from click.testing import CliRunner

from padlint.cli import main
from tests.static.snippets import LAST_STEP

# PAD202 (line 14) in a batch-first LSTM encoder.

# PAD403 (line 6): a weak fill before softmax; the mask is called `keep`, which padlint does
# not know as a mask name unless `mask-names` says so.
WEAK_FILL = textwrap.dedent("""\
    import torch


    def attend(scores, {mask}):
        # scores: (B, T)
        scores = scores.masked_fill({mask} == 0, 1e-9)
        return torch.softmax(scores, dim=-1)
    """)

# PAD105 (opt-in) and nothing else: pad_packed_sequence without total_length.
UNPACK = textwrap.dedent("""\
    from torch import nn
    from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence


    class Encoder(nn.Module):
        def __init__(self):
            super().__init__()
            self.gru = nn.GRU(8, 16, batch_first=True)

        def forward(self, x, lengths):
            packed = pack_padded_sequence(x, lengths.cpu(), batch_first=True, enforce_sorted=False)
            out, _ = self.gru(packed)
            out, _ = pad_packed_sequence(out, batch_first=True)
            return out
    """)


def check(*args: str):
    return CliRunner().invoke(main, ["check", "--no-cache", "--output-format", "json", *args],
                              catch_exceptions=False)


def codes(result) -> list[tuple[str, str]]:
    """(file as posix, code) of each finding of a JSON run."""
    assert result.exit_code in (0, 1), (result.exit_code, result.output)
    return sorted((Path(f["filename"]).as_posix(), f["code"]) for f in json.loads(result.stdout))


@pytest.fixture()
def project(tmp_path, monkeypatch):
    """project/ with src/model/encoder.py (PAD202), src/attend.py (PAD403 via `mask`),
    src/keep.py (PAD403 only with mask-names), src/unpack.py (PAD105), vendor/encoder.py (PAD202)."""
    root = tmp_path / "project"
    (root / "src" / "model").mkdir(parents=True)
    (root / "vendor").mkdir()
    (root / "src" / "model" / "encoder.py").write_text(LAST_STEP)
    (root / "src" / "attend.py").write_text(WEAK_FILL.format(mask="mask"))
    (root / "src" / "keep.py").write_text(WEAK_FILL.format(mask="keep"))
    (root / "src" / "unpack.py").write_text(UNPACK)
    (root / "vendor" / "encoder.py").write_text(LAST_STEP)
    monkeypatch.chdir(root)
    return root


def pyproject(root: Path, body: str, other: str = "") -> None:
    (root / "pyproject.toml").write_text(f"[project]\nname = 'demo'\n{other}\n[tool.padlint]\n{textwrap.dedent(body)}")


BASE = [("src/attend.py", "PAD403"), ("src/model/encoder.py", "PAD202"), ("vendor/encoder.py", "PAD202")]


def test_defaults_without_configuration(project):
    assert codes(check(".")) == BASE
    # The opt-in PAD105 needs preview or an explicit selection.
    assert ("src/unpack.py", "PAD105") in codes(check("--preview", "."))
    assert codes(check("--select", "PAD105", ".")) == [("src/unpack.py", "PAD105")]


def test_select_ignore_extend_select_from_pyproject(project):
    pyproject(project, 'select = ["PAD2"]\n')
    assert codes(check(".")) == [("src/model/encoder.py", "PAD202"), ("vendor/encoder.py", "PAD202")]
    pyproject(project, 'ignore = ["PAD202"]\nextend-select = ["PAD105"]\n')
    assert codes(check(".")) == [("src/attend.py", "PAD403"), ("src/unpack.py", "PAD105")]
    pyproject(project, 'select = ["weak-mask-fill"]\n')  # rule names work as selectors
    assert codes(check(".")) == [("src/attend.py", "PAD403")]


def test_preview_switches_on_opt_in_rules(project):
    pyproject(project, "preview = true\n")
    assert ("src/unpack.py", "PAD105") in codes(check("."))
    pyproject(project, 'preview = false\nselect = ["PAD1"]\n')
    assert ("src/unpack.py", "PAD105") not in codes(check("."))  # a prefix needs preview for opt-in rules


def test_exclude_and_extend_exclude(project):
    pyproject(project, 'extend-exclude = ["vendor"]\n')
    assert codes(check(".")) == BASE[:2]
    pyproject(project, 'exclude = ["src/model"]\nextend-exclude = ["vendor/*.py"]\n')
    assert codes(check(".")) == [("src/attend.py", "PAD403")]


def test_exclude_options_take_comma_separated_globs(project):
    # (held-out t) `--exclude "vendor,src/model"` as ruff reads it
    assert codes(check("--extend-exclude", "vendor,src/model", ".")) == [("src/attend.py", "PAD403")]
    assert codes(check("--exclude", "vendor, src/model", ".")) == [("src/attend.py", "PAD403")]
    assert codes(check("--extend-exclude", "src/model,vendor,src/attend.py", ".")) == []


def test_force_exclude_applies_excludes_to_named_files(project):
    pyproject(project, 'extend-exclude = ["vendor", "model"]\n')
    named = ["vendor/encoder.py", "src/model/encoder.py", "src/attend.py"]
    # Like ruff: a file named on the command line is checked even when excluded...
    assert codes(check(*named)) == BASE
    # ...unless --force-exclude (what the pre-commit hook passes) or `force-exclude = true`.
    assert codes(check("--force-exclude", *named)) == [("src/attend.py", "PAD403")]
    assert codes(check("--force-exclude", "vendor")) == []
    pyproject(project, 'extend-exclude = ["vendor", "model"]\nforce-exclude = true\n')
    assert codes(check(*named)) == [("src/attend.py", "PAD403")]
    pyproject(project, 'force-exclude = "yes"\n')
    result = check(".")
    assert result.exit_code == 2 and "force-exclude" in result.stderr


def test_per_file_ignores_are_relative_to_the_config_folder(project, monkeypatch):
    pyproject(project, """\
        [tool.padlint.per-file-ignores]
        "src/model/*" = ["PAD202"]
        "attend.py" = ["weak-mask-fill"]
        """)
    assert codes(check(".")) == [("vendor/encoder.py", "PAD202")]
    # The same from a subfolder, where the reported names are relative to src/.
    monkeypatch.chdir(project / "src")
    assert codes(check(".")) == []
    assert codes(check("model/encoder.py", str(project / "vendor"))) == [
        ((project / "vendor" / "encoder.py").as_posix(), "PAD202")]


CTC = textwrap.dedent("""\
    import torch
    import torch.nn.functional as F


    def ctc_step(model, feats, frame_counts, targets, label_sizes):
        log_probs = model(feats).log_softmax(dim=-1).transpose(0, 1)  # (T, B, vocab)
        input_lengths = torch.full((feats.size(0),), log_probs.size(0), dtype=torch.long)
        return F.ctc_loss(log_probs, targets, input_lengths, label_sizes, blank=0, zero_infinity=True)
    """)


def test_mask_names_and_lengths_names(project):
    (project / "ctc.py").write_text(CTC)
    assert ("src/keep.py", "PAD403") not in codes(check("src"))
    # PAD305 needs to know that the real lengths exist: `frame_counts` is not a known name.
    assert codes(check("ctc.py")) == []
    pyproject(project, 'mask-names = ["keep"]\nlengths-names = ["frame_counts"]\n')
    assert ("src/keep.py", "PAD403") in codes(check("src"))
    assert codes(check("ctc.py")) == [("ctc.py", "PAD305")]
    pyproject(project, 'lengths-names = [1, 2]\n')
    result = check("src")
    assert result.exit_code == 2
    assert "lengths-names" in result.stderr and "pyproject.toml" in result.stderr


def test_nearest_config_wins_and_pyproject_without_table_is_skipped(project, monkeypatch):
    pyproject(project, 'select = ["PAD4"]\n')
    # A pyproject.toml without [tool.padlint] in src/ does not hide the one above.
    (project / "src" / "pyproject.toml").write_text("[project]\nname = 'inner'\n")
    assert codes(check("src")) == [("src/attend.py", "PAD403")]
    # A padlint.toml (top level keys, no table) nearer to the files wins.
    (project / "src" / "padlint.toml").write_text('select = ["PAD202"]\n')
    assert codes(check("src")) == [("src/model/encoder.py", "PAD202")]
    # And padlint.toml beats pyproject.toml in the same folder.
    (project / "padlint.toml").write_text('select = ["PAD105"]\n')
    assert codes(check("vendor", "src/unpack.py")) == [("src/unpack.py", "PAD105")]
    monkeypatch.chdir(project / "src" / "model")
    assert codes(check("encoder.py")) == [("encoder.py", "PAD202")]


def test_cli_flags_override_the_file(project):
    pyproject(project, 'select = ["PAD202"]\nextend-exclude = ["vendor"]\noutput-format = "concise"\n')
    assert codes(check("--select", "PAD403", ".")) == [("src/attend.py", "PAD403")]
    assert codes(check("--ignore", "PAD202", ".")) == []
    assert codes(check("--extend-select", "PAD403", ".")) == [("src/attend.py", "PAD403"),
                                                              ("src/model/encoder.py", "PAD202")]
    # --exclude replaces the file's exclude list; extend-exclude from the file still applies.
    assert codes(check("--exclude", "src/model", ".")) == []
    assert codes(check("--isolated", ".")) == BASE
    (project / "other.toml").write_text('select = ["PAD403"]\n')
    assert codes(check("--config", "other.toml", ".")) == [("src/attend.py", "PAD403"), ]
    assert codes(check("--preview", "--select", "PAD1", ".")) == [("src/unpack.py", "PAD105")]


@pytest.mark.parametrize(("body", "needles"), [
    ('selec = ["PAD2"]\n', ["unknown key `selec`"]),
    ('extend_select = ["PAD100"]\n', ["unknown key `extend_select`", "extend-select"]),
    ('select = ["PAD999"]\n', ["`select`", "PAD999"]),
    ('ignore = ["PAD202", "not-a-rule"]\n', ["`ignore`", "not-a-rule"]),
    ('extend-select = ["PAD9"]\n', ["`extend-select`", "PAD9"]),
    ('[tool.padlint.per-file-ignores]\n"tests/*" = ["PAD0x"]\n', ["per-file-ignores", "PAD0x"]),
    ('select = 3\n', ["`select`", "list of strings"]),
    ('preview = "yes"\n', ["`preview`"]),
])
def test_bad_configuration_exits_2_naming_file_and_key(project, body, needles):
    pyproject(project, body)
    result = check(".")
    assert result.exit_code == 2
    assert result.stdout == ""
    assert "pyproject.toml" in result.stderr
    for needle in needles:
        assert needle in result.stderr, result.stderr
    assert "Traceback" not in result.output


def test_bad_padlint_toml_and_broken_toml(project):
    (project / "padlint.toml").write_text('select = ["PAD2"]\nmask_names = ["keep"]\n')
    result = check(".")
    assert result.exit_code == 2
    assert "padlint.toml" in result.stderr and "mask_names" in result.stderr and "mask-names" in result.stderr

    (project / "padlint.toml").write_text('preview = true\nselect = [PAD2]\n')
    result = check(".")
    assert result.exit_code == 2
    assert "padlint.toml" in result.stderr and "not valid TOML" in result.stderr
    assert "line 2" in result.stderr  # where the parser stopped
    assert "Traceback" not in result.output

    (project / "padlint.toml").unlink()
    (project / "pyproject.toml").write_text("[tool.padlint\nselect = 1\n")
    result = check(".")
    assert result.exit_code == 2
    assert "pyproject.toml" in result.stderr and "not valid TOML" in result.stderr

    result = check("--config", "missing.toml", ".")
    assert result.exit_code == 2 and "missing.toml" in result.stderr


def test_unknown_selector_on_the_command_line(project):
    result = check("--select", "PAD777", ".")
    assert result.exit_code == 2
    assert "PAD777" in result.stderr
    result = check("--output-format", "xml", ".")
    assert result.exit_code == 2
