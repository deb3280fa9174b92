"""PAD307 crf-without-mask: a CRF's likelihood or Viterbi decoding run over a padded batch without its mask."""

from __future__ import annotations

import re

import libcst as cst

from padlint.static import values as V
from padlint.static.analysis import Context, batch_axis_added
from padlint.static.names import dotted, short_code
from padlint.static.rule import Rule
from padlint.static.traverse import nodes_of

# The decoding methods of the common CRF layers (pytorch-crf's `decode`, AllenNLP's
# `viterbi_tags`, fastNLP's `viterbi_decode`): (emissions, mask=None, ...).
_DECODE = {"decode", "viterbi_tags", "viterbi_decode"}
# The likelihood: `crf(emissions, tags, mask=None)` or `crf.forward(...)`.
_LIKELIHOOD = {"forward", "neg_log_likelihood", "log_likelihood"}
_CRF_NAME = re.compile(r"crf|conditionalrandomfield", re.IGNORECASE)
_MASK_WORDS = ("mask", "len")


class CrfWithoutMask(Rule):
    code = "PAD307"
    name = "crf-without-mask"
    summary = "a CRF's likelihood or Viterbi decoding over a padded batch without the mask (the pads join the paths)"
    fix_hint = "Pass the padding mask: `crf.decode(emissions, mask=mask)`, `crf(emissions, tags, mask=mask)`."
    triggers = ("crf", "CRF", "ConditionalRandomField")
    # (the masked call that says the batches are padded may be anywhere in the file: no part of
    # it that names a CRF is left out of the parse)
    file_wide_words = ("crf", "conditionalrandomfield")

    def on_call(self, node: cst.Call, ctx: Context) -> None:
        target = _crf_call(node)
        if target is None:
            return
        crf, method = target
        if any(a.star for a in node.args):
            return  # (crf.decode(*args), crf(**batch): what is passed is not in view)
        if method not in _DECODE and len(node.args) < 2:
            return  # `self.crf(features)`: not a likelihood of tags (flair's CRF adds the transitions)
        masked = _passes_mask(node, method)
        calls = ctx.file.scratch.setdefault("pad307_calls", {})
        if id(node) in calls:
            return
        padded = False
        if not masked and _one_sequence_here(ctx):
            masked = None  # (decoding one sentence made a batch of one: nothing is padded)
        elif not masked:
            # the decoded emissions, or the gold tags of the likelihood, known to be a padded batch
            data = [node.args[0].value] if node.args and node.args[0].keyword is None else []
            if method not in _DECODE and len(node.args) > 1 and node.args[1].keyword is None:
                data.append(node.args[1].value)
            padded = any(V.is_strongly_padded(ctx.ev(d)) for d in data)
        calls[id(node)] = (node, crf, method, masked, padded)

    def on_module_end(self, node: cst.Module, ctx: Context) -> None:
        calls = list(ctx.file.scratch.get("pad307_calls", {}).values())
        if not calls:
            return
        masked_crfs = {crf for _, crf, _, masked, _ in calls if masked}
        # (None: a call on a batch of one, neither masked nor evidence)
        maskless = _maskless_methods(node)
        for call, crf, method, masked, padded in calls:
            if masked or masked is None or method in maskless:
                continue
            if crf in masked_crfs:
                why = f"elsewhere this file passes `{crf}` a mask, so its batches are padded"
            elif padded:
                why = "the batch is padded"
            else:
                continue
            what = "decodes (Viterbi)" if method in _DECODE else "scores the tag sequences"
            self.report(ctx, call, f"`{short_code(call)}` {what} without a mask, although {why}: every padded "
                                   "position joins the paths, with its emissions and transitions, and changes the "
                                   "result for the real tokens; pass the mask")


def _crf_call(node: cst.Call) -> tuple[str, str] | None:
    """(the CRF's dotted name, the method: "decode", "forward"...) when ``node`` calls a CRF
    layer: `self.crf(...)`, `crf.decode(...)`, `self.crf_layer.module.viterbi_tags(...)`."""
    func = node.func
    method = "forward"
    if isinstance(func, cst.Attribute) and (func.attr.value in _DECODE or func.attr.value in _LIKELIHOOD):
        method = func.attr.value
        func = func.value
    name = dotted(func)
    if name is None:
        return None
    if name.endswith(".module"):  # nn.DataParallel's wrapped module
        name = name[: -len(".module")]
    last = name.rsplit(".", 1)[-1]
    if not _CRF_NAME.search(last) or last[:1].isupper():
        return None  # (`CRF(num_tags)` builds one)
    return name, method


def _passes_mask(call: cst.Call, method: str) -> bool:
    """Whether the call hands the CRF a mask (or lengths): by keyword, by position, or an argument
    named as one."""
    for arg in call.args:
        if arg.keyword is not None and any(w in arg.keyword.value.lower() for w in _MASK_WORDS):
            return True
        value = dotted(arg.value) or ""
        if any(w in value.rsplit(".", 1)[-1].lower() for w in _MASK_WORDS):
            return True
    positional = [a for a in call.args if a.keyword is None]
    return len(positional) > (1 if method in _DECODE else 2)


def _one_sequence_here(ctx: Context) -> bool:
    """Whether the function around the call makes a batch of one sequence: `x.unsqueeze(0)`,
    `x[None]`, `x[None, :]` (a `predict(sentence)` path)."""
    scope = ctx.function_scope
    function = scope.node if scope is not None else None
    if not isinstance(function, cst.FunctionDef):
        return False
    return any(batch_axis_added(n) for n in nodes_of(function.body, cst.Call, cst.Subscript))


def _maskless_methods(module: cst.Module) -> set[str]:
    """The methods of the CRF classes defined in this file that take no mask or lengths at all (a
    CRF written for one sequence, or one that masks by itself): calling them without one is all
    they allow."""
    found: set[str] = set()
    for cls in nodes_of(module, cst.ClassDef):
        if not _CRF_NAME.search(cls.name.value):
            continue
        for function in nodes_of(cls.body, cst.FunctionDef):
            params = [p.name.value.lower() for p in (*function.params.params, *function.params.kwonly_params)]
            if not any(w in p for p in params for w in _MASK_WORDS):
                found.add("forward" if function.name.value == "__call__" else function.name.value)
    return found
