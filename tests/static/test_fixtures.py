"""`padlint check fixtures/static` reports each marked finding on its line, and nothing else."""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path

import pytest

from tests.conftest import ROOT, findings_json
from tests.static.expectations import expected_findings

FIXTURES = ROOT / "fixtures" / "static"
FILES = sorted(FIXTURES.rglob("*.py"))


@pytest.fixture(scope="module")
def reported() -> dict[str, set[tuple[int, str]]]:
    out: dict[str, set[tuple[int, str]]] = defaultdict(set)
    for finding in findings_json(str(FIXTURES)):
        out[str(Path(finding["filename"]).resolve())].add((finding["location"]["row"], finding["code"]))
    return out


def test_there_are_buggy_and_clean_fixtures():
    buggy = [f for f in FILES if "buggy" in f.parts]
    clean = [f for f in FILES if "clean" in f.parts]
    assert len(buggy) >= 10 and len(clean) >= 10
    assert all(expected_findings(f) for f in buggy), "every buggy fixture marks at least one finding"
    assert not any(expected_findings(f) for f in clean), "clean fixtures carry no expectations"


@pytest.mark.parametrize("path", FILES, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_fixture_findings_match_markers(path: Path, reported):
    expected = expected_findings(path)
    got = reported.get(str(path.resolve()), set())
    assert got == expected, f"missing {sorted(expected - got)}, unexpected {sorted(got - expected)}"


def test_every_default_rule_is_exercised_by_a_buggy_fixture():
    from padlint.static.registry import catalogue

    codes = {code for f in FILES for _, code in expected_findings(f)}
    wanted = {code for code, _, _, opt_in in catalogue() if not opt_in and code not in ("PAD000",)}
    assert wanted - codes == set()
