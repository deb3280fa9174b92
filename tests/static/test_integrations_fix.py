"""Automatic fixes: `--fix`, `--unsafe-fixes`, `--diff`, checked against the real CLI.

Every fix must change only the offending expression (comments and odd spacing elsewhere
on the line stay byte for byte), the fixed file must parse, and a second check must not
report that rule again.
"""

from __future__ import annotations

import ast
import json
import textwrap

import pytest
from click.testing import CliRunner

from padlint.cli import main

PAD102 = textwrap.dedent("""\
    import torch
    from torch import nn
    from torch.nn.utils.rnn import pack_padded_sequence


    class Encoder(nn.Module):
        def __init__(self):
            super().__init__()
            self.gru = nn.GRU(8, 16, batch_first=True)

        def forward(self, x, lengths):
            # lengths arrive on the GPU
            packed = pack_padded_sequence(x,   lengths.to(x.device),  batch_first=True, enforce_sorted=False)  # note
            _, h = self.gru(packed)
            return h


    def pack(x, lengths):
        lengths = lengths.cuda()
        return pack_padded_sequence(x, lengths, batch_first=True, enforce_sorted=False)
    """)

PAD103 = textwrap.dedent("""\
    from torch.nn.utils.rnn import pack_padded_sequence, pad_sequence


    def collate(batch):
        return pad_sequence(batch, batch_first=True)  # batches are built here, unsorted


    def pack(x, lengths):
        return pack_padded_sequence(x, lengths.cpu(),  # lengths on CPU
                                    batch_first=True)  # trailing


    def pack_sorted(x, lengths):
        # an explicit enforce_sorted=True is the author's word: no finding, no fix
        return pack_padded_sequence(x, lengths.cpu(), batch_first=True, enforce_sorted=True)
    """)

PAD104 = textwrap.dedent("""\
    from torch.nn.utils.rnn import pack_padded_sequence, pad_sequence


    def encode(seqs, lengths, rnn):
        x = pad_sequence(seqs, batch_first=True)  # (B, T, D)
        packed = pack_padded_sequence(x, lengths, enforce_sorted=False)  # CPU lengths
        return rnn(packed)


    def encode_again(seqs, lengths, rnn):
        x = pad_sequence(seqs, batch_first=True)
        packed = pack_padded_sequence(x, lengths, batch_first=False, enforce_sorted=False)  # keep me
        return rnn(packed)
    """)

PAD403 = textwrap.dedent("""\
    import math

    import torch
    import torch.nn.functional as F


    def attention(q, k, v, mask):
        scores = q @ k.transpose(-2, -1) / math.sqrt(q.size(-1))
        # pad positions must get no weight
        scores = scores.masked_fill(mask == 0,  1e-9)   # weak
        return F.softmax(scores, dim=-1) @ v


    def attention_zero(q, k, v, mask):
        scores = q @ k.transpose(-2, -1)
        scores = scores.masked_fill(mask == 0, 0)
        return F.softmax(scores, dim=-1) @ v
    """)

PAD403_NO_TORCH_NAME = textwrap.dedent("""\
    import torch.nn.functional as F


    def attention(scores, mask):
        scores = scores.masked_fill(mask == 0, 1e-9)
        return F.softmax(scores, dim=-1)
    """)

PAD402 = textwrap.dedent("""\
    from torch import nn


    class Model(nn.Module):
        def __init__(self):
            super().__init__()
            self.embed = nn.Embedding(100, 32)
            layer = nn.TransformerEncoderLayer(32, 4, batch_first=True)
            self.encoder = nn.TransformerEncoder(layer, 2)

        def forward(self, input_ids, attention_mask):
            x = self.embed(input_ids)
            return self.encoder(x, src_key_padding_mask=attention_mask.bool())  # HF mask
    """)

PAD303 = textwrap.dedent("""\
    import torch
    from torch import nn
    from torch.nn.utils.rnn import pad_sequence

    PAD_IDX = 1
    criterion = nn.CrossEntropyLoss()  # token-level loss


    def train_step(model, optimizer, src_seqs, tgt_seqs):
        src = pad_sequence(src_seqs, batch_first=True, padding_value=PAD_IDX)
        tgt = pad_sequence(tgt_seqs, batch_first=True, padding_value=PAD_IDX)
        logits = model(src, tgt[:, :-1])
        loss = criterion(logits.reshape(-1, logits.size(-1)), tgt[:, 1:].reshape(-1))
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        return loss.item()
    """)

# (source, rule, [(old text, new text)] the fix must make, whether the fix is safe)
CASES = {
    "PAD102": (PAD102, [
        ("pack_padded_sequence(x,   lengths.to(x.device),  batch_first=True, enforce_sorted=False)  # note",
         "pack_padded_sequence(x,   lengths.cpu(),  batch_first=True, enforce_sorted=False)  # note"),
        ("return pack_padded_sequence(x, lengths, batch_first",
         "return pack_padded_sequence(x, lengths.cpu(), batch_first"),
    ], True),
    "PAD103": (PAD103, [
        ("batch_first=True)  # trailing", "batch_first=True, enforce_sorted=False)  # trailing"),
    ], True),
    "PAD104": (PAD104, [
        ("pack_padded_sequence(x, lengths, enforce_sorted=False)  # CPU lengths",
         "pack_padded_sequence(x, lengths, enforce_sorted=False, batch_first=True)  # CPU lengths"),
        ("lengths, batch_first=False, enforce_sorted=False)  # keep me",
         "lengths, batch_first=True, enforce_sorted=False)  # keep me"),
    ], True),
    "PAD403": (PAD403, [
        ("masked_fill(mask == 0,  1e-9)   # weak", "masked_fill(mask == 0,  torch.finfo(scores.dtype).min)   # weak"),
        ("masked_fill(mask == 0, 0)", "masked_fill(mask == 0, torch.finfo(scores.dtype).min)"),
    ], True),
    "PAD402": (PAD402, [
        ("src_key_padding_mask=attention_mask.bool())  # HF mask",
         "src_key_padding_mask=attention_mask.bool() == 0)  # HF mask"),
    ], False),
    "PAD303": (PAD303, [
        ("criterion = nn.CrossEntropyLoss()  # token-level loss",
         "criterion = nn.CrossEntropyLoss(ignore_index=PAD_IDX)  # token-level loss"),
    ], False),
}


def cli(*args: str, input: bytes | None = None):
    return CliRunner().invoke(main, ["check", "--no-cache", "--isolated", *args], input=input,
                              catch_exceptions=False)


def codes_in(path) -> list[str]:
    result = cli("--output-format", "json", str(path))
    assert result.exit_code in (0, 1), result.output
    return [f["code"] for f in json.loads(result.stdout)]


def expected_text(source: str, edits: list[tuple[str, str]]) -> str:
    for old, new in edits:
        assert source.count(old) == 1, old
        source = source.replace(old, new)
    return source


@pytest.mark.parametrize("rule", list(CASES))
def test_fix_changes_only_the_expression_and_rechecks_clean(tmp_path, rule):
    source, edits, safe = CASES[rule]
    path = tmp_path / "model.py"
    path.write_text(source)
    assert codes_in(path).count(rule) == len(edits)

    flags = ["--fix"] if safe else ["--fix", "--unsafe-fixes"]
    result = cli(*flags, str(path))
    fixed = path.read_text()
    assert fixed == expected_text(source, edits), fixed
    ast.parse(fixed)
    assert f"({len(edits)} fixed, 0 remaining)" in result.stdout, result.stdout
    assert result.exit_code == 0
    assert rule not in codes_in(path)


@pytest.mark.parametrize("rule", [r for r, case in CASES.items() if not case[2]])
def test_unsafe_fixes_need_the_flag(tmp_path, rule):
    source, edits, _ = CASES[rule]
    path = tmp_path / "model.py"
    path.write_text(source)
    result = cli("--fix", str(path))
    assert path.read_text() == source
    assert result.exit_code == 1
    # --unsafe-fixes alone (no --fix, no --diff) changes nothing either.
    result = cli("--unsafe-fixes", str(path))
    assert path.read_text() == source and result.exit_code == 1
    # An unsafe fix is not advertised as `[*]` fixable.
    assert f"{rule} [*]" not in cli(str(path)).stdout
    json_fix = json.loads(cli("--output-format", "json", str(path)).stdout)[0]["fix"]
    assert json_fix["applicability"] == "unsafe"


def test_pad403_without_a_torch_name_fills_with_minus_inf(tmp_path):
    path = tmp_path / "model.py"
    path.write_text(PAD403_NO_TORCH_NAME)
    cli("--fix", str(path))
    # `torch` is not bound in this file, so the fix must not use it.
    assert path.read_text() == PAD403_NO_TORCH_NAME.replace("1e-9", 'float("-inf")')
    assert codes_in(path) == []


def test_diff_prints_a_unified_diff_and_changes_nothing(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    for name, (source, _, _) in CASES.items():
        (tmp_path / f"{name.lower()}.py").write_text(source)
    result = cli("--diff", ".")
    for name, (source, _, _) in CASES.items():
        assert (tmp_path / f"{name.lower()}.py").read_text() == source
    out = result.stdout
    assert result.exit_code == 1  # there are fixable findings left
    assert "--- pad102.py\n+++ pad102.py\n" in out
    assert "-        packed = pack_padded_sequence(x,   lengths.to(x.device)," in out
    assert "+        packed = pack_padded_sequence(x,   lengths.cpu()," in out
    assert "pad402.py" not in out and "pad303.py" not in out  # unsafe ones only with --unsafe-fixes
    assert "Found" not in out
    unsafe = cli("--diff", "--unsafe-fixes", "pad402.py", "pad303.py").stdout
    assert "+criterion = nn.CrossEntropyLoss(ignore_index=PAD_IDX)  # token-level loss" in unsafe
    assert "attention_mask.bool() == 0)  # HF mask" in unsafe
    # The diff applies: patching the original gives what --fix writes.
    (tmp_path / "copy").mkdir()
    (tmp_path / "copy" / "pad103.py").write_text(PAD103)
    cli("--fix", "copy/pad103.py")
    assert _apply_unified_diff(PAD103, cli("--diff", "pad103.py").stdout) == (tmp_path / "copy" / "pad103.py").read_text()
    assert cli("--diff", "pad403.py").exit_code == 1
    # Whatever the output format, stdout under --diff is a plain diff (no JSON after it).
    for fmt in ("json", "full", "sarif"):
        as_fmt = cli("--diff", "--output-format", fmt, "pad403.py").stdout
        assert as_fmt.startswith("--- pad403.py\n") and as_fmt.rstrip().endswith("@ v"), fmt
    (tmp_path / "clean.py").write_text("x = 1\n")
    clean = cli("--diff", "clean.py")
    assert clean.exit_code == 0 and clean.stdout == ""


def _apply_unified_diff(text: str, diff: str) -> str:
    """A small patcher for one-file unified diffs (enough for the test above)."""
    lines = text.splitlines(keepends=True)
    out: list[str] = []
    pos = 0
    body = diff.splitlines(keepends=True)
    i = 0
    while i < len(body):
        line = body[i]
        if line.startswith("@@"):
            start = int(line.split()[1].split(",")[0][1:]) - 1
            out.extend(lines[pos:start])
            pos = start
            i += 1
            while i < len(body) and not body[i].startswith("@@"):
                tag, rest = body[i][0], body[i][1:]
                if tag in " -":
                    assert lines[pos] == rest
                    pos += 1
                if tag in " +":
                    out.append(rest)
                i += 1
            continue
        i += 1
    out.extend(lines[pos:])
    return "".join(out)


def test_fix_leaves_other_findings_and_counts_them(tmp_path):
    path = tmp_path / "model.py"
    path.write_text(PAD402.replace("from torch import nn\n", "import math\n\nimport torch\nimport torch.nn.functional as F\nfrom torch import nn\n")
                    + "\n\n" + PAD403.split("\n\n\n", 1)[1])
    before = codes_in(path)
    assert "PAD402" in before and "PAD403" in before
    result = cli("--fix", str(path))
    after = codes_in(path)
    assert "PAD403" not in after and "PAD402" in after
    assert "remaining)" in result.stdout and result.exit_code == 1
    ast.parse(path.read_text())


def test_fixed_files_always_parse_on_the_fixtures(tmp_path):
    """Every fix padlint offers on the project's buggy fixtures gives code that parses."""
    from pathlib import Path

    root = Path(__file__).resolve().parents[2] / "fixtures" / "static" / "buggy"
    sources = sorted(root.glob("*.py"))
    if not sources:
        pytest.skip("no fixtures")
    for src in sources:
        (tmp_path / src.name).write_text(src.read_text(encoding="utf-8"), encoding="utf-8")
    result = cli("--fix", "--unsafe-fixes", str(tmp_path))
    assert "invalid code" not in result.output
    assert result.exit_code in (0, 1), result.output
    for path in tmp_path.glob("*.py"):
        ast.parse(path.read_text(encoding="utf-8"), filename=str(path))


def test_pad104_keyword_added_to_a_multiline_call_keeps_its_layout(tmp_path):
    source = textwrap.dedent("""\
        from torch.nn.utils.rnn import pack_padded_sequence, pad_sequence


        def encode(seqs, lengths, rnn):
            x = pad_sequence(seqs, batch_first=True)
            packed = pack_padded_sequence(
                x,
                lengths,  # CPU lengths
                enforce_sorted=False,
            )
            return rnn(packed)
        """)
    path = tmp_path / "model.py"
    path.write_text(source)
    cli("--fix", str(path))
    assert path.read_text() == source.replace("        enforce_sorted=False,\n",
                                              "        enforce_sorted=False,\n        batch_first=True,\n")


def test_overlapping_fixes_on_one_call_are_all_applied_in_one_run(tmp_path):
    source = textwrap.dedent("""\
        from torch.nn.utils.rnn import pack_padded_sequence, pad_sequence


        def pack(x, lengths):
            y = pad_sequence(x, batch_first=True)
            return pack_padded_sequence(y, lengths.cuda())
        """)
    path = tmp_path / "model.py"
    path.write_text(source)
    assert sorted(codes_in(path)) == ["PAD102", "PAD103", "PAD104"]
    result = cli("--fix", str(path))
    assert codes_in(path) == []
    last = path.read_text().splitlines()[-1]
    assert "lengths.cpu()" in last and "enforce_sorted=False" in last and "batch_first=True" in last
    assert "(3 fixed, 0 remaining)" in result.stdout
