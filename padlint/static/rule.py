"""The base class of a rule.

A rule is a small class: a code, a kebab-case name, a one-line summary, a one-line fix
hint, the words a file must contain for the rule to have anything to look at (the
prefilter), and handlers for the events of :mod:`padlint.static.analysis`.  A handler
reads facts through the context (``ctx.ev(node)``) and calls ``self.report(ctx, node,
message)``.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any, ClassVar, Iterable

if TYPE_CHECKING:  # pragma: no cover
    import libcst as cst

    from padlint.static.analysis import Context, Scope
    from padlint.static.fixes import Fix


PADDING = "<padding>"


_IMPORT_RUN = re.compile(r"import\s+\(?([\w\s,\\]*)")
_WORD = re.compile(r"\w+")


class ReachedByDotOrImport:
    """Whether a text uses one of ``names`` as an attribute (`x.mean(1)`, `torch.sum`,
    `fn = torch.max`) or imports it by name (`from torch import max as tmax`): not inside longer
    words ("summary", "softmax", "max_len") nor the builtins `max(a, b)` and `sum(xs)`; or
    matches ``also`` (a regular expression).  For the finer prefilters (``Rule.may_apply``) of
    rules that report at such calls.  Three searches rather than one alternation: the regex
    engine finds a leading "." or a literal far faster than a pattern that may start anywhere."""

    def __init__(self, names: Iterable[str], also: str = "") -> None:
        words = "|".join(sorted(names))
        self._names = frozenset(names)
        self._dot = re.compile(rf"\.\s*(?:{words})\b")
        self._also = re.compile(also) if also else None

    def imports(self, text: str) -> bool:
        r"""Whether a whole word of the run of words, spaces, commas and backslashes after an
        `import` is one of the names.  (The lazy regex `import\s+\(?[\w\s,\\]*?\b(?:names)\b`
        says the same, but tries every name at every step of the run: 30x slower.)"""
        at = 0
        while (found := _IMPORT_RUN.search(text, at)) is not None:
            start = found.start()
            if start and (text[start - 1].isalnum() or text[start - 1] == "_"):  # `\bimport`, by hand: a
                at = start + 1  # leading `\b` would cost the regex its fast search for "import"
                continue
            if not self._names.isdisjoint(_WORD.findall(found.group(1))):
                return True
            at = found.end()
        return False

    def search(self, text: str) -> bool:
        return bool(self._dot.search(text) or ("import" in text and self.imports(text))
                    or (self._also is not None and self._also.search(text)))


class Rule:
    code: ClassVar[str]
    name: ClassVar[str]
    summary: ClassVar[str]
    fix_hint: ClassVar[str] = ""
    # The prefilter: at least one of `triggers` must be in the file's text, and at least one
    # of each group in `also_requires`, for the rule to have anything to look at.  The token
    # PADDING stands for "a word that tells of padding" (pad, mask, lengths, a tokenizer).
    triggers: ClassVar[tuple[str, ...]] = ()
    also_requires: ClassVar[tuple[tuple[str, ...], ...]] = ()
    # Like `also_requires`, but one word of each group need only be somewhere in the file, not
    # in the part of it where the finding would be (PAD304: "the file pads something").
    file_gates: ClassVar[tuple[tuple[str, ...], ...]] = ()
    # Words (lower case; matched case-insensitively) whose presence *anywhere* in a file
    # changes what the rule reports (PAD103: a sort or a shuffle in any function).  A part
    # of the file that holds one is never left out of the analysis (padlint.static.segments).
    file_wide_words: ClassVar[tuple[str, ...]] = ()
    # Off unless selected explicitly (`--select PAD105`) or with `preview = true`.
    opt_in: ClassVar[bool] = False
    # "safe", "unsafe" or None: whether the rule offers an automatic fix, and how sure it is.
    fix_applicability: ClassVar[str | None] = None
    severity: ClassVar[str] = "error"

    def may_apply(self, text: str) -> bool:
        """A finer prefilter, asked only once `triggers` and `also_requires` are met."""
        return True

    def report(self, ctx: Context, node: cst.CSTNode, message: str, fix: Fix | None = None) -> None:
        ctx.report(self, node, message, fix)

    # Events (see padlint.static.analysis.Walker); override the ones the rule needs.
    def on_call(self, node: cst.Call, ctx: Context) -> None: ...
    def on_subscript(self, node: cst.Subscript, ctx: Context) -> None: ...
    def on_binop(self, node: cst.BinaryOperation, ctx: Context) -> None: ...
    def on_compare(self, node: cst.Comparison, ctx: Context) -> None: ...
    def on_for(self, node: cst.For, ctx: Context) -> None: ...
    def on_return(self, node: cst.Return, ctx: Context) -> None: ...
    def on_expr(self, node: cst.Expr, ctx: Context) -> None: ...
    def on_scope_end(self, scope: Scope, ctx: Context) -> None: ...
    def on_assign(self, node: cst.Assign, value: Any, ctx: Context) -> None: ...
    def on_module_end(self, node: cst.Module, ctx: Context) -> None: ...

    @property
    def url(self) -> str:
        from padlint.static.docs import doc_url

        return doc_url(self.code, self.name)
