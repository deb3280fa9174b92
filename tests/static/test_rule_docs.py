"""Every rule has a document whose examples are executed: the bad one is reported by exactly
its rule, the good one by nothing."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from padlint.static.engine import Settings, check_text
from padlint.static.registry import catalogue, resolve_selection
from tests.conftest import ROOT

DOCS = ROOT / "rules"
CATALOGUE = catalogue()
SECTIONS = ("## What it does", "## Why is this bad?", "## Example", "## Use instead", "## Known problems")


def doc_for(code: str, name: str) -> Path:
    return DOCS / f"{code}-{name}.md"


def first_python_block(text: str, heading: str) -> str:
    start = text.index(heading)
    match = re.search(r"```python\n(.*?)```", text[start:], re.S)
    assert match, f"no python block under {heading}"
    return match.group(1)


def everything() -> Settings:
    return Settings(frozenset(resolve_selection(["ALL"], preview=True)), prefilter=True)


@pytest.mark.parametrize("code,name", [(c, n) for c, n, _, _ in CATALOGUE])
def test_document_shape(code, name):
    path = doc_for(code, name)
    assert path.is_file(), f"missing {path.name}"
    text = path.read_text(encoding="utf-8")
    assert text.startswith(f"# {code} {name}")
    positions = [text.index(section) for section in SECTIONS]
    assert positions == sorted(positions), "sections out of order"


@pytest.mark.parametrize("code,name", [(c, n) for c, n, _, _ in CATALOGUE])
def test_bad_example_is_reported_by_exactly_its_rule(code, name):
    text = doc_for(code, name).read_text(encoding="utf-8")
    bad = first_python_block(text, "## Example")
    report = check_text(bad, f"{code}_bad.py", everything())
    assert not report.errors, report.errors
    codes = {f.code for f in report.findings}
    assert codes == {code}, f"{code} example gave {sorted(codes)}"


@pytest.mark.parametrize("code,name", [(c, n) for c, n, _, _ in CATALOGUE])
def test_good_example_is_clean(code, name):
    text = doc_for(code, name).read_text(encoding="utf-8")
    good = first_python_block(text, "## Use instead")
    report = check_text(good, f"{code}_good.py", everything())
    assert not report.errors, report.errors
    assert report.findings == [], [f"{f.code} {f.row}: {f.message}" for f in report.findings]


@pytest.mark.parametrize("code,name", [(c, n) for c, n, _, _ in CATALOGUE])
def test_padlint_rule_prints_the_document(code, name):
    from click.testing import CliRunner

    from padlint.cli import main

    runner = CliRunner()
    result = runner.invoke(main, ["rule", code])
    assert result.exit_code == 0
    assert result.output.startswith(f"# {code} {name}")
    assert runner.invoke(main, ["rule", name]).output == result.output


def test_rule_all_lists_every_code(padlint_cli):
    proc = padlint_cli("rule", "--all")
    assert proc.returncode == 0
    for code, name, _, _ in CATALOGUE:
        assert f"{code}  {name}" in proc.stdout


def test_the_wheel_lists_every_package_and_carries_the_documents():
    """pyproject.toml names padlint's packages one by one (the rule documents are mapped in as
    ``padlint._rule_docs``): a new sub-package must be added there or a built wheel lacks it."""
    try:
        import tomllib
    except ModuleNotFoundError:  # Python 3.10
        import tomli as tomllib

    config = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]
    on_disk = {
        ".".join(path.parent.relative_to(ROOT).parts)
        for path in (ROOT / "padlint").rglob("*.py")
        if "__pycache__" not in path.parts
    }
    listed = set(config["packages"])
    assert on_disk <= listed, f"packages missing from pyproject.toml: {sorted(on_disk - listed)}"
    assert config["package-dir"]["padlint._rule_docs"] == "rules"
    assert "*.md" in config["package-data"]["padlint._rule_docs"]
    assert {doc_for(code, name).name for code, name, _, _ in CATALOGUE} <= {p.name for p in DOCS.glob("*.md")}
