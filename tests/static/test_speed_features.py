"""Prefilter, cache and parallel runs never change what is reported."""

from __future__ import annotations

import importlib.util
import re
from pathlib import Path

import pytest

from padlint.static.engine import Settings, check_text
from padlint.static.registry import resolve_selection
from padlint.static.runner import Job, run
from tests.conftest import ROOT, run_padlint

ALL = frozenset(resolve_selection(["ALL"], preview=True))


def corpus() -> list[Path]:
    files = sorted((ROOT / "fixtures").rglob("*.py"))
    spec = importlib.util.find_spec("torch")
    if spec is not None and spec.origin:
        torch_root = Path(spec.origin).parent
        # Real PyTorch code that uses the padding APIs and RNN/attention modules.
        for rel in ("nn/utils/rnn.py", "nn/modules/rnn.py", "nn/modules/activation.py",
                    "nn/modules/transformer.py", "nn/functional.py", "nn/modules/loss.py"):
            if (torch_root / rel).is_file():
                files.append(torch_root / rel)
    return files


def keyed(report):
    return sorted((f.code, f.row, f.column, f.end_row, f.end_column, f.message) for f in report.findings)


def doc_blocks() -> list[tuple[str, str]]:
    """Every python block of every rule document (bad and good examples, variants)."""
    blocks = []
    for doc in sorted((ROOT / "rules").glob("PAD*.md")):
        for index, match in enumerate(re.finditer(r"```python\n(.*?)```", doc.read_text(encoding="utf-8"), re.S)):
            blocks.append((f"{doc.stem}#{index}", match.group(1)))
    return blocks


FILLER = '''\
import json
import logging

logger = logging.getLogger(__name__)


def banner(title: str) -> str:
    return "=" * len(title) + "\\n" + title


class Timer:
    def __init__(self):
        self.started = None

    def start(self, clock):
        self.started = clock()
        logger.info("started")

    def elapsed(self, clock):
        return clock() - self.started


def save_config(path, config):
    with open(path, "w") as handle:
        json.dump(config, handle, indent=2)
    logger.info(banner("saved"))
'''


def merged_fixtures() -> list[tuple[str, str]]:
    """Each buggy fixture with a clean one and an unrelated module around it: one file in
    which most top-level definitions can be left out, and some must not be."""
    buggy = sorted((ROOT / "fixtures" / "static" / "buggy").glob("*.py"))
    clean = sorted((ROOT / "fixtures" / "static" / "clean").glob("*.py"))
    filler = FILLER
    merged = []
    for index, path in enumerate(buggy):
        partner = clean[index % len(clean)]
        parts = [filler, partner.read_text(encoding="utf-8"), path.read_text(encoding="utf-8")]
        if index % 2:
            parts.reverse()
        merged.append((f"{path.stem}+{partner.stem}", "\n\n".join(parts)))
    return merged


def _same_both_ways(text: str, name: str) -> None:
    fast = check_text(text, name, Settings(ALL, prefilter=True))
    slow = check_text(text, name, Settings(ALL, prefilter=False))
    assert keyed(fast) == keyed(slow)


@pytest.mark.parametrize("path", corpus(), ids=lambda p: p.name)
def test_prefilter_never_changes_findings(path: Path):
    _same_both_ways(path.read_text(encoding="utf-8"), str(path))


@pytest.mark.parametrize("name,text", doc_blocks() + merged_fixtures(), ids=lambda v: v if len(v) < 80 else "")
def test_prefilter_never_changes_findings_in_examples_and_merged_files(name, text):
    _same_both_ways(text, name + ".py")


def test_left_out_definitions_keep_lines_and_columns():
    """The blanked text has the file's lines; what is left out is only unrelated definitions."""
    from padlint.static import segments
    from padlint.static.engine import _triggered

    source = (ROOT / "fixtures" / "static" / "buggy" / "sentiment_lstm_last_step.py").read_text(encoding="utf-8")
    unrelated = "\n\ndef banner(title):\n    return '=' * len(title) + '\\n' + title\n\n\nclass Timer:\n    def start(self):\n        pass\n"
    text = source + unrelated
    rules = Settings(ALL).rules()
    active = _triggered(text, rules)
    reduced = segments.reduce(text, segments.parse(text), lambda piece: bool(_triggered(piece, active)))
    assert reduced is not None
    assert reduced.count("\n") == text.count("\n")
    assert "def banner" not in reduced and "class Timer" not in reduced
    kept = [line for line in reduced.splitlines() if line.strip()]
    assert kept == [line for line in source.splitlines() if line.strip()]


def test_prefilter_skips_files_without_anything_to_look_at():
    report = check_text("import os\nprint(os.getcwd())\n", "x.py", Settings(ALL))
    assert not report.parsed and report.findings == []
    broken = check_text("def f(:\n", "x.py", Settings(ALL))
    assert [f.code for f in broken.findings] == ["PAD000"]


@pytest.mark.parametrize("text", [
    "seq_len = 3", "maxlen", "src_lens)", "lens = x", "(lens)", "lens2", "lensing", "len(x)", "a.len()",
    "xlenx", "lengthy", "_lens", "x_len\n", "n_frames", "num_tokens", "num_framesx", "nn_valid", "lenslens",
    "élen", "len", "lens", "s", "", "count_words", "tokenizer", "PAD_ID", "to_dense_batch", "batch_len_", "ilen.",
])
def test_padding_word_fast_path_agrees_with_its_regex(text):
    """The prefilter's word test reads each "len" with str.find; `_PADDING_WORDS` is its
    definition, and the two must agree on every text (here, the corner cases of `\b`)."""
    from padlint.static.engine import _PADDING_WORDS, has_padding_word

    for variant in (text, f" {text} ", f"x{text}_", f"{text}.s"):
        assert has_padding_word(variant) == (_PADDING_WORDS.search(variant) is not None), variant


def test_padding_word_fast_path_agrees_with_its_regex_on_real_files():
    from padlint.static.engine import _PADDING_WORDS, has_padding_word

    files = sorted((ROOT / "padlint").rglob("*.py")) + sorted((ROOT / "fixtures").rglob("*.py"))
    for path in files:
        # without the plain words, so that the "len" reading decides
        text = path.read_text(encoding="utf-8").replace("pad", "p_d").replace("mask", "m_sk").replace("tokeniz", "t_k")
        for piece in text.split("\n\n"):
            assert has_padding_word(piece) == (_PADDING_WORDS.search(piece) is not None), (path, piece[:80])


@pytest.mark.parametrize("text", [
    "from torch import max as tmax", "from torch import (\n    mean,\n    sum,\n)", "reimport mean", "import\tsum",
    "import summary", "reimport os\nimport mean", "from x import a, \\\n  mean", "import(mean)", "import os.mean",
    "_import mean", "import mean_x", "import x\n\nmean", "import  (  sum", "éimport sum", "import", "",
])
def test_import_reading_agrees_with_its_lazy_regex(text):
    from padlint.static.rule import ReachedByDotOrImport

    reach = ReachedByDotOrImport(("mean", "sum", "max"))
    lazy = re.compile(r"\bimport\s+\(?[\w\s,\\]*?\b(?:max|mean|sum)\b")
    for variant in (text, f"x = 1\n{text}\n", f"a{text}"):
        assert reach.imports(variant) == (lazy.search(variant) is not None), variant


def _job(paths, cache_dir=None, jobs=1):
    return Job(paths=[str(p) for p in paths], selected=ALL, cache_dir=str(cache_dir) if cache_dir else None,
               jobs=jobs, root=ROOT)


def test_warm_cache_parses_nothing_and_gives_the_same_findings(tmp_path):
    fixtures = ROOT / "fixtures" / "static"
    cold = run(_job([fixtures], tmp_path / "cache"))
    assert cold.files_parsed > 0
    assert (tmp_path / "cache" / "CACHEDIR.TAG").read_text().startswith("Signature: 8a477f597d28d172789f06886806bc55")
    warm = run(_job([fixtures], tmp_path / "cache"))
    assert warm.files_parsed == 0
    assert [f.to_json() for f in warm.findings] == [f.to_json() for f in cold.findings]


def test_cache_is_keyed_by_content_and_settings(tmp_path):
    source = (ROOT / "fixtures" / "static" / "buggy" / "sentiment_lstm_last_step.py").read_text()
    path = tmp_path / "m.py"
    path.write_text(source)
    first = run(_job([path], tmp_path / "cache"))
    assert first.findings
    path.write_text(source.replace("out[:, -1]", "out[:, 0]"))
    edited = run(_job([path], tmp_path / "cache"))
    assert edited.files_parsed == 1
    other = Job(paths=[str(path)], selected=frozenset({"PAD301"}), cache_dir=str(tmp_path / "cache"), jobs=1)
    assert run(other).files_parsed == 1


def test_parallel_run_matches_serial_run():
    fixtures = ROOT / "fixtures"
    serial = run(_job([fixtures], jobs=1))
    parallel = run(_job([fixtures], jobs=2))
    assert [f.to_json() for f in parallel.findings] == [f.to_json() for f in serial.findings]


@pytest.mark.parametrize("enabled", [True, False])
def test_in_process_run_leaves_the_garbage_collector_as_it_found_it(enabled):
    # Each file is checked with the cyclic collector paused (speed); a library caller's
    # setting must come back as it was, whatever it was.
    import gc

    was = gc.isenabled()
    try:
        gc.enable() if enabled else gc.disable()
        result = run(_job([ROOT / "fixtures" / "static" / "buggy"], jobs=1))
        assert result.findings
        assert gc.isenabled() is enabled
    finally:
        gc.enable() if was else gc.disable()


def test_clean_removes_the_cache(tmp_path):
    buggy = ROOT / "fixtures" / "static" / "buggy"
    cache = tmp_path / "c"
    proc = run_padlint("check", "--cache-dir", str(cache), str(buggy))
    assert proc.returncode == 1 and (cache / "CACHEDIR.TAG").is_file()
    proc = run_padlint("clean", "--cache-dir", str(cache))
    assert proc.returncode == 0 and not cache.exists()


def test_warm_run_imports_neither_libcst_nor_the_rules(tmp_path):
    import subprocess
    import sys

    buggy = ROOT / "fixtures" / "static" / "buggy"
    cache = tmp_path / "cache"
    assert run_padlint("check", "--cache-dir", str(cache), str(buggy)).returncode == 1
    code = ("import sys, padlint.cli\n"
            "try:\n    padlint.cli.main(['check', '-q', '--cache-dir', sys.argv[1], sys.argv[2]])\n"
            "except SystemExit as exc:\n    assert exc.code == 1, exc.code\n"
            "heavy = sorted(m for m in sys.modules if m == 'libcst' or m.startswith('padlint.static.rules.'))\n"
            "print('heavy:', heavy)\n")
    proc = subprocess.run([sys.executable, "-c", code, str(cache), str(buggy)], capture_output=True, text=True,
                          cwd=ROOT)
    assert proc.stdout.strip().endswith("heavy: []"), proc.stdout + proc.stderr


def test_catalogue_table_matches_the_rule_classes():
    from padlint.static.catalogue import RULES
    from padlint.static.registry import all_rules

    rules = {r.code: r for r in all_rules()}
    assert sorted(rules) == [row[0] for row in RULES]
    for code, name, summary, opt_in, module, cls in RULES:
        rule = rules[code]
        assert (rule.name, rule.summary, rule.opt_in, type(rule).__name__) == (name, summary, opt_in, cls)
        assert type(rule).__module__ == f"padlint.static.rules.{module}"


@pytest.mark.parametrize("name,text", merged_fixtures()[:6] + [
    (p.stem, p.read_text(encoding="utf-8")) for p in sorted((ROOT / "fixtures" / "static" / "buggy").glob("*.py"))])
def test_positions_measured_per_statement_match_the_whole_module(name, text):
    """Long files measure positions statement by statement; both ways give the same places."""
    from padlint.static.engine import _positions, _run_rules, parse_module
    from padlint.static.model import FileReport

    settings = Settings(ALL, prefilter=False)
    module = parse_module(text)
    raw = _run_rules(module, text, name, settings.rules(), settings, FileReport(name))
    assert raw
    nodes = [item.node for item in raw] + [old for item in raw if item.fix for old, _ in item.fix.replacements]
    whole = _positions(module, raw, text, whole_below=10**9)
    each = _positions(module, raw, text, whole_below=0)
    assert [whole[n] for n in nodes] == [each[n] for n in nodes]


@pytest.mark.slow
def test_fast_path_matches_on_the_benchmark_corpus():
    """The real-code corpus of benchmarks/static_speed.py (six PyPI packages, 402k lines), when
    its cache is there: PADLINT_BENCH_CACHE=<cache folder> pytest -m slow."""
    import os
    import subprocess
    import sys

    cache = os.environ.get("PADLINT_BENCH_CACHE")
    if not cache or not (Path(cache) / "sources").is_dir():
        pytest.skip("set PADLINT_BENCH_CACHE to the cache folder of benchmarks/static_speed.py")
    done = subprocess.run([sys.executable, str(ROOT / "benchmarks" / "prefilter_equivalence.py"), "--cache", cache],
                          capture_output=True, text=True, timeout=900)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    assert " 0 files differ" in done.stdout and " 0 files whose kept code saw other facts" in done.stdout
