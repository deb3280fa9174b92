"""Machine-readable output of `padlint check`: SARIF 2.1.0, JUnit XML, GitHub annotations, JSON lines.

Every test runs the real CLI (in-process through click's runner) on small files.
"""

from __future__ import annotations

import json
import re
import textwrap
from pathlib import Path
from urllib.parse import unquote, urlsplit
from xml.etree import ElementTree as ET

import jsonschema
import pytest
from click.testing import CliRunner

from padlint.cli import main
from padlint.static.findings import Edit, Finding
from padlint.static.junit import junit
from padlint.static.registry import catalogue
from padlint.static.sarif import artifact_uri, sarif
from tests.static.snippets import LAST_STEP

SCHEMA_PATH = Path(__file__).parent / "data" / "sarif-2.1.0-subset.schema.json"


# PAD102 (safe fix) and PAD403 (safe fix) in one file.
FIXABLE = textwrap.dedent("""\
    import torch
    import torch.nn.functional as F
    from torch.nn.utils.rnn import pack_padded_sequence


    def pack(x, lengths):
        return pack_padded_sequence(x, lengths.cuda(), batch_first=True, enforce_sorted=False)


    def attend(scores, mask):
        scores = scores.masked_fill(mask == 0, 1e-9)
        return F.softmax(scores, dim=-1)
    """)

CLEAN = "import torch\n\n\ndef f(x):\n    return x + 1\n"


def check(*args: str, input: bytes | None = None):
    result = CliRunner().invoke(main, ["check", "--no-cache", *args], input=input, catch_exceptions=False)
    return result


@pytest.fixture()
def project(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("FORCE_COLOR", raising=False)
    (tmp_path / "pkg").mkdir()
    (tmp_path / "pkg" / "encoder.py").write_text(LAST_STEP)
    (tmp_path / "pkg" / "fixable.py").write_text(FIXABLE)
    (tmp_path / "clean.py").write_text(CLEAN)
    return tmp_path


@pytest.fixture(scope="module")
def validator():
    schema = json.loads(SCHEMA_PATH.read_text())
    jsonschema.Draft7Validator.check_schema(schema)
    return jsonschema.Draft7Validator(schema, format_checker=jsonschema.Draft7Validator.FORMAT_CHECKER)


def _assert_valid(validator, log):
    errors = sorted(validator.iter_errors(log), key=lambda e: list(e.path))
    assert not errors, "\n".join(f"{list(e.path)}: {e.message}" for e in errors[:5])


def _is_absolute_uri(text: str) -> bool:
    parts = urlsplit(text)
    return bool(re.fullmatch(r"[A-Za-z][A-Za-z0-9+.-]*", parts.scheme)) and " " not in text


# ----------------------------------------------------------------------------- SARIF
def test_sarif_validates_and_points_at_the_finding(project, validator):
    result = check("--output-format", "sarif", "pkg", "clean.py")
    assert result.exit_code == 1, result.output
    log = json.loads(result.stdout)
    _assert_valid(validator, log)
    assert log["version"] == "2.1.0"
    assert _is_absolute_uri(log["$schema"])
    (run,) = log["runs"]
    driver = run["tool"]["driver"]
    assert driver["name"] == "padlint" and driver["version"]
    rules = driver["rules"]
    assert [r["id"] for r in rules] == [code for code, *_ in catalogue()]
    for rule in rules:
        assert _is_absolute_uri(rule["helpUri"]), rule["helpUri"]
        assert rule["shortDescription"]["text"] and rule["fullDescription"]["text"]
        assert rule["defaultConfiguration"]["level"] in ("error", "warning", "note")
    if "informationUri" in driver:
        assert _is_absolute_uri(driver["informationUri"])

    by_rule = {}
    for res in run["results"]:
        assert rules[res["ruleIndex"]]["id"] == res["ruleId"]
        assert res["level"] in ("error", "warning", "note")
        by_rule.setdefault(res["ruleId"], []).append(res)
    assert set(by_rule) == {"PAD202", "PAD102", "PAD403"}

    (last,) = by_rule["PAD202"]
    loc = last["locations"][0]["physicalLocation"]
    assert loc["artifactLocation"]["uri"] == "pkg/encoder.py"  # relative, forward slashes
    line = LAST_STEP.splitlines()[loc["region"]["startLine"] - 1]
    start, end = loc["region"]["startColumn"], loc["region"]["endColumn"]
    # 1-based columns, endColumn is the column after the last character (SARIF's definition).
    assert line[start - 1:end - 1] == "out[:, -1]"
    assert loc["region"]["endLine"] == loc["region"]["startLine"]
    assert last["message"]["text"]
    assert all(isinstance(v, str) for v in last["partialFingerprints"].values())


def test_sarif_fixes_reproduce_the_cli_fix(project, validator):
    log = json.loads(check("--output-format", "sarif", "pkg/fixable.py").stdout)
    _assert_valid(validator, log)
    lines = FIXABLE.splitlines(keepends=True)
    edits = []
    for res in log["runs"][0]["results"]:
        (fix,) = res["fixes"]
        (change,) = fix["artifactChanges"]
        assert change["artifactLocation"]["uri"] == "pkg/fixable.py"
        for rep in change["replacements"]:
            reg = rep["deletedRegion"]
            edits.append((reg["startLine"], reg["startColumn"], reg["endLine"], reg["endColumn"],
                          rep["insertedContent"]["text"]))
    assert len(edits) == 2
    # Apply the replacements bottom-up (single-line regions here) and compare with --fix.
    for row, col, end_row, end_col, text in sorted(edits, reverse=True):
        assert row == end_row
        old = lines[row - 1]
        lines[row - 1] = old[:col - 1] + text + old[end_col - 1:]
    check("--fix", "pkg/fixable.py")
    assert "".join(lines) == (project / "pkg" / "fixable.py").read_text()


def test_sarif_without_findings_is_a_valid_empty_run(project, validator):
    result = check("--output-format", "sarif", "clean.py")
    assert result.exit_code == 0
    log = json.loads(result.stdout)
    _assert_valid(validator, log)
    assert log["runs"][0]["results"] == []
    assert "All checks passed" not in result.stdout


def test_sarif_levels_and_uris_of_odd_findings(validator, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    findings = [
        Finding("dir with space/ü.py", "PAD100", "unused-suppression", "Unused suppression of PAD202",
                3, 5, 3, 20, severity="warning"),
        Finding(str(tmp_path / "abs.py"), "PAD000", "invalid-syntax", "SyntaxError: x", 1, 1, 1, 2),
        Finding("/elsewhere/outside.py", "PAD301", "unmasked-reduction", "m", 2, 1, 4, 3, severity="note"),
        Finding("a.py", "PAD403", "weak-mask-fill", "fill", 7, 10, 7, 14,
                fix_message="Fill with -inf", fix_applicability="safe",
                edits=[Edit('float("-inf")', 7, 10, 7, 14)]),
    ]
    log = json.loads(sarif(findings))
    _assert_valid(validator, log)
    results = log["runs"][0]["results"]
    assert [r["level"] for r in results] == ["warning", "error", "note", "error"]
    uris = [r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] for r in results]
    assert unquote(uris[0]) == "dir with space/ü.py" and " " not in uris[0]
    assert uris[1] == "abs.py"
    assert uris[2] == "file:///elsewhere/outside.py"
    assert results[3]["fixes"][0]["description"]["text"] == "Fill with -inf"
    assert artifact_uri("./x/y.py") == "x/y.py"


def test_sarif_fingerprint_survives_lines_added_above(project):
    first = json.loads(check("--output-format", "sarif", "pkg/encoder.py").stdout)["runs"][0]["results"][0]
    (project / "pkg" / "encoder.py").write_text("# a new header line\n\n" + LAST_STEP)
    second = json.loads(check("--output-format", "sarif", "pkg/encoder.py").stdout)["runs"][0]["results"][0]
    region = lambda r: r["locations"][0]["physicalLocation"]["region"]["startLine"]  # noqa: E731
    assert region(second) == region(first) + 2
    assert second["partialFingerprints"] == first["partialFingerprints"]


# ----------------------------------------------------------------------------- JUnit
def test_junit_one_suite_failures_per_finding_and_passing_clean_files(project):
    result = check("--output-format", "junit", "pkg", "clean.py")
    assert result.exit_code == 1
    root = ET.fromstring(result.stdout.encode())
    assert root.tag == "testsuites"
    (suite,) = root.findall("testsuite")
    cases = suite.findall("testcase")
    failed = [c for c in cases if c.find("failure") is not None]
    passed = [c for c in cases if c.find("failure") is None]
    assert len(failed) == 3
    assert {c.find("failure").get("type") for c in failed} == {"PAD202", "PAD102", "PAD403"}
    assert [c.get("classname") for c in passed] == ["clean.py"]
    assert suite.get("tests") == str(len(cases)) == "4"
    assert suite.get("failures") == "3" and root.get("failures") == "3"
    enc = next(c for c in failed if c.find("failure").get("type") == "PAD202")
    assert enc.get("file") == enc.get("classname") == str(Path("pkg/encoder.py"))
    assert enc.get("line") == "14"
    assert "out[:, -1]" in enc.find("failure").text
    assert enc.find("failure").get("message")


def test_junit_without_findings_passes(project):
    result = check("--output-format", "junit", "clean.py")
    assert result.exit_code == 0
    suite = ET.fromstring(result.stdout.encode()).find("testsuite")
    assert suite.get("failures") == "0" and suite.get("tests") == "1"
    assert suite.find("testcase").find("failure") is None


def test_junit_escapes_and_count_only_form():
    nasty = Finding('a&b<"c">.py', "PAD301", "unmasked-reduction", 'mean over <T> & "pad"\x01', 1, 1, 1, 2,
                    source_line="x = y.mean(1)  # <&>")
    root = ET.fromstring(junit([nasty], 5).encode())
    suite = root.find("testsuite")
    assert suite.get("tests") == "2"  # one failure + one summary case for the 4 clean files
    failure = suite.find("testcase/failure")
    assert failure.get("message") == 'mean over <T> & "pad"'
    assert suite.find("testcase").get("classname") == 'a&b<"c">.py'
    empty = ET.fromstring(junit([], 0).encode()).find("testsuite")
    assert empty.get("tests") == "1" and empty.get("failures") == "0"


# ----------------------------------------------------------------------------- GitHub annotations
_ANNOTATION = re.compile(
    r"::(?P<level>error|warning|notice) file=(?P<file>[^,]+),line=(?P<line>\d+),col=(?P<col>\d+),"
    r"endLine=(?P<end_line>\d+),endColumn=(?P<end_col>\d+),title=(?P<title>[^:]+)::(?P<message>.+)")


def test_github_annotations(project):
    result = check("--output-format", "github", "pkg/encoder.py", "clean.py")
    assert result.exit_code == 1
    lines = result.stdout.splitlines()
    assert len(lines) == 1, lines  # no summary line in this format
    match = _ANNOTATION.fullmatch(lines[0])
    assert match, lines[0]
    assert match["level"] == "error"
    assert match["file"] == str(Path("pkg/encoder.py"))
    assert (match["line"], match["col"], match["end_line"], match["end_col"]) == ("14", "16", "14", "26")
    assert "PAD202" in match["title"]
    assert match["message"].startswith("PAD202 ")


def test_github_annotation_escaping():
    from padlint.static.output import github

    finding = Finding("a,b:c.py", "PAD100", "unused-suppression", "50% done\nsecond line", 1, 2, 1, 9,
                      severity="warning")
    line = github([finding])
    assert "\n" not in line
    assert line.startswith("::warning file=a%2Cb%3Ac.py,line=1,col=2,endLine=1,endColumn=9,")
    assert line.endswith("::PAD100 50%25 done%0Asecond line")


# ----------------------------------------------------------------------------- JSON
def test_json_lines_one_object_per_finding(project):
    result = check("--output-format", "json-lines", "pkg", "clean.py")
    assert result.exit_code == 1
    rows = [json.loads(line) for line in result.stdout.splitlines()]
    assert len(rows) == 3
    whole = json.loads(check("--output-format", "json", "pkg", "clean.py").stdout)
    assert rows == whole
    for row in rows:
        assert {"filename", "code", "name", "message", "location", "end_location", "fix", "url"} <= set(row)
        assert row["location"]["row"] >= 1 and row["location"]["column"] >= 1
    fixable = [r for r in rows if r["fix"]]
    assert {r["code"] for r in fixable} == {"PAD102", "PAD403"}
    assert all(r["fix"]["applicability"] == "safe" for r in fixable)
    assert check("--output-format", "json-lines", "clean.py").stdout == ""
    assert json.loads(check("--output-format", "json", "clean.py").stdout) == []


def test_output_format_from_config(project):
    (project / "padlint.toml").write_text('output-format = "json-lines"\n')
    result = check("pkg/encoder.py")
    assert json.loads(result.stdout.strip())["code"] == "PAD202"
    result = check("--output-format", "concise", "pkg/encoder.py")
    assert result.stdout.startswith(str(Path("pkg/encoder.py")) + ":14:16: PAD202")


def test_file_name_that_is_not_utf8_in_sarif_and_junit(tmp_path, monkeypatch, validator):
    import os

    monkeypatch.chdir(tmp_path)
    name = os.fsdecode(b"caf\xe9.py")
    try:
        (tmp_path / name).write_text(LAST_STEP)
    except (OSError, UnicodeEncodeError):
        pytest.skip("the file system does not take that name")
    log = json.loads(check("--output-format", "sarif", ".").stdout)
    _assert_valid(validator, log)
    uri = log["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
    assert uri == "caf%E9.py"  # the name's own byte, percent-escaped
    root = ET.fromstring(check("--output-format", "junit", ".").stdout.encode())
    assert root.find("testsuite/testcase").get("classname") == "caf\ufffd.py"
    for fmt in ("concise", "full", "github"):
        result = check("--output-format", fmt, ".")
        assert result.exit_code == 1 and "caf\ufffd.py" in result.stdout, fmt
    for fmt in ("json", "json-lines"):  # JSON escapes the byte (\udce9), which round-trips in Python
        result = check("--output-format", fmt, ".")
        assert result.exit_code == 1 and json.loads(result.stdout.splitlines()[0] if fmt == "json-lines"
                                                    else result.stdout)
