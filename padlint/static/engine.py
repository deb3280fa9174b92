"""Checking one file: text -> (prefilter) -> libcst module -> walker + rules -> findings.

Everything a user can hand us ends up here as bytes or text; nothing in this module may
raise on bad input.  Unreadable input becomes a :class:`FileError` (exit code 2),
unparsable input a PAD000 finding, and a crash inside one rule an internal error that
names the file and the rule while the other rules and files go on.
"""

from __future__ import annotations

import ast
import io
import re
import tokenize
import traceback
import warnings
from dataclasses import dataclass, field
from typing import Any

import libcst as cst
from libcst._nodes.base import CSTNode
from libcst.metadata import CodePosition, CodeRange, MetadataWrapper, PositionProvider

from padlint.static import segments, traverse, values
from padlint.static.analysis import FileFacts, RawFinding, Walker
from padlint.static.findings import Edit, Finding
from padlint.static.model import FileError, FileReport, Settings, decode  # noqa: F401  (decode re-exported)
from padlint.static.fixes import apply_fixes
from padlint.static.names import code_of
from padlint.static.registry import SYNTAX_ERROR, UNUSED_SUPPRESSION, code_for
from padlint.static.rule import PADDING, Rule


# ----------------------------------------------------------------------------- suppressions
_NOQA = re.compile(r"#\s*noqa(?::\s*(?P<codes>[\w\-]+(?:[\s,]+[\w\-]+)*))?", re.IGNORECASE)
_IGNORE = re.compile(r"#\s*padlint:\s*ignore(?:\[(?P<codes>[^\]]*)\])?(?![\w-])", re.IGNORECASE)
_FILE_IGNORE = re.compile(r"#\s*padlint:\s*file-ignore\[(?P<codes>[^\]]*)\]", re.IGNORECASE)


@dataclass
class Suppression:
    row: int
    column: int
    codes: set[str] | None  # None: every code ("# noqa" alone)
    raw: str
    used: set[str] = field(default_factory=set)
    file_wide: bool = False


def _split_codes(text: str) -> tuple[set[str], list[str]]:
    codes: set[str] = set()
    foreign: list[str] = []
    for token in re.split(r"[\s,]+", text.strip()):
        if not token:
            continue
        code = code_for(token)
        if code is not None:
            codes.add(code)
        else:
            foreign.append(token)
    return codes, foreign


def _worth_tokenizing(text: str, bare_noqa_matters: bool) -> bool:
    """Whether the text may hold a suppression that changes anything (read from the raw text,
    strings included: a superset of the comments).  `# noqa: E501` is ruff's; a bare `# noqa`
    matters only where there are findings."""
    for match in _NOQA.finditer(text):
        codes = match.group("codes")
        if codes is None:
            if bare_noqa_matters:
                return True
        elif _split_codes(codes)[0]:
            return True
    return _IGNORE.search(text) is not None or _FILE_IGNORE.search(text) is not None


def suppressions(text: str, bare_noqa_matters: bool = True) -> list[Suppression]:
    """Suppression comments, read from comment tokens (never from inside strings)."""
    found: list[Suppression] = []
    lowered = text.lower()  # the comments are matched case-insensitively (`# NOQA: PAD202`)
    if "noqa" not in lowered and "padlint:" not in lowered:
        return found
    if not _worth_tokenizing(text, bare_noqa_matters):
        return found
    try:
        tokens = list(tokenize.generate_tokens(io.StringIO(text).readline))
    except (tokenize.TokenError, SyntaxError, IndentationError):
        return found
    for tok in tokens:
        if tok.type != tokenize.COMMENT:
            continue
        comment = tok.string
        row, col = tok.start
        match = _FILE_IGNORE.search(comment)
        if match:
            codes, _ = _split_codes(match.group("codes"))
            found.append(Suppression(row, col + 1, codes, match.group(0), file_wide=True))
            continue
        match = _IGNORE.search(comment)
        if match:
            if match.group("codes") is None:  # `# padlint: ignore` alone: every padlint code on the line
                found.append(Suppression(row, col + 1, None, match.group(0)))
            else:
                codes, _ = _split_codes(match.group("codes"))
                found.append(Suppression(row, col + 1, codes, match.group(0)))
            continue
        match = _NOQA.search(comment)
        if match:
            if match.group("codes") is None:
                found.append(Suppression(row, col + 1, None, match.group(0)))
            else:
                codes, foreign = _split_codes(match.group("codes"))
                # `# noqa: E501` is ruff's business: only our codes count here.
                if codes:
                    found.append(Suppression(row, col + 1, codes, match.group(0)))
    return found


def _is_suppressed(finding: Finding, sups: list[Suppression]) -> bool:
    for sup in sups:
        if sup.file_wide:
            if sup.codes and finding.code in sup.codes:
                sup.used.add(finding.code)
                return True
            continue
        if sup.row not in (finding.row, finding.end_row):
            continue
        if sup.codes is None:
            sup.used.add(finding.code)
            return True
        if finding.code in sup.codes:
            sup.used.add(finding.code)
            return True
    return False


# ----------------------------------------------------------------------------- checking
# Words that tell of padding: pad/mask/tokenizer, and the names read as lengths.
_PADDING_WORDS = re.compile(r"pad|mask|tokeniz|to_dense_batch|\blens\b|\w_?lens?\b|lengths?|(?:n|num)_(?:frames|tokens|words|chars|phones|valid)")


_COUNTS = re.compile(r"n(?:um)?_(?:frames|tokens|words|chars|phones|valid)")


def _word_char(ch: str) -> bool:
    return ch.isalnum() or ch == "_"


def has_padding_word(text: str) -> bool:
    """``_PADDING_WORDS.search(text) is not None``, without the regex's scan from every position
    (a pattern that may start with any word character): each "len" is found with ``str.find``
    and its neighbours read.  A "len" counts when it starts "length", when a word character
    comes before it (`seq_len`, `maxlen`, `src_lens`), or as the whole word "lens"; in the
    last two cases it ends the word (`lens?\b`)."""
    if "pad" in text or "mask" in text or "tokeniz" in text or "to_dense_batch" in text:
        return True
    at = text.find("len")
    while at != -1:
        if text.startswith("length", at):
            return True
        end = at + 3
        plural = text.startswith("s", end)
        after = end + 1 if plural else end
        if after >= len(text) or not _word_char(text[after]):
            if at > 0 and _word_char(text[at - 1]):
                return True
            if plural:  # `\blens\b`
                return True
        at = text.find("len", at + 1)
    return ("n_" in text or "num_" in text) and _COUNTS.search(text) is not None


def _matches(text: str, group: tuple[str, ...], seen: dict[str, bool]) -> bool:
    """Whether one of ``group``'s words is in ``text``; ``seen`` remembers the answers for this
    text (the rules share many words, and each `in` scans the whole file)."""
    for token in group:
        hit = seen.get(token)
        if hit is None:
            hit = seen[token] = has_padding_word(text) if token == PADDING else token in text
        if hit:
            return True
    return False


def _triggered(text: str, rules: list[Rule], extra_names: tuple[str, ...] = (), whole_file: bool = True) -> list[Rule]:
    """The rules that have something to look at in this text (the prefilter); for a part of a
    file (``whole_file=False``) the rules' `file_gates` are not asked (the file met them).

    Names configured to mean lengths or masks (`lengths-names`, `mask-names`) count as the
    words "lengths" and "mask"."""
    if extra_names and any(name in text for name in extra_names):
        text = text + "\n# mask lengths"
    padding: dict[str, bool] = {}
    return [rule for rule in rules
            if _matches(text, rule.triggers, padding) and all(_matches(text, g, padding) for g in rule.also_requires)
            and (not whole_file or all(_matches(text, g, padding) for g in rule.file_gates))
            and rule.may_apply(text)]


def left_out(text: str, tree: ast.Module, active: list[Rule], extra_names: tuple[str, ...] = ()) -> str | None:
    """What libcst gets of a file the prefilter passed for the rules ``active``: the text with
    the definitions that cannot matter to them blanked (None: nothing can be left out)."""
    file_wide = tuple(word for rule in active for word in rule.file_wide_words)
    return segments.reduce(text, tree, lambda piece: bool(_triggered(piece, active, extra_names, whole_file=False)),
                           file_wide)


def _no_validation(self: CSTNode) -> None:
    return None


def parse_module(text: str) -> cst.Module:
    """``libcst.parse_module``, minus libcst's re-validation of every node the parser builds.

    Each node's ``__post_init__`` re-checks what the grammar has just guaranteed; that is
    about 15% of the parse.  It is switched off only while the parser runs (nodes that the
    rules' fixes build later are validated as usual)."""
    saved = CSTNode.__dict__.get("__post_init__")
    if saved is None:  # pragma: no cover - another libcst layout: parse as it is
        return cst.parse_module(text)
    CSTNode.__post_init__ = _no_validation  # type: ignore[method-assign]
    try:
        return cst.parse_module(text)
    finally:
        CSTNode.__post_init__ = saved  # type: ignore[method-assign]


def _syntax_finding(filename: str, message: str, row: int, column: int, lines: list[str]) -> Finding:
    code, name, _ = SYNTAX_ERROR
    source = lines[row - 1] if 0 < row <= len(lines) else ""
    return Finding(filename, code, name, f"SyntaxError: {message}", row, column, row, column + 1,
                   hint="Fix the syntax error; padlint checks nothing else in this file until it parses.",
                   source_line=source)


def _ast_syntax_error(text: str, filename: str) -> tuple[str, int, int] | None:
    """Python's own verdict on the syntax: (message, line, column) or None.

    ``compile`` to bytecode answers "it parses" about 3x faster than ``ast.parse`` (it builds no
    Python AST objects), so it goes first; only when it fails does ``ast.parse`` say whether the
    parser itself rejects the text (the compiler also rejects `return` outside a function,
    which is not a parse error)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            compile(text, filename, "exec", dont_inherit=True)
            return None
        except (SyntaxError, ValueError, RecursionError, MemoryError, OverflowError):
            pass
        try:
            ast.parse(text, filename=filename)
        except SyntaxError as exc:
            return exc.msg, exc.lineno or 1, exc.offset or 1
        except (ValueError, RecursionError, MemoryError) as exc:
            return str(exc), 1, 1
    return None


def check_text(text: str, filename: str, settings: Settings, fix: str | None = None) -> FileReport:
    """Check one file's text.  ``fix``: None, "safe" or "unsafe" (apply fixes up to that level).

    Fixes are applied in rounds (at most 10) until nothing more changes, so that fixes which
    touch the same call (PAD102 inside a call PAD103 rewrites) all land; the text is re-checked
    after each round."""
    if fix is None:
        return _check_once(text, filename, settings, None)[0]
    wanted = {"safe"} if fix == "safe" else {"safe", "unsafe"}
    current = text
    first: FileReport | None = None
    errors: list[FileError] = []
    for _ in range(10):
        report, new_text = _check_once(current, filename, settings, fix)
        if first is None:
            first = report
        errors.extend(e for e in report.errors if "automatic fix" in e.message)
        if new_text is None or new_text == current:
            break
        current = new_text
    assert first is not None
    if current == text:
        first.errors.extend(e for e in errors if e not in first.errors)
        return first
    final = _check_once(current, filename, settings, None)[0]
    final.errors.extend(errors)
    final.fixed_text = current

    def fixable(r: FileReport) -> int:
        return sum(1 for f in r.findings if f.edits and f.fix_applicability in wanted)

    final.fixes_applied = max(fixable(first) - fixable(final), 1)
    return final


def _check_once(text: str, filename: str, settings: Settings, fix: str | None) -> tuple[FileReport, str | None]:
    """One check; with ``fix``, also the text with this round's fixes applied (or None)."""
    report = FileReport(filename)
    lines = text.splitlines()
    rules = settings.rules()
    names = settings.options.get("names", {})
    extra = tuple(names.get("lengths", [])) + tuple(names.get("mask", []))
    active = _triggered(text, rules, extra) if settings.prefilter else rules
    if not active:
        if SYNTAX_ERROR[0] in settings.select:
            err = _ast_syntax_error(text, filename)
            if err is not None:
                report.findings.append(_syntax_finding(filename, err[0], err[1], err[2], lines))
        return _finish(report, text, settings), None
    # Python's parser first: it says whether there is a syntax error, and which top-level
    # definitions cannot matter (they are blanked out of what libcst parses; see segments).
    parse_text = text
    python_accepts = False
    if settings.prefilter and fix is None:
        tree = segments.parse(text)
        if tree is not None:
            python_accepts = True
            reduced = left_out(text, tree, active, extra)
            if reduced is not None:
                parse_text = reduced
    try:
        module = parse_module(parse_text)
    except cst.ParserSyntaxError as exc:
        if SYNTAX_ERROR[0] in settings.select:
            py_err = _ast_syntax_error(text, filename)
            if py_err is not None:
                report.findings.append(_syntax_finding(filename, py_err[0], py_err[1], py_err[2], lines))
            else:
                report.errors.append(FileError(filename, f"libcst could not parse this file ({exc.message}), "
                                                         "although Python can; it was not checked", warning=True))
        return _finish(report, text, settings), None
    except (RecursionError, MemoryError) as exc:
        report.errors.append(FileError(filename, f"too deeply nested to analyse ({type(exc).__name__}); not checked",
                                       warning=True))
        return _finish(report, text, settings), None
    except Exception as exc:  # pragma: no cover - libcst internal problems
        report.errors.append(FileError(filename, f"libcst failed on this file: {exc!r}", internal=True))
        return _finish(report, text, settings), None
    report.parsed = True
    if SYNTAX_ERROR[0] in settings.select and not python_accepts:
        # libcst reads newer syntax than this Python (PEP 695 `type X = ...` on 3.11): the file
        # does not parse *here*, and the prefiltered path (Python's parser) says so too.
        py_err = _ast_syntax_error(text, filename)
        if py_err is not None:
            report.findings.append(_syntax_finding(filename, py_err[0], py_err[1], py_err[2], lines))

    raw = _run_rules(module, parse_text, filename, active, settings, report, source=text)
    if raw is None:
        return _finish(report, text, settings), None
    report.findings.extend(_to_findings(module, raw, filename, lines, parse_text))

    new_text: str | None = None
    if fix is not None:
        wanted = {"safe"} if fix == "safe" else {"safe", "unsafe"}
        fixes = [r.fix for r in raw if r.fix is not None and r.fix.applicability in wanted]
        if fixes:
            sups = [] if settings.ignore_noqa else suppressions(text)
            kept = [r.fix for r, f in zip(raw, _to_findings(module, raw, filename, lines, text))
                    if r.fix is not None and r.fix.applicability in wanted and not _is_suppressed(f, sups)]
            if kept:
                new_text = apply_fixes(module, kept)
                try:
                    cst.parse_module(new_text)
                    compile(new_text, filename, "exec", flags=ast.PyCF_ONLY_AST, dont_inherit=True)
                except Exception:
                    report.errors.append(FileError(filename, "an automatic fix produced invalid code; "
                                                             "nothing was changed", internal=True))
                    new_text = None
    return _finish(report, text, settings), new_text


def _run_rules(module: cst.Module, text: str, filename: str, rules: list[Rule], settings: Settings,
               report: FileReport, source: str | None = None) -> list[RawFinding] | None:
    def on_error(rule: Rule, exc: BaseException) -> None:
        tb = traceback.extract_tb(exc.__traceback__)
        where = f" ({tb[-1].filename}:{tb[-1].lineno})" if tb else ""
        report.errors.append(FileError(
            filename, f"internal error in rule {rule.code} ({rule.name}): {type(exc).__name__}: {exc}{where}; "
                      "the other rules still ran. Please report this with the file.", internal=True))

    values.configure_names(
        settings.options.get("names", {}).get("lengths", []),
        settings.options.get("names", {}).get("mask", []),
    )
    facts = FileFacts(text=text, source=source if source is not None else text)
    # Pass 1 learns what call sites pass to functions and classes of this file and what those
    # return; another pass follows (at most PASSES in all) while some function read a fact before
    # the pass had learnt it (a helper defined further down, a call site after the callee).
    child_cache: dict[int, list[cst.CSTNode]] = {}  # shared by the passes over this one tree
    try:
        return _passes(module, text, filename, rules, settings, report, facts, child_cache, on_error)
    finally:
        traverse.forget_nodes()


def _passes(module: cst.Module, text: str, filename: str, rules: list[Rule], settings: Settings,
            report: FileReport, facts: FileFacts, child_cache: dict[int, list[cst.CSTNode]],
            on_error: Any) -> list[RawFinding] | None:
    findings: dict[tuple[str, int], RawFinding] = {}
    for _ in range(PASSES):
        walker = Walker(rules, facts, settings.options, on_error=on_error, child_cache=child_cache)
        try:
            walker.walk(module)
        except RecursionError:
            report.errors.append(FileError(filename, "too deeply nested to analyse (RecursionError); not checked",
                                           warning=True))
            return None
        except Exception as exc:
            on_error(_EngineRule(), exc)
            return None
        # The last pass knows the most; its findings replace the earlier ones.
        findings = {(item.rule.code, id(item.node)): item for item in walker.findings}
        walker.dispose()
        if facts.settled():
            break
        facts = FileFacts(text=text, source=facts.source, param_facts=facts.param_facts, fact_sites=facts.fact_sites,
                          returns=facts.returns, memo=facts.memo)
    return list(findings.values())


class _EngineRule(Rule):
    code = "engine"
    name = "analysis"
    summary = ""


# Below this many module-level statements, libcst measures the whole module at once.
WHOLE_MODULE_POSITIONS = 20
PASSES = 4


def _positions(module: cst.Module, raw: list[RawFinding], text: str,
               whole_below: int = WHOLE_MODULE_POSITIONS) -> Any:
    """Source positions of the reported nodes (and of the nodes their fixes replace).

    libcst's PositionProvider regenerates the code of the whole module (a quarter of a
    second for a 2,000-line file); so in a longer file only the module-level statements that
    hold a finding are measured, each on its own, and placed with the line numbers Python's
    own parser gives the statements."""
    if len(module.body) < whole_below:
        return MetadataWrapper(module, unsafe_skip_copy=True).resolve(PositionProvider)
    needed = {r.top for r in raw if r.top is not None}
    late = [r for r in raw if r.top is None]
    if late:
        # Reported after the walk (a file-wide check): find the statements that hold the node
        # and whatever its fix replaces.
        wanted = {id(r.node) for r in late}
        wanted.update(id(old) for r in late if r.fix is not None for old, _ in r.fix.replacements)
        tops = _tops_holding(module, wanted)
        if tops is None:
            return MetadataWrapper(module, unsafe_skip_copy=True).resolve(PositionProvider)
        needed.update(tops.values())
    tree = segments.parse(text)
    if tree is None:
        return MetadataWrapper(module, unsafe_skip_copy=True).resolve(PositionProvider)
    # libcst puts `a = 1; b = 2` in one statement line, ast in two: walk both in step.
    first_lines: list[int] = []
    index = 0
    for statement in module.body:
        if index >= len(tree.body):
            return MetadataWrapper(module, unsafe_skip_copy=True).resolve(PositionProvider)
        first_lines.append(segments.first_row(tree.body[index]))
        index += len(statement.body) if isinstance(statement, cst.SimpleStatementLine) else 1
    if index != len(tree.body):
        return MetadataWrapper(module, unsafe_skip_copy=True).resolve(PositionProvider)
    table: dict[cst.CSTNode, Any] = {}
    for top in sorted(needed):
        statement = module.body[top]
        bare = statement.with_changes(leading_lines=[])
        mini = MetadataWrapper(cst.Module(body=[bare]), unsafe_skip_copy=True).resolve(PositionProvider)
        shift = first_lines[top] - 1
        for node, pos in mini.items():
            key = statement if node is bare else node
            table[key] = CodeRange(CodePosition(pos.start.line + shift, pos.start.column),
                                   CodePosition(pos.end.line + shift, pos.end.column))
    return table


def _tops_holding(module: cst.Module, wanted: set[int]) -> dict[int, int] | None:
    """For each node id in ``wanted``, the index of the module-level statement that holds it
    (None if one is not in the tree)."""
    found: dict[int, int] = {}
    for index, statement in enumerate(module.body):
        for node in traverse.iter_nodes(statement):
            if id(node) in wanted and id(node) not in found:
                found[id(node)] = index
        if len(found) == len(wanted):
            return found
    return None


def _one_line(message: str) -> str:
    """Code quoted in a message (`x.narrow(\n    1, ...)`) is put on one line."""
    return re.sub(r"\s*[\r\n]\s*", " ", message) if "\n" in message or "\r" in message else message


def _to_findings(module: cst.Module, raw: list[RawFinding], filename: str, lines: list[str],
                 text: str = "") -> list[Finding]:
    if not raw:
        return []
    positions = _positions(module, raw, text)
    out: list[Finding] = []
    for item in raw:
        pos = positions.get(item.node)
        if pos is None:
            continue
        start, end = pos.start, pos.end
        finding = Finding(
            filename=filename, code=item.rule.code, name=item.rule.name, message=_one_line(item.message),
            row=start.line, column=start.column + 1, end_row=end.line, end_column=end.column + 1,
            severity=item.rule.severity, hint=item.rule.fix_hint, url=item.rule.url,
            source_line=lines[start.line - 1] if start.line - 1 < len(lines) else "",
        )
        if item.fix is not None:
            finding.fix_message = item.fix.message
            finding.fix_applicability = item.fix.applicability
            for old, new in item.fix.replacements:
                old_pos = positions.get(old)
                if old_pos is None:
                    continue
                finding.edits.append(Edit(code_of(new), old_pos.start.line, old_pos.start.column + 1,
                                          old_pos.end.line, old_pos.end.column + 1))
        out.append(finding)
    return out


def _finish(report: FileReport, text: str, settings: Settings) -> FileReport:
    """Apply suppressions, add PAD100 for the unused ones, and sort."""
    if not settings.ignore_noqa:
        sups = suppressions(text, bare_noqa_matters=bool(report.findings))
        if sups:
            report.findings = [f for f in report.findings if not _is_suppressed(f, sups)]
            if UNUSED_SUPPRESSION[0] in settings.select:
                lines = text.splitlines()
                for sup in sups:
                    unused = (sup.codes or set()) & settings.select - sup.used
                    if sup.codes is None and not sup.used:
                        continue  # a bare `# noqa` may be meant for other linters
                    if unused:
                        code, name, _ = UNUSED_SUPPRESSION
                        report.findings.append(Finding(
                            report.filename, code, name,
                            f"Unused suppression of {', '.join(sorted(unused))}: nothing is reported here",
                            sup.row, sup.column, sup.row, sup.column + len(sup.raw),
                            severity="warning", hint="Remove the suppression comment.",
                            source_line=lines[sup.row - 1] if sup.row - 1 < len(lines) else "",
                        ))
    report.findings.sort(key=Finding.sort_key)
    return report
