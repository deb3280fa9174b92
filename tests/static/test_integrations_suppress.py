"""Suppression comments: `# noqa: PADnnn`, `# padlint: ignore[...]`, `# padlint: file-ignore[...]`,
`--ignore-noqa`, and PAD100 (unused suppression, opt-in)."""

from __future__ import annotations

import json
import textwrap

import pytest
from click.testing import CliRunner

from padlint.cli import main
from tests.static.snippets import LAST_STEP as SNIPPET

# The shared snippet, with a place for a comment after its one finding (line 14).
LAST_STEP = SNIPPET.rstrip("\n") + "{comment}\n"
FINDING_LINE = 14


def run(tmp_path, source: str, *args: str) -> list[tuple[int, str]]:
    path = tmp_path / "model.py"
    path.write_text(source)
    result = CliRunner().invoke(main, ["check", "--no-cache", "--isolated", "--output-format", "json", *args,
                                       str(path)], catch_exceptions=False)
    assert result.exit_code in (0, 1), result.output
    found = [(f["location"]["row"], f["code"]) for f in json.loads(result.stdout)]
    assert (result.exit_code == 1) == bool(found)
    return found


@pytest.mark.parametrize("comment", [
    "  # noqa: PAD202",
    "  # noqa:PAD202",
    "  # NOQA: pad202",
    "  # noqa: E501, PAD202",
    "  # noqa",  # bare: everything on the line
    "  # noqa: last-step-of-padded-output",  # engine.py accepts rule names in noqa too
    "  # padlint: ignore[PAD202]",
    "  # padlint: ignore[last-step-of-padded-output]",
    "  # padlint: ignore[PAD301, PAD202]",
    "  # type: ignore  # padlint: ignore[PAD202]",
])
def test_line_suppressions_silence_the_finding(tmp_path, comment):
    assert run(tmp_path, LAST_STEP.format(comment="")) == [(FINDING_LINE, "PAD202")]
    assert run(tmp_path, LAST_STEP.format(comment=comment)) == []


@pytest.mark.parametrize("comment", [
    "  # noqa: E501",  # another linter's code only
    "  # noqa: PAD301",
    "  # padlint: ignore[PAD301]",
    "  # padlint: ignore[]",
])
def test_other_codes_do_not_silence(tmp_path, comment):
    assert run(tmp_path, LAST_STEP.format(comment=comment)) == [(FINDING_LINE, "PAD202")]


def test_comment_on_another_line_or_inside_a_string_does_not_count(tmp_path):
    moved = LAST_STEP.format(comment="").replace("        out, _ = self.lstm(x)\n",
                                                 "        out, _ = self.lstm(x)  # noqa: PAD202\n")
    assert run(tmp_path, moved) == [(FINDING_LINE, "PAD202")]
    in_string = LAST_STEP.format(comment="").replace("return out[:, -1]", 'return out[:, -1], "# noqa: PAD202"')
    assert run(tmp_path, in_string) == [(FINDING_LINE, "PAD202")]


def test_multiline_finding_is_silenced_on_its_first_or_last_line(tmp_path):
    source = LAST_STEP.format(comment="").replace("return out[:, -1]", "return out[\n            :, -1{c}\n        ]{d}")
    assert run(tmp_path, source.format(c="", d="")) == [(FINDING_LINE, "PAD202")]
    assert run(tmp_path, source.format(c="", d="  # noqa: PAD202")) == []
    first = LAST_STEP.format(comment="").replace("return out[:, -1]", "return out[  # noqa: PAD202\n            :, -1\n        ]")
    assert run(tmp_path, first) == []


def test_file_ignore(tmp_path):
    source = "# padlint: file-ignore[PAD202]\n" + LAST_STEP.format(comment="")
    assert run(tmp_path, source) == []
    by_name = "# padlint: file-ignore[last-step-of-padded-output]\n" + LAST_STEP.format(comment="")
    assert run(tmp_path, by_name) == []
    other = "# padlint: file-ignore[PAD301]\n" + LAST_STEP.format(comment="")
    assert run(tmp_path, other) == [(FINDING_LINE + 1, "PAD202")]


def test_ignore_noqa_reports_everything(tmp_path):
    for source in (LAST_STEP.format(comment="  # noqa: PAD202"),
                   LAST_STEP.format(comment="  # padlint: ignore[PAD202]"),
                   "# padlint: file-ignore[PAD202]\n" + LAST_STEP.format(comment="")):
        assert [code for _, code in run(tmp_path, source, "--ignore-noqa")] == ["PAD202"]
    # and PAD100 says nothing then: the comments are not read
    assert run(tmp_path, LAST_STEP.format(comment="  # noqa: PAD301"), "--ignore-noqa", "--extend-select",
               "PAD100") == [(FINDING_LINE, "PAD202")]


def test_unused_suppression_pad100_is_opt_in(tmp_path):
    stale = LAST_STEP.format(comment="  # noqa: PAD202").replace("return out[:, -1]", "return out.sum(0)")
    stale = stale.replace("x = pad_sequence(seqs, batch_first=True)", "x = torch.stack(seqs)")
    assert run(tmp_path, stale) == []
    assert run(tmp_path, stale, "--extend-select", "PAD100") == [(FINDING_LINE, "PAD100")]
    assert run(tmp_path, stale, "--select", "PAD100,PAD202") == [(FINDING_LINE, "PAD100")]
    # A used suppression is not reported; the unused half of a list is.
    partly = LAST_STEP.format(comment="  # noqa: PAD202, PAD301")
    assert run(tmp_path, partly, "--extend-select", "PAD100") == [(FINDING_LINE, "PAD100")]
    assert run(tmp_path, LAST_STEP.format(comment="  # noqa: PAD202"), "--extend-select", "PAD100") == []
    # A bare noqa and other linters' codes are never reported.
    assert run(tmp_path, stale.replace("# noqa: PAD202", "# noqa"), "--extend-select", "PAD100") == []
    assert run(tmp_path, stale.replace("# noqa: PAD202", "# noqa: E501"), "--extend-select", "PAD100") == []
    # Unused file-wide suppressions too.
    file_wide = "# padlint: file-ignore[PAD301]\n" + LAST_STEP.format(comment="  # padlint: ignore[PAD202]")
    assert run(tmp_path, file_wide, "--extend-select", "PAD100") == [(1, "PAD100")]


def test_pad100_message_and_severity(tmp_path):
    path = tmp_path / "model.py"
    path.write_text(LAST_STEP.format(comment="  # padlint: ignore[PAD202, PAD403]"))
    result = CliRunner().invoke(main, ["check", "--no-cache", "--isolated", "--extend-select", "PAD100",
                                       "--output-format", "json", str(path)])
    (finding,) = json.loads(result.stdout)
    assert finding["code"] == "PAD100" and finding["severity"] == "warning"
    assert "PAD403" in finding["message"] and "PAD202" not in finding["message"]
    assert result.exit_code == 1


def test_suppressed_fix_is_not_applied(tmp_path):
    source = textwrap.dedent("""\
        import torch


        def attend(scores, mask):
            scores = scores.masked_fill(mask == 0, 1e-9)  # noqa: PAD403
            return torch.softmax(scores, dim=-1)
        """)
    assert run(tmp_path, source, "--fix") == []
    assert (tmp_path / "model.py").read_text() == source
